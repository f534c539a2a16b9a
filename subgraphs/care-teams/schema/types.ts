/**
 * GraphQL types of the care-teams subgraph: FHIR CareTeam, CarePlan, Goal and
 * CarePlan.activity, the practitioner directory, transitional care and CCM time.
 * Enums are the domain's: GraphQL-safe names (ON_HOLD), FHIR codes as values ('on-hold').
 */
import { GraphQLJSON } from 'graphql-scalars';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateScalar } from '../../../shared/date-scalar';
import { Connection } from '../../../shared/pagination';
import {
  ActivityKind, ActivityStatus, CarePlanChangeKind, CarePlanIntent, CarePlanStatus, CareTeamRole, CareTeamStatus,
  GoalAchievementStatus, GoalLifecycleStatus, TcmComplexity, TcmComplexitySource, TcmStepKind, TcmStepStatus,
} from '../domain';

registerEnumType(CareTeamStatus, { name: 'CareTeamStatus', description: 'FHIR CareTeam.status' });
registerEnumType(CarePlanStatus, { name: 'CarePlanStatus', description: 'FHIR CarePlan.status (RequestStatus)' });
registerEnumType(CareTeamRole, { name: 'CareTeamRole' });
registerEnumType(CarePlanIntent, { name: 'CarePlanIntent', description: 'FHIR CarePlan.intent' });
registerEnumType(GoalLifecycleStatus, { name: 'GoalLifecycleStatus', description: 'FHIR Goal.lifecycleStatus' });
registerEnumType(GoalAchievementStatus, { name: 'GoalAchievementStatus', description: 'FHIR Goal.achievementStatus' });
registerEnumType(ActivityStatus, { name: 'CarePlanActivityStatus', description: 'FHIR CarePlan.activity.detail.status' });
registerEnumType(ActivityKind, { name: 'CarePlanActivityKind' });
registerEnumType(CarePlanChangeKind, { name: 'CarePlanChangeKind' });
registerEnumType(TcmStepKind, { name: 'TransitionalCareStepKind', description: 'The CMS TCM steps' });
registerEnumType(TcmStepStatus, { name: 'TransitionalCareStepStatus', description: 'MET by the deadline, MISSED after it, else PENDING' });
registerEnumType(TcmComplexity, { name: 'TransitionalCareComplexity', description: 'MODERATE (99495, visit within 14 days) or HIGH (99496, within 7)' });
registerEnumType(TcmComplexitySource, { name: 'TransitionalCareComplexitySource', description: "Whose call a complexity is: the risk tier's suggestion or the practitioner's decision-making" });

/** LACE risk tier, as the patients subgraph computes it (same name and values there). */
export enum RiskTier { LOW = 'LOW', MODERATE = 'MODERATE', HIGH = 'HIGH' }
registerEnumType(RiskTier, { name: 'RiskTier', description: 'LACE readmission risk tier' });

export enum WorklistItemKind { CARE_PLAN_ACTIVITY = 'CARE_PLAN_ACTIVITY', TRANSITIONAL_CARE_STEP = 'TRANSITIONAL_CARE_STEP' }
registerEnumType(WorklistItemKind, { name: 'WorklistItemKind' });

/** The patients subgraph's entity, extended here with the patient's teams, plans, TCM and CCM. */
@ObjectType()
@Directive('@key(fields: "id")')
export class Patient {
  @Field(() => ID) id: string;
}

@ObjectType()
export class PractitionerContact {
  @Field(() => String, { nullable: true }) phone: string | null;
  @Field(() => String, { nullable: true }) email: string | null;
}

@ObjectType({ description: 'A member of the care program staff (FHIR Practitioner); id is their token subject' })
@Directive('@key(fields: "id")')
export class Practitioner {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => String, { nullable: true, description: 'e.g. "Registered nurse case manager"' }) discipline: string | null;
  @Field(() => PractitionerContact) contact: PractitionerContact;
}

@ObjectType({ description: 'A practitioner on a care team for a period (FHIR CareTeam.participant)' })
export class CareTeamMember {
  @Field(() => ID, { description: 'The membership id' }) id: string;
  @Field(() => ID, { description: "The practitioner's identity (token subject)" }) practitionerId: string;
  @Field(() => Practitioner, { nullable: true, description: 'From the directory, when listed there' }) practitioner?: Practitioner | null;
  @Field(() => CareTeamRole) role: string;
  @Field() periodStart: Date;
  @Field(() => Date, { nullable: true }) periodEnd: Date | null;
  @Field({ description: 'True while the membership has not ended' }) active: boolean;
}

/** CareTeam.members pages (shared/pagination.ts keyset cursors). */
export const CareTeamMemberConnection = Connection(CareTeamMember, 'CareTeamMember');

@ObjectType({ description: 'The multidisciplinary team caring for one patient (FHIR CareTeam)' })
@Directive('@key(fields: "id")')
export class CareTeam {
  @Field(() => ID) id: string;
  @Field(() => Patient) patient: Patient;
  @Field() name: string;
  @Field(() => CareTeamStatus) status: string;
  @Field(() => CareTeamMemberConnection, { description: 'All memberships, past and present, paged' }) members: InstanceType<typeof CareTeamMemberConnection>;
}

@ObjectType({ description: 'A problem the plan addresses: a patient condition by reference, or free text (FHIR CarePlan.addresses)' })
export class CarePlanProblem {
  @Field(() => ID, { nullable: true, description: "A Condition id in the patients subgraph" }) conditionId: string | null;
  @Field(() => String, { nullable: true }) text: string | null;
}

@ObjectType({ description: 'A care plan made with the patient and family (FHIR CarePlan)' })
@Directive('@key(fields: "id")')
export class CarePlan {
  @Field(() => ID) id: string;
  @Field(() => Patient) patient: Patient;
  @Field(() => ID) careTeamId: string;
  @Field() title: string;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => CarePlanStatus) status: string;
  @Field(() => CarePlanIntent) intent: string;
  @Field(() => Date, { nullable: true }) periodStart: Date | null;
  @Field(() => Date, { nullable: true }) periodEnd: Date | null;
  @Field(() => [CarePlanProblem]) addresses: CarePlanProblem[];
  @Field(() => [String], { description: "What matters most to the patient, in their words" }) patientPriorities: string[];
  @Field(() => Int, { description: 'Incremented by every change to the plan, its goals or activities; send it back as expectedVersion' }) version: number;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@ObjectType({ description: 'What the goal is measured by (FHIR Goal.target)' })
export class GoalTarget {
  @Field(() => String, { nullable: true }) measure: string | null;
  @Field(() => String, { nullable: true }) value: string | null;
  @Field(() => DateScalar, { nullable: true }) dueDate: string | null;
}

@ObjectType({ description: 'A goal of a care plan (FHIR Goal)' })
export class Goal {
  @Field(() => ID) id: string;
  @Field(() => ID) carePlanId: string;
  @Field() description: string;
  @Field(() => GoalLifecycleStatus) lifecycleStatus: string;
  @Field(() => GoalAchievementStatus, { nullable: true }) achievementStatus: string | null;
  @Field(() => GoalTarget, { nullable: true }) target: GoalTarget | null;
  @Field(() => ID, { nullable: true }) ownerPractitionerId: string | null;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@ObjectType({ description: 'An activity of a care plan (FHIR CarePlan.activity.detail), assigned to a member or to a role' })
export class CarePlanActivity {
  @Field(() => ID) id: string;
  @Field(() => ID) carePlanId: string;
  @Field(() => ActivityKind) kind: string;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => ActivityStatus) status: string;
  @Field(() => ID, { nullable: true, description: 'Assigned to this practitioner…' }) assigneePractitionerId: string | null;
  @Field(() => CareTeamRole, { nullable: true, description: '…or to whoever holds this role on the team' }) assigneeRole: string | null;
  @Field(() => Date, { nullable: true }) dueAt: Date | null;
  @Field(() => Date, { nullable: true }) completedAt: Date | null;
  @Field(() => String, { nullable: true }) outcome: string | null;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}

@ObjectType({ description: 'One changed field of a revision' })
export class CarePlanFieldChange {
  @Field({ description: 'e.g. "status" or "goals[<id>].lifecycleStatus"' }) field: string;
  @Field(() => GraphQLJSON, { nullable: true }) before: unknown;
  @Field(() => GraphQLJSON, { nullable: true }) after: unknown;
}

@ObjectType({ description: 'One version of a care plan: who changed what, and when' })
@Directive('@key(fields: "carePlanId version")')
export class CarePlanRevision {
  @Field(() => ID) carePlanId: string;
  @Field(() => Int) version: number;
  @Field(() => ID, { description: 'The token subject of who made the change' }) actor: string;
  @Field() at: Date;
  @Field(() => CarePlanChangeKind) changeKind: string;
  @Field(() => [CarePlanFieldChange]) changes: CarePlanFieldChange[];
}

/** CarePlan.history pages (shared/pagination.ts keyset cursors). */
export const CarePlanRevisionConnection = Connection(CarePlanRevision, 'CarePlanRevision');

@ObjectType({ description: 'A CMS TCM step with its deadline' })
export class TransitionalCareStep {
  @Field(() => ID) id: string;
  @Field(() => TcmStepKind) kind: string;
  @Field() dueAt: Date;
  @Field(() => Date, { nullable: true }) completedAt: Date | null;
  @Field(() => ID, { nullable: true }) completedBy: string | null;
  @Field(() => String, { nullable: true }) note: string | null;
  @Field(() => TcmStepStatus) status: string;
}

@ObjectType({ description: 'The 30-day CMS Transitional Care Management period after a qualifying discharge' })
export class TransitionalCareEpisode {
  @Field(() => ID) id: string;
  @Field(() => Patient) patient: Patient;
  @Field(() => ID) careTeamId: string;
  @Field(() => ID, { description: 'The discharge encounter in the patients subgraph' }) encounterId: string;
  @Field() encounterKind: string;
  @Field(() => Date, { nullable: true }) admittedAt: Date | null;
  @Field() dischargedAt: Date;
  @Field() disposition: string;
  @Field(() => RiskTier, { nullable: true, description: 'LACE tier at discharge' }) laceTier: string | null;
  @Field(() => TcmComplexity, { description: "The practitioner's recorded decision-making, else the risk tier's suggestion (see complexitySource)" }) complexity: string;
  @Field({ description: '99495 or 99496, from complexity' }) billingCode: string;
  @Field() periodEnd: Date;
  @Field() openedAt: Date;
  @Field(() => [TransitionalCareStep]) steps: TransitionalCareStep[];
  @Field(() => TcmComplexity, { description: "The risk tier's default, a suggestion only (HIGH tier → HIGH)" }) suggestedComplexity: string;
  @Field(() => TcmComplexity, { nullable: true, description: "The billing practitioner's medical decision-making, once recorded" }) decisionMaking: string | null;
  @Field(() => ID, { nullable: true }) decisionMakingBy: string | null;
  @Field(() => Date, { nullable: true }) decisionMakingAt: Date | null;
}

@ObjectType({ description: 'A discharge inside an open TCM period: linked to the episode, not a second billable TCM (CMS TCM FAQs)' })
export class TransitionalCareReadmission {
  @Field(() => ID) id: string;
  @Field(() => ID, { description: 'The discharge encounter in the patients subgraph' }) encounterId: string;
  @Field() encounterKind: string;
  @Field(() => Date, { nullable: true }) admittedAt: Date | null;
  @Field() dischargedAt: Date;
  @Field() disposition: string;
  @Field() linkedAt: Date;
}

@ObjectType({ description: 'Minutes of chronic care management' })
export class CcmTimeEntry {
  @Field(() => ID) id: string;
  @Field(() => Patient) patient: Patient;
  @Field(() => ID, { description: 'Who spent the time' }) practitionerId: string;
  @Field({ description: 'Spent personally by a physician on the team (counts toward 99491)' }) byPhysician: boolean;
  @Field({ description: 'What was done' }) activity: string;
  @Field(() => Int) minutes: number;
  @Field(() => DateScalar) performedOn: string;
  @Field(() => String, { nullable: true }) note: string | null;
  @Field(() => ID) loggedBy: string;
  @Field() loggedAt: Date;
}

@ObjectType({ description: 'A CPT code a CCM month reaches' })
export class CcmCode {
  @Field() code: string;
  @Field(() => Int) units: number;
  @Field() description: string;
}

@ObjectType({ description: "One calendar month of a patient's CCM time and what it bills" })
export class CcmMonth {
  @Field({ description: 'YYYY-MM' }) month: string;
  @Field(() => Int) totalMinutes: number;
  @Field(() => Int) clinicalStaffMinutes: number;
  @Field(() => Int) physicianMinutes: number;
  @Field({ description: 'From the patients subgraph (current)' }) consentActive: boolean;
  @Field(() => Int, { description: 'From the patients subgraph (current)' }) chronicConditionCount: number;
  @Field({ description: 'A care plan was established or substantially revised this month (99487)' }) carePlanEstablishedOrRevised: boolean;
  @Field(() => TcmComplexity, { nullable: true, description: "The billing practitioner's recorded decision-making for the month (99487 needs MODERATE or HIGH)" }) decisionMaking: string | null;
  @Field(() => ID, { nullable: true }) decisionMakingBy: string | null;
  @Field(() => TcmComplexity, { nullable: true, description: "The risk tier's suggestion (HIGH or MODERATE tier), only a suggestion" }) suggestedDecisionMaking: string | null;
  @Field() billable: boolean;
  @Field(() => String, { nullable: true }) notBillableReason: string | null;
  @Field(() => [CcmCode]) codes: CcmCode[];
  @Field(() => [CcmTimeEntry]) entries: object[];
}

@ObjectType({ description: "An item on a member's worklist: an open activity or a transitional care step" })
export class WorklistItem {
  @Field(() => WorklistItemKind) kind: WorklistItemKind;
  @Field(() => Patient) patient: Patient;
  @Field(() => ID) careTeamId: string;
  @Field(() => Date, { nullable: true }) dueAt: Date | null;
  @Field() overdue: boolean;
  @Field(() => RiskTier, { nullable: true }) riskTier: string | null;
  @Field(() => CarePlanActivity, { nullable: true }) activity?: CarePlanActivity | null;
  @Field(() => CarePlan, { nullable: true }) carePlan?: CarePlan | null;
  @Field(() => TransitionalCareStep, { nullable: true }) transitionalCareStep?: TransitionalCareStep | null;
  @Field(() => TransitionalCareEpisode, { nullable: true }) transitionalCareEpisode?: TransitionalCareEpisode | null;
}
