/** Social needs (SDOH) found by screening; community-partners refers them (Referral.socialNeed). */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, Resolver, Root } from 'type-graphql';
import { PatientData } from '../../../shared/access-policy';
import type { SubgraphContext } from '../../../shared/subgraph';
import { SocialNeedCategory } from '../../../shared/vocabulary';
import { SocialNeedRecord, type PatientRecord } from '../data/entities';
import { changePatient, changePatientRecord, type PatientEvent } from '../data/patient-change';
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
  @Field(() => String, { nullable: true, description: 'ISO date of the screening (default today)' }) screenedAt?: string | null;
  // No SDL default: buildSubgraphSchema would coerce it to the enum name ('IDENTIFIED'), not the stored code.
  @Field(() => SocialNeedStatus, { nullable: true, description: 'Default IDENTIFIED' }) status?: SocialNeedStatus | null;
}

const socialNeedEvent = (type: string, n: SocialNeedRecord, extra: Record<string, unknown> = {}): PatientEvent => ({
  type, aggregateType: 'SocialNeed', aggregateId: n.id,
  payload: { socialNeedId: n.id, category: n.category, status: n.status, instrument: n.instrument, screenedAt: n.screenedAt, ...extra },
});

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
  async updateSocialNeedStatus(
    @Arg('id', () => ID) id: string,
    @Arg('status', () => SocialNeedStatus) status: SocialNeedStatus,
    @Ctx() ctx: SubgraphContext,
  ): Promise<SocialNeedRecord> {
    return changePatientRecord(ctx, SocialNeedRecord, 'SocialNeed', id, { affectsSummary: false, data: PatientData.SOCIAL_NEEDS }, async ({ m, emit }, need) => {
      if (need.status === status) return need;
      const previousStatus = need.status;
      const saved = await m.save(Object.assign(need, { status }));
      emit(socialNeedEvent('SocialNeedStatusChanged', saved, { previousStatus }));
      return saved;
    });
  }

  @FieldResolver(() => Patient)
  patient(@Root() n: SocialNeedRecord, @Ctx() ctx: SubgraphContext): Promise<PatientRecord | null> {
    return readablePatient(ctx, n.patientId);
  }
}
