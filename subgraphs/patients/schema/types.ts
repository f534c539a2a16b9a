/**
 * GraphQL types of the patients subgraph (FHIR Patient, Condition, Encounter,
 * Consent; SDOH social needs) and the LACE risk views.
 *
 * Patient fields tagged "partner" are the minimum necessary a community partner
 * sees through the gateway's partner contract; every other Patient field is
 * guarded by ClinicalOnly.
 */
import { Directive, Field, Float, ID, Int, ObjectType, UseMiddleware } from 'type-graphql';
import { DateScalar } from '../../../shared/date-scalar';
import { SocialNeedCategory } from '../../../shared/vocabulary';
import {
  AdministrativeSex, AdmissionAcuity, CharlsonCategory, ConditionClinicalStatus, ConditionVerificationStatus, ConsentKind, ConsentStatus, DischargeDisposition,
  EncounterKind, RiskTier, SocialNeedStatus,
} from './enums';
import { ClinicalOnly } from './access';

const PARTNER = '@tag(name: "partner")';
/** PHI beyond the partner's minimum necessary. */
const Phi = () => UseMiddleware(ClinicalOnly);

@ObjectType({ description: 'A person in the care program (FHIR Patient)' })
@Directive('@key(fields: "id")')
@Directive(PARTNER)
export class Patient {
  @Field(() => ID) @Directive(PARTNER) id: string;
  @Field({ description: 'Medical record number, unique in the program' }) @Phi() mrn: string;
  @Field() @Directive(PARTNER) givenName: string;
  @Field() @Directive(PARTNER) familyName: string;
  @Field(() => DateScalar) @Phi() birthDate: string;
  @Field(() => AdministrativeSex) @Phi() administrativeSex: AdministrativeSex;
  @Field(() => String, { nullable: true }) @Directive(PARTNER) phone: string | null;
  @Field(() => String, { nullable: true }) @Phi() email: string | null;
  @Field(() => String, { nullable: true }) @Phi() addressLine: string | null;
  @Field(() => String, { nullable: true }) @Phi() city: string | null;
  @Field(() => String, { nullable: true }) @Phi() state: string | null;
  @Field(() => String, { nullable: true }) @Directive(PARTNER) postalCode: string | null;
  @Field({ description: 'BCP-47 language code, e.g. "es"' }) @Directive(PARTNER) preferredLanguage: string;
  @Field() @Directive(PARTNER) interpreterNeeded: boolean;
  @Field(() => String, { nullable: true }) @Phi() primaryCarePractitionerId: string | null;
  @Field() @Phi() deceased: boolean;
  @Field(() => Date, { nullable: true }) @Phi() deceasedAt: Date | null;
  @Field(() => Int, { description: 'Distinct chronic conditions currently present (CMS CCM counts them)' }) @Phi() chronicConditionCount: number;
  @Field(() => Int, { description: 'Charlson index of the conditions currently present (1987 weights, Quan 2005 mapping)' }) @Phi() charlsonScore: number;
  @Field(() => [CharlsonCategory], { description: 'Charlson categories currently present, heaviest first' }) @Phi() charlsonCategories: CharlsonCategory[];
}

@ObjectType({ description: 'LACE index of one inpatient or observation discharge (van Walraven 2010), fixed by what was known when the discharge was recorded' })
export class LaceScore {
  @Field(() => Int, { description: '0–19' }) score: number;
  @Field(() => Int, { description: 'Length of stay points' }) l: number;
  @Field(() => Int, { description: 'Acuity points (3 for an emergent admission)' }) a: number;
  @Field(() => Int, { description: 'Comorbidity points from the Charlson score at discharge' }) c: number;
  @Field(() => Int, { description: 'ED visit points (visits in the 6 months before admission)' }) e: number;
  @Field(() => RiskTier) tier: RiskTier;
  @Field(() => Int, { description: 'Midnights between admission and discharge' }) lengthOfStayDays: number;
  @Field({ description: 'When these values were last computed' }) calculatedAt: Date;
  @Field(() => [String], { description: 'Why, in plain words: "3 ED visits in 6 months", "Charlson 4: CHF, COPD"' }) drivers: string[];
}

@ObjectType({ description: "The patient's current readmission risk: the latest discharge scored with the facts on record now (the discharge's own LACE, Encounter.lace, stays as known at discharge)" })
export class PatientRisk extends LaceScore {
  @Field({ description: 'What this figure is: "CURRENT" (latest discharge, facts on record now)' }) basis: string;
  @Field(() => ID, { description: 'The discharge it scores' }) encounterId: string;
  @Field() dischargedAt: Date;
}

@ObjectType({ description: 'CMS Chronic Care Management eligibility and why' })
export class CcmEligibility {
  @Field({ description: 'Two or more chronic conditions' }) eligible: boolean;
  @Field(() => [String]) reasons: string[];
  @Field(() => Int) chronicConditionCount: number;
  @Field({ description: 'Documented CCM consent in force (a billing requirement, reported beside eligibility)' }) consentActive: boolean;
}

@ObjectType({ description: 'A diagnosis on the problem list (FHIR Condition), ICD-10-CM coded' })
@Directive('@key(fields: "id")')
export class Condition {
  @Field(() => ID) id: string;
  @Field({ description: 'ICD-10-CM, dotted ("E11.22")' }) code: string;
  @Field(() => String, { nullable: true }) display: string | null;
  @Field(() => ConditionClinicalStatus) clinicalStatus: ConditionClinicalStatus;
  @Field(() => DateScalar, { nullable: true }) onsetDate: string | null;
  @Field(() => DateScalar, { nullable: true, description: 'When the condition stopped being present' }) abatementDate: string | null;
  @Field({ description: 'Expected to last 12 months or more (counts for CCM)' }) chronic: boolean;
  @Field(() => CharlsonCategory, { nullable: true, description: 'Quan 2005 category of the code, if any' }) charlsonCategory: CharlsonCategory | null;
  @Field(() => ConditionVerificationStatus, { description: 'FHIR Condition.verificationStatus; ENTERED_IN_ERROR and REFUTED count in no score or eligibility' }) verificationStatus: ConditionVerificationStatus;
  @Field({ description: 'Recorded outside the ICD-10-CM code list on the recorder\'s word' }) codeOutsideList: boolean;
  @Field(() => String, { nullable: true }) recordedBy: string | null;
  @Field({ description: 'When it was recorded' }) createdAt: Date;
  @Field() updatedAt: Date;
}

@ObjectType({ description: 'A hospital stay or a visit (FHIR Encounter)' })
@Directive('@key(fields: "id")')
export class Encounter {
  @Field(() => ID) id: string;
  @Field(() => EncounterKind) kind: EncounterKind;
  @Field({ description: 'Admission time of a stay, start of a visit' }) startedAt: Date;
  @Field(() => Date, { nullable: true, description: 'Discharge time of a stay (null while admitted), end of a visit' }) endedAt: Date | null;
  @Field(() => AdmissionAcuity, { nullable: true }) acuity: AdmissionAcuity | null;
  @Field() planned: boolean;
  @Field(() => DischargeDisposition, { nullable: true }) disposition: DischargeDisposition | null;
  @Field(() => String, { nullable: true }) facility: string | null;
  @Field(() => String, { nullable: true, description: 'ICD-10-CM' }) principalDiagnosis: string | null;
  @Field(() => Float, { nullable: true, description: 'Claims amount' }) cost: number | null;
  @Field(() => String, { nullable: true }) recordedBy: string | null;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@ObjectType({ description: 'A social need found by screening (SDOH)' })
@Directive('@key(fields: "id")')
export class SocialNeed {
  @Field(() => ID) id: string;
  @Field(() => SocialNeedCategory) category: SocialNeedCategory;
  @Field(() => String, { nullable: true, description: 'Screening instrument, e.g. "AHC HRSN"' }) instrument: string | null;
  @Field(() => DateScalar, { description: 'The day of the screening' }) screenedAt: string;
  @Field(() => SocialNeedStatus) status: SocialNeedStatus;
  @Field(() => String, { nullable: true }) recordedBy: string | null;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@ObjectType({ description: "A patient's consent (FHIR Consent)" })
@Directive('@key(fields: "id")')
export class Consent {
  @Field(() => ID) id: string;
  @Field(() => ConsentKind) kind: ConsentKind;
  @Field(() => ConsentStatus) status: ConsentStatus;
  @Field(() => ID, { nullable: true, description: 'The community partner organization (SHARE_WITH_PARTNER)' }) partnerOrgId: string | null;
  @Field(() => DateScalar, { nullable: true, description: 'Inclusive' }) periodStart: string | null;
  @Field(() => DateScalar, { nullable: true, description: 'Inclusive' }) periodEnd: string | null;
  @Field(() => String, { nullable: true }) recordedBy: string | null;
  @Field({ description: 'When it was recorded' }) createdAt: Date;
  @Field() updatedAt: Date;
}
