/**
 * GraphQL enums of the patients subgraph, registered on the domain's TypeScript
 * enums: GraphQL names (ENTERED_IN_ERROR) map to stored FHIR codes ('entered-in-error').
 */
import { registerEnumType } from 'type-graphql';
import { AdministrativeSex } from '../data/entities';
import { CharlsonCategory } from '../domain/charlson';
import { RiskTier } from '../domain/lace';
import {
  AdmissionAcuity, ConditionClinicalStatus, ConditionVerificationStatus, ConsentKind, ConsentStatus, DischargeDisposition, EncounterKind,
  SocialNeedStatus,
} from '../domain/vocabulary';

/** Worklist orderings of `patients`. */
export enum PatientOrder {
  /** Highest LACE first, the most recent discharge first among equals; patients without a discharge last. */
  RISK_DESC = 'RISK_DESC',
  /** Family name, then given name. */
  NAME = 'NAME',
}

registerEnumType(AdministrativeSex, { name: 'AdministrativeSex', description: 'FHIR administrative gender' });
registerEnumType(ConditionClinicalStatus, { name: 'ConditionClinicalStatus', description: 'FHIR Condition.clinicalStatus' });
registerEnumType(ConditionVerificationStatus, { name: 'ConditionVerificationStatus', description: 'FHIR Condition.verificationStatus' });
registerEnumType(EncounterKind, { name: 'EncounterKind', description: 'INPATIENT and OBSERVATION are stays (admitted, discharged); the others are visits' });
registerEnumType(AdmissionAcuity, { name: 'AdmissionAcuity', description: 'Type of admission; EMERGENT scores LACE "A"' });
registerEnumType(DischargeDisposition, { name: 'DischargeDisposition' });
registerEnumType(SocialNeedStatus, { name: 'SocialNeedStatus' });
registerEnumType(ConsentStatus, { name: 'ConsentStatus', description: 'FHIR Consent.status' });
registerEnumType(ConsentKind, { name: 'ConsentKind' });
registerEnumType(RiskTier, { name: 'RiskTier', description: 'LACE tiers: LOW 0–4, MODERATE 5–9, HIGH ≥10' });
registerEnumType(CharlsonCategory, { name: 'CharlsonCategory', description: 'Charlson comorbidity categories (Quan 2005 ICD-10 mapping, 1987 weights)' });
registerEnumType(PatientOrder, { name: 'PatientOrder' });

export {
  AdministrativeSex, AdmissionAcuity, CharlsonCategory, ConditionClinicalStatus, ConditionVerificationStatus, ConsentKind, ConsentStatus,
  DischargeDisposition, EncounterKind, RiskTier, SocialNeedStatus,
};
