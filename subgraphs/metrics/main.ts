/** The metrics subgraph: program KPIs computed from the other subgraphs' events. */
import { CreateEventCursors1732300000001 } from '../../shared/events';
import { buildFederatedSchema } from '../../shared/federation';
import type { SubgraphModule } from '../../shared/subgraph';
import { KpiTargetRecord, SatisfactionSurveyRecord } from './data/entities';
import { CreateKpiTargets1732300400000 } from './data/migrations/1732300400000-CreateKpiTargets';
import { CreateOutcomeReadModel1732300400100 } from './data/migrations/1732300400100-CreateOutcomeReadModel';
import { CcmDecisionMaking1732300400400 } from './data/migrations/1732300400400-CcmDecisionMaking';
import { startReadModelConsumer } from './data/read-model';
import { seedSatisfactionSurveys } from './data/seed';
import { KpiTargetResolver } from './schema/kpi-target';
import { KpiReportResolver, ReferralPerformanceResolver } from './schema/kpis';
import {
  CareTeamPerformanceResolver, PartnerReferralPerformanceResolver, PatientUtilizationResolver, SatisfactionSurveyResolver,
} from './schema/patient-metrics';
import { CareTeam, CommunityPartner, Patient } from './schema/types';

export const metricsSubgraph: SubgraphModule = {
  name: 'metrics',
  schema: 'metrics',
  entities: [KpiTargetRecord, SatisfactionSurveyRecord],
  migrations: [CreateEventCursors1732300000001, CreateKpiTargets1732300400000, CreateOutcomeReadModel1732300400100, CcmDecisionMaking1732300400400],
  seed: seedSatisfactionSurveys,
  buildSchema: () =>
    buildFederatedSchema({
      resolvers: [
        KpiTargetResolver, KpiReportResolver, ReferralPerformanceResolver, PatientUtilizationResolver, CareTeamPerformanceResolver,
        PartnerReferralPerformanceResolver, SatisfactionSurveyResolver,
      ],
      orphanedTypes: [Patient, CareTeam, CommunityPartner],
      // Access is checked on the fields this subgraph adds, not on the bare reference.
      referenceResolvers: {
        Patient: (ref: { id: string }) => ({ id: ref.id }),
        CareTeam: (ref: { id: string }) => ({ id: ref.id }),
        CommunityPartner: (ref: { id: string }) => ({ id: ref.id }),
      },
    }),
  // The read model follows the event log from its stored cursor (metrics.event_cursor).
  startWorkers: async ({ ds, transport, log }) => [await startReadModelConsumer(ds, transport, log)],
};
