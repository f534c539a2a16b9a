/**
 * Who sees which figures:
 * - analysts and admins: population figures, any cohort;
 * - care team members (clinical roles): their own panel only — the patients whose
 *   active care team lists them as an active member (from the care-team events);
 * - partner staff: only their own organization's referral figures (the partner
 *   contract's `referralPerformance`); every other figure is FORBIDDEN;
 * - patient-level figures (Patient.utilization, recording a satisfaction survey) are
 *   PatientData.PATIENT_METRICS, decided by the one access table through ctx.access
 *   (members of the patient's care team, a clinician who broke the glass — read
 *   only — and admins; audited);
 * - CareTeam.performance: analysts and admins (population figures); a clinician as
 *   the table lets them read the team's patient's figures (PATIENT_METRICS read).
 * Small cohorts are suppressed for everyone (domain/kpi.ts, MIN_COHORT_SIZE).
 * Refusals are FORBIDDEN with `extensions.reason` (shared/access.ts), at the field.
 */
import { PatientData, RefusalReason } from '../../../shared/access';
import { CLINICAL_ROLES, Role, hasRole } from '../../../shared/auth';
import { forbidden } from '../../../shared/errors';
import type { SubgraphContext } from '../../../shared/subgraph';
import type { Cohort } from '../data/figures';
import { awaitReadModel } from '../data/read-model';
import type { KpiFilter } from './types';

const POPULATION_ROLES: readonly Role[] = [Role.ADMIN, Role.ANALYST];
const isPartner = (ctx: SubgraphContext) => hasRole(ctx.principal, Role.PARTNER_STAFF);
const seesPopulation = (ctx: SubgraphContext) => !isPartner(ctx) && hasRole(ctx.principal, ...POPULATION_ROLES);

/** The caller's panel and teams (population figures' panel rule), read once per request (then again after waiting for the read model). */
interface Membership {
  patients: Set<string>;
  teams: Set<string>;
}

async function loadMembership(ctx: SubgraphContext): Promise<Membership> {
  const rows: { patient_id: string; care_team_id: string }[] = await ctx.db.query(
    `SELECT DISTINCT t.patient_id, t.care_team_id FROM metrics.care_team t JOIN metrics.care_team_member mb ON mb.care_team_id = t.care_team_id
      WHERE mb.practitioner_id = $1 AND mb.active AND t.status = 'active'`,
    [ctx.principal.sub],
  );
  return { patients: new Set(rows.map((r) => r.patient_id)), teams: new Set(rows.map((r) => r.care_team_id)) };
}

const membership = (ctx: SubgraphContext, fresh = false) =>
  ctx.loaders
    .get<string, Membership>(fresh ? 'metrics:membership:fresh' : 'metrics:membership', async (subs) => {
      const m = await loadMembership(ctx);
      return subs.map(() => m);
    })
    .load(ctx.principal.sub);

/**
 * Membership test with read-your-writes: the projection trails the care-teams
 * subgraph by moments, so a "no" is checked again once the read model has caught up.
 */
async function isMember(ctx: SubgraphContext, test: (m: Membership) => boolean): Promise<boolean> {
  if (test(await membership(ctx))) return true;
  await awaitReadModel(ctx.db);
  return test(await membership(ctx, true));
}

const refused = (reason: RefusalReason, message: string, patientId?: string) => forbidden(message, { reason, ...(patientId ? { patientId } : {}) });
const notOnTeam = () => refused(RefusalReason.NOT_ON_CARE_TEAM, 'Only active members of a care team see its figures');

/** Figures other than referrals: clinical roles, analysts and admins. */
export function assertFigureReader(ctx: SubgraphContext): void {
  if (isPartner(ctx)) throw refused(RefusalReason.PARTNER_CONTRACT_ONLY, 'Partner staff see only their organization\'s referral figures (referralPerformance)');
  if (!hasRole(ctx.principal, ...CLINICAL_ROLES, ...POPULATION_ROLES)) throw refused(RefusalReason.ROLE_NOT_ALLOWED, 'Your role may not read program figures');
}

/** Whose figures a query reads: a cohort, optionally one care team's patients, optionally one partner's referrals. */
export interface Audience {
  cohort: Cohort;
  careTeamId: string | null;
  partnerId: string | null;
}

/**
 * What a caller may see for a filter: the filter as asked for analysts and
 * admins; for care team members, the filter within their own panel (a care
 * team they are not an active member of is FORBIDDEN).
 */
export async function audienceFor(ctx: SubgraphContext, filter: KpiFilter | null | undefined): Promise<Audience> {
  assertFigureReader(ctx);
  const careTeamId = filter?.careTeamId ?? null;
  const cohort: Cohort = {
    riskTier: filter?.riskTier ?? null,
    conditionCategory: filter?.conditionCategory ?? null,
    panels: filter?.practitionerId ? [filter.practitionerId] : [],
  };
  const partnerId = filter?.partnerId ?? null;
  if (seesPopulation(ctx)) return { cohort, careTeamId, partnerId };
  if (careTeamId && !(await isMember(ctx, (m) => m.teams.has(careTeamId)))) throw notOnTeam();
  return { cohort: { ...cohort, panels: [...(cohort.panels ?? []), ctx.principal.sub] }, careTeamId, partnerId };
}

/**
 * Referral figures: as audienceFor, except that partner staff see their own
 * organization's referrals by period only (a cohort filter could single out
 * the risk or conditions of the people they serve).
 */
export async function referralAudienceFor(ctx: SubgraphContext, filter: KpiFilter | null | undefined): Promise<Audience> {
  if (!isPartner(ctx)) return audienceFor(ctx, filter);
  const org = ctx.principal.org!;
  if (filter?.partnerId && filter.partnerId !== org) throw refused(RefusalReason.PARTNER_CONTRACT_ONLY, "Partner staff see only their own organization's referral figures");
  if (filter?.careTeamId || filter?.practitionerId || filter?.riskTier || filter?.conditionCategory) {
    throw refused(RefusalReason.PARTNER_CONTRACT_ONLY, 'Partner staff see referral figures by period only');
  }
  return { cohort: {}, careTeamId: null, partnerId: org };
}

/** The patient a care team cares for, from the read model (asked again once it caught up: the team may be new). */
async function patientOfTeam(ctx: SubgraphContext, careTeamId: string): Promise<string | null> {
  const find = async () => ((await ctx.db.query(`SELECT patient_id::text FROM metrics.care_team WHERE care_team_id = $1`, [careTeamId])) as { patient_id: string }[])[0]?.patient_id ?? null;
  const found = await find();
  if (found) return found;
  await awaitReadModel(ctx.db);
  return find();
}

/**
 * CareTeam.performance: analysts and admins (population figures, suppressed when
 * small); a clinician when the table lets them read the team's patient's figures.
 */
export async function assertTeamFigures(ctx: SubgraphContext, careTeamId: string): Promise<void> {
  assertFigureReader(ctx);
  if (seesPopulation(ctx)) return;
  const patientId = await patientOfTeam(ctx, careTeamId);
  if (!patientId) throw notOnTeam();
  await ctx.access.assert(patientId, PatientData.PATIENT_METRICS, 'read', 'CareTeamPerformance');
}

/** Patient-level figures (utilization, a satisfaction survey): the access table's PATIENT_METRICS rows. */
export const assertPatientMetrics = (ctx: SubgraphContext, patientId: string, op: 'read' | 'write', entity: string) =>
  ctx.access.assert(patientId, PatientData.PATIENT_METRICS, op, entity);

/** Service metadata (freshness): every staff role except partners, who see nothing outside their contract. */
export function assertStaff(ctx: SubgraphContext): void {
  assertFigureReader(ctx);
}
