/**
 * Calendar dates (YYYY-MM-DD) and months (YYYY-MM) as clients send them: a goal's
 * target date, the day CCM time was spent, the CCM month. UTC throughout, like
 * business-days.ts, so a date never depends on the server's time zone.
 */
import { badInput } from '../../../shared/errors';
import { toIsoDate } from './business-days';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;

/** Checks a YYYY-MM-DD calendar date (rejecting 2026-02-30) and returns it; BAD_USER_INPUT names `field`. */
export function parseIsoDate(value: string, field: string): string {
  const m = ISO_DATE.exec(value.trim());
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!date || toIsoDate(date) !== value.trim()) {
    throw badInput(`${field} must be a calendar date (YYYY-MM-DD)`, field, { value });
  }
  return toIsoDate(date);
}

export interface CalendarMonth {
  /** YYYY-MM */
  month: string;
  /** First day of the month, YYYY-MM-DD. */
  firstDay: string;
  /** First day of the next month, YYYY-MM-DD (exclusive bound). */
  nextFirstDay: string;
  /** 00:00 UTC on the first day, and on the first day of the next month. */
  start: Date;
  end: Date;
}

/** Parses YYYY-MM; CMS CCM counts time per calendar month. */
export function parseCalendarMonth(value: string, field = 'month'): CalendarMonth {
  const m = ISO_MONTH.exec(value.trim());
  const monthIndex = m ? Number(m[2]) - 1 : -1;
  if (!m || monthIndex < 0 || monthIndex > 11) {
    throw badInput(`${field} must be a calendar month (YYYY-MM)`, field, { value });
  }
  const start = new Date(Date.UTC(Number(m[1]), monthIndex, 1));
  const end = new Date(Date.UTC(Number(m[1]), monthIndex + 1, 1));
  return { month: toIsoDate(start).slice(0, 7), firstDay: toIsoDate(start), nextFirstDay: toIsoDate(end), start, end };
}

/** The YYYY-MM month of a YYYY-MM-DD date. */
export const monthOfIsoDate = (isoDate: string): string => isoDate.slice(0, 7);
