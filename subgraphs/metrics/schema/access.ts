/**
 * Who sees which figures:
 * - analysts and admins: population figures, any cohort;
 * - care team members (clinical roles): their own panel only — the patients whose
 *   active care team lists them as an active member (from the care-team events);
 * - partner staff: only their own organization's referral figures (the partner
 *   contract's `referralPerformance`); every other figure is FORBIDDEN;
 * - Patient.utilization is PHI: members of that patient's active team, and admins.
 * Small cohorts are suppressed for everyone (domain/kpi.ts, MIN_COHORT_SIZE).
 */
import { CLINICAL_ROLES, Role, hasRole, isAdmin, requireRole } from '../../../shared/auth';
import { forbidden } from '../../../shared/errors';
import type { SubgraphContext } from '../../../shared/subgraph';
import type { Cohort } from '../data/figures';
import { awaitReadModel } from '../data/read-model';
import type { KpiFilter } from './types';

const POPULATION_ROLES: readonly Role[] = [Role.ADMIN, Role.ANALYST];
const isPartner = (ctx: SubgraphContext) => hasRole(ctx.principal, Role.PARTNER_STAFF);
const seesPopulation = (ctx: SubgraphContext) => !isPartner(ctx) && hasRole(ctx.principal, ...POPULATION_ROLES);

/** The caller's panel and teams, read once per request (then again after waiting for the read model). */
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

/** Figures other than referrals: clinical roles, analysts and admins. */
export function assertFigureReader(ctx: SubgraphContext): void {
  if (isPartner(ctx)) throw forbidden('Partner staff see only their organization\'s referral figures (referralPerformance)');
  requireRole(ctx.principal, [...CLINICAL_ROLES, ...POPULATION_ROLES], 'read program figures');
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
  if (careTeamId && !(await isMember(ctx, (m) => m.teams.has(careTeamId)))) throw forbidden('Only active members of a care team see its figures');
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
  if (filter?.partnerId && filter.partnerId !== org) throw forbidden("Partner staff see only their own organization's referral figures");
  if (filter?.careTeamId || filter?.practitionerId || filter?.riskTier || filter?.conditionCategory) {
    throw forbidden('Partner staff see referral figures by period only');
  }
  return { cohort: {}, careTeamId: null, partnerId: org };
}

/** CareTeam.performance: analysts, admins and the team's active members. */
export async function assertTeamFigures(ctx: SubgraphContext, careTeamId: string): Promise<void> {
  assertFigureReader(ctx);
  if (seesPopulation(ctx)) return;
  if (!(await isMember(ctx, (m) => m.teams.has(careTeamId)))) throw forbidden('Only active members of a care team see its figures');
}

/** Patient-level data (utilization, recording a survey): admins, and clinical members of the patient's active care team. */
export async function assertPatientAccess(ctx: SubgraphContext, patientId: string, action: string): Promise<void> {
  requireRole(ctx.principal, [...CLINICAL_ROLES, Role.ADMIN], action);
  if (isAdmin(ctx.principal) && !isPartner(ctx)) return;
  if (isPartner(ctx) || !(await isMember(ctx, (m) => m.patients.has(patientId)))) {
    throw forbidden(`Only members of the patient's care team may ${action}`);
  }
}

/** Service metadata (freshness): every staff role except partners, who see nothing outside their contract. */
export function assertStaff(ctx: SubgraphContext): void {
  assertFigureReader(ctx);
}
