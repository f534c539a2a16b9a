import { HubError } from '../../../shared/errors';
import {
  ActivityKind,
  ActivityStatus,
  activityLifecycle,
  CarePlanIntent,
  CarePlanStatus,
  carePlanLifecycle,
  CareTeamRole,
  CareTeamStatus,
  careTeamLifecycle,
  defineLifecycle,
  GoalAchievementStatus,
  GoalLifecycleStatus,
  goalLifecycle,
  Lifecycle,
  OPEN_ACTIVITY_STATUSES,
} from './status';

/** Expected tables written out in FHIR codes, independently of the implementation. */
const expected: Record<string, { lifecycle: Lifecycle<string>; table: Record<string, string[]> }> = {
  CarePlan: {
    lifecycle: carePlanLifecycle as Lifecycle<string>,
    table: {
      draft: ['active', 'revoked', 'entered-in-error'],
      active: ['on-hold', 'completed', 'revoked', 'entered-in-error'],
      'on-hold': ['active', 'revoked', 'entered-in-error'],
      revoked: [],
      completed: [],
      'entered-in-error': [],
    },
  },
  Goal: {
    lifecycle: goalLifecycle as Lifecycle<string>,
    table: {
      proposed: ['planned', 'accepted', 'active', 'rejected', 'cancelled', 'entered-in-error'],
      planned: ['accepted', 'active', 'cancelled', 'on-hold', 'entered-in-error'],
      accepted: ['active', 'on-hold', 'cancelled', 'entered-in-error'],
      active: ['on-hold', 'completed', 'cancelled', 'entered-in-error'],
      'on-hold': ['active', 'cancelled', 'entered-in-error'],
      completed: [],
      cancelled: [],
      rejected: [],
      'entered-in-error': [],
    },
  },
  Activity: {
    lifecycle: activityLifecycle as Lifecycle<string>,
    table: {
      'not-started': ['scheduled', 'in-progress', 'cancelled', 'entered-in-error'],
      scheduled: ['in-progress', 'on-hold', 'completed', 'cancelled', 'entered-in-error'],
      'in-progress': ['on-hold', 'completed', 'stopped', 'entered-in-error'],
      'on-hold': ['in-progress', 'scheduled', 'stopped', 'cancelled', 'entered-in-error'],
      completed: [],
      cancelled: [],
      stopped: [],
      'entered-in-error': [],
    },
  },
  CareTeam: {
    lifecycle: careTeamLifecycle as Lifecycle<string>,
    table: {
      proposed: ['active', 'inactive', 'entered-in-error'],
      active: ['suspended', 'inactive', 'entered-in-error'],
      suspended: ['active', 'inactive', 'entered-in-error'],
      inactive: [],
      'entered-in-error': [],
    },
  },
};

function caughtError(fn: () => void): HubError {
  try {
    fn();
  } catch (e) {
    return e as HubError;
  }
  throw new Error('expected a throw');
}

describe.each(Object.entries(expected))('%s lifecycle', (name, { lifecycle, table }) => {
  const states = Object.keys(table);
  const allowed = states.flatMap((from) => table[from].map((to) => [from, to] as const));
  const refused = states.flatMap((from) =>
    states.filter((to) => to !== from && !table[from].includes(to)).map((to) => [from, to] as const),
  );
  const terminal = states.filter((s) => table[s].length === 0);

  it('is named after its FHIR resource', () => {
    expect(lifecycle.name).toBe(name);
  });

  it.each(allowed)('allows %s → %s', (from, to) => {
    expect(lifecycle.canTransition(from, to)).toBe(true);
    expect(() => lifecycle.assertTransition(from, to)).not.toThrow();
  });

  it.each(refused)('refuses %s → %s', (from, to) => {
    expect(lifecycle.canTransition(from, to)).toBe(false);
    const err = caughtError(() => lifecycle.assertTransition(from, to));
    expect(err).toBeInstanceOf(HubError);
    expect(err.extensions.code).toBe('BAD_USER_INPUT');
    expect(err.message).toBe(`${name} status cannot change from ${from} to ${to}`);
    expect(err.extensions).toMatchObject({ field: 'status', from, to, allowed: table[from] });
  });

  it('lists exactly the documented moves from every state', () => {
    for (const s of states) expect([...lifecycle.allowedFrom(s)].sort()).toEqual([...table[s]].sort());
  });

  it.each(terminal)('treats %s as terminal', (s) => {
    expect(lifecycle.isTerminal(s)).toBe(true);
    for (const to of states) expect(lifecycle.canTransition(s, to)).toBe(false);
  });

  it('treats every other state as non-terminal', () => {
    for (const s of states.filter((x) => !terminal.includes(x))) expect(lifecycle.isTerminal(s)).toBe(false);
  });

  it('does not count staying in the same state as a transition', () => {
    for (const s of states) expect(lifecycle.canTransition(s, s)).toBe(false);
  });
});

describe('defineLifecycle', () => {
  it('names the offending field and lists the allowed moves', () => {
    const err = caughtError(() =>
      goalLifecycle.assertTransition(GoalLifecycleStatus.COMPLETED, GoalLifecycleStatus.ACTIVE, 'lifecycleStatus'),
    );
    expect(err.message).toBe('Goal lifecycleStatus cannot change from completed to active');
    expect(err.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'lifecycleStatus',
      from: 'completed',
      to: 'active',
      allowed: [],
    });
  });

  it('gives the example message from the spec', () => {
    const err = caughtError(() => carePlanLifecycle.assertTransition(CarePlanStatus.COMPLETED, CarePlanStatus.ACTIVE));
    expect(err.message).toBe('CarePlan status cannot change from completed to active');
  });

  it('refuses a move from a state it does not know (e.g. FHIR "unknown")', () => {
    const lc = carePlanLifecycle as Lifecycle<string>;
    expect(lc.allowedFrom('unknown')).toEqual([]);
    expect(lc.canTransition('unknown', 'active')).toBe(false);
    expect(() => lc.assertTransition('unknown', 'active')).toThrow('cannot change from unknown to active');
  });

  it('rejects a table that targets an undeclared state', () => {
    expect(() => defineLifecycle<'a' | 'b'>('Broken', { a: ['c' as 'b'], b: [] })).toThrow(/undeclared state/);
  });

  it('rejects a table where a state lists itself', () => {
    expect(() => defineLifecycle<'a' | 'b'>('Broken', { a: ['a', 'b'], b: [] })).toThrow(/lists itself/);
  });

  it('does not let callers mutate the transition table', () => {
    const moves = carePlanLifecycle.allowedFrom(CarePlanStatus.DRAFT) as CarePlanStatus[];
    expect(() => moves.push(CarePlanStatus.COMPLETED)).toThrow();
    expect(carePlanLifecycle.canTransition(CarePlanStatus.DRAFT, CarePlanStatus.COMPLETED)).toBe(false);
  });
});

describe('FHIR value sets', () => {
  it('use the FHIR R4 codes as enum values', () => {
    expect(Object.values(CarePlanStatus)).toEqual(['draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error']);
    expect(Object.values(CarePlanIntent)).toEqual(['proposal', 'plan', 'order', 'option']);
    expect(Object.values(GoalLifecycleStatus)).toEqual([
      'proposed', 'planned', 'accepted', 'active', 'on-hold', 'completed', 'cancelled', 'entered-in-error', 'rejected',
    ]);
    expect(Object.values(GoalAchievementStatus)).toEqual([
      'in-progress', 'improving', 'worsening', 'no-change', 'achieved', 'sustaining', 'not-achieved', 'no-progress',
      'not-attainable',
    ]);
    expect(Object.values(ActivityStatus)).toEqual([
      'not-started', 'scheduled', 'in-progress', 'on-hold', 'completed', 'cancelled', 'stopped', 'entered-in-error',
    ]);
    expect(Object.values(CareTeamStatus)).toEqual(['proposed', 'active', 'suspended', 'inactive', 'entered-in-error']);
  });

  it('use GraphQL-safe enum keys', () => {
    for (const e of [CarePlanStatus, CarePlanIntent, GoalLifecycleStatus, GoalAchievementStatus, ActivityStatus, CareTeamStatus]) {
      for (const key of Object.keys(e)) expect(key).toMatch(/^[A-Z][A-Z_]*$/);
    }
  });

  it('hub vocabularies use the name as the value', () => {
    for (const e of [CareTeamRole, ActivityKind]) {
      for (const [key, value] of Object.entries(e)) expect(value).toBe(key);
    }
    expect(Object.keys(CareTeamRole)).toHaveLength(10);
    expect(Object.keys(ActivityKind)).toHaveLength(9);
  });

  it('OPEN_ACTIVITY_STATUSES are exactly the non-terminal activity statuses', () => {
    expect([...OPEN_ACTIVITY_STATUSES]).toEqual(['not-started', 'scheduled', 'in-progress', 'on-hold']);
    for (const s of Object.values(ActivityStatus)) {
      expect(OPEN_ACTIVITY_STATUSES.includes(s)).toBe(!activityLifecycle.isTerminal(s));
    }
  });
});
