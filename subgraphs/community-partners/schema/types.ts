/**
 * GraphQL types of the community-partners subgraph.
 *
 * `@tag(name: "partner")` marks what the partner contract (/partner/graphql,
 * gateway/partner-contract.ts) exposes: HIPAA minimum necessary. Untagged fields
 * are invisible to partners; tag nothing a community organization does not need.
 */
import { Directive, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../../shared/pagination';
import { SocialNeedCategory } from '../../../shared/vocabulary';
import { ReferralPriority } from '../domain/referral-request';
import { ReferralActor, ReferralStatus } from '../domain/referral-status';

/** The partner contract's tag (gateway/partner-contract.ts PARTNER_TAG). */
export const PARTNER = '@tag(name: "partner")';

registerEnumType(ReferralStatus, { name: 'ReferralStatus', description: 'Gravity referral Task.status (FHIR codes: IN_PROGRESS = in-progress)' });
registerEnumType(ReferralPriority, { name: 'ReferralPriority', description: 'FHIR RequestPriority' });
registerEnumType(ReferralActor, { name: 'ReferralActorSide', description: 'Which side of the closed loop made a change' });

@ObjectType()
@Directive('@key(fields: "id")')
export class Patient {
  @Directive(PARTNER) @Field(() => ID) id: string;
}

/** Owned by the patients subgraph; a referral only points at it. */
@ObjectType()
@Directive('@key(fields: "id")')
export class SocialNeed {
  @Field(() => ID) id: string;
}

@ObjectType()
export class PartnerContact {
  @Directive(PARTNER) @Field() name: string;
  @Directive(PARTNER) @Field(() => String, { nullable: true }) role?: string | null;
  @Directive(PARTNER) @Field(() => String, { nullable: true }) phone?: string | null;
  @Directive(PARTNER) @Field(() => String, { nullable: true }) email?: string | null;
}

@ObjectType({ description: 'A community organization that meets social needs (food, housing, transport, ...)' })
@Directive('@key(fields: "id")')
export class CommunityPartner {
  @Directive(PARTNER) @Field(() => ID) id: string;
  @Directive(PARTNER) @Field() name: string;
  @Directive(PARTNER) @Field(() => String, { nullable: true }) description: string | null;
  @Directive(PARTNER) @Field(() => [SocialNeedCategory], { description: 'Social need categories it serves' }) categories: string[];
  @Directive(PARTNER) @Field(() => String, { nullable: true }) eligibilityNotes: string | null;
  @Directive(PARTNER) @Field(() => [String], { description: 'Postal codes served' }) serviceArea: string[];
  @Directive(PARTNER) @Field(() => [String], { description: 'ISO 639 language codes' }) languages: string[];
  @Directive(PARTNER) @Field(() => String, { nullable: true }) hours: string | null;
  @Directive(PARTNER) @Field({ description: 'Whether it accepts new referrals now' }) acceptingReferrals: boolean;
  @Directive(PARTNER) @Field(() => Int, { nullable: true, description: 'Open slots it reports' }) capacity: number | null;
  @Directive(PARTNER) @Field(() => [PartnerContact]) contacts: PartnerContact[];
  @Field(() => Float, {
    nullable: true,
    description: 'In a partners(postalCode) search: 0 when the postal code is in the service area, else a ZIP-distance ranking hint (not miles); null elsewhere',
  })
  distance?: number | null;
}

@ObjectType({ description: 'A service delivered, as a FHIR Coding' })
export class ServiceCoding {
  @Directive(PARTNER) @Field(() => String, { nullable: true, description: 'Code system URI' }) system: string | null;
  @Directive(PARTNER) @Field() code: string;
  @Directive(PARTNER) @Field(() => String, { nullable: true }) display: string | null;
}

@ObjectType({ description: 'What the partner did (Gravity: Task.output), in words and codes' })
export class ReferralOutcome {
  @Directive(PARTNER) @Field() text: string;
  @Directive(PARTNER) @Field(() => [ServiceCoding]) services: ServiceCoding[];
}

@ObjectType({ description: 'One status change of a referral' })
export class ReferralStatusChange {
  @Directive(PARTNER) @Field(() => ReferralStatus) status: ReferralStatus;
  @Directive(PARTNER) @Field(() => ReferralStatus, { nullable: true }) previousStatus: ReferralStatus | null;
  @Directive(PARTNER) @Field(() => String, { nullable: true }) reason: string | null;
  @Directive(PARTNER) @Field(() => ReferralActor) actorSide: ReferralActor;
  @Field({ description: 'Who made the change (token subject)' }) actor: string;
  @Directive(PARTNER) @Field() changedAt: Date;
}

/** Referral.history pages (partner-tagged: partners read the history of their referrals). */
export const ReferralStatusChangeConnection = Connection(ReferralStatusChange, 'ReferralStatusChange', { fieldDirectives: [PARTNER] });

@ObjectType({ description: 'A closed-loop social care referral (Gravity ServiceRequest + Task)' })
@Directive('@key(fields: "id")')
export class Referral {
  @Directive(PARTNER) @Field(() => ID) id: string;
  @Directive(PARTNER) @Field(() => Patient) patient: Patient;
  @Field(() => SocialNeed, { nullable: true, description: 'The social need it addresses (patients subgraph)' }) socialNeed?: SocialNeed | null;
  @Directive(PARTNER) @Field(() => CommunityPartner) partner: CommunityPartner;
  @Directive(PARTNER) @Field(() => SocialNeedCategory) category: string;
  @Directive(PARTNER) @Field(() => ReferralPriority) priority: string;
  @Directive(PARTNER) @Field(() => String, { nullable: true }) note: string | null;
  @Directive(PARTNER) @Field(() => ReferralStatus) status: string;
  @Directive(PARTNER) @Field(() => String, { nullable: true, description: 'Why the latest status was set (Task.statusReason)' }) statusReason: string | null;
  @Directive(PARTNER) @Field(() => ReferralOutcome, { nullable: true, description: 'Set when completed' }) outcome?: ReferralOutcome | null;
  @Field({ description: 'Practitioner (token subject) who made the referral' }) requestedBy: string;
  @Field(() => String, { nullable: true }) requestedByName: string | null;
  @Field({ description: 'When drafted (or sent, when sent directly)' }) createdAt: Date;
  @Directive(PARTNER) @Field(() => Date, { nullable: true, description: 'Last time it entered each status' }) requestedAt: Date | null;
  @Directive(PARTNER) @Field(() => Date, { nullable: true }) acceptedAt: Date | null;
  @Directive(PARTNER) @Field(() => Date, { nullable: true }) rejectedAt: Date | null;
  @Directive(PARTNER) @Field(() => Date, { nullable: true }) inProgressAt: Date | null;
  @Directive(PARTNER) @Field(() => Date, { nullable: true }) onHoldAt: Date | null;
  @Directive(PARTNER) @Field(() => Date, { nullable: true }) failedAt: Date | null;
  @Directive(PARTNER) @Field(() => Date, { nullable: true }) completedAt: Date | null;
  @Directive(PARTNER) @Field(() => Date, { nullable: true }) cancelledAt: Date | null;
  @Directive(PARTNER) @Field(() => Date, { nullable: true }) enteredInErrorAt: Date | null;
  @Directive(PARTNER) @Field() updatedAt: Date;
  @Directive(PARTNER) @Field(() => ReferralStatusChangeConnection, { description: 'Status changes, oldest first, paged' }) history?: InstanceType<typeof ReferralStatusChangeConnection>;
}

/** Patient.referrals and myReferrals pages (partner-tagged for myReferrals; Patient.referrals itself is not in the contract). */
export const ReferralConnection = Connection(Referral, 'Referral', { fieldDirectives: [PARTNER] });

@InputType({ description: 'A service delivered, as a FHIR Coding' })
export class ServiceCodingInput {
  @Directive(PARTNER) @Field(() => String, { nullable: true }) system?: string | null;
  @Directive(PARTNER) @Field() code: string;
  @Directive(PARTNER) @Field(() => String, { nullable: true }) display?: string | null;
}

@InputType()
export class ReferralOutcomeInput {
  @Directive(PARTNER) @Field({ description: 'What was done, in words' }) text: string;
  @Directive(PARTNER) @Field(() => [ServiceCodingInput], { nullable: true }) services?: ServiceCodingInput[] | null;
}

@InputType()
export class CreateReferralInput {
  @Field(() => ID) patientId: string;
  @Field(() => ID) partnerId: string;
  @Field(() => ID, { nullable: true, description: 'The social need it addresses; its category is the default' }) socialNeedId?: string | null;
  @Field(() => SocialNeedCategory, { nullable: true, description: 'Required without socialNeedId' }) category?: SocialNeedCategory | null;
  // No schema default: the federated build re-parses the SDL, and an enum default would come back as its name ("ROUTINE"), not its value.
  @Field(() => ReferralPriority, { nullable: true, description: 'ROUTINE when not given' }) priority?: ReferralPriority | null;
  @Field(() => String, { nullable: true }) note?: string | null;
  @Field({ defaultValue: false, description: 'Send now (requested) instead of keeping a draft; needs active consent' }) send: boolean;
}

/*
 * One input object per status change (issue 15). Partner-side inputs tag every
 * field (and the mutation tags its `input` argument) so /partner/graphql keeps them.
 */
@InputType()
export class SendReferralInput {
  @Field(() => ID) id: string;
}

@InputType()
export class MarkReferralEnteredInErrorInput {
  @Field(() => ID) id: string;
  @Field({ description: 'Why it was made by mistake' }) reason: string;
}

@InputType()
export class CancelReferralInput {
  @Directive(PARTNER) @Field(() => ID) id: string;
  @Directive(PARTNER) @Field() reason: string;
}

@InputType()
export class AcceptReferralInput {
  @Directive(PARTNER) @Field(() => ID) id: string;
}

@InputType()
export class RejectReferralInput {
  @Directive(PARTNER) @Field(() => ID) id: string;
  @Directive(PARTNER) @Field() reason: string;
}

@InputType()
export class StartReferralInput {
  @Directive(PARTNER) @Field(() => ID) id: string;
}

@InputType()
export class HoldReferralInput {
  @Directive(PARTNER) @Field(() => ID) id: string;
  @Directive(PARTNER) @Field(() => String, { nullable: true }) reason?: string | null;
}

@InputType()
export class ResumeReferralInput {
  @Directive(PARTNER) @Field(() => ID) id: string;
}

@InputType()
export class FailReferralInput {
  @Directive(PARTNER) @Field(() => ID) id: string;
  @Directive(PARTNER) @Field() reason: string;
}

@InputType()
export class CompleteReferralInput {
  @Directive(PARTNER) @Field(() => ID) id: string;
  @Directive(PARTNER) @Field(() => ReferralOutcomeInput) outcome: ReferralOutcomeInput;
  @Directive(PARTNER) @Field(() => String, { nullable: true, description: 'Why the social need remains after the service (it stays open); leave out when the need is met (it is resolved)' })
  needRemains?: string | null;
}
