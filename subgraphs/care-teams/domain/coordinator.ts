/**
 * The "exactly one active care coordinator" rule.
 *
 * CMS CCM requires a designated care team member the patient can reach; the
 * hub makes that the team's single care coordinator, so there is never doubt
 * about who owns follow-up (none leaves the patient unowned, two split it).
 */
import { badInput } from '../../../shared/errors';
import { CareTeamRole } from './status';

export interface Membership {
  id: string;
  practitionerId: string;
  role: CareTeamRole;
  start: Date;
  /** When the membership ended; null while it is open. */
  end: Date | null;
}

/**
 * Whether a membership covers `at`. The period is half-open, [start, end), so a
 * hand-over where one coordinator ends at the instant the next starts never
 * counts both (or neither).
 */
export function isActiveAt(m: Membership, at: Date): boolean {
  const t = at.getTime();
  return m.start.getTime() <= t && (m.end === null || t < m.end.getTime());
}

export function activeMemberships(members: Membership[], at: Date): Membership[] {
  return members.filter((m) => isActiveAt(m, at));
}

/** The active care coordinator memberships at `at` (normally exactly one). */
export function activeCoordinators(members: Membership[], at: Date): Membership[] {
  return activeMemberships(members, at).filter((m) => m.role === CareTeamRole.CARE_COORDINATOR);
}

/** Throws BAD_USER_INPUT on 'members' unless exactly one coordinator is active at `at`. */
export function assertOneCoordinator(members: Membership[], at: Date): void {
  const coordinators = activeCoordinators(members, at);
  if (coordinators.length !== 1) {
    throw badInput('An active care team needs exactly one care coordinator', 'members', {
      activeCoordinators: coordinators.length,
      membershipIds: coordinators.map((m) => m.id),
    });
  }
}

/** Throws BAD_USER_INPUT on 'end' when a membership would end before (or as) it starts. */
export function assertMembershipPeriod(start: Date, end: Date | null): void {
  if (end !== null && end.getTime() <= start.getTime()) {
    throw badInput('A membership must end after it starts', 'end', {
      start: start.toISOString(),
      end: end.toISOString(),
    });
  }
}
