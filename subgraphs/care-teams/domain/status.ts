/**
 * Status vocabularies and lifecycles for care plans, goals, activities and care teams.
 *
 * Enum VALUES are the FHIR R4 codes (what we store and exchange); KEYS are
 * GraphQL-safe names (FHIR codes contain hyphens, which GraphQL enums forbid).
 * FHIR defines the value sets but not the allowed moves between them, so the
 * transition tables below are this hub's clinical-workflow policy.
 */
import { badInput } from '../../../shared/errors';

export interface Lifecycle<S extends string> {
  readonly name: string;
  canTransition(from: S, to: S): boolean;
  /** Throws BAD_USER_INPUT naming `field` (default 'status') when the move is not allowed. */
  assertTransition(from: S, to: S, field?: string): void;
  allowedFrom(from: S): readonly S[];
  isTerminal(s: S): boolean;
}

/**
 * A minimal state machine over a closed set of statuses. A state with no
 * outgoing transitions is terminal. Staying in the same state is not a
 * transition: callers should skip the check when the status is unchanged.
 */
export function defineLifecycle<S extends string>(
  name: string,
  transitions: Record<S, readonly S[]>,
): Lifecycle<S> {
  // Catch typos in a table at load time rather than at the first refused update.
  const states = new Set<string>(Object.keys(transitions));
  for (const [from, targets] of Object.entries(transitions) as [S, readonly S[]][]) {
    for (const to of targets) {
      if (!states.has(to)) throw new Error(`${name} lifecycle: ${from} → ${to} targets an undeclared state`);
      if (to === from) throw new Error(`${name} lifecycle: ${from} lists itself as a transition`);
    }
  }
  const table = Object.freeze(
    Object.fromEntries(Object.entries(transitions).map(([k, v]) => [k, Object.freeze([...(v as S[])])])),
  ) as Record<string, readonly S[]>;

  // Unknown states (e.g. a stored FHIR 'unknown') allow nothing rather than crash.
  const allowedFrom = (from: S): readonly S[] => table[from] ?? [];
  const canTransition = (from: S, to: S): boolean => allowedFrom(from).includes(to);

  return {
    name,
    canTransition,
    allowedFrom,
    isTerminal: (s: S) => allowedFrom(s).length === 0,
    assertTransition(from: S, to: S, field = 'status') {
      if (canTransition(from, to)) return;
      throw badInput(`${name} ${field} cannot change from ${from} to ${to}`, field, {
        from,
        to,
        allowed: [...allowedFrom(from)],
      });
    },
  };
}

// ---------------------------------------------------------------------------
// CarePlan — FHIR R4 CarePlan.status (RequestStatus) and CarePlan.intent.
// 'unknown' is omitted: the hub always knows the status of plans it authors.
// ---------------------------------------------------------------------------

export enum CarePlanStatus {
  DRAFT = 'draft',
  ACTIVE = 'active',
  ON_HOLD = 'on-hold',
  REVOKED = 'revoked',
  COMPLETED = 'completed',
  ENTERED_IN_ERROR = 'entered-in-error',
}

export enum CarePlanIntent {
  PROPOSAL = 'proposal',
  PLAN = 'plan',
  ORDER = 'order',
  OPTION = 'option',
}

/**
 * A draft can be activated or abandoned (revoked); an active plan can pause,
 * finish or be revoked; a paused plan resumes or is revoked. A draft cannot be
 * "completed" — nothing was carried out. completed, revoked and
 * entered-in-error are final: a new plan (or a new version) is written instead.
 */
export const carePlanLifecycle = defineLifecycle<CarePlanStatus>('CarePlan', {
  [CarePlanStatus.DRAFT]: [CarePlanStatus.ACTIVE, CarePlanStatus.REVOKED, CarePlanStatus.ENTERED_IN_ERROR],
  [CarePlanStatus.ACTIVE]: [
    CarePlanStatus.ON_HOLD,
    CarePlanStatus.COMPLETED,
    CarePlanStatus.REVOKED,
    CarePlanStatus.ENTERED_IN_ERROR,
  ],
  [CarePlanStatus.ON_HOLD]: [CarePlanStatus.ACTIVE, CarePlanStatus.REVOKED, CarePlanStatus.ENTERED_IN_ERROR],
  [CarePlanStatus.REVOKED]: [],
  [CarePlanStatus.COMPLETED]: [],
  [CarePlanStatus.ENTERED_IN_ERROR]: [],
});

// ---------------------------------------------------------------------------
// Goal — FHIR R4 Goal.lifecycleStatus; achievementStatus is a separate axis.
// ---------------------------------------------------------------------------

export enum GoalLifecycleStatus {
  PROPOSED = 'proposed',
  PLANNED = 'planned',
  ACCEPTED = 'accepted',
  ACTIVE = 'active',
  ON_HOLD = 'on-hold',
  COMPLETED = 'completed',
  CANCELLED = 'cancelled',
  ENTERED_IN_ERROR = 'entered-in-error',
  REJECTED = 'rejected',
}

/** FHIR R4 Goal.achievementStatus: progress, independent of the lifecycle. */
export enum GoalAchievementStatus {
  IN_PROGRESS = 'in-progress',
  IMPROVING = 'improving',
  WORSENING = 'worsening',
  NO_CHANGE = 'no-change',
  ACHIEVED = 'achieved',
  SUSTAINING = 'sustaining',
  NOT_ACHIEVED = 'not-achieved',
  NO_PROGRESS = 'no-progress',
  NOT_ATTAINABLE = 'not-attainable',
}

/**
 * Only a proposal can be rejected (the patient or team declines it); once
 * agreed, a goal is cancelled instead. Completion requires the goal to have
 * been active. completed, cancelled, rejected and entered-in-error are final.
 */
export const goalLifecycle = defineLifecycle<GoalLifecycleStatus>('Goal', {
  [GoalLifecycleStatus.PROPOSED]: [
    GoalLifecycleStatus.PLANNED,
    GoalLifecycleStatus.ACCEPTED,
    GoalLifecycleStatus.ACTIVE,
    GoalLifecycleStatus.REJECTED,
    GoalLifecycleStatus.CANCELLED,
    GoalLifecycleStatus.ENTERED_IN_ERROR,
  ],
  [GoalLifecycleStatus.PLANNED]: [
    GoalLifecycleStatus.ACCEPTED,
    GoalLifecycleStatus.ACTIVE,
    GoalLifecycleStatus.CANCELLED,
    GoalLifecycleStatus.ON_HOLD,
    GoalLifecycleStatus.ENTERED_IN_ERROR,
  ],
  [GoalLifecycleStatus.ACCEPTED]: [
    GoalLifecycleStatus.ACTIVE,
    GoalLifecycleStatus.ON_HOLD,
    GoalLifecycleStatus.CANCELLED,
    GoalLifecycleStatus.ENTERED_IN_ERROR,
  ],
  [GoalLifecycleStatus.ACTIVE]: [
    GoalLifecycleStatus.ON_HOLD,
    GoalLifecycleStatus.COMPLETED,
    GoalLifecycleStatus.CANCELLED,
    GoalLifecycleStatus.ENTERED_IN_ERROR,
  ],
  [GoalLifecycleStatus.ON_HOLD]: [
    GoalLifecycleStatus.ACTIVE,
    GoalLifecycleStatus.CANCELLED,
    GoalLifecycleStatus.ENTERED_IN_ERROR,
  ],
  [GoalLifecycleStatus.COMPLETED]: [],
  [GoalLifecycleStatus.CANCELLED]: [],
  [GoalLifecycleStatus.ENTERED_IN_ERROR]: [],
  [GoalLifecycleStatus.REJECTED]: [],
});

// ---------------------------------------------------------------------------
// Activity — FHIR R4 CarePlan.activity.detail.status ('unknown' omitted).
// ---------------------------------------------------------------------------

export enum ActivityStatus {
  NOT_STARTED = 'not-started',
  SCHEDULED = 'scheduled',
  IN_PROGRESS = 'in-progress',
  ON_HOLD = 'on-hold',
  COMPLETED = 'completed',
  CANCELLED = 'cancelled',
  STOPPED = 'stopped',
  ENTERED_IN_ERROR = 'entered-in-error',
}

/**
 * FHIR distinguishes cancelled (ended before it began) from stopped (ended
 * after it began), so work in progress is stopped, not cancelled. A scheduled
 * activity may be completed directly (e.g. an appointment that took place).
 * completed, cancelled, stopped and entered-in-error are final.
 */
export const activityLifecycle = defineLifecycle<ActivityStatus>('Activity', {
  [ActivityStatus.NOT_STARTED]: [
    ActivityStatus.SCHEDULED,
    ActivityStatus.IN_PROGRESS,
    ActivityStatus.CANCELLED,
    ActivityStatus.ENTERED_IN_ERROR,
  ],
  [ActivityStatus.SCHEDULED]: [
    ActivityStatus.IN_PROGRESS,
    ActivityStatus.ON_HOLD,
    ActivityStatus.COMPLETED,
    ActivityStatus.CANCELLED,
    ActivityStatus.ENTERED_IN_ERROR,
  ],
  [ActivityStatus.IN_PROGRESS]: [
    ActivityStatus.ON_HOLD,
    ActivityStatus.COMPLETED,
    ActivityStatus.STOPPED,
    ActivityStatus.ENTERED_IN_ERROR,
  ],
  [ActivityStatus.ON_HOLD]: [
    ActivityStatus.IN_PROGRESS,
    ActivityStatus.SCHEDULED,
    ActivityStatus.STOPPED,
    ActivityStatus.CANCELLED,
    ActivityStatus.ENTERED_IN_ERROR,
  ],
  [ActivityStatus.COMPLETED]: [],
  [ActivityStatus.CANCELLED]: [],
  [ActivityStatus.STOPPED]: [],
  [ActivityStatus.ENTERED_IN_ERROR]: [],
});

/** Activities still expecting work: the non-terminal FHIR activity statuses. */
export const OPEN_ACTIVITY_STATUSES: readonly ActivityStatus[] = Object.freeze([
  ActivityStatus.NOT_STARTED,
  ActivityStatus.SCHEDULED,
  ActivityStatus.IN_PROGRESS,
  ActivityStatus.ON_HOLD,
]);

// ---------------------------------------------------------------------------
// CareTeam — FHIR R4 CareTeam.status.
// ---------------------------------------------------------------------------

export enum CareTeamStatus {
  PROPOSED = 'proposed',
  ACTIVE = 'active',
  SUSPENDED = 'suspended',
  INACTIVE = 'inactive',
  ENTERED_IN_ERROR = 'entered-in-error',
}

/**
 * A team can be suspended and reinstated, but once inactive it is closed: a
 * returning patient gets a new team so the old membership history stays intact.
 */
export const careTeamLifecycle = defineLifecycle<CareTeamStatus>('CareTeam', {
  [CareTeamStatus.PROPOSED]: [CareTeamStatus.ACTIVE, CareTeamStatus.INACTIVE, CareTeamStatus.ENTERED_IN_ERROR],
  [CareTeamStatus.ACTIVE]: [CareTeamStatus.SUSPENDED, CareTeamStatus.INACTIVE, CareTeamStatus.ENTERED_IN_ERROR],
  [CareTeamStatus.SUSPENDED]: [CareTeamStatus.ACTIVE, CareTeamStatus.INACTIVE, CareTeamStatus.ENTERED_IN_ERROR],
  [CareTeamStatus.INACTIVE]: [],
  [CareTeamStatus.ENTERED_IN_ERROR]: [],
});

// ---------------------------------------------------------------------------
// Hub vocabularies (not FHIR value sets): value = name.
// ---------------------------------------------------------------------------

export enum CareTeamRole {
  CARE_COORDINATOR = 'CARE_COORDINATOR',
  NURSE_CASE_MANAGER = 'NURSE_CASE_MANAGER',
  PRIMARY_CARE_PHYSICIAN = 'PRIMARY_CARE_PHYSICIAN',
  SPECIALIST = 'SPECIALIST',
  SOCIAL_WORKER = 'SOCIAL_WORKER',
  PHARMACIST = 'PHARMACIST',
  DIETITIAN = 'DIETITIAN',
  COMMUNITY_HEALTH_WORKER = 'COMMUNITY_HEALTH_WORKER',
  BEHAVIORAL_HEALTH = 'BEHAVIORAL_HEALTH',
  PHYSICAL_THERAPIST = 'PHYSICAL_THERAPIST',
}

export enum ActivityKind {
  EDUCATION = 'EDUCATION',
  MEDICATION_RECONCILIATION = 'MEDICATION_RECONCILIATION',
  FOLLOW_UP_CALL = 'FOLLOW_UP_CALL',
  HOME_VISIT = 'HOME_VISIT',
  APPOINTMENT = 'APPOINTMENT',
  REFERRAL = 'REFERRAL',
  SELF_MANAGEMENT_SUPPORT = 'SELF_MANAGEMENT_SUPPORT',
  REMOTE_MONITORING = 'REMOTE_MONITORING',
  CARE_CONFERENCE = 'CARE_CONFERENCE',
}
