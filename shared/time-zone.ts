/**
 * The organization's local calendar (issue 14): CMS TCM counts business and calendar
 * days, and CMS CCM billing months, as local dates of the practice ("Dates are local
 * calendar dates of the practice", clinical-rules.md, CMS TCM FAQs). `HUB_TIME_ZONE`
 * names an IANA zone (default UTC); conversions go through @date-fns/tz with date-fns 4,
 * so daylight-saving changes are the tz database's, not offsets by hand.
 */
import { TZDate, tz } from '@date-fns/tz';
import { endOfDay, format, startOfDay } from 'date-fns';
import { config } from './config';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a zone the runtime's tz database knows ("America/New_York", "UTC"). */
export function isTimeZone(name: string): boolean {
  if (typeof name !== 'string' || name.trim() === '') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** HUB_TIME_ZONE, checked: a typo would silently move every deadline, so it fails loudly instead. */
export function hubTimeZone(): string {
  const zone = config.hubTimeZone;
  if (!isTimeZone(zone)) throw new Error(`HUB_TIME_ZONE must be an IANA time zone (e.g. America/New_York), got "${zone}"`);
  return zone;
}

/** The local calendar date (YYYY-MM-DD) of an instant in `zone`. */
export function localIsoDate(instant: Date, zone: string): string {
  return format(instant, 'yyyy-MM-dd', { in: tz(zone) });
}

/** The local month (YYYY-MM) of an instant in `zone`. */
export function localIsoMonth(instant: Date, zone: string): string {
  return localIsoDate(instant, zone).slice(0, 7);
}

const parts = (isoDate: string): [number, number, number] => {
  const m = ISO_DATE.exec(isoDate);
  if (!m) throw new Error(`Not an ISO date: ${isoDate}`);
  return [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
};

/** The first instant of a local date in `zone` (local midnight; DST-aware). */
export function startOfLocalDay(isoDate: string, zone: string): Date {
  const [y, mo, d] = parts(isoDate);
  return new Date(startOfDay(new TZDate(y, mo, d, 12, zone)).getTime());
}

/** The last millisecond of a local date in `zone`: a deadline "on that day" includes the whole local day. */
export function endOfLocalDay(isoDate: string, zone: string): Date {
  const [y, mo, d] = parts(isoDate);
  return new Date(endOfDay(new TZDate(y, mo, d, 12, zone)).getTime());
}

/** Plain calendar arithmetic on a date without a zone: "2026-11-30" + 1 → "2026-12-01". */
export function addIsoDays(isoDate: string, days: number): string {
  const [y, mo, d] = parts(isoDate);
  return new Date(Date.UTC(y, mo, d + days)).toISOString().slice(0, 10);
}

/** 0 Sunday … 6 Saturday, of a calendar date. */
export function isoWeekday(isoDate: string): number {
  const [y, mo, d] = parts(isoDate);
  return new Date(Date.UTC(y, mo, d)).getUTCDay();
}
