/** Care plans (FHIR CarePlan): lifecycle, versions and history. */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, Query, Resolver, Root } from 'type-graphql';
import { In } from 'typeorm';
import { badInput } from '../../../shared/errors';
import { recordEvent } from '../../../shared/events';
import { alignByKey, isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import { CarePlanRecord } from '../data/entities';
import { canAccessPatient } from './access';
import { requireCareTeam } from './care-team';
import { CarePlan, Patient } from './types';

export const carePlanById = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, CarePlanRecord | null>('carePlanById', async (ids) =>
    alignByKey(ids, await ctx.db.getRepository(CarePlanRecord).findBy({ id: In([...ids]) }), (p) => p.id));

export async function resolveCarePlanReference(ref: { id: string }, ctx: SubgraphContext) {
  const plan = isUuid(ref.id) ? await carePlanById(ctx).load(ref.id) : null;
  return plan && (await canAccessPatient(ctx, plan.patientId)) ? plan : null;
}

@InputType()
class CreateCarePlanInput {
  @Field(() => ID) careTeamId: string;
  @Field() title: string;
  @Field(() => String, { nullable: true }) description?: string | null;
}

@Resolver(() => CarePlan)
export class CarePlanResolver {
  @Query(() => CarePlan, { nullable: true })
  carePlan(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext) {
    return resolveCarePlanReference({ id }, ctx);
  }

  @FieldResolver(() => Patient)
  patient(@Root() plan: CarePlanRecord): Patient {
    return { id: plan.patientId };
  }

  @Mutation(() => CarePlan, { description: 'Drafts a care plan for the team\'s patient' })
  async createCarePlan(@Arg('input') input: CreateCarePlanInput, @Ctx() ctx: SubgraphContext) {
    const team = await requireCareTeam(ctx, input.careTeamId);
    if (!input.title.trim()) throw badInput('title must not be empty', 'title');
    return ctx.db.transaction(async (m) => {
      const plan = await m.save(m.create(CarePlanRecord, {
        patientId: team.patientId, careTeamId: team.id, title: input.title.trim(), description: input.description ?? null,
        status: 'draft', intent: 'plan', version: 1,
      }));
      await recordEvent(m, ctx.source, {
        type: 'CarePlanChanged', aggregateType: 'CarePlan', aggregateId: plan.id, patientId: plan.patientId, actor: ctx.principal.sub,
        payload: { carePlanId: plan.id, careTeamId: team.id, version: plan.version, changeKind: 'CREATED', changedFields: ['title', 'description', 'status'] },
      });
      return plan;
    });
  }
}
