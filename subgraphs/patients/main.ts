/** The patients subgraph: population registry, encounters, social needs, consent and risk; break-the-glass grants; the audit trail's read side. */
import { PatientData } from '../../shared/access-policy';
import { CreateEventCursors1732300000001, startConsumer } from '../../shared/events';
import { buildFederatedSchema } from '../../shared/federation';
import type { SubgraphModule } from '../../shared/subgraph';
import { seedPatients } from './data/seed';
import { ConditionRecord, ConsentRecord, EncounterRecord, PatientRecord, SocialNeedRecord } from './data/entities';
import { CreatePatients1732300100000 } from './data/migrations/1732300100000-CreatePatients';
import { ClinicalRecordsAndRisk1732300100001 } from './data/migrations/1732300100001-ClinicalRecordsAndRisk';
import { AssessmentsAndMedications1732300100300 } from './data/migrations/1732300100300-AssessmentsAndMedications';
import { AssessmentResponseRecord, SocialNeedEvidenceRecord, SocialNeedOutcomeRecord } from './data/assessment-entities';
import { MedicationReconciliationRecord, MedicationStatementRecord } from './data/medication-entities';
import { MedicationResolver, PatientMedicationsResolver } from './schema/medication';
import { REFERRAL_OUTCOMES_CONSUMER, REFERRAL_OUTCOME_EVENT_TYPES, referralOutcomeHandler } from './data/referral-outcomes';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { AssessmentResolver, PatientAssessmentsResolver, resolveAssessmentReference, AssessmentResponse } from './schema/assessment';
import { ConditionVerificationAndCodeList1732300100400 } from './data/migrations/1732300100400-ConditionVerificationAndCodeList';
import { WorklistKeysetIndexes1732300100500 } from './data/migrations/1732300100500-WorklistKeysetIndexes';
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
  entities: [PatientRecord, ConditionRecord, EncounterRecord, SocialNeedRecord, ConsentRecord, AssessmentResponseRecord, SocialNeedEvidenceRecord, SocialNeedOutcomeRecord, MedicationStatementRecord, MedicationReconciliationRecord],
  migrations: [CreateEventCursors1732300000001, CreatePatients1732300100000, ClinicalRecordsAndRisk1732300100001, AssessmentsAndMedications1732300100300, ConditionVerificationAndCodeList1732300100400, WorklistKeysetIndexes1732300100500],
  seed: seedPatients,
  // The closed loop (issue 13): completed referrals resolve, or keep open with the reason, the social need they addressed.
  startWorkers: async ({ ds, transport, log }) => {
    // Its own small pool, like care-teams': background work neither takes request connections nor counts in request query counters.
    const own = new DataSource({ ...ds.options, poolSize: 2, logging: false, logger: undefined } as DataSourceOptions);
    await own.initialize();
    const consumer = await startConsumer({
      ds: own, transport, name: REFERRAL_OUTCOMES_CONSUMER, types: REFERRAL_OUTCOME_EVENT_TYPES, handle: referralOutcomeHandler({ source: 'patients', log }),
    });
    return [{ caughtUp: () => consumer.caughtUp(), stop: async () => { await consumer.stop(); await own.destroy(); } }];
  },
  buildSchema: () =>
    buildFederatedSchema({
      resolvers: [PatientResolver, ConditionResolver, EncounterResolver, SocialNeedResolver, ConsentResolver, BreakTheGlassResolver, AuditResolver, AssessmentResolver, PatientAssessmentsResolver, MedicationResolver, PatientMedicationsResolver],
      // Reachable from Patient already, listed so other subgraphs can reference them whatever the root fields.
      orphanedTypes: [Condition, Encounter, SocialNeed, Consent, AssessmentResponse],
      referenceResolvers: {
        Patient: resolvePatientReference,
        Condition: clinicalReference(conditionById, PatientData.CONDITIONS, 'Condition'),
        Encounter: clinicalReference(encounterById, PatientData.ENCOUNTERS, 'Encounter'),
        SocialNeed: clinicalReference(socialNeedById, PatientData.SOCIAL_NEEDS, 'SocialNeed'),
        Consent: clinicalReference(consentById, PatientData.CONSENTS, 'Consent'),
        AssessmentResponse: resolveAssessmentReference,
      },
    }),
};
