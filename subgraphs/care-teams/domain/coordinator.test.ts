import { HubError } from '../../../shared/errors';
import {
  activeCoordinators,
  activeMemberships,
  assertMembershipPeriod,
  assertOneCoordinator,
  Membership,
} from './coordinator';
import { CareTeamRole } from './status';

const d = (iso: string) => new Date(iso);
const member = (id: string, role: CareTeamRole, start: string, end: string | null = null): Membership => ({
  id,
  practitionerId: `pr-${id}`,
  role,
  start: d(start),
  end: end === null ? null : d(end),
});

function caughtError(fn: () => void): HubError {
  try {
    fn();
  } catch (e) {
    return e as HubError;
  }
  throw new Error('expected a throw');
}

const at = d('2026-03-15T12:00:00Z');

describe('activeMemberships', () => {
  const members = [
    member('open', CareTeamRole.NURSE_CASE_MANAGER, '2026-01-01T00:00:00Z'),
    member('ended', CareTeamRole.SOCIAL_WORKER, '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'),
    member('future', CareTeamRole.PHARMACIST, '2026-04-01T00:00:00Z'),
    member('startsNow', CareTeamRole.DIETITIAN, '2026-03-15T12:00:00Z'),
    member('endsNow', CareTeamRole.SPECIALIST, '2026-01-01T00:00:00Z', '2026-03-15T12:00:00Z'),
    member('endsLater', CareTeamRole.PRIMARY_CARE_PHYSICIAN, '2026-01-01T00:00:00Z', '2026-03-15T12:00:00.001Z'),
  ];

  it('keeps memberships whose [start, end) period covers the instant', () => {
    expect(activeMemberships(members, at).map((m) => m.id)).toEqual(['open', 'startsNow', 'endsLater']);
  });

  it('returns nothing for an empty team', () => {
    expect(activeMemberships([], at)).toEqual([]);
  });
});

describe('assertOneCoordinator', () => {
  const nurse = member('n1', CareTeamRole.NURSE_CASE_MANAGER, '2026-01-01T00:00:00Z');

  it('passes with exactly one active coordinator', () => {
    const members = [nurse, member('c1', CareTeamRole.CARE_COORDINATOR, '2026-01-01T00:00:00Z')];
    expect(() => assertOneCoordinator(members, at)).not.toThrow();
    expect(activeCoordinators(members, at).map((m) => m.id)).toEqual(['c1']);
  });

  it('refuses a team with no coordinator', () => {
    const err = caughtError(() => assertOneCoordinator([nurse], at));
    expect(err).toBeInstanceOf(HubError);
    expect(err.message).toBe('An active care team needs exactly one care coordinator');
    expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'members', activeCoordinators: 0 });
  });

  it('refuses a team whose only coordinator has left', () => {
    const members = [nurse, member('c1', CareTeamRole.CARE_COORDINATOR, '2026-01-01T00:00:00Z', '2026-03-01T00:00:00Z')];
    expect(() => assertOneCoordinator(members, at)).toThrow('exactly one care coordinator');
  });

  it('refuses two active coordinators and names them', () => {
    const members = [
      member('c1', CareTeamRole.CARE_COORDINATOR, '2026-01-01T00:00:00Z'),
      member('c2', CareTeamRole.CARE_COORDINATOR, '2026-03-01T00:00:00Z'),
      nurse,
    ];
    const err = caughtError(() => assertOneCoordinator(members, at));
    expect(err.extensions).toMatchObject({ field: 'members', activeCoordinators: 2, membershipIds: ['c1', 'c2'] });
  });

  it('accepts a hand-over where one coordinator ends as the next starts', () => {
    const members = [
      member('c1', CareTeamRole.CARE_COORDINATOR, '2026-01-01T00:00:00Z', '2026-03-15T12:00:00Z'),
      member('c2', CareTeamRole.CARE_COORDINATOR, '2026-03-15T12:00:00Z'),
    ];
    expect(() => assertOneCoordinator(members, at)).not.toThrow();
    expect(() => assertOneCoordinator(members, d('2026-03-15T11:59:59.999Z'))).not.toThrow();
    expect(activeCoordinators(members, at).map((m) => m.id)).toEqual(['c2']);
  });

  it('ignores a coordinator who has not started yet', () => {
    const members = [
      member('c1', CareTeamRole.CARE_COORDINATOR, '2026-01-01T00:00:00Z'),
      member('c2', CareTeamRole.CARE_COORDINATOR, '2026-04-01T00:00:00Z'),
    ];
    expect(() => assertOneCoordinator(members, at)).not.toThrow();
    expect(() => assertOneCoordinator(members, d('2026-04-01T00:00:00Z'))).toThrow();
  });
});

describe('assertMembershipPeriod', () => {
  it('accepts an open or later-ending membership', () => {
    expect(() => assertMembershipPeriod(d('2026-01-01T00:00:00Z'), null)).not.toThrow();
    expect(() => assertMembershipPeriod(d('2026-01-01T00:00:00Z'), d('2026-01-02T00:00:00Z'))).not.toThrow();
  });

  it('refuses an end at or before the start', () => {
    const err = caughtError(() => assertMembershipPeriod(d('2026-01-02T00:00:00Z'), d('2026-01-02T00:00:00Z')));
    expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'end' });
  });
});
