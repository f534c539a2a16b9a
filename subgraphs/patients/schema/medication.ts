/**
 * The patient's medication list (FHIR MedicationStatement: code and display — RxNorm
 * where known —, dose, route, frequency, status, source) and medication reconciliation
 * after a discharge (issue 13): each active medication marked continued, changed or
 * stopped, discharge medications added as new, discrepancies noted; the list is updated
 * to match and one MedicationsReconciled event is emitted in the same transaction, from
 * which care-teams completes the TCM medication-reconciliation step. Medications are the
 * clinical record: PatientData.MEDICATIONS decides who writes and reads them.
 */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, ObjectType, Resolver, Root, registerEnumType } from 'type-graphql';
import { PatientData } from '../../../shared/access-policy';
import { badInput } from '../../../shared/errors';
import { isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import { EncounterRecord, type PatientRecord } from '../data/entities';
import { MedicationReconciliationRecord, MedicationStatementRecord, type ReconciliationLine } from '../data/medication-entities';
import { changePatient, changePatientRecord, type PatientEvent } from '../data/patient-change';
import {
  MedicationSource, MedicationStatus, RXNORM, ReconciliationDisposition, planReconciliation, rxNormCodeOf,
} from '../domain/medication-reconciliation';
import { requiredText } from '../domain/patient-rules';
import { assertValidDate } from '../domain/validation';
import { STAY_KINDS } from '../domain/vocabulary';
import { medicationsOf, reconciliationsOf } from './daily-work-loaders';
import { readablePatient } from './loaders';
import { Patient } from './types';

registerEnumType(MedicationStatus, { name: 'MedicationStatus', description: 'FHIR MedicationStatement.status' });
registerEnumType(MedicationSource, { name: 'MedicationSource', description: 'Where the statement came from' });
registerEnumType(ReconciliationDisposition, { name: 'ReconciliationDisposition' });

@ObjectType({ description: 'A medication the patient takes or took (FHIR MedicationStatement)' })
export class MedicationStatement {
  @Field(() => ID) id: string;
  @Field(() => String, { nullable: true, description: 'RxNorm concept id (RXCUI), when known' }) code: string | null;
  @Field(() => String, { nullable: true, description: 'The code system of `code`' }) codeSystem: string | null;
  @Field() display: string;
  @Field(() => String, { nullable: true }) dose: string | null;
  @Field(() => String, { nullable: true }) route: string | null;
  @Field(() => String, { nullable: true }) frequency: string | null;
  @Field(() => MedicationStatus) status: MedicationStatus;
  @Field(() => MedicationSource) source: MedicationSource;
  @Field(() => String, { nullable: true }) recordedBy: string | null;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@ObjectType()
class MedicationDosage {
  @Field(() => String, { nullable: true }) dose: string | null;
  @Field(() => String, { nullable: true }) route: string | null;
  @Field(() => String, { nullable: true }) frequency: string | null;
}

@ObjectType({ description: 'One line of a reconciliation' })
class MedicationReconciliationLine {
  @Field(() => ID) medicationId: string;
  @Field() display: string;
  @Field(() => ReconciliationDisposition) disposition: ReconciliationDisposition;
  @Field(() => MedicationDosage, { nullable: true, description: 'Before (CHANGED, CONTINUED, STOPPED)' }) before: MedicationDosage | null;
  @Field(() => MedicationDosage, { nullable: true, description: 'After (CHANGED, NEW, CONTINUED)' }) after: MedicationDosage | null;
  @Field(() => String, { nullable: true }) discrepancy: string | null;
}

@ObjectType({ description: 'The discharge medication list reconciled with the pre-admission list' })
export class MedicationReconciliation {
  @Field(() => ID) id: string;
  @Field(() => ID, { description: 'The discharge (Encounter)' }) encounterId: string;
  @Field() completedAt: Date;
  @Field() reconciledBy: string;
  @Field(() => [MedicationReconciliationLine]) lines: ReconciliationLine[];
}

@InputType()
class RecordMedicationInput {
  @Field(() => ID) patientId: string;
  @Field(() => String, { nullable: true, description: 'RxNorm concept id (RXCUI)' }) code?: string | null;
  @Field({ description: 'e.g. "Lisinopril 10 mg oral tablet"' }) display: string;
  @Field(() => String, { nullable: true }) dose?: string | null;
  @Field(() => String, { nullable: true }) route?: string | null;
  @Field(() => String, { nullable: true }) frequency?: string | null;
  @Field(() => MedicationStatus, { nullable: true, description: 'ACTIVE when not given' }) status?: MedicationStatus | null;
  @Field(() => MedicationSource) source: MedicationSource;
}

@InputType()
class ReconciliationLineInput {
  @Field(() => ID, { nullable: true, description: 'The active medication (CONTINUED, CHANGED, STOPPED); none for NEW' }) medicationId?: string | null;
  @Field(() => ReconciliationDisposition) disposition: ReconciliationDisposition;
  @Field(() => String, { nullable: true, description: 'NEW: RxNorm concept id' }) code?: string | null;
  @Field(() => String, { nullable: true, description: 'NEW: the medication' }) display?: string | null;
  @Field(() => String, { nullable: true }) dose?: string | null;
  @Field(() => String, { nullable: true }) route?: string | null;
  @Field(() => String, { nullable: true }) frequency?: string | null;
  @Field(() => String, { nullable: true, description: 'A discrepancy found on this line' }) discrepancy?: string | null;
}

@InputType()
class ReconcileMedicationsInput {
  @Field(() => ID) patientId: string;
  @Field(() => ID, { description: 'The inpatient or observation discharge whose medications are reconciled' }) encounterId: string;
  @Field(() => Date, { nullable: true, description: 'When it was done (default now)' }) completedAt?: Date | null;
  @Field(() => [ReconciliationLineInput], { description: 'One line per active medication, plus NEW ones' }) lines: ReconciliationLineInput[];
}

@InputType()
class UpdateMedicationStatusInput {
  @Field(() => ID) id: string;
  @Field(() => MedicationStatus) status: MedicationStatus;
}

const medicationEvent = (type: string, s: MedicationStatementRecord, extra: Record<string, unknown> = {}): PatientEvent => ({
  type, aggregateType: 'MedicationStatement', aggregateId: s.id,
  payload: { medicationId: s.id, code: s.code, display: s.display, status: s.status, source: s.source, ...extra },
});
const text = (v: string | null | undefined) => (v?.trim() ? v.trim() : null);

@Resolver(() => MedicationStatement)
export class MedicationResolver {
  @Mutation(() => MedicationStatement, { description: "Adds a medication to the patient's list (the patient's care team)" })
  async recordMedication(@Arg('input') input: RecordMedicationInput, @Ctx() ctx: SubgraphContext): Promise<MedicationStatementRecord> {
    const display = requiredText(input.display, 'input.display');
    const code = rxNormCodeOf(input.code, 'input.code');
    return changePatient(ctx, input.patientId, { affectsSummary: false, data: PatientData.MEDICATIONS }, async ({ m, patient, emit }) => {
      const saved = await m.save(m.create(MedicationStatementRecord, {
        patientId: patient.id, code, display, dose: text(input.dose), route: text(input.route), frequency: text(input.frequency),
        status: input.status ?? MedicationStatus.ACTIVE, source: input.source, recordedBy: ctx.principal.sub,
      }));
      emit(medicationEvent('MedicationStatementRecorded', saved));
      return saved;
    });
  }

  @Mutation(() => MedicationStatement, { description: 'Moves a medication to another status (active, stopped, on-hold, entered-in-error)' })
  async updateMedicationStatus(@Arg('input') input: UpdateMedicationStatusInput, @Ctx() ctx: SubgraphContext): Promise<MedicationStatementRecord> {
    const { id, status } = input;
    return changePatientRecord(ctx, MedicationStatementRecord, 'MedicationStatement', id, { affectsSummary: false, data: PatientData.MEDICATIONS }, async ({ m, emit }, s) => {
      if (s.status === status) return s;
      const previousStatus = s.status;
      const saved = await m.save(Object.assign(s, { status }));
      emit(medicationEvent('MedicationStatementStatusChanged', saved, { previousStatus }));
      return saved;
    });
  }

  @Mutation(() => MedicationReconciliation, { description: 'Reconciles the discharge medication list with the pre-admission list; meets the TCM medication-reconciliation step' })
  async reconcileMedications(@Arg('input') input: ReconcileMedicationsInput, @Ctx() ctx: SubgraphContext): Promise<MedicationReconciliationRecord> {
    const now = new Date();
    const completedAt = input.completedAt ?? now;
    assertValidDate(completedAt, 'input.completedAt');
    if (completedAt.getTime() > now.getTime()) throw badInput('input.completedAt cannot be in the future', 'input.completedAt');
    if (!isUuid(input.encounterId)) throw badInput('input.encounterId names a discharge of the patient', 'input.encounterId');
    input.lines.forEach((l, i) => {
      if (l.medicationId != null && !isUuid(l.medicationId)) throw badInput(`No active medication ${l.medicationId}`, `input.lines[${i}].medicationId`);
    });
    return changePatient(ctx, input.patientId, { affectsSummary: false, data: PatientData.MEDICATIONS }, async ({ m, patient, emit }) => {
      const stay = await m.findOneBy(EncounterRecord, { id: input.encounterId, patientId: patient.id });
      if (!stay || !STAY_KINDS.includes(stay.kind) || !stay.endedAt) throw badInput('input.encounterId names an inpatient or observation discharge of the patient', 'input.encounterId');
      if (completedAt.getTime() < stay.endedAt.getTime()) throw badInput('A reconciliation after a discharge is done after it', 'input.completedAt');
      const active = await m.find(MedicationStatementRecord, { where: { patientId: patient.id, status: MedicationStatus.ACTIVE }, order: { createdAt: 'ASC', id: 'ASC' } });
      const plan = planReconciliation(active, input.lines);
      const byId = new Map(active.map((s) => [s.id, s]));
      const dosage = (s: MedicationStatementRecord) => ({ dose: s.dose, route: s.route, frequency: s.frequency });
      const discrepancyOf = (i: number) => plan.discrepancies.find((d) => d.line === i)?.text ?? null;
      const lines: ReconciliationLine[] = [];
      let added = 0;
      for (const [i, line] of input.lines.entries()) {
        if (line.disposition === ReconciliationDisposition.NEW) {
          const a = plan.added[added++];
          const saved = await m.save(m.create(MedicationStatementRecord, {
            patientId: patient.id, code: a.code, display: a.display, ...a.dosage, status: MedicationStatus.ACTIVE, source: MedicationSource.DISCHARGE_SUMMARY, recordedBy: ctx.principal.sub,
          }));
          lines.push({ medicationId: saved.id, display: saved.display, disposition: line.disposition, before: null, after: a.dosage, discrepancy: discrepancyOf(i) });
          continue;
        }
        const s = byId.get(line.medicationId!)!;
        const before = dosage(s);
        if (line.disposition === ReconciliationDisposition.STOPPED) await m.save(Object.assign(s, { status: MedicationStatus.STOPPED }));
        if (line.disposition === ReconciliationDisposition.CHANGED) await m.save(Object.assign(s, plan.changed.find((c) => c.id === s.id)!.after));
        lines.push({
          medicationId: s.id, display: s.display, disposition: line.disposition, before,
          after: line.disposition === ReconciliationDisposition.STOPPED ? null : dosage(s), discrepancy: discrepancyOf(i),
        });
      }
      const rec = await m.save(m.create(MedicationReconciliationRecord, { patientId: patient.id, encounterId: stay.id, completedAt, reconciledBy: ctx.principal.sub, lines }));
      emit({
        type: 'MedicationsReconciled', aggregateType: 'MedicationReconciliation', aggregateId: rec.id,
        payload: {
          reconciliationId: rec.id, encounterId: stay.id, completedAt: completedAt.toISOString(),
          lines: lines.map((l) => ({ medicationId: l.medicationId, disposition: l.disposition, discrepancy: l.discrepancy !== null })),
          discrepancies: plan.discrepancies.length,
        },
      });
      return rec;
    });
  }

  @FieldResolver(() => String, { nullable: true })
  codeSystem(@Root() s: MedicationStatementRecord): string | null {
    return s.code ? RXNORM : null;
  }

  @FieldResolver(() => Patient)
  patient(@Root() s: MedicationStatementRecord, @Ctx() ctx: SubgraphContext): Promise<PatientRecord | null> {
    return readablePatient(ctx, s.patientId);
  }
}

@Resolver(() => Patient)
export class PatientMedicationsResolver {
  @FieldResolver(() => [MedicationStatement], { nullable: true, description: "The medication list, oldest first (the patient's care team)" })
  async medications(
    @Root() p: PatientRecord, @Ctx() ctx: SubgraphContext,
    @Arg('status', () => [MedicationStatus], { nullable: true, description: 'Only these statuses' }) status?: MedicationStatus[] | null,
  ): Promise<MedicationStatementRecord[]> {
    await ctx.access.assert(p.id, PatientData.MEDICATIONS, 'read', 'MedicationStatement');
    const all = await medicationsOf(ctx).load(p.id);
    return status?.length ? all.filter((m) => status.includes(m.status)) : all;
  }

  @FieldResolver(() => [MedicationReconciliation], { nullable: true, description: 'Medication reconciliations, latest first' })
  async medicationReconciliations(@Root() p: PatientRecord, @Ctx() ctx: SubgraphContext): Promise<MedicationReconciliationRecord[]> {
    await ctx.access.assert(p.id, PatientData.MEDICATIONS, 'read', 'MedicationReconciliation');
    return reconciliationsOf(ctx).load(p.id);
  }
}
