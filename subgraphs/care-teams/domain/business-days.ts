/**
 * Business-day arithmetic: Monday–Friday, excluding the organisation's holidays.
 * CMS TCM counts its 2-day contact window in business days defined this way, on
 * the practice's local dates (CMS TCM FAQs; `HUB_TIME_ZONE`, shared/time-zone.ts):
 * a zone is passed in, UTC when none is, so a deadline never depends on the
 * server's own time zone.
 */
import { badInput } from '../../../shared/errors';
import { addIsoDays, endOfLocalDay, isoWeekday, localIsoDate } from '../../../shared/time-zone';

const DAY_MS = 24 * 60 * 60 * 1000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The UTC calendar date of an instant, as YYYY-MM-DD. */
export function toIsoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** 00:00:00.000 UTC on the date of `date`. */
export function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

/** 23:59:59.999 UTC on the date of `date`: a deadline "on that day" includes the whole day. */
export function endOfUtcDay(date: Date): Date {
  return new Date(startOfUtcDay(date).getTime() + DAY_MS - 1);
}

/** The same UTC time of day, `days` calendar days later. */
export function addCalendarDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/**
 * Parses "2026-11-26,2026-12-25" into a set of ISO dates. Blank entries are
 * ignored so an empty setting means "no holidays"; anything else that is not
 * a real calendar date is refused (a typo would silently shift deadlines).
 */
export function parseHolidayCalendar(spec: string): Set<string> {
  const holidays = new Set<string>();
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const m = ISO_DATE.exec(entry);
    const valid =
      m !== null &&
      (() => {
        const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
        return toIsoDate(d) === entry; // rejects 2026-02-30, month 13, etc.
      })();
    if (!valid) {
      throw badInput(`Holiday "${entry}" is not a valid date (expected YYYY-MM-DD)`, 'holidays', { value: entry });
    }
    holidays.add(entry);
  }
  return holidays;
}

/** Monday–Friday and not a holiday, for a local calendar date (YYYY-MM-DD). */
export function isBusinessIsoDate(isoDate: string, holidays: Set<string>): boolean {
  const weekday = isoWeekday(isoDate);
  return weekday !== 0 && weekday !== 6 && !holidays.has(isoDate);
}

export function isBusinessDay(date: Date, holidays: Set<string>): boolean {
  const weekday = date.getUTCDay(); // 0 Sunday … 6 Saturday
  return weekday !== 0 && weekday !== 6 && !holidays.has(toIsoDate(date));
}

/**
 * The deadline `days` business days after `from`'s local date in `timeZone`: the
 * end (23:59:59.999 local) of the Nth business day that follows it. The day of
 * `from` itself never counts, so a Friday discharge with days = 2 is due
 * Tuesday; days = 0 is the end of `from`'s own date. A Wednesday 22:30 discharge
 * in New York is Wednesday there (Thursday in UTC), so it is due Friday, not Monday.
 */
export function addBusinessDays(from: Date, days: number, holidays: Set<string>, timeZone = 'UTC'): Date {
  if (!Number.isInteger(days) || days < 0) {
    throw badInput('days must be a whole number of business days, zero or more', 'days', { days });
  }
  let day = localIsoDate(from, timeZone);
  let counted = 0;
  while (counted < days) {
    day = addIsoDays(day, 1);
    if (isBusinessIsoDate(day, holidays)) counted += 1;
  }
  return endOfLocalDay(day, timeZone);
}
