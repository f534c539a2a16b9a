/** The partner directory and `Patient.referrals`. */
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import { In } from 'typeorm';
import { alignByKey, groupByKey, isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import { SocialNeedCategory } from '../../../shared/vocabulary';
import { CommunityPartnerRecord, ReferralRecord } from '../data/entities';
import { assertClinicalAccess, assertDirectoryAccess } from './access';
import { CommunityPartner, Patient, Referral } from './types';

export const partnerById = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, CommunityPartnerRecord | null>('partnerById', async (ids) =>
    alignByKey(ids, await ctx.db.getRepository(CommunityPartnerRecord).findBy({ id: In([...ids]) }), (p) => p.id));

const referralsByPatient = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, ReferralRecord[]>('referralsByPatient', async (ids) =>
    groupByKey(ids, await ctx.db.getRepository(ReferralRecord).find({ where: { patientId: In([...ids]) }, order: { createdAt: 'ASC' } }), (r) => r.patientId));

export async function resolvePartnerReference(ref: { id: string }, ctx: SubgraphContext) {
  assertDirectoryAccess(ctx.principal);
  return isUuid(ref.id) ? partnerById(ctx).load(ref.id) : null;
}

@Resolver(() => CommunityPartner)
export class CommunityPartnerResolver {
  @Query(() => CommunityPartner, { nullable: true })
  partner(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext) {
    return resolvePartnerReference({ id }, ctx);
  }

  @Query(() => [CommunityPartner], { description: 'Partners that serve a need, optionally in a postal code' })
  async partners(
    @Ctx() ctx: SubgraphContext,
    @Arg('category', () => SocialNeedCategory, { nullable: true }) category?: SocialNeedCategory,
  ) {
    assertDirectoryAccess(ctx.principal);
    const qb = ctx.db.getRepository(CommunityPartnerRecord).createQueryBuilder('p').orderBy('p.name');
    if (category) qb.andWhere(':category = ANY(p.categories)', { category });
    return qb.getMany();
  }
}

@Resolver(() => Referral)
export class ReferralResolver {
  @FieldResolver(() => Patient)
  patient(@Root() r: ReferralRecord): Patient {
    return { id: r.patientId };
  }

  @FieldResolver(() => CommunityPartner)
  partner(@Root() r: ReferralRecord, @Ctx() ctx: SubgraphContext) {
    return partnerById(ctx).load(r.partnerId);
  }
}

@Resolver(() => Patient)
export class PatientReferralsResolver {
  @FieldResolver(() => [Referral], { description: 'Social care referrals for the patient' })
  referrals(@Root() patient: Patient, @Ctx() ctx: SubgraphContext) {
    assertClinicalAccess(ctx.principal);
    return referralsByPatient(ctx).load(patient.id);
  }
}
