/**
 * What this subgraph learns from the patients subgraph's events, applied to its own
 * tables: the patient snapshot (risk tier, chronic conditions, CCM consent) and
 * transitional care episodes opened by discharges. Every effect is idempotent, so
 * a replayed event changes nothing.
 */
import type { EntityManager } from 'typeorm';
import { hasPatientEvent, recordEvent, type DomainEvent } from '../../../shared/events';
import { isUuid } from '../../../shared/federation';
import type { Logger } from '../../../shared/logger';
import {
  CareTeamStatus, TcmComplexity, qualifiesForTcm, readDischarge, reevaluateOpenSteps, suggestedTcmComplexity, tcmDeadlines, tcmSchedule,
  tcmStepStatus, type Discharge,
} from '../domain';
import {
  CareTeamRecord, PatientSnapshotRecord, TransitionalCareEpisodeRecord, TransitionalCareReadmissionRecord, TransitionalCareStepRecord,
} from './entities';

export const PATIENT_EVENT_TYPES = ['PatientRegistered', 'PatientSummaryChanged', 'PatientDischarged'] as const;

const TIERS = new Set(['LOW', 'MODERATE', 'HIGH']);
const wholeNumber = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : null);

/** The TransitionalCareEpisodeOpened / TransitionalCareStepChanged payload (docs/events.md). */
export function episodePayload(e: TransitionalCareEpisodeRecord, steps: TransitionalCareStepRecord[], now: Date) {
  return {
    episodeId: e.id, encounterId: e.encounterId, careTeamId: e.careTeamId, dischargedAt: e.dischargedAt.toISOString(),
    complexity: e.complexity, billingCode: e.billingCode, periodEnd: e.periodEnd.toISOString(),
    // Issue 14 (added, backward compatible): the tier's suggestion and the practitioner's recorded decision-making.
    suggestedComplexity: e.suggestedComplexity, decisionMaking: e.decisionMaking,
    steps: steps.map((s) => ({
      kind: s.kind, dueAt: s.dueAt.toISOString(), completedAt: s.completedAt?.toISOString() ?? null, status: tcmStepStatus(s.dueAt, s.completedAt, now),
    })),
  };
}

async function registerPatient(m: EntityManager, event: DomainEvent, patientId: string): Promise<void> {
  await m.query(
    `INSERT INTO care_teams.patient_snapshot (patient_id, last_event_id) VALUES ($1, $2) ON CONFLICT (patient_id) DO NOTHING`,
    [patientId, event.id],
  );
}

/** PatientSummaryChanged is the whole snapshot; an older event than the one applied is ignored. */
async function applySummary(m: EntityManager, event: DomainEvent, patientId: string): Promise<void> {
  const p = event.payload as Record<string, unknown>;
  const tier = typeof p.riskTier === 'string' && TIERS.has(p.riskTier) ? p.riskTier : null;
  await m.query(
    `INSERT INTO care_teams.patient_snapshot AS s (patient_id, risk_tier, lace_score, chronic_condition_count, ccm_consent_active, last_event_id, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, now())
     ON CONFLICT (patient_id) DO UPDATE SET risk_tier = EXCLUDED.risk_tier, lace_score = EXCLUDED.lace_score,
       chronic_condition_count = EXCLUDED.chronic_condition_count, ccm_consent_active = EXCLUDED.ccm_consent_active,
       last_event_id = EXCLUDED.last_event_id, updated_at = now()
     WHERE s.last_event_id < EXCLUDED.last_event_id`,
    [patientId, tier, wholeNumber(p.laceScore), wholeNumber(p.chronicConditionCount) ?? 0, p.ccmConsentActive === true, event.id],
  );
}

/**
 * CMS TCM: an inpatient or observation discharge, alive, to a community setting,
 * of a patient with an active care team opens one episode — once per encounter.
 */
async function openTransitionalCare(m: EntityManager, event: DomainEvent, patientId: string, o: PatientEventOptions): Promise<void> {
  const read = readDischarge(event.payload as Record<string, unknown>);
  if ('unreadable' in read) {
    o.log.warn({ eventId: event.id, reason: read.unreadable }, 'PatientDischarged skipped: unreadable');
    return;
  }
  const d = read.discharge;
  if (!qualifiesForTcm({ encounterKind: d.encounterKind, disposition: d.disposition }).qualifies) return;
  // CMS TCM FAQs: once per beneficiary in the 30-day period; a discharge inside an open period is linked to its episode.
  const [open] = await m.query(
    `SELECT id FROM care_teams.transitional_care_episode
      WHERE patient_id = $1 AND discharged_at < $2 AND period_end >= $2 AND encounter_id <> $3
      ORDER BY discharged_at DESC LIMIT 1 FOR UPDATE`,
    [patientId, d.dischargedAt, d.encounterId],
  );
  if (open) return linkReadmission(m, event, patientId, open.id as string, d, o);
  const team = await m.findOne(CareTeamRecord, { where: { patientId, status: CareTeamStatus.ACTIVE } });
  if (!team) return;
  // The discharge's own LACE tier suggests complexity (the snapshot's tier when the event has none), until the practitioner records it.
  const tier = d.laceTier ?? ((await m.findOneBy(PatientSnapshotRecord, { patientId }))?.riskTier as 'LOW' | 'MODERATE' | 'HIGH' | null) ?? 'MODERATE';
  const schedule = tcmSchedule(d.dischargedAt, tier, o.holidays, o.timeZone ?? 'UTC');
  const inserted: { id: string }[] = await m.query(
    `INSERT INTO care_teams.transitional_care_episode
       (patient_id, care_team_id, encounter_id, encounter_kind, admitted_at, discharged_at, disposition, lace_tier, complexity, billing_code, period_end,
        source_event_id, suggested_complexity)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (encounter_id) DO NOTHING RETURNING id`,
    [patientId, team.id, d.encounterId, d.encounterKind, d.admittedAt, d.dischargedAt, d.disposition, d.laceTier, schedule.complexity, schedule.billingCode, schedule.periodEnd,
      event.id, suggestedTcmComplexity(tier)],
  );
  if (inserted.length === 0) return; // replayed (or re-sent) discharge: the episode exists already
  const episode = await m.findOneByOrFail(TransitionalCareEpisodeRecord, { id: inserted[0].id });
  const steps = await m.save(schedule.steps.map((s) => m.create(TransitionalCareStepRecord, { episodeId: episode.id, kind: s.kind, dueAt: s.dueAt })));
  await recordEvent(m, o.source, {
    type: 'TransitionalCareEpisodeOpened', aggregateType: 'TransitionalCareEpisode', aggregateId: episode.id, patientId, actor: event.actor,
    payload: episodePayload(episode, steps, new Date()),
  });
}

/**
 * A qualifying discharge inside an open TCM period (issue 14): recorded as a readmission
 * of that episode — no second billable episode — and the steps not done yet are due again
 * from this discharge, within the period (domain/tcm-period.ts). Once per encounter.
 */
async function linkReadmission(
  m: EntityManager, event: DomainEvent, patientId: string, episodeId: string, d: Discharge, o: PatientEventOptions,
): Promise<void> {
  const inserted: { id: string }[] = await m.query(
    `INSERT INTO care_teams.transitional_care_readmission (episode_id, encounter_id, encounter_kind, admitted_at, discharged_at, disposition, source_event_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (encounter_id) DO NOTHING RETURNING id`,
    [episodeId, d.encounterId, d.encounterKind, d.admittedAt, d.dischargedAt, d.disposition, event.id],
  );
  if (inserted.length === 0) return; // replayed discharge: already linked
  const episode = await m.findOneByOrFail(TransitionalCareEpisodeRecord, { id: episodeId });
  const steps = await m.find(TransitionalCareStepRecord, { where: { episodeId }, order: { dueAt: 'ASC', kind: 'DESC' } });
  const deadlines = tcmDeadlines({
    fromDischargeAt: d.dischargedAt, periodEnd: episode.periodEnd, complexity: episode.complexity as TcmComplexity, holidays: o.holidays,
    timeZone: o.timeZone ?? 'UTC',
  });
  for (const changed of reevaluateOpenSteps(steps, deadlines)) {
    const step = steps.find((s) => s.id === changed.id)!;
    step.dueAt = changed.dueAt;
    await m.save(step);
  }
  await recordEvent(m, o.source, {
    type: 'TransitionalCareStepChanged', aggregateType: 'TransitionalCareEpisode', aggregateId: episode.id, patientId, actor: event.actor,
    payload: {
      ...episodePayload(episode, steps, new Date()), changedStep: null,
      readmissionLinked: { encounterId: d.encounterId, admittedAt: d.admittedAt?.toISOString() ?? null, dischargedAt: d.dischargedAt.toISOString() },
    },
  });
}

export interface PatientEventOptions {
  /** This service's name, recorded as the source of the events it emits. */
  source: string;
  /** The TCM holiday calendar (ISO dates). */
  holidays: Set<string>;
  /** The practice's IANA time zone (HUB_TIME_ZONE): TCM days are its local dates. UTC when absent. */
  timeZone?: string;
  log: Logger;
}

/** The consumer's handler: one event, in the consumer's transaction. */
export function patientEventHandler(o: PatientEventOptions) {
  return async (event: DomainEvent, m: EntityManager): Promise<void> => {
    const patientId = event.patientId;
    if (!patientId || !isUuid(patientId)) {
      o.log.warn({ eventId: event.id, type: event.type }, 'patient event without a patient id skipped');
      return;
    }
    if (event.type === 'PatientRegistered') await registerPatient(m, event, patientId);
    else if (event.type === 'PatientSummaryChanged') await applySummary(m, event, patientId);
    else if (event.type === 'PatientDischarged') await openTransitionalCare(m, event, patientId, o);
  };
}

/**
 * Whether the patients subgraph has registered this patient: the snapshot, or —
 * for a patient registered a moment ago that the consumer has not applied yet —
 * the PatientRegistered event itself, committed in the log (read-your-writes).
 */
export async function isKnownPatient(db: { query: EntityManager['query'] }, patientId: string): Promise<boolean> {
  if (!isUuid(patientId)) return false;
  const rows: unknown[] = await db.query(`SELECT 1 FROM care_teams.patient_snapshot WHERE patient_id = $1::uuid`, [patientId]);
  return rows.length > 0 || hasPatientEvent(db, patientId.toLowerCase(), 'PatientRegistered');
}
