/** The care-teams subgraph: teams, care plans, transitional care and CCM time. */
import { CreateEventCursors1732300000001 } from '../../shared/events';
import { buildFederatedSchema, isUuid } from '../../shared/federation';
import type { SubgraphModule } from '../../shared/subgraph';
import { seedCareTeams } from './data/seed';
import { CarePlanRecord, CareTeamMemberRecord, CareTeamRecord } from './data/entities';
import { CreateCareTeams1732300200000 } from './data/migrations/1732300200000-CreateCareTeams';
import { CarePlanResolver, resolveCarePlanReference } from './schema/care-plan';
import { CareTeamResolver, PatientCareResolver, careTeamById } from './schema/care-team';
import { canAccessPatient } from './schema/access';
import { CarePlan, CareTeam, Patient } from './schema/types';
import type { SubgraphContext } from '../../shared/subgraph';

export const careTeamsSubgraph: SubgraphModule = {
  name: 'care-teams',
  schema: 'care_teams',
  entities: [CareTeamRecord, CareTeamMemberRecord, CarePlanRecord],
  migrations: [CreateEventCursors1732300000001, CreateCareTeams1732300200000],
  seed: seedCareTeams,
  buildSchema: () =>
    buildFederatedSchema({
      resolvers: [PatientCareResolver, CareTeamResolver, CarePlanResolver],
      orphanedTypes: [Patient, CareTeam, CarePlan],
      referenceResolvers: {
        Patient: (ref: { id: string }) => ({ id: ref.id }),
        CarePlan: resolveCarePlanReference,
        CareTeam: async (ref: { id: string }, ctx: SubgraphContext) => {
          const team = isUuid(ref.id) ? await careTeamById(ctx).load(ref.id) : null;
          return team && (await canAccessPatient(ctx, team.patientId)) ? team : null;
        },
      },
    }),
};
