/**
 * CMS Chronic Care Management: logged minutes, monthly totals, the billing practitioner's
 * medical decision-making for the month (complex CCM 99487/99489 needs moderate or high;
 * the risk tier only suggests it, issue 14), and the codes a month reaches. Months are
 * the practice's local months (HUB_TIME_ZONE).
 */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Resolver, Root } from 'type-graphql';
import { badInput } from '../../../shared/errors';
import { hubTimeZone, localIsoDate } from '../../../shared/time-zone';
import { recordEvent } from '../../../shared/events';
import { isUuid } from '../../../shared/federation';
import { DateScalar } from '../../../shared/date-scalar';
import type { SubgraphContext } from '../../../shared/subgraph';
import {
  CareTeamStatus, TcmComplexity, assertMinutes, assertPerformedOn, ccmBillableCodes, isPhysicianTime, isSubstantialRevision, parseCalendarMonth,
  type FieldChange,
} from '../domain';
import { CareTeamMemberRecord, CareTeamRecord, CcmMonthDecisionMakingRecord, CcmTimeEntryRecord } from '../data/entities';
import { PatientData } from '../../../shared/access';
import { assertBillingPractitioner, assertCanLogTimeFor } from './access';
import { practitionerById, snapshotByPatient } from './loaders';
import { toPractitioner } from './practitioner';
import { CcmMonth, CcmTimeEntry, Patient, Practitioner } from './types';

@InputType()
class LogCcmTimeInput {
  @Field(() => ID) patientId: string;
  @Field(() => ID, { nullable: true, description: 'The member who spent the time; defaults to you' }) practitionerId?: string | null;
  @Field({ description: 'What was done, e.g. "Medication review call with daughter"' }) activity: string;
  @Field(() => Int) minutes: number;
  @Field(() => DateScalar, { description: 'The day the time was spent (not in the future)' }) performedOn: string;
  @Field(() => String, { nullable: true }) note?: string | null;
}

@InputType()
class RecordCcmDecisionMakingInput {
  @Field(() => ID) patientId: string;
  @Field({ description: 'YYYY-MM, the practice\'s local month' }) month: string;
  @Field(() => TcmComplexity, { description: 'Your medical decision-making for the month: MODERATE or HIGH (either makes complex CCM possible)' }) complexity: TcmComplexity;
}

/** The risk tier's suggestion for the month's decision-making: HIGH → HIGH, MODERATE → MODERATE, otherwise none. */
const suggestedCcmDecisionMaking = (tier: string | null | undefined): TcmComplexity | null =>
  (tier === 'HIGH' ? TcmComplexity.HIGH : tier === 'MODERATE' ? TcmComplexity.MODERATE : null);

interface MonthKey { patientId: string; month: string }
const keyOf = (k: MonthKey) => `${k.patientId}|${k.month}`;

/** Entries and plan revisions of many (patient, month) pairs in two queries. */
function ccmMonthLoader(ctx: SubgraphContext) {
  return ctx.loaders.get<string, { entries: CcmTimeEntryRecord[]; planRevised: boolean; decision: CcmMonthDecisionMakingRecord | null }>('ccmMonth', async (keys) => {
    const pairs = keys.map((k) => { const [patientId, month] = k.split('|'); return { patientId, month }; });
    const patientIds = [...new Set(pairs.map((p) => p.patientId))];
    const months = [...new Set(pairs.map((p) => p.month))];
    const entries = await ctx.db.getRepository(CcmTimeEntryRecord).createQueryBuilder('e')
      .where('e.patientId = ANY(:patientIds) AND to_char(e.performedOn, \'YYYY-MM\') = ANY(:months)', { patientIds, months })
      .orderBy('e.performedOn', 'ASC').addOrderBy('e.loggedAt', 'ASC').getMany();
    // The month of a revision is the practice's local month (HUB_TIME_ZONE; PostgreSQL's tz database).
    const revisions: { patient_id: string; month: string; change_kind: string; changes: FieldChange[] }[] = await ctx.db.query(
      `SELECT p.patient_id, to_char(r.at AT TIME ZONE $3, 'YYYY-MM') AS month, r.change_kind, r.changes
         FROM care_teams.care_plan_revision r JOIN care_teams.care_plan p ON p.id = r.care_plan_id
        WHERE p.patient_id = ANY($1) AND to_char(r.at AT TIME ZONE $3, 'YYYY-MM') = ANY($2)`,
      [patientIds, months, hubTimeZone()],
    );
    const decisions = await ctx.db.getRepository(CcmMonthDecisionMakingRecord).createQueryBuilder('d')
      .where('d.patientId = ANY(:patientIds) AND d.month = ANY(:months)', { patientIds, months }).getMany();
    const revised = new Set(revisions.filter((r) => isSubstantialRevision({ changeKind: r.change_kind, changes: r.changes })).map((r) => keyOf({ patientId: r.patient_id, month: r.month })));
    return keys.map((k) => ({
      entries: entries.filter((e) => keyOf({ patientId: e.patientId, month: e.performedOn.slice(0, 7) }) === k),
      planRevised: revised.has(k),
      decision: decisions.find((d) => keyOf(d) === k) ?? null,
    }));
  });
}

@Resolver(() => Patient)
export class PatientCcmResolver {
  @FieldResolver(() => CcmMonth, { nullable: true, description: "One calendar month (YYYY-MM) of CCM time and its billable codes; FORBIDDEN when you may not read the patient's CCM time" })
  async ccmMonth(@Root() patient: Patient, @Arg('month') month: string, @Ctx() ctx: SubgraphContext): Promise<CcmMonth | null> {
    const m = parseCalendarMonth(month);
    await ctx.access.assert(patient.id, PatientData.CCM_TIME, 'read', 'CcmTimeEntry');
    const [{ entries, planRevised, decision }, snapshot] = await Promise.all([
      ccmMonthLoader(ctx).load(keyOf({ patientId: patient.id, month: m.month })),
      snapshotByPatient(ctx).load(patient.id),
    ]);
    const consentActive = snapshot?.ccmConsentActive ?? false;
    const chronicConditionCount = snapshot?.chronicConditionCount ?? 0;
    const billing = ccmBillableCodes({
      entries, carePlanEstablishedOrRevised: planRevised, complexDecisionMaking: decision !== null, consentActive, chronicConditionCount,
    });
    return {
      month: m.month, consentActive, chronicConditionCount, carePlanEstablishedOrRevised: planRevised, ...billing, entries,
      decisionMaking: decision?.complexity ?? null, decisionMakingBy: decision?.recordedBy ?? null,
      suggestedDecisionMaking: suggestedCcmDecisionMaking(snapshot?.riskTier),
    };
  }

  @Mutation(() => CcmMonth, { description: 'The billing practitioner records their medical decision-making for a CCM month (complex CCM 99487/99489 needs moderate or high)' })
  async recordCcmDecisionMaking(@Arg('input') input: RecordCcmDecisionMakingInput, @Ctx() ctx: SubgraphContext): Promise<CcmMonth | null> {
    if (!isUuid(input.patientId)) throw badInput('patientId must be a patient id', 'patientId');
    const m = parseCalendarMonth(input.month, 'month');
    await ctx.access.assert(input.patientId, PatientData.CCM_TIME, 'write', 'CcmMonth');
    assertBillingPractitioner(ctx);
    await ctx.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO care_teams.ccm_month_decision_making (patient_id, month, complexity, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (patient_id, month) DO UPDATE SET complexity = EXCLUDED.complexity, recorded_by = EXCLUDED.recorded_by, recorded_at = now()`,
        [input.patientId, m.month, input.complexity, ctx.principal.sub],
      );
      await recordEvent(tx, ctx.source, {
        type: 'CcmDecisionMakingRecorded', aggregateType: 'CcmMonth', aggregateId: `${input.patientId}:${m.month}`, patientId: input.patientId, actor: ctx.principal.sub,
        payload: { month: m.month, complexity: input.complexity, practitionerId: ctx.principal.sub },
      });
    });
    ccmMonthLoader(ctx).clear(keyOf({ patientId: input.patientId, month: m.month }));
    return this.ccmMonth({ id: input.patientId } as Patient, m.month, ctx);
  }
}

@Resolver(() => CcmTimeEntry)
export class CcmTimeResolver {
  @FieldResolver(() => Patient)
  patient(@Root() entry: CcmTimeEntryRecord): Patient {
    return { id: entry.patientId };
  }

  @FieldResolver(() => Practitioner, { nullable: true })
  async practitioner(@Root() entry: CcmTimeEntryRecord, @Ctx() ctx: SubgraphContext) {
    const p = await practitionerById(ctx).load(entry.practitionerId);
    return p && toPractitioner(p);
  }

  @Mutation(() => CcmTimeEntry, { description: "Logs care-management minutes for a patient (yours, or a member's when you coordinate the team)" })
  async logCcmTime(@Arg('input') input: LogCcmTimeInput, @Ctx() ctx: SubgraphContext) {
    if (!isUuid(input.patientId)) throw badInput('patientId must be a patient id', 'patientId');
    await ctx.access.assert(input.patientId, PatientData.CCM_TIME, 'write', 'CcmTimeEntry');
    assertMinutes(input.minutes);
    const performedOn = assertPerformedOn(input.performedOn, localIsoDate(new Date(), hubTimeZone()));
    const activity = input.activity.trim();
    if (!activity) throw badInput('activity must say what was done', 'activity');
    const team = await ctx.db.getRepository(CareTeamRecord).findOneBy({ patientId: input.patientId, status: CareTeamStatus.ACTIVE });
    if (!team) throw badInput('The patient has no active care team', 'patientId');
    const practitionerId = input.practitionerId?.trim() || ctx.principal.sub;
    await assertCanLogTimeFor(ctx, team, practitionerId);
    return ctx.db.transaction(async (m) => {
      const roles = (await m.find(CareTeamMemberRecord, { where: { careTeamId: team.id, practitionerId } })).filter((r) => r.periodEnd === null).map((r) => r.role);
      if (roles.length === 0) throw badInput(`${practitionerId} is not an active member of the patient's care team`, 'practitionerId');
      const entry = await m.save(m.create(CcmTimeEntryRecord, {
        patientId: team.patientId, careTeamId: team.id, practitionerId, byPhysician: isPhysicianTime(roles), activity,
        minutes: input.minutes, performedOn, note: input.note?.trim() || null, loggedBy: ctx.principal.sub,
      }));
      await recordEvent(m, ctx.source, {
        type: 'CcmTimeLogged', aggregateType: 'CcmTimeEntry', aggregateId: entry.id, patientId: entry.patientId, actor: ctx.principal.sub,
        payload: { entryId: entry.id, careTeamId: team.id, minutes: entry.minutes, performedOn, practitionerId, byPhysician: entry.byPhysician },
      });
      return entry;
    });
  }
}
