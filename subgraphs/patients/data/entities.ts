/** The patients subgraph's tables (schema `patients`). */
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn, type ValueTransformer } from 'typeorm';
import type { CharlsonCategory } from '../domain/charlson';
import type { RiskTier } from '../domain/lace';
import type { PatientSummary } from '../domain/risk-assessment';
import type {
  AdmissionAcuity, ConditionClinicalStatus, ConditionVerificationStatus, ConsentKind, ConsentStatus, DischargeDisposition, EncounterKind, SocialNeedStatus,
} from '../domain/vocabulary';
import type { SocialNeedCategory } from '../../../shared/vocabulary';

export enum AdministrativeSex { MALE = 'male', FEMALE = 'female', OTHER = 'other', UNKNOWN = 'unknown' }

/** numeric comes back from pg as a string; amounts are plain numbers here. */
const amount: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | null) => (v === null ? null : Number(v)),
};

@Entity({ name: 'patient' })
export class PatientRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text', unique: true }) mrn: string;
  @Column({ name: 'given_name', type: 'text' }) givenName: string;
  @Column({ name: 'family_name', type: 'text' }) familyName: string;
  @Column({ name: 'birth_date', type: 'date' }) birthDate: string;
  @Column({ name: 'administrative_sex', type: 'text' }) administrativeSex: AdministrativeSex;
  @Column({ type: 'text', nullable: true }) phone: string | null;
  @Column({ type: 'text', nullable: true }) email: string | null;
  @Column({ name: 'address_line', type: 'text', nullable: true }) addressLine: string | null;
  @Column({ type: 'text', nullable: true }) city: string | null;
  @Column({ type: 'text', nullable: true }) state: string | null;
  @Column({ name: 'postal_code', type: 'text', nullable: true }) postalCode: string | null;
  @Column({ name: 'preferred_language', type: 'text', default: 'en' }) preferredLanguage: string;
  @Column({ name: 'interpreter_needed', type: 'boolean', default: false }) interpreterNeeded: boolean;
  @Column({ name: 'primary_care_practitioner_id', type: 'text', nullable: true }) primaryCarePractitionerId: string | null;
  @Column({ type: 'boolean', default: false }) deceased: boolean;
  @Column({ name: 'deceased_at', type: 'timestamptz', nullable: true }) deceasedAt: Date | null;

  // The current risk: a copy of the latest discharge's LACE, kept here so worklist filters and ordering are indexed SQL.
  @Column({ name: 'risk_encounter_id', type: 'uuid', nullable: true }) riskEncounterId: string | null;
  @Column({ name: 'lace_score', type: 'smallint', nullable: true }) laceScore: number | null;
  @Column({ name: 'risk_tier', type: 'text', nullable: true }) riskTier: RiskTier | null;
  @Column({ name: 'lace_l', type: 'smallint', nullable: true }) laceL: number | null;
  @Column({ name: 'lace_a', type: 'smallint', nullable: true }) laceA: number | null;
  @Column({ name: 'lace_c', type: 'smallint', nullable: true }) laceC: number | null;
  @Column({ name: 'lace_e', type: 'smallint', nullable: true }) laceE: number | null;
  @Column({ name: 'length_of_stay_days', type: 'integer', nullable: true }) lengthOfStayDays: number | null;
  @Column({ name: 'risk_drivers', type: 'text', array: true, default: () => "'{}'" }) riskDrivers: string[];
  @Column({ name: 'risk_calculated_at', type: 'timestamptz', nullable: true }) riskCalculatedAt: Date | null;
  @Column({ name: 'risk_discharged_at', type: 'timestamptz', nullable: true }) riskDischargedAt: Date | null;
  // Comorbidity now (conditions currently present), for the CCM and Charlson filters.
  @Column({ name: 'chronic_condition_count', type: 'integer', default: 0 }) chronicConditionCount: number;
  @Column({ name: 'charlson_score', type: 'integer', default: 0 }) charlsonScore: number;
  @Column({ name: 'charlson_categories', type: 'text', array: true, default: () => "'{}'" }) charlsonCategories: CharlsonCategory[];
  /** The last PatientSummaryChanged payload published, to tell whether a change needs a new one. */
  @Column({ type: 'jsonb', nullable: true }) summary: PatientSummary | null;

  @VersionColumn() version: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity({ name: 'condition' })
export class ConditionRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'patient_id', type: 'uuid' }) patientId: string;
  /** ICD-10-CM, dotted canonical form ("E11.22"). */
  @Column({ type: 'text' }) code: string;
  @Column({ type: 'text', nullable: true }) display: string | null;
  /** FHIR Condition.clinicalStatus code. */
  @Column({ name: 'clinical_status', type: 'text' }) clinicalStatus: ConditionClinicalStatus;
  @Column({ name: 'onset_date', type: 'date', nullable: true }) onsetDate: string | null;
  @Column({ name: 'abatement_date', type: 'date', nullable: true }) abatementDate: string | null;
  @Column({ type: 'boolean' }) chronic: boolean;
  /** FHIR Condition.verificationStatus; entered-in-error and refuted count nowhere. */
  @Column({ name: 'verification_status', type: 'text', default: 'confirmed' }) verificationStatus: ConditionVerificationStatus;
  /** Recorded outside the ICD-10-CM code list on the caller's word (domain/icd10-code-list.ts). */
  @Column({ name: 'code_outside_list', type: 'boolean', default: false }) codeOutsideList: boolean;
  /** Quan 2005 category of the code, fixed when recorded. */
  @Column({ name: 'charlson_category', type: 'text', nullable: true }) charlsonCategory: CharlsonCategory | null;
  @Column({ name: 'recorded_by', type: 'text', nullable: true }) recordedBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity({ name: 'encounter' })
export class EncounterRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'patient_id', type: 'uuid' }) patientId: string;
  @Column({ type: 'text' }) kind: EncounterKind;
  /** Admission time for stays, start for visits. */
  @Column({ name: 'started_at', type: 'timestamptz' }) startedAt: Date;
  /** Discharge time for stays (null while admitted), end for visits. */
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true }) endedAt: Date | null;
  @Column({ type: 'text', nullable: true }) acuity: AdmissionAcuity | null;
  @Column({ type: 'boolean', default: false }) planned: boolean;
  @Column({ type: 'text', nullable: true }) disposition: DischargeDisposition | null;
  @Column({ type: 'text', nullable: true }) facility: string | null;
  @Column({ name: 'principal_diagnosis', type: 'text', nullable: true }) principalDiagnosis: string | null;
  @Column({ type: 'numeric', precision: 12, scale: 2, nullable: true, transformer: amount }) cost: number | null;
  // LACE of a discharged stay, recomputed with the current facts.
  @Column({ name: 'lace_score', type: 'smallint', nullable: true }) laceScore: number | null;
  @Column({ name: 'lace_tier', type: 'text', nullable: true }) laceTier: RiskTier | null;
  @Column({ name: 'lace_l', type: 'smallint', nullable: true }) laceL: number | null;
  @Column({ name: 'lace_a', type: 'smallint', nullable: true }) laceA: number | null;
  @Column({ name: 'lace_c', type: 'smallint', nullable: true }) laceC: number | null;
  @Column({ name: 'lace_e', type: 'smallint', nullable: true }) laceE: number | null;
  @Column({ name: 'length_of_stay_days', type: 'integer', nullable: true }) lengthOfStayDays: number | null;
  @Column({ name: 'lace_drivers', type: 'text', array: true, nullable: true }) laceDrivers: string[] | null;
  @Column({ name: 'lace_calculated_at', type: 'timestamptz', nullable: true }) laceCalculatedAt: Date | null;
  @Column({ name: 'recorded_by', type: 'text', nullable: true }) recordedBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity({ name: 'social_need' })
export class SocialNeedRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'patient_id', type: 'uuid' }) patientId: string;
  @Column({ type: 'text' }) category: SocialNeedCategory;
  /** Screening instrument, e.g. "AHC HRSN", "PRAPARE". */
  @Column({ type: 'text', nullable: true }) instrument: string | null;
  @Column({ name: 'screened_at', type: 'date' }) screenedAt: string;
  @Column({ type: 'text' }) status: SocialNeedStatus;
  @Column({ name: 'recorded_by', type: 'text', nullable: true }) recordedBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity({ name: 'consent' })
export class ConsentRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'patient_id', type: 'uuid' }) patientId: string;
  @Column({ type: 'text' }) kind: ConsentKind;
  /** FHIR Consent.status code. */
  @Column({ type: 'text' }) status: ConsentStatus;
  /** The community partner organization the consent shares with (SHARE_WITH_PARTNER). */
  @Column({ name: 'partner_org_id', type: 'text', nullable: true }) partnerOrgId: string | null;
  @Column({ name: 'period_start', type: 'date', nullable: true }) periodStart: string | null;
  @Column({ name: 'period_end', type: 'date', nullable: true }) periodEnd: string | null;
  @Column({ name: 'recorded_by', type: 'text', nullable: true }) recordedBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
