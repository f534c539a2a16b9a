/**
 * How every change to a care plan, its goals or its activities is written: the
 * plan row locked, `expectedVersion` checked (CONFLICT carries `currentVersion`),
 * the version incremented, a revision with each field's before/after, and one
 * CarePlanChanged event — all in one transaction.
 */
import { IsNull, type EntityManager } from 'typeorm';
import { badInput, notFound } from '../../../shared/errors';
import { recordEvent } from '../../../shared/events';
import { isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import {
  CarePlanStatus, assertExpectedVersion, carePlanLifecycle, type CarePlanChangeKind, type FieldChange,
} from '../domain';
import { CarePlanActivityRecord, CarePlanRecord, CareTeamMemberRecord, GoalRecord } from '../data/entities';
import { assertCarePlansWrite } from './access';
import { activitiesByPlan, carePlanById, goalsByPlan, revisionsByPlan } from './loaders';

/** The fields a revision tracks, per record. */
export const PLAN_FIELDS: (keyof CarePlanRecord)[] = ['title', 'description', 'status', 'intent', 'periodStart', 'periodEnd', 'addresses', 'patientPriorities'];
export const GOAL_FIELDS: (keyof GoalRecord)[] = ['description', 'lifecycleStatus', 'achievementStatus', 'targetMeasure', 'targetValue', 'targetDueDate', 'ownerPractitionerId'];
export const ACTIVITY_FIELDS: (keyof CarePlanActivityRecord)[] = ['kind', 'description', 'status', 'assigneePractitionerId', 'assigneeRole', 'dueAt', 'completedAt', 'outcome'];

/** The plan by id, to change it: NOT_FOUND when missing, FORBIDDEN when the table refuses CARE_PLANS write. */
export async function requireCarePlan(ctx: SubgraphContext, id: string): Promise<CarePlanRecord> {
  const plan = isUuid(id) ? await carePlanById(ctx).load(id) : null;
  if (!plan) throw notFound('CarePlan', id);
  await assertCarePlansWrite(ctx, plan.patientId, 'CarePlan');
  return plan;
}

/** Goals, activities and plan fields stop changing once the plan is completed, revoked or entered in error. */
export function assertPlanEditable(plan: CarePlanRecord): void {
  if (carePlanLifecycle.isTerminal(plan.status as CarePlanStatus)) {
    throw badInput(`The care plan is ${plan.status} and can no longer change`, 'carePlanId', { status: plan.status });
  }
}

/** A practitioner named on a plan (goal owner, activity assignee) must be an active member of the plan's team. */
export async function assertActiveMember(m: EntityManager, plan: CarePlanRecord, practitionerId: string, field: string): Promise<void> {
  const member = await m.exists(CareTeamMemberRecord, { where: { careTeamId: plan.careTeamId, practitionerId, periodEnd: IsNull() } });
  if (!member) throw badInput(`${practitionerId} is not an active member of the plan's care team`, field);
}

export interface PlanChange<R> {
  changeKind: CarePlanChangeKind;
  changes: FieldChange[];
  result: R;
  /** The goal or activity the change is about, named in the event. */
  subject?: { goalId?: string; activityId?: string };
}

/** Writes revision `plan.version` and its one CarePlanChanged event in the change's transaction. */
export async function recordPlanRevision(m: EntityManager, ctx: SubgraphContext, plan: CarePlanRecord, change: Omit<PlanChange<unknown>, 'result'>): Promise<void> {
  await m.query(
    `INSERT INTO care_teams.care_plan_revision (care_plan_id, version, actor, at, change_kind, changes) VALUES ($1, $2, $3, now(), $4, $5)`,
    [plan.id, plan.version, ctx.principal.sub, change.changeKind, JSON.stringify(change.changes)],
  );
  await recordEvent(m, ctx.source, {
    type: 'CarePlanChanged', aggregateType: 'CarePlan', aggregateId: plan.id, patientId: plan.patientId, actor: ctx.principal.sub,
    payload: {
      carePlanId: plan.id, careTeamId: plan.careTeamId, version: plan.version, changeKind: change.changeKind,
      changedFields: change.changes.map((c) => c.field), status: plan.status, ...change.subject,
    },
  });
}

/**
 * Applies one change to a plan the caller may edit. `apply` mutates the locked plan
 * and/or writes its goal or activity, and reports the field changes; a change that
 * changes nothing writes nothing and keeps the version.
 */
export async function changeCarePlan<R>(
  ctx: SubgraphContext,
  carePlanId: string,
  expectedVersion: number,
  apply: (m: EntityManager, plan: CarePlanRecord) => Promise<PlanChange<R>>,
): Promise<{ plan: CarePlanRecord; result: R }> {
  const found = await requireCarePlan(ctx, carePlanId);
  const out = await ctx.db.transaction(async (m) => {
    // The row lock makes concurrent edits queue; the second then sees the new version and gets CONFLICT.
    const plan = await m.findOneOrFail(CarePlanRecord, { where: { id: found.id }, lock: { mode: 'pessimistic_write' } });
    assertExpectedVersion('CarePlan', plan.version, expectedVersion);
    const change = await apply(m, plan);
    if (change.changes.length === 0) return { plan, result: change.result };
    plan.version += 1;
    await m.save(plan);
    await recordPlanRevision(m, ctx, plan, change);
    return { plan, result: change.result };
  });
  for (const loader of [carePlanById, goalsByPlan, activitiesByPlan, revisionsByPlan]) loader(ctx).clear(found.id);
  return out;
}
