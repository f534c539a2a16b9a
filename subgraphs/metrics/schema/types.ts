/** GraphQL types of the metrics subgraph: KPI figures, reports, utilization, surveys and freshness. */
import { Directive, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateScalar } from '../../../shared/date-scalar';
import type { Cohort } from '../data/figures';
import type { Period } from '../domain/period';

/** Tags what the partner contract (/partner/graphql) exposes: referral figures only. */
export const PARTNER = '@tag(name: "partner")';

export enum KpiKey {
  READMISSION_30_DAY = 'READMISSION_30_DAY',
  TCM_INTERACTIVE_CONTACT = 'TCM_INTERACTIVE_CONTACT',
  TCM_FACE_TO_FACE = 'TCM_FACE_TO_FACE',
  FOLLOW_UP_7_DAY = 'FOLLOW_UP_7_DAY',
  CARE_PLAN_COVERAGE_HIGH_RISK = 'CARE_PLAN_COVERAGE_HIGH_RISK',
  REFERRAL_CLOSED_LOOP = 'REFERRAL_CLOSED_LOOP',
  REFERRAL_DAYS_TO_CLOSE = 'REFERRAL_DAYS_TO_CLOSE',
  PARTNER_ACCEPTANCE = 'PARTNER_ACCEPTANCE',
  PATIENT_SATISFACTION = 'PATIENT_SATISFACTION',
}
registerEnumType(KpiKey, { name: 'KpiKey', description: 'A care program KPI with a target (see kpiTargets)' });

/** The LACE tiers, as the patients subgraph names them (0–4 LOW, 5–9 MODERATE, ≥ 10 HIGH). */
export enum RiskTier { LOW = 'LOW', MODERATE = 'MODERATE', HIGH = 'HIGH' }
registerEnumType(RiskTier, { name: 'RiskTier', description: 'LACE risk tier' });

/** Charlson comorbidity categories (Quan 2005), spelled as the patients subgraph spells them. */
export enum CharlsonCategory {
  MYOCARDIAL_INFARCTION = 'MYOCARDIAL_INFARCTION', CONGESTIVE_HEART_FAILURE = 'CONGESTIVE_HEART_FAILURE',
  PERIPHERAL_VASCULAR_DISEASE = 'PERIPHERAL_VASCULAR_DISEASE', CEREBROVASCULAR_DISEASE = 'CEREBROVASCULAR_DISEASE', DEMENTIA = 'DEMENTIA',
  CHRONIC_PULMONARY_DISEASE = 'CHRONIC_PULMONARY_DISEASE', RHEUMATIC_DISEASE = 'RHEUMATIC_DISEASE', PEPTIC_ULCER_DISEASE = 'PEPTIC_ULCER_DISEASE',
  MILD_LIVER_DISEASE = 'MILD_LIVER_DISEASE', DIABETES_WITHOUT_COMPLICATIONS = 'DIABETES_WITHOUT_COMPLICATIONS',
  DIABETES_WITH_COMPLICATIONS = 'DIABETES_WITH_COMPLICATIONS', HEMIPLEGIA_PARAPLEGIA = 'HEMIPLEGIA_PARAPLEGIA', RENAL_DISEASE = 'RENAL_DISEASE',
  MALIGNANCY = 'MALIGNANCY', MODERATE_SEVERE_LIVER_DISEASE = 'MODERATE_SEVERE_LIVER_DISEASE', METASTATIC_SOLID_TUMOR = 'METASTATIC_SOLID_TUMOR',
  AIDS_HIV = 'AIDS_HIV',
}
registerEnumType(CharlsonCategory, { name: 'CharlsonCategory', description: 'Charlson comorbidity category (Quan 2005 ICD-10 mapping)' });

@InputType({ description: 'Which figures: the period and the cohort. Cohort filters use each patient\'s current risk tier, care team and conditions.' })
@Directive(PARTNER)
export class KpiFilter {
  @Field(() => Date, { nullable: true, description: 'Start of the period (inclusive); default: the first day of the month 11 months before `to`' })
  @Directive(PARTNER)
  from?: Date | null;
  @Field(() => Date, { nullable: true, description: 'End of the period (exclusive); default: now' })
  @Directive(PARTNER)
  to?: Date | null;
  @Field(() => RiskTier, { nullable: true }) riskTier?: RiskTier | null;
  @Field(() => ID, { nullable: true, description: 'Patients of this care team' }) careTeamId?: string | null;
  @Field(() => CharlsonCategory, { nullable: true, description: 'Patients with a present condition in this category' })
  conditionCategory?: CharlsonCategory | null;
  @Field(() => ID, { nullable: true, description: "Patients of this practitioner's panel (their active care teams)" })
  practitionerId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Referral figures of this community partner only' }) @Directive(PARTNER) partnerId?: string | null;
}

@ObjectType({ description: 'One KPI over one cohort and period: numerator / denominator against its target' })
@Directive(PARTNER)
export class KpiFigure {
  @Field({ description: 'The KPI key (as in kpiTargets)' }) @Directive(PARTNER) key: string;
  @Field() @Directive(PARTNER) name: string;
  @Field({ description: 'RATIO (value 0..1) or DAYS' }) @Directive(PARTNER) unit: string;
  @Field(() => String, { nullable: true, description: '"2026-11" when the figure is one month of a series' }) @Directive(PARTNER) month: string | null;
  @Field() @Directive(PARTNER) from: Date;
  @Field() @Directive(PARTNER) to: Date;
  @Field(() => Int, { nullable: true }) @Directive(PARTNER) numerator: number | null;
  @Field(() => Int, { nullable: true, description: 'The cohort the figure is measured over' }) @Directive(PARTNER) denominator: number | null;
  @Field(() => Float, { nullable: true }) @Directive(PARTNER) value: number | null;
  @Field(() => Float, { nullable: true }) @Directive(PARTNER) target: number | null;
  @Field({ description: 'LESS_THAN, GREATER_THAN, AT_LEAST or AT_MOST' }) @Directive(PARTNER) comparator: string;
  @Field(() => Boolean, { nullable: true }) @Directive(PARTNER) targetMet: boolean | null;
  @Field({ description: 'True when the cohort is too small to publish (MIN_COHORT_SIZE)' }) @Directive(PARTNER) suppressed: boolean;
  @Field(() => String, { nullable: true }) @Directive(PARTNER) suppressionReason: string | null;
  @Field(() => Int, {
    nullable: true,
    description: 'Not in the figure yet: for READMISSION_30_DAY, index stays whose 30-day window has not closed (HEDIS PCR); null for other KPIs or when under MIN_COHORT_SIZE',
  }) pending: number | null;
}

@ObjectType({ description: 'Mean claims cost per patient of a cohort in the period' })
export class CostFigure {
  @Field(() => Int, { nullable: true }) patients: number | null;
  @Field(() => Float, { nullable: true }) totalCost: number | null;
  @Field(() => Float, { nullable: true }) meanCost: number | null;
  @Field() suppressed: boolean;
  @Field(() => String, { nullable: true }) suppressionReason: string | null;
}

@ObjectType({ description: 'Cost per case: patients with an active care team during the period against the others' })
export class CostPerCase {
  @Field(() => CostFigure) managed: CostFigure;
  @Field(() => CostFigure) notManaged: CostFigure;
}

@ObjectType()
export class RiskTierCount {
  @Field(() => RiskTier, { nullable: true, description: 'null: not scored yet (no inpatient or observation discharge)' }) tier: RiskTier | null;
  @Field(() => Int, { nullable: true }) patients: number | null;
  @Field(() => Float, { nullable: true, description: 'Share of the cohort, 0..1' }) share: number | null;
  @Field() suppressed: boolean;
}

@ObjectType({ description: 'Patients per LACE risk tier at the end of the period' })
export class RiskTierDistribution {
  @Field() asOf: Date;
  @Field(() => Int, { nullable: true }) patients: number | null;
  @Field(() => [RiskTierCount]) tiers: RiskTierCount[];
  @Field() suppressed: boolean;
}

@ObjectType()
export class CcmCodeCount {
  @Field({ description: 'CPT code: 99490, 99439, 99491, 99437, 99487, 99489' }) code: string;
  @Field(() => Int, { nullable: true, description: 'Patient-months that reached the code' }) patientMonths: number | null;
  @Field() suppressed: boolean;
}

@ObjectType()
export class CcmMinutesBucket {
  @Field({ description: '"1-19", "20-39", "40-59", "60-89" or "90+" minutes in the month' }) minutes: string;
  @Field(() => Int, { nullable: true }) patientMonths: number | null;
  @Field() suppressed: boolean;
}

@ObjectType({ description: 'CMS chronic care management: billable codes reached and minutes per patient and calendar month' })
export class CcmReport {
  @Field(() => Int, { nullable: true, description: 'Patient-months with CCM time logged (per patient for a one-month period)' }) patientMonths: number | null;
  @Field(() => [CcmCodeCount]) codes: CcmCodeCount[];
  @Field(() => [CcmMinutesBucket]) minutes: CcmMinutesBucket[];
  @Field() suppressed: boolean;
}

/** What a report is computed over; not part of the schema. */
export interface ReportScope {
  cohort: Cohort;
  /** Only this care team's patients, when set. */
  careTeamId: string | null;
  period: Period;
  month: string | null;
  partnerId: string | null;
  now: Date;
}

@ObjectType({ description: "The care program's KPIs for one cohort and period; `monthly` gives the same per calendar month" })
export class KpiReport {
  @Field() from: Date;
  @Field() to: Date;
  @Field(() => String, { nullable: true }) month: string | null;
  scope: ReportScope;
}

@ObjectType({ description: 'The closed-loop referral figures of one community partner' })
@Directive(PARTNER)
export class PartnerReferralPerformance {
  @Field(() => ID) @Directive(PARTNER) partnerId: string;
  @Field(() => Int, { nullable: true, description: 'Referrals sent (suppressed when few)' }) @Directive(PARTNER) sent: number | null;
  @Field(() => KpiFigure) @Directive(PARTNER) closedLoop: KpiFigure;
  @Field(() => KpiFigure) @Directive(PARTNER) medianDaysToClose: KpiFigure;
  @Field(() => KpiFigure) @Directive(PARTNER) acceptance: KpiFigure;
}

@ObjectType({ description: 'Closed-loop referral figures (Gravity SDOH): overall, per partner, and per month' })
@Directive(PARTNER)
export class ReferralPerformance {
  @Field() @Directive(PARTNER) from: Date;
  @Field() @Directive(PARTNER) to: Date;
  @Field(() => String, { nullable: true }) @Directive(PARTNER) month: string | null;
  scope: ReportScope;
}

@ObjectType({ description: 'How current the figures are: the event log against what the read model has applied' })
export class MetricsFreshness {
  @Field({ description: 'The last position in the event log' }) lastEventPosition: string;
  @Field({ description: 'The last position applied to the read model' }) appliedPosition: string;
  @Field(() => Int, { description: 'Log positions not yet applied (an upper bound on pending events: rolled-back writes leave gaps)' }) positionsBehind: number;
  @Field(() => Float, { description: 'Age of the oldest event not yet applied; 0 when caught up' }) lagSeconds: number;
  @Field(() => Date, { nullable: true, description: 'When the read model last applied an event' }) appliedAt: Date | null;
}

@ObjectType({ description: "A patient's hospital use, from the metrics read model" })
export class PatientUtilization {
  @Field(() => Int, { description: 'Inpatient or observation stays admitted in the last 12 months (direct transfers are one stay)' }) admissions12Months: number;
  @Field(() => Int, { description: 'Emergency department visits in the last 6 months' }) edVisits6Months: number;
  @Field(() => Int, { description: 'Index stays of the last 12 months followed by an unplanned readmission within 30 days (HEDIS PCR)' }) readmissions30Day: number;
  @Field() asOf: Date;
}

/** Entities of other subgraphs, extended here. */
@ObjectType()
@Directive('@key(fields: "id")')
export class Patient {
  @Field(() => ID) id: string;
}

@ObjectType()
@Directive('@key(fields: "id")')
export class CareTeam {
  @Field(() => ID) id: string;
}

@ObjectType()
@Directive('@key(fields: "id")')
export class CommunityPartner {
  @Field(() => ID) id: string;
}

@ObjectType({ description: 'A patient satisfaction survey response (owned by the metrics subgraph)' })
export class SatisfactionSurvey {
  @Field(() => ID) id: string;
  @Field(() => Patient) patient: Patient;
  @Field(() => Int, { description: '1 (very dissatisfied) to 5 (very satisfied); 4 and 5 count as satisfied' }) score: number;
  @Field(() => DateScalar) respondedOn: string;
  @Field(() => String, { nullable: true }) comment: string | null;
  @Field() recordedBy: string;
  @Field() recordedAt: Date;
}
