/**
 * Reporting periods: the half-open [from, to) every KPI is computed over, its
 * calendar months for time series, and the look-back windows of utilization.
 */
import { badInput } from '../../../shared/errors';
import { addUtcMonths, assertValidDate, startOfUtcMonth } from './dates';
import { monthKey, monthsBetween } from './kpi';

export interface Period {
  from: Date;
  /** The first instant after the period. */
  to: Date;
}

export interface MonthPeriod extends Period {
  /** "2026-11" */
  month: string;
}

/** The default report: the current calendar month and the 11 before it (12 months). */
export const DEFAULT_MONTHS = 12;
/** A series longer than this is refused: 10 years of months is already a long chart. */
export const MAX_SERIES_MONTHS = 120;

/**
 * The period a query asks for. Without `to` it ends now; without `from` it
 * starts on the first day of the month DEFAULT_MONTHS − 1 months before `to`,
 * so the default is the last 12 calendar months including the current one.
 */
export function resolvePeriod(input: { from?: Date | null; to?: Date | null }, now: Date): Period {
  assertValidDate(now, 'now');
  const to = input.to ?? now;
  assertValidDate(to, 'to');
  const from = input.from ?? addUtcMonths(startOfUtcMonth(new Date(to.getTime() - 1)), -(DEFAULT_MONTHS - 1));
  assertValidDate(from, 'from');
  if (to <= from) throw badInput('The period must end after it starts (to > from)', 'to');
  if (monthsBetween(from, new Date(to.getTime() - 1)).length > MAX_SERIES_MONTHS) {
    throw badInput(`The period may span at most ${MAX_SERIES_MONTHS} calendar months`, 'from');
  }
  return { from, to };
}

/** The calendar months the period touches, each clipped to the period (the first and last may be partial). */
export function monthlyPeriods(period: Period): MonthPeriod[] {
  return monthsBetween(period.from, new Date(period.to.getTime() - 1)).map((month) => {
    const start = new Date(`${month}-01T00:00:00.000Z`);
    const end = addUtcMonths(start, 1);
    return {
      month,
      from: start < period.from ? period.from : start,
      to: end > period.to ? period.to : end,
    };
  });
}

/** The month a period lies in, when it lies in exactly one; null otherwise. */
export function monthOf(period: Period): string | null {
  const first = monthKey(period.from);
  return first === monthKey(new Date(period.to.getTime() - 1)) ? first : null;
}

/**
 * Look-back windows of Patient.utilization: admissions in the last 12 months
 * and ED visits in the last 6 (the LACE "E" window), in calendar months.
 */
export function utilizationWindows(now: Date): { admissionsSince: Date; edVisitsSince: Date } {
  assertValidDate(now, 'now');
  return { admissionsSince: addUtcMonths(now, -12), edVisitsSince: addUtcMonths(now, -6) };
}
