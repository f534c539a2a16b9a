/** The four subgraphs, by name: what the compose script, the hub launcher and the tests start. */
import type { SubgraphName } from '../shared/config';
import type { SubgraphModule } from '../shared/subgraph';
import { careTeamsSubgraph } from './care-teams/main';
import { communityPartnersSubgraph } from './community-partners/main';
import { metricsSubgraph } from './metrics/main';
import { patientsSubgraph } from './patients/main';

export const SUBGRAPHS: Record<SubgraphName, SubgraphModule> = {
  patients: patientsSubgraph,
  'care-teams': careTeamsSubgraph,
  'community-partners': communityPartnersSubgraph,
  metrics: metricsSubgraph,
};
