/**
 * What the metrics subgraph adds to other subgraphs' entities and owns about
 * patients: `Patient.utilization`, `CareTeam.performance`, `PartnerReferralPerformance.partner`,
 * and satisfaction surveys (`recordSatisfactionSurvey`).
 */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Resolver, Root } from 'type-graphql';
import { notFound } from '../../../shared/errors';
import { recordEvent } from '../../../shared/events';
import { isUuid } from '../../../shared/federation';
import { DateScalar } from '../../../shared/date-scalar';
import type { SubgraphContext } from '../../../shared/subgraph';
import { SatisfactionSurveyRecord } from '../data/entities';
import { utilizationCounts, type UtilizationCounts } from '../data/figures';
import { awaitReadModel } from '../data/read-model';
import { utilizationWindows } from '../domain/period';
import { validateSurveyResponse } from '../domain/survey';
import { assertPatientMetrics, assertTeamFigures } from './access';
import { report, requestNow, scopeOf } from './report';
import { CareTeam, CommunityPartner, KpiReport, PartnerReferralPerformance, Patient, PatientUtilization, SatisfactionSurvey } from './types';

@Resolver(() => Patient)
export class PatientUtilizationResolver {
  @FieldResolver(() => PatientUtilization, {
    nullable: true,
    description: "Hospital use from the metrics read model (PHI: the patient's care team, a clinician who broke the glass, admins; FORBIDDEN otherwise)",
  })
  async utilization(@Root() patient: Patient, @Ctx() ctx: SubgraphContext): Promise<PatientUtilization> {
    await assertPatientMetrics(ctx, patient.id, 'read', 'PatientUtilization');
    const asOf = requestNow(ctx);
    const u = await ctx.loaders
      .get<string, UtilizationCounts>('metrics:utilization', (ids) => utilizationCounts(ctx.db, ids, utilizationWindows(asOf)))
      .load(patient.id);
    return { admissions12Months: u.admissions, edVisits6Months: u.edVisits, readmissions30Day: u.readmissions, asOf };
  }
}

@Resolver(() => CareTeam)
export class CareTeamPerformanceResolver {
  @FieldResolver(() => KpiReport, {
    nullable: true,
    description: "The program's KPIs for this care team's patient (analysts, admins and the team's members; FORBIDDEN otherwise)",
  })
  async performance(
    @Root() team: CareTeam,
    @Ctx() ctx: SubgraphContext,
    @Arg('from', () => Date, { nullable: true }) from?: Date,
    @Arg('to', () => Date, { nullable: true }) to?: Date,
  ): Promise<KpiReport> {
    await assertTeamFigures(ctx, team.id);
    return report(scopeOf(ctx, { cohort: {}, careTeamId: team.id, partnerId: null }, { from, to }));
  }
}

@Resolver(() => PartnerReferralPerformance)
export class PartnerReferralPerformanceResolver {
  @FieldResolver(() => CommunityPartner, { description: 'The partner (from the community-partners directory)' })
  partner(@Root() p: PartnerReferralPerformance): CommunityPartner {
    return { id: p.partnerId };
  }
}

@InputType()
class RecordSatisfactionSurveyInput {
  @Field(() => ID) patientId: string;
  @Field(() => Int, { description: '1 (very dissatisfied) to 5 (very satisfied)' }) score: number;
  @Field(() => DateScalar, { description: 'The day of the response, not in the future' }) respondedOn: string;
  @Field(() => String, { nullable: true }) comment?: string | null;
}

/** The read model knows a patient once their registration (or any of their events) has been applied. */
async function isKnownPatient(ctx: SubgraphContext, patientId: string): Promise<boolean> {
  const known = async () => (await ctx.db.query(`SELECT 1 FROM metrics.patient WHERE patient_id = $1`, [patientId])).length > 0;
  if (await known()) return true;
  await awaitReadModel(ctx.db); // read-your-writes: the patient may have been registered a moment ago
  return known();
}

@Resolver(() => SatisfactionSurvey)
export class SatisfactionSurveyResolver {
  @Mutation(() => SatisfactionSurvey, { description: "Records a patient's satisfaction survey response (the patient's care team members and admins)" })
  async recordSatisfactionSurvey(@Arg('input') input: RecordSatisfactionSurveyInput, @Ctx() ctx: SubgraphContext): Promise<SatisfactionSurveyRecord> {
    await assertPatientMetrics(ctx, input.patientId, 'write', 'SatisfactionSurvey');
    const response = validateSurveyResponse(input, new Date());
    if (!isUuid(input.patientId) || !(await isKnownPatient(ctx, input.patientId))) throw notFound('Patient', input.patientId);
    return ctx.db.transaction(async (m) => {
      const saved = await m.save(m.create(SatisfactionSurveyRecord, { patientId: input.patientId, ...response, recordedBy: ctx.principal.sub }));
      await recordEvent(m, ctx.source, {
        type: 'SatisfactionSurveyRecorded', aggregateType: 'SatisfactionSurvey', aggregateId: saved.id, patientId: saved.patientId, actor: ctx.principal.sub,
        payload: { surveyId: saved.id, score: saved.score, respondedOn: saved.respondedOn },
      });
      return saved;
    });
  }

  @FieldResolver(() => Patient)
  patient(@Root() s: SatisfactionSurveyRecord): Patient {
    return { id: s.patientId };
  }
}
