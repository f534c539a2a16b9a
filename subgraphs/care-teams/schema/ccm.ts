/** CMS Chronic Care Management: logged minutes, monthly totals and the codes a month reaches. */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Resolver, Root } from 'type-graphql';
import { badInput } from '../../../shared/errors';
import { recordEvent } from '../../../shared/events';
import { isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import {
  CareTeamStatus, assertMinutes, assertPerformedOn, ccmBillableCodes, isPhysicianTime, isSubstantialRevision, parseCalendarMonth,
  type FieldChange,
} from '../domain';
import { CareTeamMemberRecord, CareTeamRecord, CcmTimeEntryRecord } from '../data/entities';
import { PatientData } from '../../../shared/access';
import { assertCanLogTimeFor } from './access';
import { practitionerById, snapshotByPatient } from './loaders';
import { toPractitioner } from './practitioner';
import { CcmMonth, CcmTimeEntry, Patient, Practitioner } from './types';

@InputType()
class LogCcmTimeInput {
  @Field(() => ID) patientId: string;
  @Field(() => ID, { nullable: true, description: 'The member who spent the time; defaults to you' }) practitionerId?: string | null;
  @Field({ description: 'What was done, e.g. "Medication review call with daughter"' }) activity: string;
  @Field(() => Int) minutes: number;
  @Field({ description: 'ISO date the time was spent (not in the future)' }) performedOn: string;
  @Field(() => String, { nullable: true }) note?: string | null;
}

interface MonthKey { patientId: string; month: string }
const keyOf = (k: MonthKey) => `${k.patientId}|${k.month}`;

/** Entries and plan revisions of many (patient, month) pairs in two queries. */
function ccmMonthLoader(ctx: SubgraphContext) {
  return ctx.loaders.get<string, { entries: CcmTimeEntryRecord[]; planRevised: boolean }>('ccmMonth', async (keys) => {
    const pairs = keys.map((k) => { const [patientId, month] = k.split('|'); return { patientId, month }; });
    const patientIds = [...new Set(pairs.map((p) => p.patientId))];
    const months = [...new Set(pairs.map((p) => p.month))];
    const entries = await ctx.db.getRepository(CcmTimeEntryRecord).createQueryBuilder('e')
      .where('e.patientId = ANY(:patientIds) AND to_char(e.performedOn, \'YYYY-MM\') = ANY(:months)', { patientIds, months })
      .orderBy('e.performedOn', 'ASC').addOrderBy('e.loggedAt', 'ASC').getMany();
    const revisions: { patient_id: string; month: string; change_kind: string; changes: FieldChange[] }[] = await ctx.db.query(
      `SELECT p.patient_id, to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, r.change_kind, r.changes
         FROM care_teams.care_plan_revision r JOIN care_teams.care_plan p ON p.id = r.care_plan_id
        WHERE p.patient_id = ANY($1) AND to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM') = ANY($2)`,
      [patientIds, months],
    );
    const revised = new Set(revisions.filter((r) => isSubstantialRevision({ changeKind: r.change_kind, changes: r.changes })).map((r) => keyOf({ patientId: r.patient_id, month: r.month })));
    return keys.map((k) => ({
      entries: entries.filter((e) => keyOf({ patientId: e.patientId, month: e.performedOn.slice(0, 7) }) === k),
      planRevised: revised.has(k),
    }));
  });
}

@Resolver(() => Patient)
export class PatientCcmResolver {
  @FieldResolver(() => CcmMonth, { nullable: true, description: "One calendar month (YYYY-MM) of CCM time and its billable codes; FORBIDDEN when you may not read the patient's CCM time" })
  async ccmMonth(@Root() patient: Patient, @Arg('month') month: string, @Ctx() ctx: SubgraphContext): Promise<CcmMonth | null> {
    const m = parseCalendarMonth(month);
    await ctx.access.assert(patient.id, PatientData.CCM_TIME, 'read', 'CcmTimeEntry');
    const [{ entries, planRevised }, snapshot] = await Promise.all([
      ccmMonthLoader(ctx).load(keyOf({ patientId: patient.id, month: m.month })),
      snapshotByPatient(ctx).load(patient.id),
    ]);
    const consentActive = snapshot?.ccmConsentActive ?? false;
    const chronicConditionCount = snapshot?.chronicConditionCount ?? 0;
    const billing = ccmBillableCodes({ entries, carePlanEstablishedOrRevised: planRevised, consentActive, chronicConditionCount });
    return { month: m.month, consentActive, chronicConditionCount, carePlanEstablishedOrRevised: planRevised, ...billing, entries };
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
    const performedOn = assertPerformedOn(input.performedOn, new Date());
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
