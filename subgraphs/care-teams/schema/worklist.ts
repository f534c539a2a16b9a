/**
 * `myWorklist`: what the signed-in member should do next across their patients —
 * open activities of active plans assigned to them or to a role they hold on the
 * team, and the open transitional care steps routed to their role on the team
 * (domain/tcm-steps.ts: medication reconciliation to the pharmacist, or the nurse
 * when there is none; the interactive contact to the coordinator or nurse; the
 * face-to-face visit to the physician; the coordinator when the team lacks the role).
 */
import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from 'type-graphql';
import { PatientData } from '../../../shared/access';
import { MAX_PAGE_SIZE, pageSize } from '../../../shared/pagination';
import type { SubgraphContext } from '../../../shared/subgraph';
import { CarePlanStatus, CareTeamStatus, OPEN_ACTIVITY_STATUSES, type TcmStepKind } from '../domain';
import { tcmStepRoles } from '../domain/tcm-steps';
import { assertCareTeamRole } from './access';
import { activityById, carePlanById, episodeById, stepById } from './loaders';
import { CarePlan, CarePlanActivity, Patient, TransitionalCareEpisode, TransitionalCareStep, WorklistItem, WorklistItemKind } from './types';

interface WorklistRow {
  kind: WorklistItemKind;
  item_id: string;
  parent_id: string;
  patient_id: string;
  care_team_id: string;
  due_at: Date | null;
  overdue: boolean;
  risk_tier: string | null;
  /** TCM steps: the step's kind, my roles on the team, and the roles the team has now (for routing). */
  step_kind: string | null;
  my_roles: string[] | null;
  team_roles: string[] | null;
}

type WorklistEntry = Omit<WorklistItem, 'patient'> & { patientId: string; itemId: string; parentId: string };

/**
 * Overdue first, then by due time (undated last), then the patient's risk tier
 * (HIGH first; unknown last); steps due together keep the CMS order (medication
 * reconciliation before the visit). A TCM step is open until done, and listed
 * while its 30-day period lasts — a missed contact is still worth making.
 */
const WORKLIST_SQL = `
  WITH mine AS (
    SELECT m.care_team_id, m.role
      FROM care_teams.care_team_member m JOIN care_teams.care_team t ON t.id = m.care_team_id
     WHERE m.practitioner_id = $1 AND m.period_end IS NULL AND t.status = $2
  ), items AS (
    SELECT '${WorklistItemKind.CARE_PLAN_ACTIVITY}' AS kind, a.id AS item_id, p.id AS parent_id, p.patient_id, p.care_team_id, a.due_at, 0 AS step_order,
           NULL::text AS step_kind, NULL::text[] AS my_roles, NULL::text[] AS team_roles
      FROM care_teams.care_plan_activity a JOIN care_teams.care_plan p ON p.id = a.care_plan_id
     WHERE p.status = $3 AND a.status = ANY($4)
       AND EXISTS (SELECT 1 FROM mine WHERE mine.care_team_id = p.care_team_id
                     AND (a.assignee_practitioner_id = $1 OR a.assignee_role = mine.role))
    UNION ALL
    SELECT '${WorklistItemKind.TRANSITIONAL_CARE_STEP}', s.id, e.id, e.patient_id, e.care_team_id, s.due_at,
           CASE s.kind WHEN 'INTERACTIVE_CONTACT' THEN 1 WHEN 'MEDICATION_RECONCILIATION' THEN 2 ELSE 3 END,
           s.kind, (SELECT array_agg(mine.role) FROM mine WHERE mine.care_team_id = e.care_team_id),
           (SELECT array_agg(DISTINCT tm.role) FROM care_teams.care_team_member tm WHERE tm.care_team_id = e.care_team_id AND tm.period_end IS NULL)
      FROM care_teams.transitional_care_step s JOIN care_teams.transitional_care_episode e ON e.id = s.episode_id
     WHERE s.completed_at IS NULL AND e.period_end >= $5
       AND EXISTS (SELECT 1 FROM mine WHERE mine.care_team_id = e.care_team_id)
  )
  SELECT i.*, (i.due_at IS NOT NULL AND i.due_at < $5) AS overdue, ps.risk_tier
    FROM items i LEFT JOIN care_teams.patient_snapshot ps ON ps.patient_id = i.patient_id
   ORDER BY overdue DESC, i.due_at ASC NULLS LAST,
            CASE ps.risk_tier WHEN 'HIGH' THEN 0 WHEN 'MODERATE' THEN 1 WHEN 'LOW' THEN 2 ELSE 3 END,
            i.kind, i.step_order, i.item_id`;

/** Activities are mine by the SQL; a TCM step is mine when it is routed to a role I hold on its team. */
const routedToMe = (r: WorklistRow) =>
  r.step_kind === null || tcmStepRoles(r.step_kind as TcmStepKind, new Set(r.team_roles ?? [])).some((role) => (r.my_roles ?? []).includes(role));

@Resolver(() => WorklistItem)
export class WorklistResolver {
  @Query(() => [WorklistItem], { description: "Your open activities and due transitional care steps, across your patients: overdue first, then by due time, then by risk tier (HIGH first)" })
  async myWorklist(@Ctx() ctx: SubgraphContext, @Arg('first', () => Int, { nullable: true, description: `At most this many (default 100, up to ${MAX_PAGE_SIZE})` }) first?: number | null): Promise<WorklistEntry[]> {
    // Only the caller's own active memberships count, so the list is theirs by construction.
    assertCareTeamRole(ctx, 'have a care team worklist');
    const limit = pageSize(first, 100);
    // Routing is a domain rule, applied to the member's own open items (a bounded set), then the page is cut.
    const candidates: WorklistRow[] = await ctx.db.query(WORKLIST_SQL, [
      ctx.principal.sub, CareTeamStatus.ACTIVE, CarePlanStatus.ACTIVE, OPEN_ACTIVITY_STATUSES, new Date(),
    ]);
    const found = candidates.filter(routedToMe).slice(0, limit);
    // The table has the last word (and the audit trail notes each patient served): a list across patients keeps what it allows.
    const rows = await ctx.access.filter(found, (r) => r.patient_id, PatientData.CARE_PLANS, 'WorklistItem');
    return rows.map((r) => ({
      kind: r.kind, itemId: r.item_id, parentId: r.parent_id, patientId: r.patient_id, careTeamId: r.care_team_id,
      dueAt: r.due_at, overdue: r.overdue, riskTier: r.risk_tier,
    }));
  }

  @FieldResolver(() => Patient)
  patient(@Root() item: WorklistEntry): Patient {
    return { id: item.patientId };
  }

  @FieldResolver(() => CarePlanActivity, { nullable: true })
  activity(@Root() item: WorklistEntry, @Ctx() ctx: SubgraphContext) {
    return item.kind === WorklistItemKind.CARE_PLAN_ACTIVITY ? activityById(ctx).load(item.itemId) : null;
  }

  @FieldResolver(() => CarePlan, { nullable: true })
  carePlan(@Root() item: WorklistEntry, @Ctx() ctx: SubgraphContext) {
    return item.kind === WorklistItemKind.CARE_PLAN_ACTIVITY ? carePlanById(ctx).load(item.parentId) : null;
  }

  @FieldResolver(() => TransitionalCareStep, { nullable: true })
  transitionalCareStep(@Root() item: WorklistEntry, @Ctx() ctx: SubgraphContext) {
    return item.kind === WorklistItemKind.TRANSITIONAL_CARE_STEP ? stepById(ctx).load(item.itemId) : null;
  }

  @FieldResolver(() => TransitionalCareEpisode, { nullable: true })
  transitionalCareEpisode(@Root() item: WorklistEntry, @Ctx() ctx: SubgraphContext) {
    return item.kind === WorklistItemKind.TRANSITIONAL_CARE_STEP ? episodeById(ctx).load(item.parentId) : null;
  }
}
