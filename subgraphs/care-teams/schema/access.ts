/**
 * Access in the care-teams subgraph. Patient data here is PHI; every resolver path
 * goes through one of these checks.
 *
 * | who                                   | may                                                                  |
 * | ------------------------------------- | -------------------------------------------------------------------- |
 * | partner staff, analysts               | nothing here (FORBIDDEN)                                             |
 * | any clinical role, admins             | read the practitioner directory                                      |
 * | a practitioner, admins                | write the practitioner's own directory entry (admins: anyone's)      |
 * | care coordinators (token role), admins| form a care team for a patient who has no open team                  |
 * | active members of the patient's       | read the patient's teams, plans, TCM episodes and CCM time; create   |
 * |   active team, admins                 |   and change plans, goals and activities; complete TCM steps; log    |
 * |                                       |   their own CCM time                                                 |
 * | active members of the team, admins    | add members to it (even while it is proposed or suspended)           |
 * | the team's care coordinator, admins   | hand over the coordinator role, change the team's status, end any    |
 * |                                       |   membership, log CCM time on behalf of another active member        |
 * | the member themself                   | end their own membership (never the coordinator's: hand over first)  |
 *
 * Lists silently keep only what the caller may see; a single record asked for by
 * id is null (queries, entity references) or FORBIDDEN (mutations) when hidden.
 */
import { CLINICAL_ROLES, Role, hasRole, isAdmin, requireRole } from '../../../shared/auth';
import { forbidden } from '../../../shared/errors';
import { isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import { CareTeamRole } from '../domain';
import type { CareTeamMemberRecord, CareTeamRecord } from '../data/entities';
import { membersByTeam } from './loaders';

/** Partner staff and analysts never reach this subgraph's records. */
export function assertCareTeamRole(ctx: SubgraphContext): void {
  requireRole(ctx.principal, [...CLINICAL_ROLES, Role.ADMIN], 'use care team records');
}

/**
 * Whether the caller is an active member of each patient's active care team: one
 * query per request for all the patients asked about, so a large panel costs no
 * more than the patients on the page.
 */
function memberOfPatientTeam(ctx: SubgraphContext) {
  return ctx.loaders.get<string, boolean>('memberOfPatientTeam', async (patientIds) => {
    const rows: { patient_id: string }[] = await ctx.db.query(
      `SELECT DISTINCT t.patient_id FROM care_teams.care_team t
         JOIN care_teams.care_team_member m ON m.care_team_id = t.id
        WHERE m.practitioner_id = $1 AND m.period_end IS NULL AND t.status = 'active' AND t.patient_id = ANY($2::uuid[])`,
      [ctx.principal.sub, patientIds],
    );
    const mine = new Set(rows.map((r) => r.patient_id));
    return patientIds.map((id) => mine.has(id));
  });
}

export async function canAccessPatient(ctx: SubgraphContext, patientId: string): Promise<boolean> {
  assertCareTeamRole(ctx);
  return isAdmin(ctx.principal) || (isUuid(patientId) && memberOfPatientTeam(ctx).load(patientId));
}

/** For entity references: false rather than an error for roles that never see care-team records. */
export async function canSeeByReference(ctx: SubgraphContext, patientId: string): Promise<boolean> {
  return hasRole(ctx.principal, ...CLINICAL_ROLES, Role.ADMIN) && canAccessPatient(ctx, patientId);
}

export async function assertPatientAccess(ctx: SubgraphContext, patientId: string): Promise<void> {
  if (!(await canAccessPatient(ctx, patientId))) throw forbidden("Only active members of the patient's care team may do this");
}

/** Keeps only the rows of patients the caller may see: admins everything, members their patients'. */
export async function visibleRows<T extends { patientId: string }>(ctx: SubgraphContext, rows: T[]): Promise<T[]> {
  assertCareTeamRole(ctx);
  if (isAdmin(ctx.principal) || rows.length === 0) return rows;
  const allowed = await Promise.all(rows.map((r) => memberOfPatientTeam(ctx).load(r.patientId)));
  return rows.filter((_r, i) => allowed[i]);
}

/** One record by id for a query: null when it does not exist or the caller may not see it. */
export async function visibleById<T extends { patientId: string }>(ctx: SubgraphContext, loader: { load(id: string): Promise<T | null> }, id: string): Promise<T | null> {
  const row = isUuid(id) ? await loader.load(id) : null;
  return row && (await visibleRows(ctx, [row])).length > 0 ? row : null;
}

/** The caller's open memberships on one team (whatever the team's status). */
export async function myMembershipsOn(ctx: SubgraphContext, teamId: string): Promise<CareTeamMemberRecord[]> {
  return (await membersByTeam(ctx).load(teamId)).filter((m) => m.practitionerId === ctx.principal.sub && m.periodEnd === null);
}

const isCoordinatorOn = (memberships: CareTeamMemberRecord[]) => memberships.some((m) => m.role === CareTeamRole.CARE_COORDINATOR);

/** Admins, and active members of this team. */
export async function assertTeamMember(ctx: SubgraphContext, team: CareTeamRecord): Promise<void> {
  assertCareTeamRole(ctx);
  if (isAdmin(ctx.principal) || (await myMembershipsOn(ctx, team.id)).length > 0) return;
  throw forbidden('Only active members of this care team may do this');
}

/** Admins, and the team's current care coordinator. */
export async function assertTeamCoordinator(ctx: SubgraphContext, team: CareTeamRecord, action: string): Promise<void> {
  assertCareTeamRole(ctx);
  if (isAdmin(ctx.principal) || isCoordinatorOn(await myMembershipsOn(ctx, team.id))) return;
  throw forbidden(`Only the team's care coordinator (or an admin) may ${action}`);
}

/** Admins and care coordinators enrol patients into care management by forming their team. */
export function assertCanFormTeam(ctx: SubgraphContext): void {
  requireRole(ctx.principal, [Role.CARE_COORDINATOR, Role.ADMIN], 'form care teams');
}

/** The member themself, the team's coordinator, or an admin. */
export async function assertCanEndMembership(ctx: SubgraphContext, team: CareTeamRecord, membership: CareTeamMemberRecord): Promise<void> {
  assertCareTeamRole(ctx);
  if (membership.practitionerId === ctx.principal.sub) return;
  await assertTeamCoordinator(ctx, team, "end another member's membership");
}

/** Members log their own time; the coordinator and admins may log it for another member. */
export async function assertCanLogTimeFor(ctx: SubgraphContext, team: CareTeamRecord, practitionerId: string): Promise<void> {
  await assertPatientAccess(ctx, team.patientId);
  if (practitionerId === ctx.principal.sub) return;
  await assertTeamCoordinator(ctx, team, 'log time on behalf of another member');
}

/** Anyone on staff may read the directory; its entries are not patient data. */
export const assertDirectoryReader = assertCareTeamRole;
export const mayReadDirectory = (ctx: SubgraphContext) => hasRole(ctx.principal, ...CLINICAL_ROLES, Role.ADMIN);

/** A practitioner keeps their own directory entry; admins keep everyone's. */
export function assertCanEditPractitioner(ctx: SubgraphContext, practitionerId: string): void {
  assertCareTeamRole(ctx);
  if (practitionerId !== ctx.principal.sub && !hasRole(ctx.principal, Role.ADMIN)) {
    throw forbidden("Only admins may edit another practitioner's directory entry");
  }
}
