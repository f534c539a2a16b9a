/** The program's KPI targets: readable by every staff role, editable by admins. */
import { Arg, Ctx, Field, Float, InputType, ObjectType, Mutation, Query, Resolver } from 'type-graphql';
import { CLINICAL_ROLES, Role, requireRole } from '../../../shared/auth';
import { badInput, notFound } from '../../../shared/errors';
import { recordEvent } from '../../../shared/events';
import type { SubgraphContext } from '../../../shared/subgraph';
import { KpiTargetRecord } from '../data/entities';
import { KpiKey } from './types';

@ObjectType({ description: 'The target a care program KPI is judged against' })
export class KpiTarget {
  @Field(() => KpiKey) key: KpiKey;
  @Field() name: string;
  @Field() description: string;
  @Field(() => Float, { description: 'A ratio (0..1) for rates, days for durations' }) target: number;
  @Field({ description: 'LESS_THAN, GREATER_THAN, AT_LEAST or AT_MOST' }) comparator: string;
  @Field({ description: 'RATIO or DAYS' }) unit: string;
  @Field() updatedAt: Date;
  @Field(() => String, { nullable: true }) updatedBy: string | null;
}

@InputType()
export class UpdateKpiTargetInput {
  @Field(() => KpiKey) key: KpiKey;
  @Field(() => Float, { description: 'A ratio (0..1) for rates, days for durations' }) target: number;
}

@Resolver(() => KpiTarget)
export class KpiTargetResolver {
  @Query(() => [KpiTarget], { nullable: true, description: 'Optional on a screen: null (with an error naming the service) when metrics is unavailable' })
  kpiTargets(@Ctx() ctx: SubgraphContext) {
    requireRole(ctx.principal, [...CLINICAL_ROLES, Role.ANALYST, Role.ADMIN], 'read KPI targets');
    return ctx.db.getRepository(KpiTargetRecord).find({ order: { key: 'ASC' } });
  }

  @Mutation(() => KpiTarget, { description: 'Changes a KPI target (admins)' })
  async updateKpiTarget(@Arg('input') input: UpdateKpiTargetInput, @Ctx() ctx: SubgraphContext) {
    const { key, target } = input;
    requireRole(ctx.principal, [Role.ADMIN], 'change KPI targets');
    return ctx.db.transaction(async (m) => {
      const row = await m.findOne(KpiTargetRecord, { where: { key }, lock: { mode: 'pessimistic_write' } });
      if (!row) throw notFound('KPI target', key);
      if (!Number.isFinite(target) || target < 0 || (row.unit === 'RATIO' && target > 1)) {
        throw badInput(row.unit === 'RATIO' ? 'A ratio target must be between 0 and 1' : 'The target must be a non-negative number', 'target');
      }
      const previousTarget = row.target;
      row.target = target;
      row.updatedBy = ctx.principal.sub;
      const saved = await m.save(row);
      // Payers audit target changes: the log keeps who moved which target from what to what.
      await recordEvent(m, ctx.source, {
        type: 'KpiTargetChanged', aggregateType: 'KpiTarget', aggregateId: key, actor: ctx.principal.sub,
        payload: { key, target, previousTarget, comparator: row.comparator },
      });
      return saved;
    });
  }
}
