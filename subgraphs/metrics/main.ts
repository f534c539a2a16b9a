/** The metrics subgraph: program KPIs computed from the other subgraphs' events. */
import { CreateEventCursors1732300000001 } from '../../shared/events';
import { buildFederatedSchema } from '../../shared/federation';
import type { SubgraphModule } from '../../shared/subgraph';
import { KpiTargetRecord } from './data/entities';
import { CreateKpiTargets1732300400000 } from './data/migrations/1732300400000-CreateKpiTargets';
import { KpiTargetResolver } from './schema/kpi-target';

export const metricsSubgraph: SubgraphModule = {
  name: 'metrics',
  schema: 'metrics',
  entities: [KpiTargetRecord],
  migrations: [CreateEventCursors1732300000001, CreateKpiTargets1732300400000],
  buildSchema: () => buildFederatedSchema({ resolvers: [KpiTargetResolver] }),
};
