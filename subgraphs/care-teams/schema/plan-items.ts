/**
 * A care plan's goals (FHIR Goal) and activities (CarePlan.activity): each change
 * goes through changeCarePlan, so it bumps the plan's version, is checked against
 * expectedVersion, leaves a revision and emits one CarePlanChanged event.
 */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { badInput, notFound } from '../../../shared/errors';
import { isUuid } from '../../../shared/federation';
import { DateScalar } from '../../../shared/date-scalar';
import type { SubgraphContext } from '../../../shared/subgraph';
import {
  ActivityKind, ActivityStatus, CarePlanChangeKind, CareTeamRole, GoalAchievementStatus, GoalLifecycleStatus,
  activityLifecycle, diffCollection, diffFields, goalLifecycle, parseIsoDate,
} from '../domain';
import { CarePlanActivityRecord, CarePlanRecord, GoalRecord } from '../data/entities';
import { activityById, goalById, practitionerById } from './loaders';
import { linkActivityToReferral, referralIdsOf } from '../data/referral-activities';
import { ACTIVITY_FIELDS, GOAL_FIELDS, assertActiveMember, assertPlanEditable, changeCarePlan } from './plan-changes';
import { toPractitioner } from './practitioner';
import { CarePlan, CarePlanActivity, Goal, GoalTarget, Practitioner } from './types';

/** Where a goal or activity may start; the rest is reached through its lifecycle. */
const INITIAL_GOAL_STATUSES: readonly string[] = [GoalLifecycleStatus.PROPOSED, GoalLifecycleStatus.PLANNED, GoalLifecycleStatus.ACCEPTED, GoalLifecycleStatus.ACTIVE];
const INITIAL_ACTIVITY_STATUSES: readonly string[] = [ActivityStatus.NOT_STARTED, ActivityStatus.SCHEDULED];

@InputType()
class GoalTargetInput {
  @Field(() => String, { nullable: true, description: 'e.g. "HbA1c"' }) measure?: string | null;
  @Field(() => String, { nullable: true, description: 'e.g. "< 8 %"' }) value?: string | null;
  @Field(() => DateScalar, { nullable: true }) dueDate?: string | null;
}

@InputType()
class AddGoalInput {
  @Field(() => ID) carePlanId: string;
  @Field(() => Int) expectedVersion: number;
  @Field() description: string;
  @Field(() => GoalLifecycleStatus, { nullable: true, description: 'PROPOSED (default), PLANNED, ACCEPTED or ACTIVE' }) lifecycleStatus?: GoalLifecycleStatus | null;
  @Field(() => GoalAchievementStatus, { nullable: true }) achievementStatus?: GoalAchievementStatus | null;
  @Field(() => GoalTargetInput, { nullable: true }) target?: GoalTargetInput | null;
  @Field(() => ID, { nullable: true, description: 'An active member of the team' }) ownerPractitionerId?: string | null;
}

@InputType({ description: 'Fields left out stay as they are; null clears an optional field; target replaces the whole target' })
class UpdateGoalInput {
  @Field(() => ID) goalId: string;
  @Field(() => Int, { description: "The plan's version the edit is based on" }) expectedVersion: number;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => GoalLifecycleStatus, { nullable: true }) lifecycleStatus?: GoalLifecycleStatus | null;
  @Field(() => GoalAchievementStatus, { nullable: true }) achievementStatus?: GoalAchievementStatus | null;
  @Field(() => GoalTargetInput, { nullable: true }) target?: GoalTargetInput | null;
  @Field(() => ID, { nullable: true }) ownerPractitionerId?: string | null;
}

@InputType({ description: 'Assign to a practitioner (assigneePractitionerId) or to a role on the team (assigneeRole): exactly one' })
class AddCarePlanActivityInput {
  @Field(() => ID) carePlanId: string;
  @Field(() => Int) expectedVersion: number;
  @Field(() => ActivityKind) kind: ActivityKind;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => ActivityStatus, { nullable: true, description: 'NOT_STARTED (default) or SCHEDULED' }) status?: ActivityStatus | null;
  @Field(() => ID, { nullable: true }) assigneePractitionerId?: string | null;
  @Field(() => CareTeamRole, { nullable: true }) assigneeRole?: CareTeamRole | null;
  @Field(() => Date, { nullable: true }) dueAt?: Date | null;
  @Field(() => ID, { nullable: true, description: 'REFERRAL activities: the closed-loop referral it tracks; its completion completes the activity' }) referralId?: string | null;
}

@InputType({ description: 'Fields left out stay as they are. Completing sets completedAt (default now); a new assignee replaces the old one' })
class UpdateCarePlanActivityInput {
  @Field(() => ID) activityId: string;
  @Field(() => Int, { description: "The plan's version the edit is based on" }) expectedVersion: number;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => ActivityStatus, { nullable: true }) status?: ActivityStatus | null;
  @Field(() => ID, { nullable: true }) assigneePractitionerId?: string | null;
  @Field(() => CareTeamRole, { nullable: true }) assigneeRole?: CareTeamRole | null;
  @Field(() => Date, { nullable: true }) dueAt?: Date | null;
  @Field(() => Date, { nullable: true, description: 'When it was completed; only with status COMPLETED' }) completedAt?: Date | null;
  @Field(() => String, { nullable: true, description: 'What came of it' }) outcome?: string | null;
}

@ObjectType()
class GoalChangePayload {
  @Field(() => CarePlan, { description: 'The plan at its new version' }) carePlan: CarePlanRecord;
  @Field(() => Goal) goal: GoalRecord;
}

@ObjectType()
class CarePlanActivityChangePayload {
  @Field(() => CarePlan, { description: 'The plan at its new version' }) carePlan: CarePlanRecord;
  @Field(() => CarePlanActivity) activity: CarePlanActivityRecord;
}

const textOrNull = (v: string | null | undefined) => (v?.trim() ? v.trim() : null);

function requiredText(v: string | null | undefined, field: string): string {
  const text = textOrNull(v);
  if (text === null) throw badInput(`${field} must not be empty`, field);
  return text;
}

function applyTarget(goal: GoalRecord, target: GoalTargetInput | null): void {
  goal.targetMeasure = textOrNull(target?.measure);
  goal.targetValue = textOrNull(target?.value);
  goal.targetDueDate = target?.dueDate ? parseIsoDate(target.dueDate, 'target.dueDate') : null;
}

/** One assignee: a practitioner or a role. Returns null when the input names neither (no change). */
function assigneeOf(input: { assigneePractitionerId?: string | null; assigneeRole?: CareTeamRole | null }) {
  const practitionerId = textOrNull(input.assigneePractitionerId);
  const role = input.assigneeRole ?? null;
  if (practitionerId !== null && role !== null) throw badInput('Assign the activity to a practitioner or to a role, not both', 'assignee');
  if (practitionerId === null && role === null) return null;
  return { assigneePractitionerId: practitionerId, assigneeRole: role };
}

function assertNotFuture(at: Date, field: string): void {
  if (at.getTime() > Date.now()) throw badInput(`${field} cannot be in the future`, field);
}

@Resolver(() => Goal)
export class GoalResolver {
  @FieldResolver(() => GoalTarget, { nullable: true })
  target(@Root() goal: GoalRecord): GoalTarget | null {
    if (goal.targetMeasure === null && goal.targetValue === null && goal.targetDueDate === null) return null;
    return { measure: goal.targetMeasure, value: goal.targetValue, dueDate: goal.targetDueDate };
  }

  @FieldResolver(() => Practitioner, { nullable: true })
  async owner(@Root() goal: GoalRecord, @Ctx() ctx: SubgraphContext) {
    const p = goal.ownerPractitionerId ? await practitionerById(ctx).load(goal.ownerPractitionerId) : null;
    return p && toPractitioner(p);
  }

  @Mutation(() => GoalChangePayload, { description: 'Adds a goal to a plan; CONFLICT when expectedVersion is stale' })
  async addGoal(@Arg('input') input: AddGoalInput, @Ctx() ctx: SubgraphContext): Promise<GoalChangePayload> {
    const lifecycleStatus = input.lifecycleStatus ?? GoalLifecycleStatus.PROPOSED;
    if (!INITIAL_GOAL_STATUSES.includes(lifecycleStatus)) throw badInput('A new goal starts PROPOSED, PLANNED, ACCEPTED or ACTIVE', 'lifecycleStatus');
    const { plan, result } = await changeCarePlan(ctx, input.carePlanId, input.expectedVersion, async (m, p) => {
      assertPlanEditable(p);
      const goal = m.create(GoalRecord, {
        carePlanId: p.id, description: requiredText(input.description, 'description'), lifecycleStatus,
        achievementStatus: input.achievementStatus ?? null, ownerPractitionerId: textOrNull(input.ownerPractitionerId),
      });
      applyTarget(goal, input.target ?? null);
      if (goal.ownerPractitionerId) await assertActiveMember(m, p, goal.ownerPractitionerId, 'ownerPractitionerId');
      const saved = await m.save(goal);
      return { changeKind: CarePlanChangeKind.GOAL_ADDED, changes: diffCollection('goals', [], [saved], GOAL_FIELDS), result: saved, subject: { goalId: saved.id } };
    });
    return { carePlan: plan, goal: result };
  }

  @Mutation(() => GoalChangePayload, { description: "Edits a goal or moves it through its lifecycle; expectedVersion is the plan's" })
  async updateGoal(@Arg('input') input: UpdateGoalInput, @Ctx() ctx: SubgraphContext): Promise<GoalChangePayload> {
    const found = isUuid(input.goalId) ? await goalById(ctx).load(input.goalId) : null;
    if (!found) throw notFound('Goal', input.goalId);
    const { plan, result } = await changeCarePlan(ctx, found.carePlanId, input.expectedVersion, async (m, p) => {
      assertPlanEditable(p);
      const goal = await m.findOneByOrFail(GoalRecord, { id: found.id });
      const before = { ...goal };
      if (input.description !== undefined) goal.description = requiredText(input.description, 'description');
      if (input.lifecycleStatus !== undefined && input.lifecycleStatus !== goal.lifecycleStatus) {
        if (input.lifecycleStatus === null) throw badInput('lifecycleStatus cannot be cleared', 'lifecycleStatus');
        goalLifecycle.assertTransition(goal.lifecycleStatus as GoalLifecycleStatus, input.lifecycleStatus, 'lifecycleStatus');
        goal.lifecycleStatus = input.lifecycleStatus;
      }
      if (input.achievementStatus !== undefined) goal.achievementStatus = input.achievementStatus;
      if (input.target !== undefined) applyTarget(goal, input.target);
      if (input.ownerPractitionerId !== undefined) {
        goal.ownerPractitionerId = textOrNull(input.ownerPractitionerId);
        if (goal.ownerPractitionerId && goal.ownerPractitionerId !== before.ownerPractitionerId) {
          await assertActiveMember(m, p, goal.ownerPractitionerId, 'ownerPractitionerId');
        }
      }
      const changes = diffFields(before, goal, GOAL_FIELDS, `goals[${goal.id}].`);
      if (changes.length > 0) await m.save(goal);
      return { changeKind: CarePlanChangeKind.GOAL_UPDATED, changes, result: goal, subject: { goalId: goal.id } };
    });
    goalById(ctx).clear(found.id);
    return { carePlan: plan, goal: result };
  }
}

@Resolver(() => CarePlanActivity)
export class CarePlanActivityResolver {
  @FieldResolver(() => Practitioner, { nullable: true, description: 'The assigned practitioner, from the directory' })
  async assignee(@Root() activity: CarePlanActivityRecord, @Ctx() ctx: SubgraphContext) {
    const p = activity.assigneePractitionerId ? await practitionerById(ctx).load(activity.assigneePractitionerId) : null;
    return p && toPractitioner(p);
  }

  @FieldResolver(() => ID, { nullable: true, description: 'The closed-loop referral a REFERRAL activity tracks' })
  async referralId(@Root() activity: CarePlanActivityRecord, @Ctx() ctx: SubgraphContext): Promise<string | null> {
    return ctx.loaders.get<string, string | null>('referralIdOfActivity', async (ids) => {
      const links = await referralIdsOf(ctx.db, ids);
      return ids.map((id) => links.get(id) ?? null);
    }).load(activity.id);
  }

  @Mutation(() => CarePlanActivityChangePayload, { description: 'Adds an activity to a plan, assigned to a member or a role' })
  async addCarePlanActivity(@Arg('input') input: AddCarePlanActivityInput, @Ctx() ctx: SubgraphContext): Promise<CarePlanActivityChangePayload> {
    const status = input.status ?? ActivityStatus.NOT_STARTED;
    if (!INITIAL_ACTIVITY_STATUSES.includes(status)) throw badInput('A new activity starts NOT_STARTED or SCHEDULED', 'status');
    const assignee = assigneeOf(input);
    if (!assignee) throw badInput('Assign the activity to a practitioner or to a role', 'assignee');
    const referralId = textOrNull(input.referralId);
    if (referralId !== null && (input.kind !== ActivityKind.REFERRAL || !isUuid(referralId))) throw badInput('referralId names a referral, on a REFERRAL activity', 'referralId');
    const { plan, result } = await changeCarePlan(ctx, input.carePlanId, input.expectedVersion, async (m, p) => {
      assertPlanEditable(p);
      if (assignee.assigneePractitionerId) await assertActiveMember(m, p, assignee.assigneePractitionerId, 'assigneePractitionerId');
      const saved = await m.save(m.create(CarePlanActivityRecord, {
        carePlanId: p.id, kind: input.kind, description: textOrNull(input.description), status, ...assignee, dueAt: input.dueAt ?? null,
        completedAt: null, outcome: null,
      }));
      if (referralId) await linkActivityToReferral(m, saved.id, referralId);
      return { changeKind: CarePlanChangeKind.ACTIVITY_ADDED, changes: diffCollection('activities', [], [saved], ACTIVITY_FIELDS), result: saved, subject: { activityId: saved.id } };
    });
    return { carePlan: plan, activity: result };
  }

  @Mutation(() => CarePlanActivityChangePayload, { description: "Edits an activity or moves it through its lifecycle; expectedVersion is the plan's" })
  async updateCarePlanActivity(@Arg('input') input: UpdateCarePlanActivityInput, @Ctx() ctx: SubgraphContext): Promise<CarePlanActivityChangePayload> {
    const found = isUuid(input.activityId) ? await activityById(ctx).load(input.activityId) : null;
    if (!found) throw notFound('CarePlanActivity', input.activityId);
    const assignee = assigneeOf(input);
    const { plan, result } = await changeCarePlan(ctx, found.carePlanId, input.expectedVersion, async (m, p) => {
      assertPlanEditable(p);
      const activity = await m.findOneByOrFail(CarePlanActivityRecord, { id: found.id });
      const before = { ...activity };
      if (input.description !== undefined) activity.description = textOrNull(input.description);
      if (input.dueAt !== undefined) activity.dueAt = input.dueAt;
      if (input.outcome !== undefined) activity.outcome = textOrNull(input.outcome);
      if (assignee) {
        if (assignee.assigneePractitionerId && assignee.assigneePractitionerId !== before.assigneePractitionerId) {
          await assertActiveMember(m, p, assignee.assigneePractitionerId, 'assigneePractitionerId');
        }
        Object.assign(activity, assignee);
      }
      if (input.status !== undefined && input.status !== activity.status) {
        if (input.status === null) throw badInput('status cannot be cleared', 'status');
        activityLifecycle.assertTransition(activity.status as ActivityStatus, input.status);
        activity.status = input.status;
        // FHIR: completion time belongs to completed activities only.
        if (input.status === ActivityStatus.COMPLETED) activity.completedAt = input.completedAt ?? new Date();
      } else if (input.completedAt != null && activity.status !== ActivityStatus.COMPLETED) {
        throw badInput('completedAt is set when the activity is completed', 'completedAt');
      } else if (input.completedAt != null) {
        activity.completedAt = input.completedAt;
      }
      if (activity.completedAt && activity.completedAt !== before.completedAt) assertNotFuture(activity.completedAt, 'completedAt');
      const changes = diffFields(before, activity, ACTIVITY_FIELDS, `activities[${activity.id}].`);
      if (changes.length > 0) await m.save(activity);
      return { changeKind: CarePlanChangeKind.ACTIVITY_UPDATED, changes, result: activity, subject: { activityId: activity.id } };
    });
    activityById(ctx).clear(found.id);
    return { carePlan: plan, activity: result };
  }
}
