/** The community-partners subgraph: directory, closed-loop referrals, the partner scope. */
import { CreateEventCursors1732300000001 } from '../../shared/events';
import { buildFederatedSchema } from '../../shared/federation';
import type { SubgraphModule } from '../../shared/subgraph';
import { seedCommunityPartners } from './data/seed';
import { CommunityPartnerRecord, ReferralRecord } from './data/entities';
import { CreateCommunityPartners1732300300000 } from './data/migrations/1732300300000-CreateCommunityPartners';
import { Patient, Referral } from './schema/types';
import { CommunityPartnerResolver, PatientReferralsResolver, ReferralResolver, resolvePartnerReference } from './schema/partner';

export const communityPartnersSubgraph: SubgraphModule = {
  name: 'community-partners',
  schema: 'community_partners',
  entities: [CommunityPartnerRecord, ReferralRecord],
  migrations: [CreateEventCursors1732300000001, CreateCommunityPartners1732300300000],
  seed: seedCommunityPartners,
  buildSchema: () =>
    buildFederatedSchema({
      resolvers: [CommunityPartnerResolver, ReferralResolver, PatientReferralsResolver],
      orphanedTypes: [Patient, Referral],
      referenceResolvers: {
        Patient: (ref: { id: string }) => ({ id: ref.id }),
        CommunityPartner: resolvePartnerReference,
      },
    }),
};
