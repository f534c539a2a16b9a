/**
 * The loop closes itself (issue 13): a referral completed by its community partner
 * (ReferralStatusChanged, status `completed`) completes the plan activities that track
 * it (linked by `referralId` when the activity was added), with the partner's outcome,
 * as a plan change like any other — version, revision and one CarePlanChanged event,
 * the referral's actor named. A completed referral is the activity's completion from
 * any status not yet final; a final activity or a closed plan is left as it is, so a
 * replayed event changes nothing.
 */
import type { EntityManager } from 'typeorm';
import { recordEvent, type DomainEvent } from '../../../shared/events';
import { isUuid } from '../../../shared/federation';
import { ActivityStatus, CarePlanChangeKind, CarePlanStatus, activityLifecycle, carePlanLifecycle, diffFields } from '../domain';
import { ACTIVITY_FIELDS } from '../schema/plan-changes';
import { CarePlanActivityRecord, CarePlanRecord } from './entities';

export const REFERRAL_ACTIVITIES_CONSUMER = 'care-teams:referral-activities';
export const REFERRAL_ACTIVITY_EVENT_TYPES = ['ReferralStatusChanged'] as const;

/** Links an activity to the referral it tracks (addCarePlanActivity with referralId), in the add's transaction. */
export async function linkActivityToReferral(m: EntityManager, activityId: string, referralId: string): Promise<void> {
  await m.query(`INSERT INTO care_teams.activity_referral (activity_id, referral_id) VALUES ($1, $2)`, [activityId, referralId]);
}

/** The referral each activity tracks, for CarePlanActivity.referralId. */
export async function referralIdsOf(db: { query: EntityManager['query'] }, activityIds: readonly string[]): Promise<Map<string, string>> {
  const rows: { activity_id: string; referral_id: string }[] = await db.query(
    `SELECT activity_id::text, referral_id::text FROM care_teams.activity_referral WHERE activity_id = ANY($1::uuid[])`, [activityIds]);
  return new Map(rows.map((r) => [r.activity_id, r.referral_id]));
}

export function referralActivityHandler(o: { source: string }) {
  return async (event: DomainEvent, m: EntityManager): Promise<void> => {
    const p = event.payload as Record<string, unknown>;
    if (p.status !== 'completed' || typeof p.referralId !== 'string' || !isUuid(p.referralId)) return;
    const outcome = (p.outcome ?? {}) as Record<string, unknown>;
    const text = typeof outcome.text === 'string' ? outcome.text : null;
    const remains = typeof outcome.needRemainsReason === 'string' ? outcome.needRemainsReason : null;
    const links: { activity_id: string }[] = await m.query(`SELECT activity_id::text FROM care_teams.activity_referral WHERE referral_id = $1 ORDER BY activity_id`, [p.referralId]);
    for (const { activity_id } of links) {
      const found = await m.findOneBy(CarePlanActivityRecord, { id: activity_id });
      if (!found) continue;
      const plan = await m.findOne(CarePlanRecord, { where: { id: found.carePlanId }, lock: { mode: 'pessimistic_write' } });
      // A link names a referral of the plan's own patient; any other is not this plan's loop.
      if (!plan || plan.patientId !== event.patientId || carePlanLifecycle.isTerminal(plan.status as CarePlanStatus)) continue;
      const activity = await m.findOneByOrFail(CarePlanActivityRecord, { id: activity_id });
      if (activityLifecycle.isTerminal(activity.status as ActivityStatus)) continue;
      const before = { ...activity };
      activity.status = ActivityStatus.COMPLETED;
      activity.completedAt = new Date(event.occurredAt);
      activity.outcome = [text, remains && `Need remains: ${remains}`].filter(Boolean).join(' — ') || activity.outcome;
      const changes = diffFields(before, activity, ACTIVITY_FIELDS, `activities[${activity.id}].`);
      await m.save(activity);
      plan.version += 1;
      await m.save(plan);
      await m.query(
        `INSERT INTO care_teams.care_plan_revision (care_plan_id, version, actor, at, change_kind, changes) VALUES ($1, $2, $3, now(), $4, $5)`,
        [plan.id, plan.version, event.actor ?? 'system', CarePlanChangeKind.ACTIVITY_UPDATED, JSON.stringify(changes)],
      );
      await recordEvent(m, o.source, {
        type: 'CarePlanChanged', aggregateType: 'CarePlan', aggregateId: plan.id, patientId: plan.patientId, actor: event.actor,
        payload: {
          carePlanId: plan.id, careTeamId: plan.careTeamId, version: plan.version, changeKind: CarePlanChangeKind.ACTIVITY_UPDATED,
          changedFields: changes.map((c) => c.field), status: plan.status, activityId: activity.id, referralId: p.referralId,
        },
      });
    }
  };
}
