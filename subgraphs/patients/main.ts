/** The patients subgraph: population registry, encounters, social needs, consent and risk; break-the-glass grants; the audit trail's read side. */
import { PatientData } from '../../shared/access-policy';
import { CreateEventCursors1732300000001 } from '../../shared/events';
import { buildFederatedSchema } from '../../shared/federation';
import type { SubgraphModule } from '../../shared/subgraph';
import { seedPatients } from './data/seed';
import { ConditionRecord, ConsentRecord, EncounterRecord, PatientRecord, SocialNeedRecord } from './data/entities';
import { CreatePatients1732300100000 } from './data/migrations/1732300100000-CreatePatients';
import { ClinicalRecordsAndRisk1732300100001 } from './data/migrations/1732300100001-ClinicalRecordsAndRisk';
import { AuditResolver } from './schema/audit';
import { BreakTheGlassResolver } from './schema/break-the-glass';
import { ConditionResolver } from './schema/condition';
import { ConsentResolver } from './schema/consent';
import { EncounterResolver } from './schema/encounter';
import { clinicalReference, conditionById, consentById, encounterById, socialNeedById } from './schema/loaders';
import { PatientResolver, resolvePatientReference } from './schema/patient';
import { SocialNeedResolver } from './schema/social-need';
import { Condition, Consent, Encounter, SocialNeed } from './schema/types';

export const patientsSubgraph: SubgraphModule = {
  name: 'patients',
  schema: 'patients',
  entities: [PatientRecord, ConditionRecord, EncounterRecord, SocialNeedRecord, ConsentRecord],
  migrations: [CreateEventCursors1732300000001, CreatePatients1732300100000, ClinicalRecordsAndRisk1732300100001],
  seed: seedPatients,
  buildSchema: () =>
    buildFederatedSchema({
      resolvers: [PatientResolver, ConditionResolver, EncounterResolver, SocialNeedResolver, ConsentResolver, BreakTheGlassResolver, AuditResolver],
      // Reachable from Patient already, listed so other subgraphs can reference them whatever the root fields.
      orphanedTypes: [Condition, Encounter, SocialNeed, Consent],
      referenceResolvers: {
        Patient: resolvePatientReference,
        Condition: clinicalReference(conditionById, PatientData.CONDITIONS, 'Condition'),
        Encounter: clinicalReference(encounterById, PatientData.ENCOUNTERS, 'Encounter'),
        SocialNeed: clinicalReference(socialNeedById, PatientData.SOCIAL_NEEDS, 'SocialNeed'),
        Consent: clinicalReference(consentById, PatientData.CONSENTS, 'Consent'),
      },
    }),
};
