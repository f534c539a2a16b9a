/**
 * The loop closes itself (issue 13): a referral completed with an outcome
 * (ReferralStatusChanged from community-partners, status `completed`, with
 * `outcome.needMet`) resolves the open social need it addressed, or keeps it open
 * with the partner's reason. Applied once per event (source_event_id is unique), in
 * the consumer's transaction, with the referral's actor on the events it emits.
 * A completion without `needMet` (older events, the demo seed) leaves the need alone.
 */
import type { EntityManager } from 'typeorm';
import { recordEvent, type DomainEvent } from '../../../shared/events';
import { isUuid } from '../../../shared/federation';
import type { Logger } from '../../../shared/logger';
import { OPEN_SOCIAL_NEED_STATUSES, SocialNeedStatus } from '../domain/vocabulary';
import { socialNeedEvent } from './social-need-events';
import { SocialNeedRecord } from './entities';

export const REFERRAL_OUTCOMES_CONSUMER = 'patients:referral-outcomes';
export const REFERRAL_OUTCOME_EVENT_TYPES = ['ReferralStatusChanged'] as const;

type Payload = Record<string, unknown>;

export function referralOutcomeHandler(o: { source: string; log: Logger }) {
  return async (event: DomainEvent, m: EntityManager): Promise<void> => {
    const p = event.payload as Payload;
    if (p.status !== 'completed' || typeof p.socialNeedId !== 'string' || !isUuid(p.socialNeedId)) return;
    const outcome = (p.outcome ?? {}) as Payload;
    if (typeof outcome.needMet !== 'boolean') return;
    const need = await m.findOne(SocialNeedRecord, { where: { id: p.socialNeedId }, lock: { mode: 'pessimistic_write' } });
    if (!need || need.patientId !== event.patientId) {
      o.log.warn({ eventId: event.id, socialNeedId: p.socialNeedId }, 'referral outcome for an unknown social need skipped');
      return;
    }
    const reason = typeof outcome.needRemainsReason === 'string' ? outcome.needRemainsReason : null;
    const inserted: unknown[] = await m.query(
      `INSERT INTO patients.social_need_outcome (social_need_id, referral_id, source_event_id, need_met, reason, outcome_text)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source_event_id) DO NOTHING RETURNING id`,
      [need.id, p.referralId, event.id, outcome.needMet, reason, typeof outcome.text === 'string' ? outcome.text : null],
    );
    if (inserted.length === 0) return; // replayed
    const open = OPEN_SOCIAL_NEED_STATUSES.includes(need.status);
    const append = (e: ReturnType<typeof socialNeedEvent>) => recordEvent(m, o.source, { ...e, patientId: need.patientId, actor: event.actor });
    const extra = { referralId: p.referralId, needMet: outcome.needMet, reason };
    if (outcome.needMet && open) {
      const previousStatus = need.status;
      const saved = await m.save(Object.assign(need, { status: SocialNeedStatus.RESOLVED }));
      await append(socialNeedEvent('SocialNeedStatusChanged', saved, { ...extra, previousStatus }));
    } else {
      // Still open (or already closed): the outcome is on the need, its status stays as the team left it.
      await append(socialNeedEvent('SocialNeedReferralOutcomeRecorded', need, extra));
    }
  };
}
