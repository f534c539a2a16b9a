/**
 * Closed-loop referral outcomes (HL7 Gravity SDOH Clinical Care IG).
 *
 * Status values are the Gravity Task.status codes ("in-progress"); the GraphQL
 * enum spelling ("IN_PROGRESS") is accepted too. The lists below mirror
 * community-partners/domain/referral-status.ts: subgraphs do not import each
 * other's code.
 */
import { MS_PER_DAY } from './dates';

export interface ReferralRecord {
  id: string;
  partnerId: string;
  sentAt: Date | null;
  acceptedAt: Date | null;
  rejectedAt: Date | null;
  closedAt: Date | null;
  status: string;
}

export interface ReferralOutcomes {
  sent: number;
  closed: number;
  /** closed / sent; null when nothing was sent. */
  closedLoopRate: number | null;
  medianDaysToClose: number | null;
  /** accepted / (accepted + rejected responses); null when the partner has not responded to any. */
  acceptanceRate: number | null;
  /** The acceptance rate's numerator and denominator (accepted + rejected). */
  accepted: number;
  responded: number;
}

/**
 * The loop closes when the partner reports the service delivered (Task
 * completed with its output). Rejected and failed are partner responses
 * without a service, so they stay in the denominator (sent) but not the numerator.
 */
const CLOSED_LOOP = new Set(['completed']);
/** Statuses only reachable through acceptance (Gravity flow: accepted → in-progress → completed | failed). */
const ACCEPTED_OR_LATER = new Set(['accepted', 'in-progress', 'on-hold', 'completed', 'failed']);

const normalise = (status: string) => status.trim().toLowerCase().replace(/_/g, '-');

/** Middle value; the mean of the two middle values for an even count; null when empty. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * - sent: referrals with a sentAt (drafts, including cancelled drafts, were never sent);
 *   entered-in-error referrals are dropped entirely, they never existed.
 * - closed: sent referrals whose status is completed.
 * - medianDaysToClose: elapsed days (fractional) from sentAt to closedAt of closed referrals.
 * - acceptanceRate: a referral counts as accepted when acceptedAt is set or its status
 *   can only follow acceptance; as rejected when rejectedAt is set or status is rejected.
 */
export function referralOutcomes(referrals: ReferralRecord[]): ReferralOutcomes {
  let sent = 0;
  let closed = 0;
  let accepted = 0;
  let rejected = 0;
  const daysToClose: number[] = [];

  for (const r of referrals) {
    const status = normalise(r.status);
    if (status === 'entered-in-error' || r.sentAt === null) continue;
    sent++;
    if (CLOSED_LOOP.has(status)) {
      closed++;
      if (r.closedAt !== null) daysToClose.push((r.closedAt.getTime() - r.sentAt.getTime()) / MS_PER_DAY);
    }
    if (r.acceptedAt !== null || ACCEPTED_OR_LATER.has(status)) accepted++;
    else if (r.rejectedAt !== null || status === 'rejected') rejected++;
  }

  return {
    sent,
    closed,
    closedLoopRate: sent > 0 ? closed / sent : null,
    medianDaysToClose: median(daysToClose),
    acceptanceRate: accepted + rejected > 0 ? accepted / (accepted + rejected) : null,
    accepted,
    responded: accepted + rejected,
  };
}

/** referralOutcomes per partnerId (partners with no referrals are absent). */
export function referralOutcomesByPartner(referrals: ReferralRecord[]): Map<string, ReferralOutcomes> {
  const groups = new Map<string, ReferralRecord[]>();
  for (const r of referrals) {
    const list = groups.get(r.partnerId) ?? [];
    list.push(r);
    groups.set(r.partnerId, list);
  }
  const result = new Map<string, ReferralOutcomes>();
  for (const [partnerId, list] of groups) result.set(partnerId, referralOutcomes(list));
  return result;
}
