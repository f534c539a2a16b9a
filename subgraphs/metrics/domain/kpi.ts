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

/** The small-cell rule every published figure follows: a cohort of 1 to minimumCohort − 1 is withheld. */
export const isSmallCohort = (size: number, minimumCohort: number) => size > 0 && size < minimumCohort;

const suppressionReason = (minimumCohort: number) => `Suppressed: fewer than ${minimumCohort} cases in the cohort`;

function suppressedFigure(target: number | null, comparator: KpiComparator, minimumCohort: number): KpiFigure {
  return {
    numerator: null,
    denominator: null,
    value: null,
    target,
    comparator,
    targetMet: null,
    suppressed: true,
    suppressionReason: suppressionReason(minimumCohort),
  };
}

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

  if (isSmallCohort(denominator, minimumCohort)) return suppressedFigure(target, comparator, minimumCohort);

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

/**
 * A KPI whose value is a statistic rather than a ratio (the median days to
 * close a referral): `cohort` cases were measured, reported as the
 * denominator; there is no numerator. Suppressed under the same small-cell rule.
 */
export function measureFigure(input: {
  value: number | null;
  cohort: number;
  target: number | null;
  comparator: KpiComparator;
  minimumCohort?: number;
}): KpiFigure {
  const { value, cohort, target, comparator } = input;
  const minimumCohort = input.minimumCohort ?? DEFAULT_MINIMUM_COHORT;
  if (!isCount(cohort)) throw badInput('The cohort size must be a non-negative integer', 'cohort');
  if (value !== null && !Number.isFinite(value)) throw badInput('The value must be a number', 'value');
  if (isSmallCohort(cohort, minimumCohort)) return suppressedFigure(target, comparator, minimumCohort);
  const known = cohort > 0 ? value : null;
  return {
    numerator: null,
    denominator: cohort,
    value: known,
    target,
    comparator,
    targetMet: known === null || target === null ? null : compare(known, target, comparator),
    suppressed: false,
    suppressionReason: null,
  };
}

export interface CostFigure {
  patients: number | null;
  totalCost: number | null;
  meanCost: number | null;
  suppressed: boolean;
  suppressionReason: string | null;
}

/** Mean claims cost per patient of a cohort (patients without claims count as 0), small cohorts withheld. */
export function costFigure(input: { patients: number; totalCost: number; minimumCohort?: number }): CostFigure {
  const minimumCohort = input.minimumCohort ?? DEFAULT_MINIMUM_COHORT;
  if (!isCount(input.patients)) throw badInput('The patient count must be a non-negative integer', 'patients');
  if (!Number.isFinite(input.totalCost) || input.totalCost < 0) throw badInput('The total cost must be a non-negative number', 'totalCost');
  if (isSmallCohort(input.patients, minimumCohort)) {
    return { patients: null, totalCost: null, meanCost: null, suppressed: true, suppressionReason: suppressionReason(minimumCohort) };
  }
  return {
    patients: input.patients,
    totalCost: input.totalCost,
    meanCost: input.patients > 0 ? input.totalCost / input.patients : null,
    suppressed: false,
    suppressionReason: null,
  };
}

export interface Cell<K> {
  key: K;
  count: number | null;
  suppressed: boolean;
}

/**
 * Small-cell suppression of a distribution (counts that add up to a published
 * total): cells of 1 to minimumCohort − 1 are withheld, and when exactly one
 * cell is withheld the next smallest non-zero cell is withheld too
 * (complementary suppression), or the total minus the others would reveal it.
 */
export function suppressCells<K>(cells: { key: K; count: number }[], minimumCohort = DEFAULT_MINIMUM_COHORT): Cell<K>[] {
  for (const c of cells) if (!isCount(c.count)) throw badInput('A cell count must be a non-negative integer', 'count');
  const out: Cell<K>[] = cells.map((c) => ({ key: c.key, count: c.count, suppressed: isSmallCohort(c.count, minimumCohort) }));
  if (out.filter((c) => c.suppressed).length === 1) {
    const next = out
      .filter((c) => !c.suppressed && (c.count ?? 0) > 0)
      .sort((a, b) => (a.count ?? 0) - (b.count ?? 0))[0];
    if (next) next.suppressed = true;
  }
  for (const c of out) if (c.suppressed) c.count = null;
  return out;
}
