/**
 * Calendar dates (FHIR `date`, "YYYY-MM-DD") next to instants. Clinical dates
 * (birth, onset, abatement, consent period) are days without a time zone; we
 * compare them with instants on their UTC day, like LACE's length of stay.
 */
import { badInput } from '../../../shared/errors';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC calendar day of an instant. */
export const utcDay = (instant: Date): string => instant.toISOString().slice(0, 10);

/** True for a real calendar date: "2023-02-30" is not one (Date.parse would roll it to March 2). */
export function isIsoDate(value: unknown): value is string {
  if (typeof value !== 'string' || !ISO_DATE.test(value)) return false;
  // JavaScript has a year 0000, PostgreSQL's date (and the proleptic calendar of ISO 8601 records) does not.
  if (value.startsWith('0000')) return false;
  const t = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(t) && utcDay(new Date(t)) === value;
}

/** The date itself, or BAD_USER_INPUT naming `field`. */
export function assertIsoDate(value: string, field: string): string {
  const trimmed = typeof value === 'string' ? value.trim() : value;
  if (!isIsoDate(trimmed)) throw badInput(`${field} must be a calendar date (YYYY-MM-DD), got "${String(value)}"`, field);
  return trimmed;
}

/** An optional date: null/undefined stay null, anything else must be a date. */
export const optionalIsoDate = (value: string | null | undefined, field: string): string | null =>
  value === null || value === undefined || value === '' ? null : assertIsoDate(value, field);

export function assertNotAfterToday(date: string, today: string, field: string): void {
  if (date > today) throw badInput(`${field} cannot be in the future`, field);
}
