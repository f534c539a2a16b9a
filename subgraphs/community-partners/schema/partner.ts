/** The partner directory: matching partners for a need, one entry, and a partner's own entry. */
import { Arg, Ctx, Directive, ID, Query, Resolver } from 'type-graphql';
import { In } from 'typeorm';
import { notFound } from '../../../shared/errors';
import { alignByKey, isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import { SocialNeedCategory } from '../../../shared/vocabulary';
import { CommunityPartnerRecord } from '../data/entities';
import { rankPartners } from '../domain/partner-matching';
import { assertDirectorySearch, canReadPartnerEntry, partnerOf } from './access';
import { CommunityPartner, PARTNER } from './types';

export const partnerById = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, CommunityPartnerRecord | null>('partnerById', async (ids) =>
    alignByKey(ids, await ctx.db.getRepository(CommunityPartnerRecord).findBy({ id: In([...ids]) }), (p) => p.id));

/** Partner staff resolve only their own organization; others per the directory rule. The directory is not patient data: nothing to audit. */
export async function resolvePartnerReference(ref: { id: string }, ctx: SubgraphContext) {
  if (!isUuid(ref.id) || !canReadPartnerEntry(ctx, ref.id)) return null;
  return partnerById(ctx).load(ref.id);
}

@Resolver(() => CommunityPartner)
export class CommunityPartnerResolver {
  @Query(() => CommunityPartner, { nullable: true })
  partner(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext) {
    return resolvePartnerReference({ id }, ctx);
  }

  // Nullable: a screen that also shows the directory keeps the rest when this subgraph is down (issue 12).
  @Query(() => [CommunityPartner], {
    nullable: true,
    description: 'Partners that can meet a need: filtered by category, language and whether they accept referrals now; nearest service area to postalCode first (distance)',
  })
  async partners(
    @Ctx() ctx: SubgraphContext,
    @Arg('category', () => SocialNeedCategory, { nullable: true }) category?: SocialNeedCategory,
    @Arg('postalCode', () => String, { nullable: true, description: 'US ZIP or ZIP+4' }) postalCode?: string,
    @Arg('language', () => String, { nullable: true, description: 'ISO 639 code the partner must speak, e.g. "es"' }) language?: string,
    @Arg('acceptingOnly', () => Boolean, { nullable: true, defaultValue: false }) acceptingOnly?: boolean,
  ) {
    assertDirectorySearch(ctx);
    // The category narrows in SQL (GIN index); ranking and the other filters are the domain's.
    const qb = ctx.db.getRepository(CommunityPartnerRecord).createQueryBuilder('p');
    if (category) qb.andWhere(':category = ANY(p.categories)', { category });
    const candidates = await qb.getMany();
    return rankPartners(candidates, { category, postalCode, language, acceptingOnly })
      .map(({ partner, distance }) => Object.assign(partner as CommunityPartnerRecord, { distance }));
  }

  @Directive(PARTNER)
  @Query(() => CommunityPartner, { nullable: true, description: "The calling partner's own directory entry (partner staff)" })
  async myOrganization(@Ctx() ctx: SubgraphContext) {
    const { org } = partnerOf(ctx, 'read their own organization');
    const own = isUuid(org) ? await partnerById(ctx).load(org) : null;
    if (!own) throw notFound('CommunityPartner', org);
    return own;
  }
}
