/**
 * One change to one patient's record, as one transaction: the patient row is
 * locked (changes to a patient apply one at a time, so risk is computed from
 * a consistent set of facts), the change is written, the risk and summary are
 * recomputed, and the domain events are appended — all or nothing. Before it starts,
 * the access table is asked whether the caller may write that kind of data.
 */
import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { PatientData } from '../../../shared/access-policy';
import { notFound } from '../../../shared/errors';
import { recordEvent, type NewEvent } from '../../../shared/events';
import { isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import { utcDay } from '../domain/dates';
import { summaryChanged, type PatientAssessment, type PatientSummary } from '../domain/risk-assessment';
import { PatientRecord } from './entities';
import { reassessPatient } from './risk-store';

export type PatientEvent = Omit<NewEvent, 'patientId' | 'actor'>;

export interface PatientChange {
  m: EntityManager;
  /** The patient row, locked for the transaction. */
  patient: PatientRecord;
  now: Date;
  /** UTC calendar day of `now`. */
  today: string;
  /** Queues a domain event; events are appended in order once the change is written. */
  emit(event: PatientEvent): void;
  /** Recomputes and stores the patient's risk (once per change; later calls return the same result). */
  reassess(): Promise<PatientAssessment>;
}

export interface ChangeOptions {
  /** Whether the change can move risk, comorbidity or consents (everything but demographics). */
  affectsSummary: boolean;
  /** What of the patient's data the change writes: the access table decides who may (nothing written when refused). */
  data: PatientData;
}

export async function changePatient<T>(ctx: SubgraphContext, patientId: string, options: ChangeOptions, body: (c: PatientChange) => Promise<T>): Promise<T> {
  if (!isUuid(patientId)) throw notFound('Patient', patientId);
  // Every write of a patient's record passes here, so none can skip the table (FORBIDDEN with the reason).
  await ctx.access.assert(patientId, options.data, 'write', options.data);
  return ctx.db.transaction(async (m) => {
    const patient = await m.findOne(PatientRecord, { where: { id: patientId }, lock: { mode: 'pessimistic_write' } });
    if (!patient) throw notFound('Patient', patientId);
    const now = new Date();
    const events: PatientEvent[] = [];
    let assessment: Promise<PatientAssessment> | undefined;
    const change: PatientChange = {
      m, patient, now, today: utcDay(now),
      emit: (e) => void events.push(e),
      reassess: () => (assessment ??= reassessPatient(m, patientId, now, utcDay(now))),
    };
    const result = await body(change);
    const after = options.affectsSummary ? await change.reassess() : undefined;
    const append = (e: PatientEvent) => recordEvent(m, ctx.source, { ...e, patientId, actor: ctx.principal.sub });
    for (const e of events) await append(e);
    if (after) await publishSummaryIfChanged(m, patient, after.summary, append);
    return result;
  });
}

/** PatientSummaryChanged whenever a value other subgraphs keep moved; the published copy is stored to compare with next time. */
export async function publishSummaryIfChanged(
  m: EntityManager,
  patient: Pick<PatientRecord, 'id' | 'summary'>,
  summary: PatientSummary,
  append: (e: PatientEvent) => Promise<unknown>,
): Promise<void> {
  if (!summaryChanged(patient.summary, summary)) return;
  await m.query('UPDATE patients.patient SET summary = $2 WHERE id = $1', [patient.id, JSON.stringify(summary)]);
  await append({ type: 'PatientSummaryChanged', aggregateType: 'Patient', aggregateId: patient.id, payload: { ...summary } });
}

/**
 * A change to one of a patient's records (a condition, an encounter, ...): the record
 * names the patient, whose row is locked; the record is then re-read inside the
 * transaction, so what the change sees cannot be changed underneath it.
 */
export async function changePatientRecord<R extends ObjectLiteral & { id: string; patientId: string }, T>(
  ctx: SubgraphContext, entity: EntityTarget<R>, what: string, id: string, options: ChangeOptions,
  body: (c: PatientChange, record: R) => Promise<T>,
): Promise<T> {
  const found = isUuid(id) ? await ctx.db.getRepository(entity).findOne({ where: { id } as never, select: { id: true, patientId: true } as never }) : null;
  if (!found) throw notFound(what, id);
  return changePatient(ctx, found.patientId, options, async (c) => body(c, await c.m.findOneByOrFail(entity, { id } as never)));
}
