/**
 * What one referral status change writes besides the row itself: its history entry
 * and its ReferralStatusChanged event (docs/events.md). Shared by the live
 * mutations and the demo seed, so both record a change the same way.
 */
import type { NewEvent } from '../../../shared/events';
import type { ReferralOutcome } from '../domain/referral-request';
import { ReferralStatus as S, type ReferralActor } from '../domain/referral-status';
import type { ReferralRecord, ReferralStatusChangeRecord } from './entities';

/** The column holding when a referral last entered each status (draft: createdAt). */
export const STATUS_TIME: Record<S, keyof ReferralRecord | null> = {
  [S.DRAFT]: null,
  [S.REQUESTED]: 'requestedAt',
  [S.ACCEPTED]: 'acceptedAt',
  [S.REJECTED]: 'rejectedAt',
  [S.IN_PROGRESS]: 'inProgressAt',
  [S.ON_HOLD]: 'onHoldAt',
  [S.FAILED]: 'failedAt',
  [S.COMPLETED]: 'completedAt',
  [S.CANCELLED]: 'cancelledAt',
  [S.ENTERED_IN_ERROR]: 'enteredInErrorAt',
};

export interface StatusChange {
  referral: Pick<ReferralRecord, 'id' | 'patientId' | 'partnerId' | 'category' | 'socialNeedId' | 'priority'>;
  from: S | null;
  to: S;
  actorSide: ReferralActor;
  /** The `sub` who made the change. */
  actor: string;
  reason: string | null;
  outcome?: ReferralOutcome;
  at: Date;
}

export function historyEntry(c: StatusChange): Partial<ReferralStatusChangeRecord> {
  return { referralId: c.referral.id, status: c.to, previousStatus: c.from, reason: c.reason, actor: c.actor, actorSide: c.actorSide, changedAt: c.at };
}

/** `occurredAt` is set only for history written after the fact (the seed); live changes are stamped by the log. */
export function statusChangedEvent(c: StatusChange, occurredAt?: Date): NewEvent {
  const r = c.referral;
  return {
    type: 'ReferralStatusChanged', aggregateType: 'Referral', aggregateId: r.id, patientId: r.patientId, actor: c.actor, occurredAt,
    payload: {
      referralId: r.id, partnerId: r.partnerId, category: r.category, socialNeedId: r.socialNeedId, priority: r.priority,
      status: c.to, previousStatus: c.from, statusReason: c.reason, actorSide: c.actorSide,
      ...(c.outcome ? { outcome: c.outcome } : {}),
    },
  };
}
