/**
 * Applies other subgraphs' domain events (docs/events.md) to the metrics read
 * model. Each handler is idempotent by the event's natural key: projected rows
 * remember the log position that last wrote them and ignore older events, and
 * derived rows (merged hospital stays) are recomputed from the recorded ones, so
 * applying the log twice, or replaying it from 0 into empty tables, gives the
 * same tables. Unknown event types and unknown fields are ignored; an event
 * whose data cannot be used (a discharge before its admission) is skipped and
 * logged rather than retried forever.
 */
import type { EntityManager } from 'typeorm';
import type { DomainEvent } from '../../../shared/events';
import type { Logger } from '../../../shared/logger';
import { isSubstantialPlanChange } from '../domain/ccm';
import { allStayOutcomes, type RecordedStay } from '../domain/readmissions';
import { FOLLOW_UP_VISIT_KINDS, firstFollowUpVisit, needsFollowUp } from '../domain/timeliness';

/** The projected tables: what a rebuild truncates (satisfaction surveys are owned here, not projected). */
export const READ_MODEL_TABLES = [
  'patient', 'patient_risk_history', 'condition', 'care_team', 'care_team_member', 'care_plan', 'care_plan_change',
  'stay', 'hospital_stay', 'visit', 'tcm_episode', 'ccm_time', 'referral', 'ccm_decision_making',
] as const;

type Payload = Record<string, unknown>;

const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : null);
const upper = (v: unknown) => text(v)?.toUpperCase() ?? null;
/** FHIR status codes are lower-case with dashes ("in-progress"); GraphQL enum spellings ("IN_PROGRESS") are accepted too. */
const fhirCode = (v: unknown) => text(v)?.toLowerCase().replace(/_/g, '-') ?? null;
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};
const time = (v: unknown): Date | null => {
  if (typeof v !== 'string' && !(v instanceof Date)) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
};
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

interface Applied {
  event: DomainEvent;
  p: Payload;
  m: EntityManager;
  log?: Logger;
}

type Handler = (a: Applied & { patientId: string }) => Promise<void>;

function skip(a: Applied, reason: string): void {
  a.log?.warn({ eventId: a.event.id, type: a.event.type, reason }, 'event not applied to the metrics read model');
}

// ---------------------------------------------------------------- patients

const patientRegistered: Handler = async ({ m, event, patientId }) => {
  await m.query(
    `INSERT INTO metrics.patient (patient_id, registered_at, position) VALUES ($1, $2, $3)
     ON CONFLICT (patient_id) DO UPDATE SET registered_at = COALESCE(metrics.patient.registered_at, EXCLUDED.registered_at)`,
    [patientId, event.occurredAt, event.id],
  );
};

/** The snapshot other subgraphs keep; fields absent from the payload keep their value. One statement. */
const patientSummaryChanged: Handler = async ({ m, event, p, patientId }) => {
  const params: unknown[] = [patientId, event.id, event.occurredAt, upper(p.riskTier)];
  const columns: string[] = [];
  const set = (column: string, value: unknown) => {
    params.push(value);
    columns.push(column);
  };
  if ('riskTier' in p) set('risk_tier', upper(p.riskTier));
  if ('laceScore' in p) set('lace_score', num(p.laceScore));
  if ('chronicConditionCount' in p) set('chronic_condition_count', num(p.chronicConditionCount) ?? 0);
  if ('charlsonCategories' in p) set('charlson_categories', list(p.charlsonCategories).map(upper).filter((c): c is string => c !== null).sort());
  if ('ccmConsentActive' in p) set('ccm_consent_active', bool(p.ccmConsentActive) ?? false);
  if (columns.length === 0) return;
  const history = 'riskTier' in p
    ? `WITH history AS (INSERT INTO metrics.patient_risk_history (patient_id, position, effective_at, risk_tier) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING) `
    : '';
  await m.query(
    `${history}INSERT INTO metrics.patient (patient_id, position, ${columns.join(', ')}) VALUES ($1, $2, ${columns.map((_, i) => `$${i + 5}`).join(', ')})
     ON CONFLICT (patient_id) DO UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, position = EXCLUDED.position
     WHERE metrics.patient.position < EXCLUDED.position`,
    params,
  );
};

/** FHIR Condition.clinicalStatus values in which the condition is present. */
const PRESENT_STATUSES = ['active', 'recurrence', 'relapse'];

const conditionChanged: Handler = async (a) => {
  const { m, event, p, patientId } = a;
  const conditionId = text(p.conditionId) ?? text(event.aggregateId);
  if (!conditionId) return skip(a, 'no conditionId');
  await m.query(
    `INSERT INTO metrics.condition (condition_id, patient_id, code, charlson_category, chronic, clinical_status, position)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (condition_id) DO UPDATE SET code = EXCLUDED.code, charlson_category = EXCLUDED.charlson_category,
       chronic = EXCLUDED.chronic, clinical_status = EXCLUDED.clinical_status, position = EXCLUDED.position
     WHERE metrics.condition.position < EXCLUDED.position`,
    // An entered-in-error or refuted condition (FHIR verificationStatus, issue 14) is not present in any figure.
    [conditionId, patientId, text(p.code), upper(p.charlsonCategory), bool(p.chronic) ?? false,
      ['entered-in-error', 'refuted'].includes(String(p.verificationStatus)) ? String(p.verificationStatus) : fhirCode(p.clinicalStatus) ?? 'active', event.id],
  );
  // The patient's categories follow their present conditions (PatientSummaryChanged carries the same list).
  await m.query(
    `INSERT INTO metrics.patient (patient_id, position, charlson_categories)
     VALUES ($1, 0, ARRAY(SELECT DISTINCT charlson_category FROM metrics.condition
                           WHERE patient_id = $1 AND charlson_category IS NOT NULL AND clinical_status = ANY($2) ORDER BY 1))
     ON CONFLICT (patient_id) DO UPDATE SET charlson_categories = EXCLUDED.charlson_categories`,
    [patientId, PRESENT_STATUSES],
  );
};

const encounterRecorded: Handler = async (a) => {
  const { m, event, p, patientId } = a;
  const encounterId = text(p.encounterId) ?? text(event.aggregateId);
  const startedAt = time(p.startedAt);
  const kind = upper(p.kind);
  if (!encounterId || !startedAt || !kind) return skip(a, 'an encounter needs encounterId, kind and startedAt');
  await m.query(
    `INSERT INTO metrics.visit (encounter_id, patient_id, kind, started_at, ended_at, cost, position) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (encounter_id) DO UPDATE SET kind = EXCLUDED.kind, started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at,
       cost = EXCLUDED.cost, position = EXCLUDED.position
     WHERE metrics.visit.position < EXCLUDED.position`,
    [encounterId, patientId, kind, startedAt, time(p.endedAt), num(p.cost), event.id],
  );
  if (FOLLOW_UP_VISIT_KINDS.includes(kind)) await refreshHospitalStays(m, patientId);
};

const patientAdmitted: Handler = async (a) => {
  const { m, event, p, patientId } = a;
  const encounterId = text(p.encounterId) ?? text(event.aggregateId);
  const admittedAt = time(p.admittedAt);
  if (!encounterId || !admittedAt) return skip(a, 'an admission needs encounterId and admittedAt');
  // Discharge fields are left alone: an admission never undoes a discharge.
  await m.query(
    `INSERT INTO metrics.stay (encounter_id, patient_id, kind, admitted_at, acuity, planned, principal_diagnosis, position)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (encounter_id) DO UPDATE SET kind = EXCLUDED.kind, admitted_at = EXCLUDED.admitted_at, acuity = EXCLUDED.acuity,
       planned = EXCLUDED.planned, principal_diagnosis = EXCLUDED.principal_diagnosis, position = EXCLUDED.position
     WHERE metrics.stay.position < EXCLUDED.position`,
    [encounterId, patientId, upper(p.kind) ?? 'INPATIENT', admittedAt, upper(p.acuity), bool(p.planned) ?? false, text(p.principalDiagnosis), event.id],
  );
  await refreshHospitalStays(m, patientId);
};

const patientDischarged: Handler = async (a) => {
  const { m, event, p, patientId } = a;
  const encounterId = text(p.encounterId) ?? text(event.aggregateId);
  const dischargedAt = time(p.dischargedAt);
  if (!encounterId || !dischargedAt) return skip(a, 'a discharge needs encounterId and dischargedAt');
  const known = async () => (await m.query(`SELECT admitted_at FROM metrics.stay WHERE encounter_id = $1`, [encounterId]))[0]?.admitted_at;
  const admittedAt = time(p.admittedAt) ?? time(await known());
  if (!admittedAt || dischargedAt < admittedAt) return skip(a, 'the discharge is before the admission, or the admission is unknown');
  await m.query(
    `INSERT INTO metrics.stay (encounter_id, patient_id, kind, admitted_at, discharged_at, disposition, acuity, planned, principal_diagnosis, cost, position)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (encounter_id) DO UPDATE SET kind = EXCLUDED.kind, admitted_at = EXCLUDED.admitted_at, discharged_at = EXCLUDED.discharged_at,
       disposition = EXCLUDED.disposition, acuity = COALESCE(EXCLUDED.acuity, metrics.stay.acuity), planned = EXCLUDED.planned,
       principal_diagnosis = COALESCE(EXCLUDED.principal_diagnosis, metrics.stay.principal_diagnosis), cost = EXCLUDED.cost, position = EXCLUDED.position
     WHERE metrics.stay.position < EXCLUDED.position`,
    [encounterId, patientId, upper(p.kind) ?? 'INPATIENT', admittedAt, dischargedAt, upper(p.disposition) ?? 'HOME', upper(p.acuity),
      bool(p.planned) ?? false, text(p.principalDiagnosis), num(p.cost), event.id],
  );
  await refreshHospitalStays(m, patientId);
};

interface StayRow {
  encounter_id: string; kind: string; admitted_at: Date; discharged_at: Date | null; disposition: string | null;
  planned: boolean; principal_diagnosis: string | null;
}

/**
 * Recomputes one patient's merged hospital stays (HEDIS PCR outcome and 7-day
 * follow-up) from their recorded stays and visits: a pure function of those
 * rows, so it is the same whatever order or how often events arrive.
 */
export async function refreshHospitalStays(m: EntityManager, patientId: string): Promise<void> {
  // One round trip for the facts, one for the rewrite: this runs for every admission, discharge and visit.
  const [{ stays: rows, visits: visitRows }]: [{ stays: StayRow[] | null; visits: { kind: string; started_at: string }[] | null }] = await m.query(
    `SELECT (SELECT json_agg(s) FROM (SELECT encounter_id, kind, admitted_at, discharged_at, disposition, planned, principal_diagnosis
                                        FROM metrics.stay WHERE patient_id = $1 AND kind IN ('INPATIENT', 'OBSERVATION')) s) AS stays,
            (SELECT json_agg(v) FROM (SELECT kind, started_at FROM metrics.visit WHERE patient_id = $1 AND kind = ANY($2)) v) AS visits`,
    [patientId, FOLLOW_UP_VISIT_KINDS],
  );
  const stays: RecordedStay[] = (rows ?? []).map((r) => ({
    encounterId: r.encounter_id, patientId, kind: r.kind as RecordedStay['kind'], admittedAt: new Date(r.admitted_at),
    dischargedAt: r.discharged_at ? new Date(r.discharged_at) : null, disposition: r.disposition ?? 'HOME', planned: r.planned,
    principalDiagnosis: r.principal_diagnosis,
  }));
  const visits = (visitRows ?? []).map((v) => ({ kind: v.kind, at: new Date(v.started_at) }));

  const outcomes = allStayOutcomes(stays);
  const values: unknown[] = [patientId, outcomes.map((o) => o.encounterIds[0])];
  const tuples = outcomes.map((s) => {
    const needs = !s.inProgress && needsFollowUp(s.finalDisposition);
    const followUp = needs && s.dischargedAt ? firstFollowUpVisit(s.dischargedAt, visits) : null;
    const row = [s.encounterIds[0], s.encounterIds, s.admittedAt, s.dischargedAt, s.inProgress, s.finalDisposition, s.excludedReason,
      s.readmitted, s.readmissionEncounterId, needs, followUp?.at ?? null, followUp?.kind ?? null];
    const base = values.length;
    values.push(...row);
    return `(${row.map((_, i) => `$${base + i + 1}`).join(', ')})`;
  });
  // The stays no longer standing alone (merged into a transfer) go; the others are upserted. No key is both
  // deleted and inserted, so the order in which PostgreSQL runs the two parts does not matter.
  const gone = `DELETE FROM metrics.hospital_stay WHERE patient_id = $1 AND NOT (first_encounter_id = ANY($2::text[]))`;
  if (tuples.length === 0) return void (await m.query(gone, values));
  await m.query(
    `WITH gone AS (${gone})
     INSERT INTO metrics.hospital_stay (first_encounter_id, patient_id, encounter_ids, admitted_at, discharged_at, in_progress, final_disposition,
       excluded_reason, readmitted, readmission_encounter_id, needs_follow_up, follow_up_at, follow_up_kind)
     SELECT v.first, $1, v.ids::text[], v.admitted::timestamptz, v.discharged::timestamptz, v.in_progress::boolean, v.disposition, v.excluded,
            v.readmitted::boolean, v.readmission, v.needs::boolean, v.follow_up::timestamptz, v.follow_up_kind
       FROM (VALUES ${tuples.join(', ')}) AS v(first, ids, admitted, discharged, in_progress, disposition, excluded, readmitted, readmission, needs, follow_up, follow_up_kind)
     ON CONFLICT (first_encounter_id) DO UPDATE SET encounter_ids = EXCLUDED.encounter_ids, admitted_at = EXCLUDED.admitted_at,
       discharged_at = EXCLUDED.discharged_at, in_progress = EXCLUDED.in_progress, final_disposition = EXCLUDED.final_disposition,
       excluded_reason = EXCLUDED.excluded_reason, readmitted = EXCLUDED.readmitted, readmission_encounter_id = EXCLUDED.readmission_encounter_id,
       needs_follow_up = EXCLUDED.needs_follow_up, follow_up_at = EXCLUDED.follow_up_at, follow_up_kind = EXCLUDED.follow_up_kind`,
    values,
  );
}

// ---------------------------------------------------------------- care-teams

/** Membership rows are keyed by membershipId; events without one (the demo seed) by team, practitioner and role. */
const membershipKey = (teamId: string, member: Payload) =>
  text(member.membershipId) ?? `${teamId}:${text(member.practitionerId)}:${upper(member.role) ?? ''}`;

async function upsertMembers(m: EntityManager, teamId: string, members: Payload[], active: boolean, position: string): Promise<void> {
  // One row per key: a statement may not upsert the same row twice.
  const rows = [...new Map(members.filter((x) => text(x.practitionerId) !== null).map((x) => [membershipKey(teamId, x), x])).values()];
  if (rows.length === 0) return;
  const values: unknown[] = [teamId, active, position];
  const tuples = rows.map((x) => {
    values.push(membershipKey(teamId, x), text(x.practitionerId), upper(x.role));
    const k = values.length;
    return `($${k - 2}, $1, $${k - 1}, $${k}, $2::boolean, $3::bigint)`;
  });
  await m.query(
    `INSERT INTO metrics.care_team_member (membership_key, care_team_id, practitioner_id, role, active, position) VALUES ${tuples.join(', ')}
     ON CONFLICT (membership_key) DO UPDATE SET active = EXCLUDED.active, role = COALESCE(EXCLUDED.role, metrics.care_team_member.role), position = EXCLUDED.position
     WHERE metrics.care_team_member.position < EXCLUDED.position`,
    values,
  );
}

/** Ends a membership by its id, or, for memberships recorded without one, by team, practitioner (and role when given). */
async function endMembership(m: EntityManager, teamId: string, member: Payload, position: string): Promise<void> {
  const id = text(member.membershipId);
  if (id) {
    const [, count] = await m.query(
      `UPDATE metrics.care_team_member SET active = false, position = $2 WHERE membership_key = $1 AND position < $2`, [id, position],
    );
    if (count > 0) return;
  }
  await m.query(
    `UPDATE metrics.care_team_member SET active = false, position = $4
      WHERE care_team_id = $1 AND practitioner_id = $2 AND ($3::text IS NULL OR role = $3) AND active AND position < $4`,
    [teamId, text(member.practitionerId), upper(member.role), position],
  );
}

const careTeamFormed: Handler = async (a) => {
  const { m, event, p, patientId } = a;
  const teamId = text(p.careTeamId) ?? text(event.aggregateId);
  if (!teamId) return skip(a, 'no careTeamId');
  // A team is formed active unless the event says otherwise (FHIR CareTeam.status, e.g. proposed).
  await m.query(
    `INSERT INTO metrics.care_team (care_team_id, patient_id, status, formed_at, position) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (care_team_id) DO NOTHING`,
    [teamId, patientId, fhirCode(p.status) ?? 'active', event.occurredAt, event.id],
  );
  await upsertMembers(m, teamId, list(p.members).filter((x): x is Payload => !!x && typeof x === 'object'), true, event.id);
};

const careTeamMemberAdded: Handler = async ({ m, event, p }) => {
  const teamId = text(p.careTeamId) ?? text(event.aggregateId);
  if (teamId) await upsertMembers(m, teamId, [p], true, event.id);
};

const careTeamMembershipEnded: Handler = async ({ m, event, p }) => {
  const teamId = text(p.careTeamId) ?? text(event.aggregateId);
  if (teamId) await endMembership(m, teamId, p, event.id);
};

/** The coordinator role moves: the old coordinator's membership ends, the new one's starts (care-teams names both ids). */
const careCoordinatorHandedOver: Handler = async ({ m, event, p }) => {
  const teamId = text(p.careTeamId) ?? text(event.aggregateId);
  const from = text(p.fromPractitionerId);
  const to = text(p.toPractitionerId);
  if (!teamId) return;
  if (from) await endMembership(m, teamId, { membershipId: p.endedMembershipId, practitionerId: from, role: 'CARE_COORDINATOR' }, event.id);
  if (to) await upsertMembers(m, teamId, [{ membershipId: p.membershipId, practitionerId: to, role: 'CARE_COORDINATOR' }], true, event.id);
};

const careTeamStatusChanged: Handler = async ({ m, event, p }) => {
  const teamId = text(p.careTeamId) ?? text(event.aggregateId);
  const status = fhirCode(p.status);
  if (!teamId || !status) return;
  await m.query(
    `UPDATE metrics.care_team SET status = $2, position = $3,
       inactive_since = CASE WHEN $2 = 'active' THEN NULL ELSE COALESCE(inactive_since, $4) END
     WHERE care_team_id = $1 AND position < $3`,
    [teamId, status, event.id, event.occurredAt],
  );
};

const carePlanChanged: Handler = async (a) => {
  const { m, event, p, patientId } = a;
  const planId = text(p.carePlanId) ?? text(event.aggregateId);
  const status = fhirCode(p.status);
  if (!planId || !status) return skip(a, 'a care plan change needs carePlanId and status');
  const version = num(p.version);
  const [previous] = await m.query(`SELECT status FROM metrics.care_plan WHERE care_plan_id = $1`, [planId]);
  const changeKind = upper(p.changeKind) ?? 'UPDATED';
  await m.query(
    `INSERT INTO metrics.care_plan_change (care_plan_id, version, patient_id, change_kind, status, substantial, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
    [planId, version ?? -Number(event.id), patientId, changeKind, status,
      isSubstantialPlanChange({ changeKind, changedFields: list(p.changedFields).map(text).filter((f): f is string => f !== null), status, previousStatus: previous?.status ?? null }),
      event.occurredAt],
  );
  await m.query(
    `INSERT INTO metrics.care_plan (care_plan_id, patient_id, care_team_id, status, version, position) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (care_plan_id) DO UPDATE SET status = EXCLUDED.status, version = EXCLUDED.version,
       care_team_id = COALESCE(EXCLUDED.care_team_id, metrics.care_plan.care_team_id), position = EXCLUDED.position
     WHERE metrics.care_plan.position < EXCLUDED.position`,
    [planId, patientId, text(p.careTeamId), status, version, event.id],
  );
};

/** Both TCM events carry the episode's full step list; the latest one wins. */
const transitionalCare: Handler = async (a) => {
  const { m, event, p, patientId } = a;
  const episodeId = text(p.episodeId) ?? text(event.aggregateId);
  const dischargedAt = time(p.dischargedAt);
  if (!episodeId || !dischargedAt) return skip(a, 'a TCM episode needs episodeId and dischargedAt');
  const step = (kind: string) => list(p.steps).find((s) => s && typeof s === 'object' && upper((s as Payload).kind) === kind) as Payload | undefined;
  const contact = step('INTERACTIVE_CONTACT');
  const visit = step('FACE_TO_FACE_VISIT');
  await m.query(
    `INSERT INTO metrics.tcm_episode (episode_id, patient_id, encounter_id, discharged_at, contact_due_at, contact_at, face_to_face_due_at, face_to_face_at, position)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (episode_id) DO UPDATE SET discharged_at = EXCLUDED.discharged_at, contact_due_at = EXCLUDED.contact_due_at,
       contact_at = EXCLUDED.contact_at, face_to_face_due_at = EXCLUDED.face_to_face_due_at, face_to_face_at = EXCLUDED.face_to_face_at,
       position = EXCLUDED.position
     WHERE metrics.tcm_episode.position < EXCLUDED.position`,
    [episodeId, patientId, text(p.encounterId), dischargedAt, time(contact?.dueAt), time(contact?.completedAt), time(visit?.dueAt), time(visit?.completedAt), event.id],
  );
};

const ccmTimeLogged: Handler = async (a) => {
  const { m, event, p, patientId } = a;
  const entryId = text(p.entryId) ?? text(event.aggregateId);
  const minutes = num(p.minutes);
  const performedOn = text(p.performedOn)?.slice(0, 10);
  if (!entryId || minutes === null || !Number.isInteger(minutes) || minutes <= 0 || !performedOn || !time(performedOn)) {
    return skip(a, 'CCM time needs entryId, whole positive minutes and performedOn');
  }
  await m.query(
    `INSERT INTO metrics.ccm_time (entry_id, patient_id, minutes, performed_on, practitioner_id, by_physician) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (entry_id) DO NOTHING`,
    [entryId, patientId, minutes, performedOn, text(p.practitionerId), bool(p.byPhysician) ?? false],
  );
};

// ---------------------------------------------------------------- community-partners

/** Statuses a referral only reaches once the requester has sent it (Gravity: draft → requested → …). */
const SENT_STATUSES = ['requested', 'accepted', 'rejected', 'in-progress', 'on-hold', 'failed', 'completed'];

/** The envelope's occurredAt is the status time; each milestone keeps the first time it was reached. */
const referralStatusChanged: Handler = async (a) => {
  const { m, event, p } = a;
  const referralId = text(p.referralId) ?? text(event.aggregateId);
  const partnerId = text(p.partnerId);
  const status = fhirCode(p.status);
  if (!referralId || !partnerId || !status) return skip(a, 'a referral change needs referralId, partnerId and status');
  const at = (s: string[]) => (s.includes(status) ? event.occurredAt : null);
  await m.query(
    `INSERT INTO metrics.referral (referral_id, patient_id, partner_id, category, social_need_id, status, sent_at, accepted_at, rejected_at, closed_at, position)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (referral_id) DO UPDATE SET status = EXCLUDED.status, partner_id = EXCLUDED.partner_id,
       category = COALESCE(EXCLUDED.category, metrics.referral.category), social_need_id = COALESCE(EXCLUDED.social_need_id, metrics.referral.social_need_id),
       sent_at = COALESCE(metrics.referral.sent_at, EXCLUDED.sent_at), accepted_at = COALESCE(metrics.referral.accepted_at, EXCLUDED.accepted_at),
       rejected_at = COALESCE(metrics.referral.rejected_at, EXCLUDED.rejected_at), closed_at = COALESCE(metrics.referral.closed_at, EXCLUDED.closed_at),
       position = EXCLUDED.position
     WHERE metrics.referral.position < EXCLUDED.position`,
    [referralId, a.event.patientId, partnerId, upper(p.category), text(p.socialNeedId), status, at(SENT_STATUSES), at(['accepted']), at(['rejected']),
      at(['completed']), event.id],
  );
};

/** The billing practitioner's decision-making for a CCM month (complex CCM needs moderate or high). */
const ccmDecisionMakingRecorded: Handler = async (a) => {
  const { m, event, p, patientId } = a;
  const month = text(p.month);
  const complexity = upper(p.complexity);
  if (!month || !/^\d{4}-\d{2}$/.test(month) || !complexity) return skip(a, 'CCM decision-making needs month and complexity');
  await m.query(
    `INSERT INTO metrics.ccm_decision_making (patient_id, month, complexity, position) VALUES ($1, $2, $3, $4)
     ON CONFLICT (patient_id, month) DO UPDATE SET complexity = EXCLUDED.complexity, position = EXCLUDED.position
     WHERE metrics.ccm_decision_making.position < EXCLUDED.position`,
    [patientId, month, complexity, event.id],
  );
};

const HANDLERS: Record<string, Handler> = {
  PatientRegistered: patientRegistered,
  PatientSummaryChanged: patientSummaryChanged,
  ConditionRecorded: conditionChanged,
  ConditionStatusChanged: conditionChanged,
  ConditionVerificationChanged: conditionChanged,
  ConditionChronicityChanged: conditionChanged,
  CcmDecisionMakingRecorded: ccmDecisionMakingRecorded,
  EncounterRecorded: encounterRecorded,
  PatientAdmitted: patientAdmitted,
  PatientDischarged: patientDischarged,
  CareTeamFormed: careTeamFormed,
  CareTeamMemberAdded: careTeamMemberAdded,
  CareTeamMembershipEnded: careTeamMembershipEnded,
  CareCoordinatorHandedOver: careCoordinatorHandedOver,
  CareTeamStatusChanged: careTeamStatusChanged,
  CarePlanChanged: carePlanChanged,
  TransitionalCareEpisodeOpened: transitionalCare,
  TransitionalCareStepChanged: transitionalCare,
  CcmTimeLogged: ccmTimeLogged,
  ReferralStatusChanged: referralStatusChanged,
};

/** The event types the read model uses; every other type is passed over. */
export const PROJECTED_EVENT_TYPES = Object.keys(HANDLERS);

export async function projectEvent(event: DomainEvent, m: EntityManager, log?: Logger): Promise<void> {
  const handler = HANDLERS[event.type];
  if (!handler) return;
  const a: Applied = { event, m, log, p: event.payload && typeof event.payload === 'object' ? (event.payload as Payload) : {} };
  // Every projected fact belongs to a patient (referrals too: the envelope names the patient).
  if (!event.patientId) return skip(a, 'no patientId in the envelope');
  await handler({ ...a, patientId: event.patientId });
}
