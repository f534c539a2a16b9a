/**
 * Access in the care-teams subgraph. Patient data here is PHI, decided by the one
 * access table (shared/access-policy.ts) through `ctx.access`, which reads the
 * shared care-relationship projection — so this subgraph decides exactly as the
 * other three, break-the-glass opens these records read-only, and every read it
 * lets through is in the audit trail:
 *
 * | data                                              | PatientData | read / write               |
 * | ------------------------------------------------- | ----------- | -------------------------- |
 * | care teams, plans, goals, activities, TCM episodes| CARE_PLANS  | the table's rows           |
 * | forming a team for a patient with none            | ENROLLMENT  | care coordinators, admins  |
 * | CCM time (logged minutes, monthly codes)          | CCM_TIME    | the table's rows           |
 *
 * On top of the table, rules about one team's own roster (not patient-access rows:
 * they hold while the team is proposed or suspended, when the patient-level
 * relationship counts no membership):
 *
 * | who                                   | may                                                                  |
 * | ------------------------------------- | -------------------------------------------------------------------- |
 * | active members of the team, admins    | add members to it                                                    |
 * | the team's care coordinator, admins   | hand over the coordinator role, change the team's status, end any    |
 * |                                       |   membership, log CCM time on behalf of another active member        |
 * | the member themself                   | end their own membership (never the coordinator's: hand over first)  |
 * | any clinical role, admins             | read the practitioner directory (not patient data)                   |
 * | a practitioner, admins                | write their own directory entry (admins: anyone's)                   |
 *
 * How refusal looks (shared/access.ts): a record or a field of one the caller may
 * not see is FORBIDDEN with `reason` and `patientId` at its path (the field is
 * nullable); lists across patients (myWorklist) keep what the caller may see; a
 * refused write is FORBIDDEN with the reason, nothing written.
 */
import { CLINICAL_ROLES, Role, hasRole, isAdmin } from '../../../shared/auth';
import { PatientData, RefusalReason } from '../../../shared/access';
import { forbidden } from '../../../shared/errors';
import type { SubgraphContext } from '../../../shared/subgraph';
import { CareTeamRole } from '../domain';
import type { CareTeamMemberRecord, CareTeamRecord } from '../data/entities';
import { membersByTeam } from './loaders';

/** Roles that ever work with care-team records; others (analysts, privacy officers, integrations) are refused by role. */
const STAFF_ROLES: readonly Role[] = [...CLINICAL_ROLES, Role.ADMIN];

const roleRefusal = (action: string) => forbidden(`Your role may not ${action}`, { reason: RefusalReason.ROLE_NOT_ALLOWED });

/** For what is not one patient's record (the directory, your own worklist): staff only. */
export function assertCareTeamRole(ctx: SubgraphContext, action = 'use care team records'): void {
  if (!hasRole(ctx.principal, ...STAFF_ROLES) || hasRole(ctx.principal, Role.PARTNER_STAFF)) throw roleRefusal(action);
}

/** Reads a patient's teams, plans and TCM episodes (noted in the audit trail); FORBIDDEN when refused. */
export const assertCarePlansRead = (ctx: SubgraphContext, patientId: string, entity: string) =>
  ctx.access.assert(patientId, PatientData.CARE_PLANS, 'read', entity);

/** Changes a patient's plans, goals, activities or TCM steps; FORBIDDEN when refused. */
export const assertCarePlansWrite = (ctx: SubgraphContext, patientId: string, entity: string) =>
  ctx.access.assert(patientId, PatientData.CARE_PLANS, 'write', entity);

/** The caller's open memberships on one team (whatever the team's status). */
export async function myMembershipsOn(ctx: SubgraphContext, teamId: string): Promise<CareTeamMemberRecord[]> {
  return (await membersByTeam(ctx).load(teamId)).filter((m) => m.practitionerId === ctx.principal.sub && m.periodEnd === null);
}

const isCoordinatorOn = (memberships: CareTeamMemberRecord[]) => memberships.some((m) => m.role === CareTeamRole.CARE_COORDINATOR);

const teamRefusal = (team: CareTeamRecord, message: string) =>
  forbidden(message, { reason: RefusalReason.NOT_ON_CARE_TEAM, patientId: team.patientId });

/** Admins, and active members of this team. */
export async function assertTeamMember(ctx: SubgraphContext, team: CareTeamRecord): Promise<void> {
  assertCareTeamRole(ctx, 'change care teams');
  if (isAdmin(ctx.principal) || (await myMembershipsOn(ctx, team.id)).length > 0) return;
  throw teamRefusal(team, 'Only active members of this care team may do this');
}

/** Admins, and the team's current care coordinator. */
export async function assertTeamCoordinator(ctx: SubgraphContext, team: CareTeamRecord, action: string): Promise<void> {
  assertCareTeamRole(ctx, 'change care teams');
  if (isAdmin(ctx.principal) || isCoordinatorOn(await myMembershipsOn(ctx, team.id))) return;
  throw teamRefusal(team, `Only the team's care coordinator (or an admin) may ${action}`);
}

/** The member themself, the team's coordinator, or an admin. */
export async function assertCanEndMembership(ctx: SubgraphContext, team: CareTeamRecord, membership: CareTeamMemberRecord): Promise<void> {
  assertCareTeamRole(ctx, 'change care teams');
  if (membership.practitionerId === ctx.principal.sub) return;
  await assertTeamCoordinator(ctx, team, "end another member's membership");
}

/** Members log their own time (the table: CCM_TIME write); the coordinator and admins may log it for another member. */
export async function assertCanLogTimeFor(ctx: SubgraphContext, team: CareTeamRecord, practitionerId: string): Promise<void> {
  await ctx.access.assert(team.patientId, PatientData.CCM_TIME, 'write', 'CcmTimeEntry');
  if (practitionerId === ctx.principal.sub) return;
  await assertTeamCoordinator(ctx, team, 'log time on behalf of another member');
}

/** Anyone on staff may read the directory; its entries are not patient data. */
export const assertDirectoryReader = (ctx: SubgraphContext) => assertCareTeamRole(ctx, 'read the practitioner directory');
export const mayReadDirectory = (ctx: SubgraphContext) => hasRole(ctx.principal, ...STAFF_ROLES) && !hasRole(ctx.principal, Role.PARTNER_STAFF);

/** A practitioner keeps their own directory entry; admins keep everyone's. */
export function assertCanEditPractitioner(ctx: SubgraphContext, practitionerId: string): void {
  assertCareTeamRole(ctx, 'edit the practitioner directory');
  if (practitionerId !== ctx.principal.sub && !isAdmin(ctx.principal)) {
    throw forbidden("Only admins may edit another practitioner's directory entry", { reason: RefusalReason.ROLE_NOT_ALLOWED });
  }
}

/** CMS TCM FAQs and CCM: complexity is the billing practitioner's medical decision-making; on this hub, a physician. */
export function assertBillingPractitioner(ctx: SubgraphContext): void {
  if (!hasRole(ctx.principal, Role.PHYSICIAN)) {
    throw forbidden('Medical decision-making is recorded by the billing practitioner (a physician)', { reason: RefusalReason.ROLE_NOT_ALLOWED });
  }
}
