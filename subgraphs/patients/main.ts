/** The patients subgraph: population registry, encounters, social needs, consent and risk. */
import { CreateEventCursors1732300000001 } from '../../shared/events';
import { buildFederatedSchema } from '../../shared/federation';
import type { SubgraphModule } from '../../shared/subgraph';
import { seedPatients } from './data/seed';
import { PatientRecord } from './data/entities';
import { CreatePatients1732300100000 } from './data/migrations/1732300100000-CreatePatients';
import { PatientResolver, resolvePatientReference } from './schema/patient';

export const patientsSubgraph: SubgraphModule = {
  name: 'patients',
  schema: 'patients',
  entities: [PatientRecord],
  migrations: [CreateEventCursors1732300000001, CreatePatients1732300100000],
  seed: seedPatients,
  buildSchema: () =>
    buildFederatedSchema({
      resolvers: [PatientResolver],
      referenceResolvers: { Patient: resolvePatientReference },
    }),
};
