/**
 * Access in the care-teams subgraph: only active members of a patient's care team
 * (and admins) read or change that patient's teams, plans and time.
 */
import { CLINICAL_ROLES, Role, isAdmin, requireRole } from '../../../shared/auth';
import { forbidden } from '../../../shared/errors';
import type { SubgraphContext } from '../../../shared/subgraph';

/** Partner staff and analysts never reach this subgraph's records. */
export function assertCareTeamRole(ctx: SubgraphContext): void {
  requireRole(ctx.principal, [...CLINICAL_ROLES, Role.ADMIN], 'use care team records');
}

/** Patient ids whose active care team counts the caller as an active member (one query per request). */
export function myPatientIds(ctx: SubgraphContext): Promise<Set<string>> {
  return ctx.loaders
    .get<string, Set<string>>('myPatientIds', async (subs) => {
      const rows: { patient_id: string }[] = await ctx.db.query(
        `SELECT DISTINCT t.patient_id FROM care_teams.care_team t
           JOIN care_teams.care_team_member m ON m.care_team_id = t.id
          WHERE m.practitioner_id = $1 AND m.period_end IS NULL AND t.status = 'active'`,
        [subs[0]],
      );
      return [new Set(rows.map((r) => r.patient_id))];
    })
    .load(ctx.principal.sub);
}

export async function canAccessPatient(ctx: SubgraphContext, patientId: string): Promise<boolean> {
  assertCareTeamRole(ctx);
  return isAdmin(ctx.principal) || (await myPatientIds(ctx)).has(patientId);
}

export async function assertPatientAccess(ctx: SubgraphContext, patientId: string): Promise<void> {
  if (!(await canAccessPatient(ctx, patientId))) throw forbidden("Only active members of the patient's care team may do this");
}

