/**
 * Calendar-day arithmetic for the metrics. All measures count calendar days in
 * UTC so a figure does not change with the server's time zone.
 */
import { badInput } from '../../../shared/errors';

export const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of the UTC calendar date of `d`. */
export function utcDayNumber(d: Date): number {
  return Math.floor(d.getTime() / MS_PER_DAY);
}

/** Calendar days from the date of `from` to the date of `to` (UTC); times of day are ignored. */
export function calendarDaysBetween(from: Date, to: Date): number {
  return utcDayNumber(to) - utcDayNumber(from);
}

/** Throws BAD_USER_INPUT when `d` is not a valid Date. */
export function assertValidDate(d: unknown, field: string): asserts d is Date {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw badInput(`${field} is not a valid date`, field);
}

/** 00:00 UTC on the first day of the month of `d`. */
export function startOfUtcMonth(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

/**
 * The same instant `months` calendar months later (earlier when negative), by
 * UTC date; a day past the end of the target month clamps to its last day
 * (31 March − 1 month = 28/29 February), as calendar "N months ago" does.
 */
export function addUtcMonths(d: Date, months: number): Date {
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return new Date(target.getTime() + (d.getTime() - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())));
}
