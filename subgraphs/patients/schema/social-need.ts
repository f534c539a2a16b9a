/** Social needs (SDOH) found by screening; community-partners refers them (Referral.socialNeed). */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { PatientData } from '../../../shared/access-policy';
import { DateScalar } from '../../../shared/date-scalar';
import type { SubgraphContext } from '../../../shared/subgraph';
import { SocialNeedCategory } from '../../../shared/vocabulary';
import { SocialNeedRecord, type PatientRecord } from '../data/entities';
import { changePatient, changePatientRecord } from '../data/patient-change';
import type { AssessmentResponseRecord, SocialNeedOutcomeRecord } from '../data/assessment-entities';
import { evidenceOfNeed, outcomesOfNeed, responseById } from './daily-work-loaders';
import { AssessmentResponse } from './assessment';
import { socialNeedEvent } from '../data/social-need-events';
import { assertNotAfterToday, optionalIsoDate, utcDay } from '../domain/dates';
import { optionalText } from '../domain/patient-rules';
import { SocialNeedStatus } from './enums';
import { readablePatient } from './loaders';
import { Patient, SocialNeed } from './types';

@InputType()
class RecordSocialNeedInput {
  @Field(() => ID) patientId: string;
  @Field(() => SocialNeedCategory) category: SocialNeedCategory;
  @Field(() => String, { nullable: true, description: 'Screening instrument, e.g. "AHC HRSN", "PRAPARE"' }) instrument?: string | null;
  @Field(() => DateScalar, { nullable: true, description: 'The day of the screening (default today)' }) screenedAt?: string | null;
  // No SDL default: buildSubgraphSchema would coerce it to the enum name ('IDENTIFIED'), not the stored code.
  @Field(() => SocialNeedStatus, { nullable: true, description: 'Default IDENTIFIED' }) status?: SocialNeedStatus | null;
}

@InputType()
class UpdateSocialNeedStatusInput {
  @Field(() => ID) id: string;
  @Field(() => SocialNeedStatus) status: SocialNeedStatus;
}

@ObjectType({ description: 'A screening that found, confirmed or rescreened a social need (Condition.evidence, Gravity SDOH)' })
class SocialNeedEvidence {
  @Field(() => AssessmentResponse, { nullable: true }) response: AssessmentResponseRecord | null;
  @Field({ description: 'The screening domain, e.g. FOOD_INSECURITY' }) domain: string;
  @Field({ description: 'False for a negative rescreen while the need was open' }) positive: boolean;
  @Field() recordedAt: Date;
}

@ObjectType({ description: 'What a completed referral said of this need (the closed loop)' })
class SocialNeedReferralOutcome {
  @Field(() => ID) referralId: string;
  @Field({ description: 'True: the need was met and resolved; false: it remains, for `reason`' }) needMet: boolean;
  @Field(() => String, { nullable: true }) reason: string | null;
  @Field(() => String, { nullable: true, description: "The partner's outcome text" }) outcomeText: string | null;
  @Field() recordedAt: Date;
}

@Resolver(() => SocialNeed)
export class SocialNeedResolver {
  @Mutation(() => SocialNeed, { description: 'Records a social need found by screening' })
  async recordSocialNeed(@Arg('input') input: RecordSocialNeedInput, @Ctx() ctx: SubgraphContext): Promise<SocialNeedRecord> {
    const today = utcDay(new Date());
    const screenedAt = optionalIsoDate(input.screenedAt, 'screenedAt') ?? today;
    assertNotAfterToday(screenedAt, today, 'screenedAt');
    return changePatient(ctx, input.patientId, { affectsSummary: false, data: PatientData.SOCIAL_NEEDS }, async ({ m, patient, emit }) => {
      const saved = await m.save(m.create(SocialNeedRecord, {
        patientId: patient.id, category: input.category, instrument: optionalText(input.instrument), screenedAt, status: input.status ?? SocialNeedStatus.IDENTIFIED,
        recordedBy: ctx.principal.sub,
      }));
      emit(socialNeedEvent('SocialNeedRecorded', saved));
      return saved;
    });
  }

  @Mutation(() => SocialNeed, { description: 'Moves a social need to another status (identified, addressed, resolved, declined)' })
  async updateSocialNeedStatus(@Arg('input') input: UpdateSocialNeedStatusInput, @Ctx() ctx: SubgraphContext): Promise<SocialNeedRecord> {
    const { id, status } = input;
    return changePatientRecord(ctx, SocialNeedRecord, 'SocialNeed', id, { affectsSummary: false, data: PatientData.SOCIAL_NEEDS }, async ({ m, emit }, need) => {
      if (need.status === status) return need;
      const previousStatus = need.status;
      const saved = await m.save(Object.assign(need, { status }));
      emit(socialNeedEvent('SocialNeedStatusChanged', saved, { previousStatus }));
      return saved;
    });
  }

  @FieldResolver(() => [SocialNeedEvidence], { description: 'The screenings behind this need, oldest first; the last negative one says a rescreen no longer finds it' })
  async evidence(@Root() n: SocialNeedRecord, @Ctx() ctx: SubgraphContext): Promise<SocialNeedEvidence[]> {
    // Reached from a readable SocialNeed, whose screenings are the same kind of record (SOCIAL_NEEDS).
    const rows = await evidenceOfNeed(ctx).load(n.id);
    const responses = await Promise.all(rows.map((e) => responseById(ctx).load(e.responseId)));
    return rows.map((e, i) => ({ response: responses[i], domain: e.domain, positive: e.positive, recordedAt: e.createdAt }));
  }

  @FieldResolver(() => [SocialNeedReferralOutcome], { description: 'Outcomes of completed referrals for this need, oldest first' })
  referralOutcomes(@Root() n: SocialNeedRecord, @Ctx() ctx: SubgraphContext): Promise<SocialNeedOutcomeRecord[]> {
    return outcomesOfNeed(ctx).load(n.id);
  }

  @FieldResolver(() => Patient)
  patient(@Root() n: SocialNeedRecord, @Ctx() ctx: SubgraphContext): Promise<PatientRecord | null> {
    return readablePatient(ctx, n.patientId);
  }
}
