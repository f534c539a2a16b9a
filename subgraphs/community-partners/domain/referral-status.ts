/**
 * Closed-loop referral lifecycle (HL7 Gravity SDOH Clinical Care IG).
 *
 * A referral is a FHIR Task owned by the community partner. Gravity uses every
 * Task.status except `ready` and `received`; the requester and the partner each
 * own a subset of the statuses, and either side may cancel.
 */
import { badInput, forbidden } from '../../../shared/errors';

export enum ReferralStatus {
  DRAFT = 'draft',
  REQUESTED = 'requested',
  ACCEPTED = 'accepted',
  REJECTED = 'rejected',
  IN_PROGRESS = 'in-progress',
  ON_HOLD = 'on-hold',
  FAILED = 'failed',
  COMPLETED = 'completed',
  CANCELLED = 'cancelled',
  ENTERED_IN_ERROR = 'entered-in-error',
}

export enum ReferralActor {
  REQUESTER = 'REQUESTER',
  PARTNER = 'PARTNER',
}

const S = ReferralStatus;

/**
 * Allowed next statuses. Choices beyond the Task state machine:
 * - entered-in-error is only reachable before the partner has acted (draft,
 *   requested): once accepted, the partner holds the referral as part of its own
 *   record, so the requester withdraws it with `cancelled` instead.
 * - `completed`/`failed` may follow `accepted` directly: partners often deliver a
 *   one-off service (a food box) without reporting in-progress first.
 * - on-hold lists both resume targets here; assertReferralTransition narrows it
 *   to the state on-hold was entered from (Task.status: "on-hold resumes to the
 *   state it left").
 * - Terminal statuses have no exits; a wrong terminal status is fixed by a new
 *   referral, never by reopening (keeps the closed-loop history auditable).
 */
export const REFERRAL_TRANSITIONS: Record<ReferralStatus, readonly ReferralStatus[]> = {
  [S.DRAFT]: [S.REQUESTED, S.CANCELLED, S.ENTERED_IN_ERROR],
  [S.REQUESTED]: [S.ACCEPTED, S.REJECTED, S.CANCELLED, S.ENTERED_IN_ERROR],
  [S.ACCEPTED]: [S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED, S.FAILED, S.CANCELLED],
  [S.IN_PROGRESS]: [S.ON_HOLD, S.COMPLETED, S.FAILED, S.CANCELLED],
  [S.ON_HOLD]: [S.ACCEPTED, S.IN_PROGRESS, S.CANCELLED, S.FAILED],
  [S.REJECTED]: [],
  [S.FAILED]: [],
  [S.COMPLETED]: [],
  [S.CANCELLED]: [],
  [S.ENTERED_IN_ERROR]: [],
};

/** States that on-hold can be entered from, and therefore resume to. */
export const RESUMABLE_STATUSES: readonly ReferralStatus[] = [S.ACCEPTED, S.IN_PROGRESS];

const REQUESTER_STATUSES: ReadonlySet<ReferralStatus> = new Set([S.DRAFT, S.REQUESTED, S.ENTERED_IN_ERROR, S.CANCELLED]);
const PARTNER_STATUSES: ReadonlySet<ReferralStatus> = new Set([
  S.ACCEPTED,
  S.REJECTED,
  S.IN_PROGRESS,
  S.ON_HOLD,
  S.FAILED,
  S.COMPLETED,
  S.CANCELLED,
]);

const ACTOR_LABEL: Record<ReferralActor, string> = {
  [ReferralActor.REQUESTER]: 'The referring care team',
  [ReferralActor.PARTNER]: 'A community partner',
};

/**
 * Gravity: the requester sets draft, requested, entered-in-error; the
 * organization sets accepted, rejected, in-progress, on-hold, failed,
 * completed; either side may cancel.
 */
export function whoMaySet(status: ReferralStatus): ReferralActor[] {
  const actors: ReferralActor[] = [];
  if (REQUESTER_STATUSES.has(status)) actors.push(ReferralActor.REQUESTER);
  if (PARTNER_STATUSES.has(status)) actors.push(ReferralActor.PARTNER);
  return actors;
}

export function isTerminal(s: ReferralStatus): boolean {
  return REFERRAL_TRANSITIONS[s].length === 0;
}

/**
 * Sent and still awaiting an outcome. Drafts are not open: the partner has not
 * seen them, so they do not count as outstanding work on either side.
 */
export const OPEN_REFERRAL_STATUSES: readonly ReferralStatus[] = [S.REQUESTED, S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD];

/**
 * A loop is closed when the partner reports what was done (Gravity: Task
 * completed with Task.output). Rejected and failed are partner responses too,
 * but no service was delivered, so they do NOT count as closed for the
 * closed-loop rate: they stay in its denominator (sent) and out of its
 * numerator. They are reported separately as resolved without service.
 */
export const CLOSED_LOOP_STATUSES: readonly ReferralStatus[] = [S.COMPLETED];

/** Terminal partner responses that end the referral without a delivered service. */
export const RESOLVED_WITHOUT_SERVICE_STATUSES: readonly ReferralStatus[] = [S.REJECTED, S.FAILED];

/**
 * Throws FORBIDDEN when `actor` may not set `to` (Gravity ownership of
 * statuses), BAD_USER_INPUT (field `status`) when `from → to` is not an allowed
 * transition. Ownership is checked first: it does not depend on the current state.
 * `resumeTo` is the status on-hold was entered from; when the caller does not
 * know it (null/undefined), either resumable status is accepted.
 */
export function assertReferralTransition(input: {
  from: ReferralStatus;
  to: ReferralStatus;
  actor: ReferralActor;
  resumeTo?: ReferralStatus | null;
}): void {
  const { from, to, actor, resumeTo } = input;
  if (!(from in REFERRAL_TRANSITIONS)) throw badInput(`Unknown referral status ${String(from)}`, 'status');
  if (!(to in REFERRAL_TRANSITIONS)) throw badInput(`Unknown referral status ${String(to)}`, 'status');

  if (!whoMaySet(to).includes(actor)) {
    throw forbidden(`${ACTOR_LABEL[actor] ?? 'This actor'} cannot set a referral to ${to}`, { status: to, actor });
  }

  if (!REFERRAL_TRANSITIONS[from].includes(to)) {
    const why = isTerminal(from) ? ` (${from} is final)` : '';
    throw badInput(`A referral cannot move from ${from} to ${to}${why}`, 'status', { from, to });
  }

  // Task.status: on-hold resumes to the state it left, not to any active state.
  if (from === S.ON_HOLD && RESUMABLE_STATUSES.includes(to) && resumeTo != null && resumeTo !== to) {
    throw badInput(
      `A referral on hold can only resume to ${resumeTo}, the status it was paused from, not ${to}`,
      'status',
      { from, to, resumeTo },
    );
  }
}
