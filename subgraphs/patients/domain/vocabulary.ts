/**
 * Code systems of the patients subgraph. Statuses carry their FHIR R4 codes as
 * values (what is stored and what events carry); kinds carry their enum names.
 * The GraphQL schema registers these enums, so `ENTERED_IN_ERROR` reads and
 * writes 'entered-in-error'.
 */

/** FHIR Condition.clinicalStatus. */
export enum ConditionClinicalStatus {
  ACTIVE = 'active',
  RECURRENCE = 'recurrence',
  RELAPSE = 'relapse',
  INACTIVE = 'inactive',
  REMISSION = 'remission',
  RESOLVED = 'resolved',
}

/** The clinical statuses in which a condition is present (FHIR: active and its sub-states). */
export const PRESENT_CLINICAL_STATUSES: readonly ConditionClinicalStatus[] = [
  ConditionClinicalStatus.ACTIVE,
  ConditionClinicalStatus.RECURRENCE,
  ConditionClinicalStatus.RELAPSE,
];

export const isPresentStatus = (s: ConditionClinicalStatus): boolean => PRESENT_CLINICAL_STATUSES.includes(s);

/** Abated statuses that need the day they abated (issue 14: no "today" default that rewrites the past). */
export const ABATEMENT_REQUIRED_STATUSES: readonly ConditionClinicalStatus[] = [ConditionClinicalStatus.RESOLVED, ConditionClinicalStatus.REMISSION];

/** FHIR Condition.verificationStatus. */
export enum ConditionVerificationStatus {
  UNCONFIRMED = 'unconfirmed',
  PROVISIONAL = 'provisional',
  DIFFERENTIAL = 'differential',
  CONFIRMED = 'confirmed',
  REFUTED = 'refuted',
  ENTERED_IN_ERROR = 'entered-in-error',
}

/** A refuted or entered-in-error condition is not the patient's: no score or eligibility counts it. */
export const countsClinically = (v: ConditionVerificationStatus | null | undefined): boolean =>
  v !== ConditionVerificationStatus.ENTERED_IN_ERROR && v !== ConditionVerificationStatus.REFUTED;

/** Where care happened. Stays (INPATIENT, OBSERVATION) are admitted and discharged; the rest are visits. */
export enum EncounterKind {
  INPATIENT = 'INPATIENT',
  OBSERVATION = 'OBSERVATION',
  EMERGENCY = 'EMERGENCY',
  OUTPATIENT = 'OUTPATIENT',
  TELEHEALTH = 'TELEHEALTH',
  HOME_VISIT = 'HOME_VISIT',
}

/** Hospital stays: what LACE and HEDIS PCR count (acute inpatient or observation discharges). */
export const STAY_KINDS: readonly EncounterKind[] = [EncounterKind.INPATIENT, EncounterKind.OBSERVATION];
export const VISIT_KINDS: readonly EncounterKind[] = [
  EncounterKind.EMERGENCY, EncounterKind.OUTPATIENT, EncounterKind.TELEHEALTH, EncounterKind.HOME_VISIT,
];
export const isStayKind = (k: EncounterKind): boolean => STAY_KINDS.includes(k);

/** UB-04 type of admission, as care management uses it. */
export enum AdmissionAcuity {
  EMERGENT = 'EMERGENT',
  URGENT = 'URGENT',
  ELECTIVE = 'ELECTIVE',
}

export enum DischargeDisposition {
  HOME = 'HOME',
  HOME_HEALTH = 'HOME_HEALTH',
  SKILLED_NURSING = 'SKILLED_NURSING',
  REHAB = 'REHAB',
  HOSPICE = 'HOSPICE',
  LEFT_AMA = 'LEFT_AMA',
  TRANSFERRED = 'TRANSFERRED',
  EXPIRED = 'EXPIRED',
}

/** Where a screened social need stands. */
export enum SocialNeedStatus {
  IDENTIFIED = 'identified',
  ADDRESSED = 'addressed',
  RESOLVED = 'resolved',
  DECLINED = 'declined',
}

/** Needs still to be met: what the social-need filter and referrals look at. */
export const OPEN_SOCIAL_NEED_STATUSES: readonly SocialNeedStatus[] = [SocialNeedStatus.IDENTIFIED, SocialNeedStatus.ADDRESSED];

/** FHIR Consent.status. */
export enum ConsentStatus {
  DRAFT = 'draft',
  PROPOSED = 'proposed',
  ACTIVE = 'active',
  REJECTED = 'rejected',
  INACTIVE = 'inactive',
  ENTERED_IN_ERROR = 'entered-in-error',
}

/** What the patient consents to. */
export enum ConsentKind {
  /** CMS CCM: documented consent to chronic care management services (and its cost sharing). */
  CCM_SERVICES = 'CCM_SERVICES',
  /** SDOHCC Consent: share the minimum necessary with one community partner organization. */
  SHARE_WITH_PARTNER = 'SHARE_WITH_PARTNER',
  TREATMENT = 'TREATMENT',
  RESEARCH = 'RESEARCH',
}
