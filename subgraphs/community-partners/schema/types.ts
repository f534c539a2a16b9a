/** GraphQL types of the community-partners subgraph. */
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { SocialNeedCategory } from '../../../shared/vocabulary';

@ObjectType()
@Directive('@key(fields: "id")')
export class Patient {
  @Field(() => ID) id: string;
}

@ObjectType()
export class PartnerContact {
  @Field() name: string;
  @Field(() => String, { nullable: true }) role?: string | null;
  @Field(() => String, { nullable: true }) phone?: string | null;
  @Field(() => String, { nullable: true }) email?: string | null;
}

@ObjectType({ description: 'A community organization that meets social needs (food, housing, transport, ...)' })
@Directive('@key(fields: "id")')
export class CommunityPartner {
  @Field(() => ID) id: string;
  @Field() name: string;
  @Field(() => String, { nullable: true }) description: string | null;
  @Field(() => [SocialNeedCategory], { description: 'Social need categories it serves' }) categories: string[];
  @Field(() => String, { nullable: true }) eligibilityNotes: string | null;
  @Field(() => [String], { description: 'Postal codes served' }) serviceArea: string[];
  @Field(() => [String]) languages: string[];
  @Field(() => String, { nullable: true }) hours: string | null;
  @Field() acceptingReferrals: boolean;
  @Field(() => Int, { nullable: true }) capacity: number | null;
  @Field(() => [PartnerContact]) contacts: PartnerContact[];
}

@ObjectType({ description: 'A closed-loop social care referral (Gravity ServiceRequest + Task)' })
@Directive('@key(fields: "id")')
export class Referral {
  @Field(() => ID) id: string;
  @Field(() => Patient) patient: Patient;
  @Field(() => CommunityPartner) partner: CommunityPartner;
  @Field(() => SocialNeedCategory) category: string;
  @Field() priority: string;
  @Field(() => String, { nullable: true }) note: string | null;
  @Field() status: string;
  @Field(() => String, { nullable: true }) statusReason: string | null;
  @Field() requestedBy: string;
  @Field() createdAt: Date;
  @Field() updatedAt: Date;
}
