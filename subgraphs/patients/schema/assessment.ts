/**
 * Standardized assessments (FHIR Questionnaire / QuestionnaireResponse): the instruments
 * the hub ships as data (PHQ-9, GAD-7, AHC HRSN core), `recordAssessment` by a member
 * of the patient's care team, scored by the domain, every answer stored, and the
 * history per patient for trends. A PHQ-9 item 9 above 0 emits
 * `AssessmentSafetyFlagRaised` in the same transaction (delivered live to the team);
 * a positive HRSN domain creates or updates the matching social need with the response
 * as its evidence, and a negative rescreen of an open need is noted on it (Gravity SDOH:
 * screening → health concern → goal → referral).
 */
import { Arg, Ctx, Directive, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { In } from 'typeorm';
import { PatientData } from '../../../shared/access-policy';
import { badInput } from '../../../shared/errors';
import { isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import { SocialNeedCategory } from '../../../shared/vocabulary';
import { AssessmentResponseRecord, SocialNeedEvidenceRecord } from '../data/assessment-entities';
import { SocialNeedRecord, type PatientRecord } from '../data/entities';
import { changePatient, type PatientChange } from '../data/patient-change';
import { scoreResponse, type DomainResult } from '../domain/assessment-scoring';
import { utcDay } from '../domain/dates';
import { INSTRUMENTS, instrumentById, type Instrument } from '../domain/instruments';
import type { InstrumentRecord } from '../domain/instruments/types';
import { assertValidDate } from '../domain/validation';
import { OPEN_SOCIAL_NEED_STATUSES, SocialNeedStatus } from '../domain/vocabulary';
import { readablePatient } from './loaders';
import { socialNeedEvent } from '../data/social-need-events';
import { assessmentsOf, evidenceOfResponse, responseById } from './daily-work-loaders';
import { Patient } from './types';

/** The part of the record an instrument's responses belong to decides who records and reads them (docs/access.md). */
const DATA: Record<InstrumentRecord, PatientData> = { ASSESSMENTS: PatientData.ASSESSMENTS, SOCIAL_NEEDS: PatientData.SOCIAL_NEEDS };
const dataOf = (instrumentId: string): PatientData => DATA[instrumentById(instrumentId)?.record ?? 'ASSESSMENTS'];

@ObjectType({ description: 'One answer option of an item (Questionnaire.item.answerOption)' })
class AnswerOption {
  @Field() code: string;
  @Field() display: string;
  @Field(() => Int, { nullable: true, description: 'Points it scores; null when unscored' }) value: number | null;
}

@ObjectType({ description: 'One question of an instrument (Questionnaire.item)' })
class InstrumentItem {
  @Field() linkId: string;
  @Field() text: string;
  @Field(() => [AnswerOption]) options: AnswerOption[];
}

@ObjectType({ description: 'A band of the total score and its interpretation' })
class ScoreBand {
  @Field(() => Int) min: number;
  @Field(() => Int) max: number;
  @Field() code: string;
  @Field() display: string;
}

@ObjectType({ description: 'A standardized instrument the hub scores (FHIR Questionnaire)' })
class AssessmentInstrument {
  @Field(() => ID, { description: 'What recordAssessment takes, e.g. "PHQ-9"' }) id: string;
  @Field() version: string;
  @Field() title: string;
  @Field({ description: 'LOINC code of the panel' }) loinc: string;
  @Field() citation: string;
  @Field(() => [InstrumentItem]) items: InstrumentItem[];
  @Field(() => Int, { nullable: true }) minScore: number | null;
  @Field(() => Int, { nullable: true }) maxScore: number | null;
  @Field(() => [ScoreBand]) bands: ScoreBand[];
  @Field(() => [String], { description: 'Safety flags its answers can raise (e.g. SUICIDE_RISK)' }) safetyFlags: string[];
  @Field(() => [String], { description: 'Screening domains (HRSN), each mapping to a social need category' }) domains: string[];
}

@ObjectType({ description: 'One stored answer (QuestionnaireResponse.item.answer)' })
class AssessmentAnswer {
  @Field() linkId: string;
  @Field() answerCode: string;
  @Field() display: string;
  @Field(() => Int, { nullable: true }) value: number | null;
}

@ObjectType({ description: 'One screening domain of a response (HRSN)' })
class ScreeningDomainResult {
  @Field() code: string;
  @Field(() => SocialNeedCategory) socialNeedCategory: SocialNeedCategory;
  @Field() positive: boolean;
}

@ObjectType({ description: "A patient's response to a standardized instrument, scored when recorded (FHIR QuestionnaireResponse)" })
@Directive('@key(fields: "id")')
export class AssessmentResponse {
  @Field(() => ID) id: string;
  @Field({ description: 'Instrument id, e.g. "PHQ-9"' }) instrument: string;
  @Field() instrumentVersion: string;
  @Field({ description: 'When the patient answered' }) authoredAt: Date;
  @Field(() => [AssessmentAnswer]) answers: AssessmentAnswer[];
  @Field(() => Int, { nullable: true, description: 'Total score (null for instruments without one, e.g. HRSN)' }) totalScore: number | null;
  @Field(() => String, { nullable: true, description: 'Band of the total, e.g. MODERATELY_SEVERE' }) interpretationCode: string | null;
  @Field(() => String, { nullable: true }) interpretation: string | null;
  @Field(() => [String], { description: 'Safety flags raised, e.g. SUICIDE_RISK' }) flags: string[];
  @Field(() => [String], { description: 'Screening domains found positive' }) positiveDomains: string[];
  @Field(() => String, { nullable: true }) recordedBy: string | null;
  @Field() createdAt: Date;
}

@InputType()
class AssessmentAnswerInput {
  @Field({ description: "The item's linkId, e.g. \"phq9-9\"" }) linkId: string;
  @Field({ description: 'The chosen option code, e.g. "several-days"' }) answerCode: string;
}

@InputType()
class RecordAssessmentInput {
  @Field(() => ID) patientId: string;
  @Field({ description: 'Instrument id (assessmentInstruments), e.g. "PHQ-9", "GAD-7", "AHC-HRSN"' }) instrument: string;
  @Field(() => Date, { nullable: true, description: 'When the patient answered (default now); not in the future' }) authoredAt?: Date | null;
  @Field(() => [AssessmentAnswerInput], { description: 'One answer per item' }) answers: AssessmentAnswerInput[];
}

const instrumentView = (i: Instrument): AssessmentInstrument => ({
  id: i.id, version: i.version, title: i.title, loinc: i.loinc, citation: i.citation,
  items: i.items.map((it) => ({ linkId: it.linkId, text: it.text, options: it.options.map((o) => ({ ...o })) })),
  minScore: i.total?.min ?? null, maxScore: i.total?.max ?? null, bands: (i.total?.bands ?? []).map((b) => ({ ...b })),
  safetyFlags: (i.safetyFlags ?? []).map((f) => f.code), domains: (i.domains ?? []).map((d) => d.code),
});

/** A few minutes of clock difference between a tablet and the hub is not "the future". */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * A positive domain creates the matching social need, or, when one is already open,
 * adds this response to its evidence; a negative rescreen of an open need is recorded
 * as evidence too (positive false) and said on the event, the status left to the team.
 */
async function applyDomain({ m, patient, emit }: PatientChange, ctx: SubgraphContext, response: AssessmentResponseRecord, d: DomainResult): Promise<void> {
  const open = await m.findOne(SocialNeedRecord, {
    where: { patientId: patient.id, category: d.socialNeedCategory, status: In([...OPEN_SOCIAL_NEED_STATUSES]) },
    order: { screenedAt: 'DESC', createdAt: 'DESC' },
  });
  const screenedAt = utcDay(response.authoredAt);
  const evidence = { responseId: response.id, domain: d.code, positive: d.positive };
  if (open) {
    await m.save(m.create(SocialNeedEvidenceRecord, { socialNeedId: open.id, ...evidence }));
    const saved = d.positive && open.screenedAt < screenedAt ? await m.save(Object.assign(open, { screenedAt })) : open;
    emit(socialNeedEvent('SocialNeedRescreened', saved, evidence));
  } else if (d.positive) {
    const need = await m.save(m.create(SocialNeedRecord, {
      patientId: patient.id, category: d.socialNeedCategory, instrument: response.instrument, screenedAt,
      status: SocialNeedStatus.IDENTIFIED, recordedBy: ctx.principal.sub,
    }));
    await m.save(m.create(SocialNeedEvidenceRecord, { socialNeedId: need.id, ...evidence }));
    emit(socialNeedEvent('SocialNeedRecorded', need, evidence));
  }
}

@Resolver(() => AssessmentResponse)
export class AssessmentResolver {
  @Query(() => [AssessmentInstrument], { description: 'The standardized instruments the hub scores, with items, options and bands' })
  assessmentInstruments(): AssessmentInstrument[] {
    return INSTRUMENTS.map(instrumentView);
  }

  @Mutation(() => AssessmentResponse, { description: "Records and scores a patient's response to a standardized instrument (the patient's care team)" })
  async recordAssessment(@Arg('input') input: RecordAssessmentInput, @Ctx() ctx: SubgraphContext): Promise<AssessmentResponseRecord> {
    const instrument = instrumentById(input.instrument);
    if (!instrument) throw badInput(`Unknown instrument "${input.instrument}" (one of ${INSTRUMENTS.map((i) => i.id).join(', ')})`, 'input.instrument');
    const now = new Date();
    const authoredAt = input.authoredAt ?? now;
    assertValidDate(authoredAt, 'input.authoredAt');
    if (authoredAt.getTime() > now.getTime() + CLOCK_SKEW_MS) throw badInput('input.authoredAt is in the future', 'input.authoredAt');
    if (authoredAt.getUTCFullYear() < 1900) throw badInput('input.authoredAt is before 1900', 'input.authoredAt');
    const scored = scoreResponse(instrument, input.answers);

    return changePatient(ctx, input.patientId, { affectsSummary: false, data: DATA[instrument.record] }, async (change) => {
      const { m, emit } = change;
      const response = await m.save(m.create(AssessmentResponseRecord, {
        patientId: change.patient.id, instrument: instrument.id, instrumentVersion: instrument.version, authoredAt,
        answers: scored.answers, totalScore: scored.totalScore, interpretationCode: scored.interpretationCode, interpretation: scored.interpretation,
        flags: scored.flags, positiveDomains: scored.domains.filter((d) => d.positive).map((d) => d.code), recordedBy: ctx.principal.sub,
      }));
      const summary = {
        responseId: response.id, instrument: instrument.id, instrumentVersion: instrument.version, authoredAt: authoredAt.toISOString(),
        totalScore: response.totalScore, interpretationCode: response.interpretationCode, flags: response.flags, positiveDomains: response.positiveDomains,
      };
      emit({ type: 'AssessmentRecorded', aggregateType: 'AssessmentResponse', aggregateId: response.id, payload: summary });
      // Urgent: the team must see it now (clinical-rules.md, PHQ-9 item 9), so one event per flag in this transaction.
      for (const rule of instrument.safetyFlags ?? []) {
        if (!response.flags.includes(rule.code)) continue;
        emit({
          type: 'AssessmentSafetyFlagRaised', aggregateType: 'AssessmentResponse', aggregateId: response.id,
          payload: { ...summary, flag: rule.code, display: rule.display, linkId: rule.linkId, answerCode: scored.answers.find((a) => a.linkId === rule.linkId)?.answerCode ?? null },
        });
      }
      for (const d of scored.domains) await applyDomain(change, ctx, response, d);
      return response;
    });
  }

  @FieldResolver(() => [ScreeningDomainResult], { description: 'Every screening domain of the instrument with its result' })
  domains(@Root() r: AssessmentResponseRecord): ScreeningDomainResult[] {
    const positive = new Set(r.positiveDomains);
    return (instrumentById(r.instrument)?.domains ?? []).map((d) => ({ code: d.code, socialNeedCategory: d.socialNeedCategory, positive: positive.has(d.code) }));
  }

  @FieldResolver(() => [ID], { description: 'Social needs this response is evidence for (created, confirmed or rescreened negative)' })
  async socialNeedIds(@Root() r: AssessmentResponseRecord, @Ctx() ctx: SubgraphContext): Promise<string[]> {
    return (await evidenceOfResponse(ctx).load(r.id)).map((e) => e.socialNeedId);
  }

  @FieldResolver(() => Patient)
  patient(@Root() r: AssessmentResponseRecord, @Ctx() ctx: SubgraphContext): Promise<PatientRecord | null> {
    return readablePatient(ctx, r.patientId);
  }
}

@Resolver(() => Patient)
export class PatientAssessmentsResolver {
  @FieldResolver(() => [AssessmentResponse], {
    nullable: true,
    description: "Responses to standardized instruments, oldest first, for trends (the patient's care team; only the kinds of record the caller may read)",
  })
  async assessments(
    @Root() p: PatientRecord, @Ctx() ctx: SubgraphContext,
    @Arg('instrument', () => String, { nullable: true, description: 'Only this instrument, e.g. "PHQ-9"' }) instrument?: string | null,
    @Arg('since', () => Date, { nullable: true, description: 'Only responses authored at or after this instant' }) since?: Date | null,
  ): Promise<AssessmentResponseRecord[]> {
    const one = instrument != null ? instrumentById(instrument) : undefined;
    if (instrument != null && !one) throw badInput(`Unknown instrument "${instrument}"`, 'instrument');
    if (since) assertValidDate(since, 'since');
    if (one) await ctx.access.assert(p.id, DATA[one.record], 'read', 'AssessmentResponse');
    // One query for every patient of the request (loader); the filters are applied to each patient's history.
    const rows = (await assessmentsOf(ctx).load(p.id)).filter((r) => (!one || r.instrument === one.id) && (!since || r.authoredAt.getTime() >= since.getTime()));
    if (one) return rows;
    // Without an instrument: each kind of record as the table allows, FORBIDDEN only if none may be read.
    const allowed = new Set<PatientData>();
    for (const data of new Set(Object.values(DATA))) if ((await ctx.access.check(p.id, data, 'read', 'AssessmentResponse')).allowed) allowed.add(data);
    if (allowed.size === 0) await ctx.access.assert(p.id, PatientData.ASSESSMENTS, 'read', 'AssessmentResponse');
    return rows.filter((r) => allowed.has(dataOf(r.instrument)));
  }
}

/** `__resolveReference`: the response's patient must let the caller read its kind of record. */
export async function resolveAssessmentReference(ref: { id: string }, ctx: SubgraphContext): Promise<AssessmentResponseRecord | null> {
  if (!isUuid(ref.id)) return null;
  const r = await responseById(ctx).load(ref.id);
  if (!r) return null;
  await ctx.access.assert(r.patientId, dataOf(r.instrument), 'read', 'AssessmentResponse');
  return r;
}
