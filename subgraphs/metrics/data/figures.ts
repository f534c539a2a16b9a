/**
 * Reads the read model for KPI figures: counts or the minimal rows the domain
 * rules need, for a cohort of patients and any number of periods at once (a
 * 12-month series is one query, not twelve).
 */
import type { DataSource } from 'typeorm';
import { hubTimeZone } from '../../../shared/time-zone';
import { addUtcMonths, startOfUtcMonth } from '../domain/dates';
import type { Period } from '../domain/period';
import { pendingCutoff } from '../domain/readmissions';

/** Which patients a figure covers. Every constraint narrows it; none is the whole population. */
export interface Cohort {
  riskTier?: string | null;
  conditionCategory?: string | null;
  /** Panels (practitioner ids): patients whose active care team lists each as an active member. */
  panels?: string[];
}

/**
 * What one figure is computed over besides the cohort: a period, and
 * optionally one care team's patients. A batch of slots (12 months, or the
 * teams of a list) is answered by one statement.
 */
export interface Slot extends Period {
  careTeamId: string | null;
}

/** Positional parameters for one statement. */
export class Params {
  readonly values: unknown[] = [];
  add(v: unknown): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** A SQL condition restricting `column` (a patient id) to the cohort. */
export function cohortCondition(column: string, c: Cohort, p: Params): string {
  const parts: string[] = [];
  const snapshot: string[] = [];
  if (c.riskTier) snapshot.push(`cp.risk_tier = ${p.add(c.riskTier)}`);
  if (c.conditionCategory) snapshot.push(`${p.add(c.conditionCategory)} = ANY(cp.charlson_categories)`);
  if (snapshot.length) parts.push(`${column} IN (SELECT cp.patient_id FROM metrics.patient cp WHERE ${snapshot.join(' AND ')})`);
  for (const practitioner of c.panels ?? []) {
    parts.push(`${column} IN (SELECT t.patient_id FROM metrics.care_team t JOIN metrics.care_team_member mb ON mb.care_team_id = t.care_team_id
      WHERE mb.practitioner_id = ${p.add(practitioner)} AND mb.active AND t.status = 'active')`);
  }
  return parts.length ? parts.join(' AND ') : 'TRUE';
}

/** The slots as rows pr(s, e, team, i), i numbering them from 1. */
function slotRows(slots: Slot[], p: Params): string {
  return `unnest(${p.add(slots.map((x) => x.from))}::timestamptz[], ${p.add(slots.map((x) => x.to))}::timestamptz[], ${p.add(slots.map((x) => x.careTeamId))}::text[])
    WITH ORDINALITY AS pr(s, e, team, i)`;
}

/** `column` is a patient of the slot's care team, when the slot names one (no condition at all when none does). */
const slotTeam = (column: string, slots: Slot[]) =>
  slots.some((x) => x.careTeamId !== null)
    ? `(pr.team IS NULL OR ${column} IN (SELECT ct.patient_id FROM metrics.care_team ct WHERE ct.care_team_id = pr.team))`
    : 'TRUE';

/** Fetches over the slots' union: the whole span, and only the named teams' patients when every slot names one. */
async function rowsForSlots<R>(
  db: DataSource, slots: Slot[], query: (span: Period, p: Params, patients: string) => string,
): Promise<{ rows: R[]; teamPatients: Map<string, Set<string>> }> {
  const teams = [...new Set(slots.map((x) => x.careTeamId).filter((t): t is string => t !== null))];
  const teamPatients = new Map<string, Set<string>>(teams.map((t) => [t, new Set()]));
  if (teams.length) {
    const members: { care_team_id: string; patient_id: string }[] = await db.query(
      `SELECT care_team_id, patient_id FROM metrics.care_team WHERE care_team_id = ANY($1)`, [teams]);
    for (const r of members) teamPatients.get(r.care_team_id)!.add(r.patient_id);
  }
  const p = new Params();
  const span = {
    from: new Date(Math.min(...slots.map((x) => x.from.getTime()))),
    to: new Date(Math.max(...slots.map((x) => x.to.getTime()))),
  };
  const everyTeam = slots.every((x) => x.careTeamId !== null);
  const patients = everyTeam ? `= ANY(${p.add([...teamPatients.values()].flatMap((v) => [...v]))})` : 'IS NOT NULL';
  return { rows: await db.query(query(span, p, patients), p.values), teamPatients };
}

/** The rows of each slot: `at` in its period and, when it names a team, of that team's patients. */
function partition<R>(slots: Slot[], fetched: { rows: R[]; teamPatients: Map<string, Set<string>> }, at: (row: R) => Date, patientOf: (row: R) => string): R[][] {
  return slots.map((x) => fetched.rows.filter((r) =>
    at(r) >= x.from && at(r) < x.to && (x.careTeamId === null || fetched.teamPatients.get(x.careTeamId)!.has(patientOf(r)))));
}

export interface Counts {
  numerator: number;
  denominator: number;
  /** Cohort members not in the figure yet (HEDIS PCR index stays whose 30-day window is still open). */
  pending?: number;
}

/**
 * HEDIS PCR counts per slot from the merged stays: index stays (not excluded) discharged
 * in it whose 30-day window has closed by `now`, those readmitted, and the pending ones
 * (window still open; domain/readmissions.ts pendingCutoff).
 */
export async function readmissionCounts(db: DataSource, cohort: Cohort, slots: Slot[], now: Date): Promise<Counts[]> {
  const p = new Params();
  const cutoff = p.add(pendingCutoff(now));
  const rows: { numerator: number; denominator: number; pending: number }[] = await db.query(
    // Only columns of the covering index hospital_stay_discharged: an index-only scan.
    `SELECT pr.i, count(h.discharged_at) FILTER (WHERE h.excluded_reason IS NULL AND h.discharged_at < ${cutoff})::int AS denominator,
            count(h.discharged_at) FILTER (WHERE h.excluded_reason IS NULL AND h.readmitted AND h.discharged_at < ${cutoff})::int AS numerator,
            count(h.discharged_at) FILTER (WHERE h.excluded_reason IS NULL AND h.discharged_at >= ${cutoff})::int AS pending
       FROM ${slotRows(slots, p)}
       LEFT JOIN metrics.hospital_stay h ON NOT h.in_progress AND h.discharged_at >= pr.s AND h.discharged_at < pr.e
        AND ${slotTeam('h.patient_id', slots)} AND ${cohortCondition('h.patient_id', cohort, p)}
      GROUP BY pr.i ORDER BY pr.i`,
    p.values,
  );
  return rows.map((r) => ({ numerator: r.numerator, denominator: r.denominator, pending: r.pending }));
}

export interface DischargeRow {
  key: string;
  patientId: string;
  dischargedAt: Date;
  followUpAt: Date | null;
  followUpKind: string | null;
}

/** Discharges back to the community, per slot, with the first follow-up visit the read model found for each. */
export async function followUpRows(db: DataSource, cohort: Cohort, slots: Slot[]): Promise<DischargeRow[][]> {
  const fetched = await rowsForSlots<{ key: string; patient_id: string; discharged_at: Date; follow_up_at: Date | null; follow_up_kind: string | null }>(
    db, slots, (span, p, patients) =>
      `SELECT h.first_encounter_id AS key, h.patient_id, h.discharged_at, h.follow_up_at, h.follow_up_kind FROM metrics.hospital_stay h
        WHERE NOT h.in_progress AND h.needs_follow_up AND h.discharged_at >= ${p.add(span.from)} AND h.discharged_at < ${p.add(span.to)}
          AND h.patient_id ${patients} AND ${cohortCondition('h.patient_id', cohort, p)}`,
  );
  return partition(slots, fetched, (r) => r.discharged_at, (r) => r.patient_id).map((rows) => rows.map((r) => ({
    key: r.key, patientId: r.patient_id, dischargedAt: new Date(r.discharged_at), followUpAt: r.follow_up_at && new Date(r.follow_up_at), followUpKind: r.follow_up_kind,
  })));
}

export interface TcmRow {
  interactiveContactDueAt: Date;
  interactiveContactAt: Date | null;
  faceToFaceDueAt: Date;
  faceToFaceAt: Date | null;
}

/** TCM episodes per slot, by discharge date. */
export async function tcmRows(db: DataSource, cohort: Cohort, slots: Slot[]): Promise<TcmRow[][]> {
  const fetched = await rowsForSlots<Record<string, Date | null> & { patient_id: string }>(db, slots, (span, p, patients) =>
    `SELECT e.patient_id, e.discharged_at, e.contact_due_at, e.contact_at, e.face_to_face_due_at, e.face_to_face_at FROM metrics.tcm_episode e
      WHERE e.discharged_at >= ${p.add(span.from)} AND e.discharged_at < ${p.add(span.to)} AND e.contact_due_at IS NOT NULL
        AND e.face_to_face_due_at IS NOT NULL AND e.patient_id ${patients} AND ${cohortCondition('e.patient_id', cohort, p)}`);
  const d = (v: Date | null) => (v ? new Date(v) : null);
  return partition(slots, fetched, (r) => r.discharged_at!, (r) => r.patient_id).map((rows) => rows.map((r) => ({
    interactiveContactDueAt: new Date(r.contact_due_at!), interactiveContactAt: d(r.contact_at),
    faceToFaceDueAt: new Date(r.face_to_face_due_at!), faceToFaceAt: d(r.face_to_face_at),
  })));
}

/** A slot's point in time: the end of its period, or now if the period has not ended. */
const instantOf = (x: Slot, now: Date) => (x.to < now ? x.to : now);

/**
 * Runs a point-in-time count for every slot: slots at the present read the
 * current snapshot, slots in the past the history; one statement for each kind.
 */
async function atInstants<R extends { i: string }>(
  db: DataSource, slots: Slot[], now: Date, current: (p: Params) => string, past: (p: Params) => string,
): Promise<Map<number, R[]>> {
  const byIndex = new Map<number, R[]>(slots.map((_, k) => [k, []]));
  const groups = [
    { sql: current, ks: slots.map((x, k) => (instantOf(x, now) >= now ? k : -1)).filter((k) => k >= 0) },
    { sql: past, ks: slots.map((x, k) => (instantOf(x, now) < now ? k : -1)).filter((k) => k >= 0) },
  ];
  for (const g of groups) {
    if (g.ks.length === 0) continue;
    const p = new Params();
    const from = `unnest(${p.add(g.ks.map((k) => instantOf(slots[k], now)))}::timestamptz[], ${p.add(g.ks.map((k) => slots[k].careTeamId))}::text[]) WITH ORDINALITY AS pr(at, team, i)`;
    const rows: R[] = await db.query(g.sql(p).replace('%SLOTS%', from), p.values);
    for (const r of rows) byIndex.get(g.ks[Number(r.i) - 1])!.push(r);
  }
  return byIndex;
}

/**
 * Each risk tier a patient had, with when it held: from its event until the
 * next one. The tier at an instant is the interval with since < at ≤ until.
 */
const TIER_INTERVALS = `tiers AS (SELECT patient_id, risk_tier, effective_at AS since,
    lead(effective_at) OVER (PARTITION BY patient_id ORDER BY position) AS until FROM metrics.patient_risk_history)`;

/**
 * HIGH-risk patients and those of them with an active care plan, at each
 * slot's point in time: the present from the current snapshot, a past instant
 * from the risk-tier and plan-status history (what was true then).
 */
export async function coverageCounts(db: DataSource, cohort: Cohort, slots: Slot[], now: Date): Promise<Counts[]> {
  const byIndex = await atInstants<{ i: string; numerator: number; denominator: number }>(db, slots, now,
    (p) => `SELECT pr.i, count(*)::int AS denominator,
              count(*) FILTER (WHERE EXISTS (SELECT 1 FROM metrics.care_plan cpl WHERE cpl.patient_id = x.patient_id AND cpl.status = 'active'))::int AS numerator
         FROM %SLOTS% JOIN metrics.patient x ON x.risk_tier = 'HIGH' AND ${slotTeam('x.patient_id', slots)} AND ${cohortCondition('x.patient_id', cohort, p)}
        GROUP BY pr.i`,
    (p) => `WITH ${TIER_INTERVALS},
       plans AS (SELECT patient_id, status, occurred_at AS since, lead(occurred_at) OVER (PARTITION BY care_plan_id ORDER BY version) AS until
                   FROM metrics.care_plan_change),
       high AS (SELECT pr.i, pr.at, t.patient_id FROM %SLOTS%
                  JOIN tiers t ON t.risk_tier = 'HIGH' AND t.since < pr.at AND (t.until IS NULL OR t.until >= pr.at)
                   AND ${slotTeam('t.patient_id', slots)} AND ${cohortCondition('t.patient_id', cohort, p)}),
       covered AS (SELECT DISTINCT h.i, h.patient_id FROM high h
                     JOIN plans pl ON pl.patient_id = h.patient_id AND pl.status = 'active' AND pl.since < h.at AND (pl.until IS NULL OR pl.until >= h.at))
       SELECT h.i, count(*)::int AS denominator, count(c.patient_id)::int AS numerator
         FROM high h LEFT JOIN covered c ON c.i = h.i AND c.patient_id = h.patient_id GROUP BY h.i`);
  return slots.map((_, k) => byIndex.get(k)![0] ?? { numerator: 0, denominator: 0 });
}

/** Patients per risk tier (null: not scored yet) at each slot's point in time. */
export async function riskTierCounts(db: DataSource, cohort: Cohort, slots: Slot[], now: Date): Promise<Map<string | null, number>[]> {
  const byIndex = await atInstants<{ i: string; risk_tier: string | null; n: number }>(db, slots, now,
    (p) => `SELECT pr.i, x.risk_tier, count(*)::int AS n FROM %SLOTS%
              JOIN metrics.patient x ON ${slotTeam('x.patient_id', slots)} AND ${cohortCondition('x.patient_id', cohort, p)} GROUP BY pr.i, x.risk_tier`,
    (p) => `WITH ${TIER_INTERVALS}
            SELECT pr.i, t.risk_tier, count(*)::int AS n FROM %SLOTS%
              JOIN metrics.patient x ON (x.registered_at IS NULL OR x.registered_at < pr.at) AND ${slotTeam('x.patient_id', slots)}
               AND ${cohortCondition('x.patient_id', cohort, p)}
              LEFT JOIN tiers t ON t.patient_id = x.patient_id AND t.since < pr.at AND (t.until IS NULL OR t.until >= pr.at)
             GROUP BY pr.i, t.risk_tier`);
  return slots.map((_, k) => new Map(byIndex.get(k)!.map((r) => [r.risk_tier, r.n])));
}

export interface ReferralRow {
  id: string;
  partnerId: string;
  status: string;
  sentAt: Date | null;
  acceptedAt: Date | null;
  rejectedAt: Date | null;
  closedAt: Date | null;
}

/** Referrals per slot; a referral belongs to the period it was sent in. */
export async function referralRows(db: DataSource, cohort: Cohort, slots: Slot[], partnerId: string | null): Promise<ReferralRow[][]> {
  const fetched = await rowsForSlots<Record<string, string | Date | null>>(db, slots, (span, p, patients) =>
    `SELECT r.referral_id, r.patient_id, r.partner_id, r.status, r.sent_at, r.accepted_at, r.rejected_at, r.closed_at FROM metrics.referral r
      WHERE r.sent_at >= ${p.add(span.from)} AND r.sent_at < ${p.add(span.to)} ${partnerId ? `AND r.partner_id = ${p.add(partnerId)}` : ''}
        AND r.patient_id ${patients} AND ${cohortCondition('r.patient_id', cohort, p)}`);
  const d = (v: unknown) => (v ? new Date(v as string) : null);
  return partition(slots, fetched, (r) => new Date(r.sent_at as Date), (r) => r.patient_id as string).map((rows) => rows.map((r) => ({
    id: r.referral_id as string, partnerId: r.partner_id as string, status: r.status as string,
    sentAt: d(r.sent_at), acceptedAt: d(r.accepted_at), rejectedAt: d(r.rejected_at), closedAt: d(r.closed_at),
  })));
}

/** Survey scores per slot; a response dated D belongs to the period holding D 00:00 UTC. */
export async function surveyScores(db: DataSource, cohort: Cohort, slots: Slot[]): Promise<number[][]> {
  const fetched = await rowsForSlots<{ patient_id: string; responded_on: string; score: number }>(db, slots, (span, p, patients) =>
    `SELECT s.patient_id, to_char(s.responded_on, 'YYYY-MM-DD') AS responded_on, s.score FROM metrics.satisfaction_survey s
      WHERE s.responded_on >= (${p.add(span.from)}::timestamptz AT TIME ZONE 'UTC')::date
        AND s.responded_on < (${p.add(span.to)}::timestamptz AT TIME ZONE 'UTC')::date + 1
        AND s.patient_id ${patients} AND ${cohortCondition('s.patient_id', cohort, p)}`);
  return partition(slots, fetched, (r) => new Date(`${r.responded_on}T00:00:00.000Z`), (r) => r.patient_id).map((rows) => rows.map((r) => r.score));
}

export interface CostTotals {
  managed: { patients: number; totalCost: number };
  notManaged: { patients: number; totalCost: number };
}

/**
 * Claims cost per slot, managed vs not managed. Cost is the encounter's claims
 * amount dated at its discharge (stays) or start (visits). The patients are the
 * cohort's registered by the period's end; managed ones had an active care team
 * at some point in the period.
 */
export async function costTotals(db: DataSource, cohort: Cohort, slots: Slot[]): Promise<CostTotals[]> {
  const p = new Params();
  const rows: { i: string; managed: boolean; patients: number; total: number }[] = await db.query(
    `WITH pr AS (SELECT * FROM ${slotRows(slots, p)}),
     members AS (
       SELECT pr.i, pt.patient_id FROM pr JOIN metrics.patient pt ON (pt.registered_at IS NULL OR pt.registered_at < pr.e) AND ${slotTeam('pt.patient_id', slots)}
          AND ${cohortCondition('pt.patient_id', cohort, p)}),
     managed AS (
       SELECT DISTINCT pr.i, t.patient_id FROM pr JOIN metrics.care_team t ON t.formed_at < pr.e AND (t.status = 'active' OR t.inactive_since >= pr.s)),
     claims AS (
       SELECT pr.i, c.patient_id, sum(c.cost) AS cost FROM pr
         JOIN (SELECT patient_id, discharged_at AS at, cost FROM metrics.stay WHERE discharged_at IS NOT NULL AND cost IS NOT NULL
               UNION ALL SELECT patient_id, started_at, cost FROM metrics.visit WHERE cost IS NOT NULL) c ON c.at >= pr.s AND c.at < pr.e
        GROUP BY pr.i, c.patient_id)
     SELECT m.i, g.patient_id IS NOT NULL AS managed, count(*)::int AS patients, COALESCE(sum(c.cost), 0)::float8 AS total
       FROM members m LEFT JOIN managed g ON g.i = m.i AND g.patient_id = m.patient_id
       LEFT JOIN claims c ON c.i = m.i AND c.patient_id = m.patient_id GROUP BY 1, 2`,
    p.values,
  );
  return slots.map((_, k) => {
    const of = (managed: boolean) => {
      const r = rows.find((x) => Number(x.i) === k + 1 && x.managed === managed);
      return { patients: r?.patients ?? 0, totalCost: r?.total ?? 0 };
    };
    return { managed: of(true), notManaged: of(false) };
  });
}

export interface CcmPatientMonth {
  month: string;
  clinicalStaffMinutes: number;
  physicianMinutes: number;
  carePlanEstablishedOrRevised: boolean;
  complexDecisionMaking: boolean;
  consentActive: boolean;
  chronicConditionCount: number;
}

/**
 * Logged CCM minutes per patient and calendar month, for every calendar month
 * a slot touches (CMS counts CCM time per whole calendar month), with what the
 * billing rules need. Consent and chronic conditions are the patient's current
 * snapshot (the read model does not keep their history).
 */
export async function ccmPatientMonths(db: DataSource, cohort: Cohort, slots: Slot[]): Promise<CcmPatientMonth[][]> {
  const wholeMonths = slots.map((x) => ({ ...x, from: startOfUtcMonth(x.from), to: addUtcMonths(startOfUtcMonth(new Date(x.to.getTime() - 1)), 1) }));
  const fetched = await rowsForSlots<{ patient_id: string; month: string; staff: number | null; physician: number | null; revised: boolean; decided: boolean; consent: boolean; chronic: number }>(
    db, wholeMonths, (span, p, patients) =>
      `SELECT g.patient_id, g.month, g.staff, g.physician,
              -- The revision's month as care-teams bills it: the practice's local month (HUB_TIME_ZONE).
              EXISTS (SELECT 1 FROM metrics.care_plan_change x WHERE x.patient_id = g.patient_id AND x.substantial
                       AND to_char(x.occurred_at AT TIME ZONE ${p.add(hubTimeZone())}, 'YYYY-MM') = g.month) AS revised,
              EXISTS (SELECT 1 FROM metrics.ccm_decision_making d WHERE d.patient_id = g.patient_id AND d.month = g.month) AS decided,
              COALESCE(pt.ccm_consent_active, false) AS consent, COALESCE(pt.chronic_condition_count, 0) AS chronic
         FROM (SELECT c.patient_id, to_char(c.performed_on, 'YYYY-MM') AS month,
                      sum(c.minutes) FILTER (WHERE NOT c.by_physician)::int AS staff, sum(c.minutes) FILTER (WHERE c.by_physician)::int AS physician
                 FROM metrics.ccm_time c
                WHERE c.performed_on >= (${p.add(span.from)}::timestamptz AT TIME ZONE 'UTC')::date AND c.performed_on < (${p.add(span.to)}::timestamptz AT TIME ZONE 'UTC')::date
                  AND c.patient_id ${patients} AND ${cohortCondition('c.patient_id', cohort, p)}
                GROUP BY 1, 2) g
         LEFT JOIN metrics.patient pt ON pt.patient_id = g.patient_id`,
  );
  return partition(wholeMonths, fetched, (r) => new Date(`${r.month}-01T00:00:00.000Z`), (r) => r.patient_id).map((rows) => rows.map((r) => ({
    month: r.month, clinicalStaffMinutes: r.staff ?? 0, physicianMinutes: r.physician ?? 0, carePlanEstablishedOrRevised: r.revised, complexDecisionMaking: r.decided,
    consentActive: r.consent, chronicConditionCount: r.chronic,
  })));
}

export interface UtilizationCounts {
  patientId: string;
  admissions: number;
  readmissions: number;
  edVisits: number;
}

/** Patient.utilization for a batch of patients: two queries whatever the batch size. */
export async function utilizationCounts(db: DataSource, patientIds: readonly string[], windows: { admissionsSince: Date; edVisitsSince: Date }): Promise<UtilizationCounts[]> {
  const ids = [...patientIds];
  const [stays, visits]: [{ patient_id: string; admissions: number; readmissions: number }[], { patient_id: string; n: number }[]] = await Promise.all([
    db.query(
      `SELECT patient_id, count(*) FILTER (WHERE admitted_at >= $2)::int AS admissions,
              count(*) FILTER (WHERE NOT in_progress AND excluded_reason IS NULL AND readmitted AND discharged_at >= $2)::int AS readmissions
         FROM metrics.hospital_stay WHERE patient_id = ANY($1) GROUP BY patient_id`,
      [ids, windows.admissionsSince],
    ),
    db.query(
      `SELECT patient_id, count(*)::int AS n FROM metrics.visit WHERE patient_id = ANY($1) AND kind = 'EMERGENCY' AND started_at >= $2 GROUP BY patient_id`,
      [ids, windows.edVisitsSince],
    ),
  ]);
  const stayBy = new Map(stays.map((r) => [r.patient_id, r]));
  const edBy = new Map(visits.map((r) => [r.patient_id, r.n]));
  return ids.map((patientId) => {
    const s = stayBy.get(patientId);
    return { patientId, admissions: s?.admissions ?? 0, readmissions: s?.readmissions ?? 0, edVisits: edBy.get(patientId) ?? 0 };
  });
}
