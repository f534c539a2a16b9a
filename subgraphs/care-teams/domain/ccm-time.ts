/**
 * Logging CCM time: whose minutes count as the physician's, and which days may
 * be logged. The billing itself is in ccm-billing.ts.
 */
import { badInput } from '../../../shared/errors';
import { parseIsoDate } from './dates';
import { CareTeamRole } from './status';

/**
 * CMS 99491 counts time personally spent by the physician or qualified health
 * professional; on a care team those are the physician roles.
 */
export const PHYSICIAN_TEAM_ROLES: ReadonlySet<string> = new Set([CareTeamRole.PRIMARY_CARE_PHYSICIAN, CareTeamRole.SPECIALIST]);

/** True when any of the practitioner's roles on the team is a physician role. */
export const isPhysicianTime = (teamRoles: readonly string[]): boolean => teamRoles.some((r) => PHYSICIAN_TEAM_ROLES.has(r));

/**
 * The day the time was spent: a real date, not after `today` — the organization's local
 * date (HUB_TIME_ZONE, shared/time-zone.ts), since CCM months are local calendar months.
 * Returns it normalised.
 */
export function assertPerformedOn(value: string, today: string): string {
  const date = parseIsoDate(value, 'performedOn');
  if (date > today) throw badInput('CCM time cannot be logged for a future day', 'performedOn', { value });
  return date;
}
