/**
 * KPI figures for the program dashboard: ratio, target check and small-cell
 * suppression; plus satisfaction and time-series helpers.
 */
import { badInput } from '../../../shared/errors';
import { assertValidDate } from './dates';

export enum KpiComparator {
  LESS_THAN = 'LESS_THAN',
  GREATER_THAN = 'GREATER_THAN',
  AT_LEAST = 'AT_LEAST',
  AT_MOST = 'AT_MOST',
}

export interface KpiFigure {
  numerator: number | null;
  denominator: number | null;
  /** numerator / denominator as a ratio 0..1. */
  value: number | null;
  target: number | null;
  comparator: KpiComparator;
  targetMet: boolean | null;
  suppressed: boolean;
  suppressionReason: string | null;
}

/** CMS cell-size suppression policy: no cell of 1–10 is published, so cohorts need ≥ 11. */
export const DEFAULT_MINIMUM_COHORT = 11;

/** Tolerance for comparing a ratio with a target written as a decimal (0.15). */
const EPSILON = 1e-12;

function compare(value: number, target: number, comparator: KpiComparator): boolean {
  switch (comparator) {
    case KpiComparator.LESS_THAN:
      return value < target - EPSILON;
    case KpiComparator.GREATER_THAN:
      return value > target + EPSILON;
    case KpiComparator.AT_LEAST:
      return value >= target - EPSILON;
    case KpiComparator.AT_MOST:
      return value <= target + EPSILON;
    default:
      throw badInput(`Unknown comparator ${String(comparator)}`, 'comparator');
  }
}

const isCount = (n: number) => Number.isInteger(n) && n >= 0;

/**
 * Small-cell suppression: when 0 < denominator < minimumCohort the figure is
 * withheld (numbers and value null, suppressed true) because a small cohort
 * can identify patients and its rate is too noisy to judge against a target.
 * Only the denominator is tested: a small numerator of a large cohort (3
 * readmissions out of 200) is the figure the team needs, and it does not
 * single out patients on an internal dashboard. A zero denominator is not
 * suppressed: there is nothing to hide, the value is simply null.
 */
export function kpiFigure(input: {
  numerator: number;
  denominator: number;
  target: number | null;
  comparator: KpiComparator;
  minimumCohort?: number;
}): KpiFigure {
  const { numerator, denominator, target, comparator } = input;
  const minimumCohort = input.minimumCohort ?? DEFAULT_MINIMUM_COHORT;
  if (!isCount(denominator)) throw badInput('The denominator must be a non-negative integer', 'denominator');
  if (!isCount(numerator) || numerator > denominator) {
    throw badInput('The numerator must be a non-negative integer no larger than the denominator', 'numerator');
  }
  if (target !== null && !Number.isFinite(target)) throw badInput('The target must be a number', 'target');
  if (!isCount(minimumCohort)) throw badInput('The minimum cohort must be a non-negative integer', 'minimumCohort');

  if (denominator > 0 && denominator < minimumCohort) {
    return {
      numerator: null,
      denominator: null,
      value: null,
      target,
      comparator,
      targetMet: null,
      suppressed: true,
      suppressionReason: `Suppressed: fewer than ${minimumCohort} cases in the cohort`,
    };
  }

  const value = denominator > 0 ? numerator / denominator : null;
  return {
    numerator,
    denominator,
    value,
    target,
    comparator,
    targetMet: value === null || target === null ? null : compare(value, target, comparator),
    suppressed: false,
    suppressionReason: null,
  };
}

/** Top-two-box: a response of 4 or 5 on the 1–5 scale is "satisfied". */
export function satisfaction(scores: number[]): { satisfied: number; responses: number } {
  let satisfied = 0;
  for (const s of scores) {
    if (!Number.isInteger(s) || s < 1 || s > 5) throw badInput('A satisfaction score must be a whole number from 1 to 5', 'score');
    if (s >= 4) satisfied++;
  }
  return { satisfied, responses: scores.length };
}

/** "2026-11": the UTC year and month of `d`. */
export function monthKey(d: Date): string {
  assertValidDate(d, 'date');
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** Every month key from the month of `start` to the month of `end`, both included (UTC). */
export function monthsBetween(start: Date, end: Date): string[] {
  assertValidDate(start, 'start');
  assertValidDate(end, 'end');
  if (end < start) throw badInput('The end must not be before the start', 'end');
  const keys: string[] = [];
  let y = start.getUTCFullYear();
  let m = start.getUTCMonth();
  const endY = end.getUTCFullYear();
  const endM = end.getUTCMonth();
  while (y < endY || (y === endY && m <= endM)) {
    keys.push(`${String(y).padStart(4, '0')}-${String(m + 1).padStart(2, '0')}`);
    if (++m === 12) {
      m = 0;
      y++;
    }
  }
  return keys;
}

export function mean(values: number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}
