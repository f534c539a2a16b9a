/** GraphQL types of the care-teams subgraph, FHIR CareTeam and CarePlan. */
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum CareTeamStatusCode { PROPOSED = 'proposed', ACTIVE = 'active', SUSPENDED = 'suspended', INACTIVE = 'inactive', ENTERED_IN_ERROR = 'entered-in-error' }
registerEnumType(CareTeamStatusCode, { name: 'CareTeamStatus', description: 'FHIR CareTeam.status' });

export enum CarePlanStatusCode { DRAFT = 'draft', ACTIVE = 'active', ON_HOLD = 'on-hold', REVOKED = 'revoked', COMPLETED = 'completed', ENTERED_IN_ERROR = 'entered-in-error' }
registerEnumType(CarePlanStatusCode, { name: 'CarePlanStatus', description: 'FHIR CarePlan.status (RequestStatus)' });

export enum CareTeamRoleCode {
  CARE_COORDINATOR = 'CARE_COORDINATOR', NURSE_CASE_MANAGER = 'NURSE_CASE_MANAGER', PRIMARY_CARE_PHYSICIAN = 'PRIMARY_CARE_PHYSICIAN',
  SPECIALIST = 'SPECIALIST', SOCIAL_WORKER = 'SOCIAL_WORKER', PHARMACIST = 'PHARMACIST', DIETITIAN = 'DIETITIAN',
  COMMUNITY_HEALTH_WORKER = 'COMMUNITY_HEALTH_WORKER', BEHAVIORAL_HEALTH = 'BEHAVIORAL_HEALTH', PHYSICAL_THERAPIST = 'PHYSICAL_THERAPIST',
}
registerEnumType(CareTeamRoleCode, { name: 'CareTeamRole' });

/** The patients subgraph's entity, extended here with the patient's teams and plans. */
@ObjectType()
@Directive('@key(fields: "id")')
export class Patient {
  @Field(() => ID) id: string;
}

@ObjectType({ description: 'A practitioner on a care team for a period (FHIR CareTeam.participant)' })
export class CareTeamMember {
  @Field(() => ID) id: string;
  @Field(() => ID, { description: "The practitioner's identity (token subject)" }) practitionerId: string;
  @Field(() => CareTeamRoleCode) role: string;
  @Field() periodStart: Date;
  @Field(() => Date, { nullable: true }) periodEnd: Date | null;
  @Field({ description: 'True while the membership has not ended' }) active: boolean;
}

@ObjectType({ description: 'The multidisciplinary team caring for one patient (FHIR CareTeam)' })
@Directive('@key(fields: "id")')
export class CareTeam {
  @Field(() => ID) id: string;
  @Field(() => Patient) patient: Patient;
  @Field() name: string;
  @Field(() => CareTeamStatusCode) status: string;
  @Field(() => [CareTeamMember]) members: CareTeamMember[];
}

@ObjectType({ description: 'A care plan made with the patient and family (FHIR CarePlan)' })
@Directive('@key(fields: "id")')
export class CarePlan {
  @Field(() => ID) id: string;
  @Field(() => Patient) patient: Patient;
  @Field(() => ID) careTeamId: string;
  @Field() title: string;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => CarePlanStatusCode) status: string;
  @Field() intent: string;
  @Field(() => Date, { nullable: true }) periodStart: Date | null;
  @Field(() => Date, { nullable: true }) periodEnd: Date | null;
  @Field(() => Int, { description: 'Incremented by every change; send it back as expectedVersion' }) version: number;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}
