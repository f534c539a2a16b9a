/**
 * Care plans (FHIR CarePlan): lifecycle, versions and revision history. Reading a
 * plan is CARE_PLANS read, changing it CARE_PLANS write (schema/access.ts).
 */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Role, hasRole } from '../../../shared/auth';
import { badInput } from '../../../shared/errors';
import { AFTER_DESCRIPTION, childPages, decodeKeysetCursor, FIRST_DESCRIPTION, pageSize, type ChildKeyset } from '../../../shared/pagination';
import { isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import {
  CarePlanChangeKind, CarePlanIntent, CarePlanStatus, CareTeamStatus, carePlanLifecycle, diffFields,
} from '../domain';
import { CarePlanRecord, CarePlanRevisionRecord, CareTeamRecord, type CarePlanProblem } from '../data/entities';
import { assertCarePlansRead } from './access';
import { requireCareTeam } from './care-team';
import { activitiesByPlan, carePlanById, careTeamById, goalsByPlan, revisionByPlanVersion } from './loaders';
import { PLAN_FIELDS, changeCarePlan, recordPlanRevision, assertPlanEditable } from './plan-changes';
import { CarePlan, CarePlanActivity, CarePlanRevisionConnection, CareTeam, Goal, Patient } from './types';

/** A plan by id (query or entity reference): null when there is none, FORBIDDEN (with reason) when the caller may not read it. */
export async function resolveCarePlanReference(ref: { id: string }, ctx: SubgraphContext) {
  const plan = isUuid(ref.id) ? await carePlanById(ctx).load(ref.id) : null;
  // Partners reach nothing here outside their contract: for them the plan does not exist.
  if (!plan || hasRole(ctx.principal, Role.PARTNER_STAFF)) return null;
  await assertCarePlansRead(ctx, plan.patientId, 'CarePlan');
  return plan;
}

/**
 * A revision by plan and version (a live CarePlanChanged event's `revision`): null when there is none,
 * FORBIDDEN when the caller may not read the plan — the plan's own check, so an event shows no more than the plan would.
 */
export async function resolveCarePlanRevisionReference(ref: { carePlanId: string; version: number | string }, ctx: SubgraphContext) {
  const version = Number(ref.version);
  if (!isUuid(ref.carePlanId) || !Number.isInteger(version)) return null;
  const plan = await resolveCarePlanReference({ id: ref.carePlanId }, ctx);
  if (!plan) return null;
  return revisionByPlanVersion(ctx).load(`${plan.id}:${version}`);
}

/** A plan's revisions, oldest first, as a keyset (shared/pagination.ts): the version orders them and is unique per plan. */
const PLAN_HISTORY: ChildKeyset = {
  list: 'CarePlan.history', table: 'care_teams.care_plan_revision', alias: 'v', parent: 'care_plan_id', identity: ['care_plan_id', 'version'],
  columns: [{ expr: 'v.version', direction: 'ASC', type: 'int' }],
};
const historyPages = (ctx: SubgraphContext) => childPages(ctx, CarePlanRevisionRecord, PLAN_HISTORY, (v) => v.carePlanId);

@InputType({ description: 'A problem the plan addresses: conditionId or text, not both' })
class CarePlanProblemInput {
  @Field(() => ID, { nullable: true }) conditionId?: string | null;
  @Field(() => String, { nullable: true }) text?: string | null;
}

@InputType()
class CreateCarePlanInput {
  @Field(() => ID) careTeamId: string;
  @Field() title: string;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => CarePlanIntent, { nullable: true, description: 'Defaults to PLAN' }) intent?: CarePlanIntent | null;
  @Field(() => Date, { nullable: true }) periodStart?: Date | null;
  @Field(() => Date, { nullable: true }) periodEnd?: Date | null;
  @Field(() => [CarePlanProblemInput], { nullable: true }) addresses?: CarePlanProblemInput[] | null;
  @Field(() => [String], { nullable: true }) patientPriorities?: string[] | null;
}

@InputType({ description: 'Fields left out stay as they are; null clears an optional field' })
class UpdateCarePlanInput {
  @Field(() => ID) carePlanId: string;
  @Field(() => Int, { description: 'The version the edit is based on' }) expectedVersion: number;
  @Field(() => String, { nullable: true }) title?: string | null;
  @Field(() => String, { nullable: true }) description?: string | null;
  @Field(() => CarePlanIntent, { nullable: true }) intent?: CarePlanIntent | null;
  @Field(() => Date, { nullable: true }) periodStart?: Date | null;
  @Field(() => Date, { nullable: true }) periodEnd?: Date | null;
  @Field(() => [CarePlanProblemInput], { nullable: true }) addresses?: CarePlanProblemInput[] | null;
  @Field(() => [String], { nullable: true }) patientPriorities?: string[] | null;
}

@InputType()
class ChangeCarePlanStatusInput {
  @Field(() => ID) carePlanId: string;
  @Field(() => Int) expectedVersion: number;
  @Field(() => CarePlanStatus) status: CarePlanStatus;
}

const emptyToNull = (v: string | null | undefined) => (v?.trim() ? v.trim() : null);

function toProblems(input: CarePlanProblemInput[]): CarePlanProblem[] {
  return input.map((p) => {
    const conditionId = emptyToNull(p.conditionId);
    const text = emptyToNull(p.text);
    if ((conditionId === null) === (text === null)) throw badInput('Each problem is a condition id or a text, not both or neither', 'addresses');
    if (conditionId !== null && !isUuid(conditionId)) throw badInput('conditionId must be a condition id', 'addresses');
    return { conditionId, text };
  });
}

function toPriorities(input: string[]): string[] {
  return input.map((p) => p.trim()).filter((p) => p.length > 0);
}

function assertPeriod(start: Date | null, end: Date | null): void {
  if (start && end && end.getTime() < start.getTime()) throw badInput('The plan period cannot end before it starts', 'periodEnd');
}

/** The plan before any field is set (missing fields count as null): what a CREATED revision diffs against. */
const NOTHING: Partial<CarePlanRecord> = { addresses: [], patientPriorities: [] };

@Resolver(() => CarePlan)
export class CarePlanResolver {
  @Query(() => CarePlan, { nullable: true, description: "A care plan, for the patient's care team and admins: null when there is none, FORBIDDEN when you may not see it" })
  carePlan(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext) {
    return resolveCarePlanReference({ id }, ctx);
  }

  @FieldResolver(() => Patient)
  patient(@Root() plan: CarePlanRecord): Patient {
    return { id: plan.patientId };
  }

  @FieldResolver(() => CareTeam, { nullable: true })
  careTeam(@Root() plan: CarePlanRecord, @Ctx() ctx: SubgraphContext) {
    return careTeamById(ctx).load(plan.careTeamId);
  }

  @FieldResolver(() => [Goal])
  goals(@Root() plan: CarePlanRecord, @Ctx() ctx: SubgraphContext) {
    return goalsByPlan(ctx).load(plan.id);
  }

  @FieldResolver(() => [CarePlanActivity])
  activities(@Root() plan: CarePlanRecord, @Ctx() ctx: SubgraphContext) {
    return activitiesByPlan(ctx).load(plan.id);
  }

  // The plan was checked where it entered the answer (query, reference or write): its history needs no second check.
  @FieldResolver(() => CarePlanRevisionConnection, { description: 'Versions oldest first — who changed what, when, before and after — paged' })
  history(
    @Root() plan: CarePlanRecord,
    @Ctx() ctx: SubgraphContext,
    @Arg('first', () => Int, { nullable: true, description: FIRST_DESCRIPTION }) first?: number | null,
    @Arg('after', () => String, { nullable: true, description: AFTER_DESCRIPTION }) after?: string | null,
  ) {
    // Stamped with the version: a change later in the same request (it bumps the version) is not answered from an older page.
    return historyPages(ctx).load(plan.id, pageSize(first), decodeKeysetCursor(PLAN_HISTORY, after), plan.version);
  }

  @Mutation(() => CarePlan, { description: "Drafts a care plan for the team's patient (version 1)" })
  async createCarePlan(@Arg('input') input: CreateCarePlanInput, @Ctx() ctx: SubgraphContext) {
    const team = await requireCareTeam(ctx, input.careTeamId);
    if (team.status !== CareTeamStatus.ACTIVE) throw badInput(`The care team is ${team.status}; plans are made by an active team`, 'careTeamId');
    const title = input.title.trim();
    if (!title) throw badInput('title must not be empty', 'title');
    assertPeriod(input.periodStart ?? null, input.periodEnd ?? null);
    const fields = {
      title, description: emptyToNull(input.description), status: CarePlanStatus.DRAFT, intent: input.intent ?? CarePlanIntent.PLAN,
      periodStart: input.periodStart ?? null, periodEnd: input.periodEnd ?? null,
      addresses: toProblems(input.addresses ?? []), patientPriorities: toPriorities(input.patientPriorities ?? []),
    };
    return ctx.db.transaction(async (m) => {
      const plan = await m.save(m.create(CarePlanRecord, { ...fields, patientId: team.patientId, careTeamId: team.id, version: 1 }));
      await recordPlanRevision(m, ctx, plan, { changeKind: CarePlanChangeKind.CREATED, changes: diffFields<Partial<CarePlanRecord>>(NOTHING, fields, PLAN_FIELDS) });
      return plan;
    });
  }

  @Mutation(() => CarePlan, { description: "Edits the plan's own fields; CONFLICT (with currentVersion) when expectedVersion is stale" })
  async updateCarePlan(@Arg('input') input: UpdateCarePlanInput, @Ctx() ctx: SubgraphContext) {
    const { plan } = await changeCarePlan(ctx, input.carePlanId, input.expectedVersion, async (_m, p) => {
      assertPlanEditable(p);
      const before = { ...p };
      if (input.title !== undefined) {
        const title = input.title?.trim();
        if (!title) throw badInput('title must not be empty', 'title');
        p.title = title;
      }
      if (input.description !== undefined) p.description = emptyToNull(input.description);
      if (input.intent !== undefined) {
        if (input.intent === null) throw badInput('intent cannot be cleared', 'intent');
        p.intent = input.intent;
      }
      if (input.periodStart !== undefined) p.periodStart = input.periodStart;
      if (input.periodEnd !== undefined) p.periodEnd = input.periodEnd;
      if (input.addresses !== undefined) p.addresses = toProblems(input.addresses ?? []);
      if (input.patientPriorities !== undefined) p.patientPriorities = toPriorities(input.patientPriorities ?? []);
      assertPeriod(p.periodStart, p.periodEnd);
      return { changeKind: CarePlanChangeKind.UPDATED, changes: diffFields(before, p, PLAN_FIELDS), result: null };
    });
    return plan;
  }

  @Mutation(() => CarePlan, { description: 'Moves the plan through its lifecycle (activate, hold, resume, complete, revoke)' })
  async changeCarePlanStatus(@Arg('input') input: ChangeCarePlanStatusInput, @Ctx() ctx: SubgraphContext) {
    const { plan } = await changeCarePlan(ctx, input.carePlanId, input.expectedVersion, async (m, p) => {
      const before = { ...p };
      if (p.status !== input.status) {
        carePlanLifecycle.assertTransition(p.status as CarePlanStatus, input.status);
        if (input.status === CarePlanStatus.ACTIVE) {
          const team = await m.findOneByOrFail(CareTeamRecord, { id: p.careTeamId });
          if (team.status !== CareTeamStatus.ACTIVE) throw badInput(`The care team is ${team.status}; only an active team's plan can be active`, 'status');
          p.periodStart ??= new Date();
        }
        // A finished or abandoned plan's period ends when it did.
        if (input.status === CarePlanStatus.COMPLETED || input.status === CarePlanStatus.REVOKED) p.periodEnd ??= new Date();
        p.status = input.status;
      }
      return { changeKind: CarePlanChangeKind.STATUS_CHANGED, changes: diffFields(before, p, PLAN_FIELDS), result: null };
    });
    return plan;
  }
}
