/** The community-partners subgraph: directory, closed-loop referrals, the partner scope. */
import { CreateEventCursors1732300000001 } from '../../shared/events';
import { buildFederatedSchema } from '../../shared/federation';
import type { SubgraphModule } from '../../shared/subgraph';
import { seedCommunityPartners } from './data/seed';
import {
  CommunityPartnerRecord, PartnerConsentRecord, ReferralRecord, ReferralStatusChangeRecord, SocialNeedRecord,
} from './data/entities';
import { CreateCommunityPartners1732300300000 } from './data/migrations/1732300300000-CreateCommunityPartners';
import { ReferralLifecycle1732300300100 } from './data/migrations/1732300300100-ReferralLifecycle';
import { ReferralKeysetIndexes1732300300200 } from './data/migrations/1732300300200-ReferralKeysetIndexes';
import { startProjections } from './data/projections';
import { CommunityPartnerResolver, resolvePartnerReference } from './schema/partner';
import { PatientReferralsResolver, ReferralResolver, resolveReferralReference } from './schema/referral';
import { Patient, Referral, SocialNeed } from './schema/types';

export const communityPartnersSubgraph: SubgraphModule = {
  name: 'community-partners',
  schema: 'community_partners',
  entities: [CommunityPartnerRecord, ReferralRecord, ReferralStatusChangeRecord, PartnerConsentRecord, SocialNeedRecord],
  migrations: [CreateEventCursors1732300000001, CreateCommunityPartners1732300300000, ReferralLifecycle1732300300100, ReferralKeysetIndexes1732300300200],
  seed: seedCommunityPartners,
  // Consent and social need projections from the patients subgraph's events.
  startWorkers: async (deps) => [await startProjections(deps)],
  buildSchema: () =>
    buildFederatedSchema({
      resolvers: [CommunityPartnerResolver, ReferralResolver, PatientReferralsResolver],
      orphanedTypes: [Patient, Referral, SocialNeed],
      referenceResolvers: {
        Patient: (ref: { id: string }) => ({ id: ref.id }),
        SocialNeed: (ref: { id: string }) => ({ id: ref.id }),
        CommunityPartner: resolvePartnerReference,
        Referral: resolveReferralReference,
      },
    }),
};
