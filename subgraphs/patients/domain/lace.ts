/**
 * LACE index (van Walraven et al., CMAJ 2010): risk of death or unplanned
 * readmission within 30 days of discharge, from Length of stay, Acuity of
 * admission, Comorbidity (Charlson) and Emergency department visits. 0–19.
 */
import { badInput } from '../../../shared/errors';
import { assertCount, assertValidDate } from './validation';

export enum RiskTier {
  LOW = 'LOW',
  MODERATE = 'MODERATE',
  HIGH = 'HIGH',
}

export interface LaceInput {
  admittedAt: Date;
  dischargedAt: Date;
  emergent: boolean;
  charlsonScore: number;
  edVisitsPrior6Months: number;
}

export interface LaceResult {
  lengthOfStayDays: number;
  l: number;
  a: number;
  c: number;
  e: number;
  score: number;
  tier: RiskTier;
}

const MS_PER_DAY = 24 * 60 * 60 * 1000;

const utcMidnight = (d: Date): number => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());

/**
 * Length of stay in days as hospitals count it: midnights between the UTC
 * admission date and the UTC discharge date, so same-day = 0 and 23:00 → 01:00
 * next day = 1. Time of day is ignored: the hospital convention counts midnights
 * (census days). Discharge before admission is BAD_USER_INPUT on dischargedAt.
 */
export function lengthOfStayDays(admittedAt: Date, dischargedAt: Date): number {
  assertValidDate(admittedAt, 'admittedAt');
  assertValidDate(dischargedAt, 'dischargedAt');
  if (dischargedAt.getTime() < admittedAt.getTime()) {
    throw badInput('Discharge cannot be before admission', 'dischargedAt');
  }
  return Math.round((utcMidnight(dischargedAt) - utcMidnight(admittedAt)) / MS_PER_DAY);
}

/** LACE "L" (van Walraven 2010): <1 → 0, 1 → 1, 2 → 2, 3 → 3, 4–6 → 4, 7–13 → 5, ≥14 → 7. */
export function lengthOfStayPoints(days: number): number {
  if (typeof days !== 'number' || !Number.isFinite(days) || days < 0) {
    throw badInput(`Length of stay must be 0 days or more (got ${String(days)})`, 'lengthOfStayDays');
  }
  if (days < 1) return 0;
  if (days < 4) return Math.floor(days);
  if (days < 7) return 4;
  if (days < 14) return 5;
  return 7;
}

/** LACE "A" (van Walraven 2010): an acute (emergent) admission scores 3. */
export function acuityPoints(emergent: boolean): number {
  return emergent ? 3 : 0;
}

/** LACE "C" (van Walraven 2010): Charlson 0–3 score as is; ≥4 jumps to 5. */
export function comorbidityPoints(charlsonScore: number): number {
  assertCount(charlsonScore, 'charlsonScore');
  return charlsonScore >= 4 ? 5 : charlsonScore;
}

/** LACE "E" (van Walraven 2010): ED visits in the prior 6 months, capped at 4. */
export function edVisitPoints(edVisits: number): number {
  assertCount(edVisits, 'edVisitsPrior6Months');
  return Math.min(edVisits, 4);
}

/** Tiers on the LACE score: 0–4 low, 5–9 moderate, ≥10 high (the usual high-risk cut-off). */
export function riskTierOf(score: number): RiskTier {
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0) {
    throw badInput(`LACE score must be 0 or more (got ${String(score)})`, 'score');
  }
  if (score >= 10) return RiskTier.HIGH;
  if (score >= 5) return RiskTier.MODERATE;
  return RiskTier.LOW;
}

/** Full LACE score with its components, for display and audit. */
export function laceScore(input: LaceInput): LaceResult {
  const days = lengthOfStayDays(input.admittedAt, input.dischargedAt);
  const l = lengthOfStayPoints(days);
  const a = acuityPoints(input.emergent);
  const c = comorbidityPoints(input.charlsonScore);
  const e = edVisitPoints(input.edVisitsPrior6Months);
  const score = l + a + c + e;
  return { lengthOfStayDays: days, l, a, c, e, score, tier: riskTierOf(score) };
}

/** LACE "E" looks back 6 months from admission (van Walraven 2010). */
export const ED_LOOKBACK_MONTHS = 6;

/**
 * Six calendar months before admission, in UTC, same time of day. When the
 * day does not exist in the target month (31 Aug → Feb) it clamps to that
 * month's last day rather than spilling into the next month.
 */
export function edLookbackStart(admittedAt: Date): Date {
  assertValidDate(admittedAt, 'admittedAt');
  const year = admittedAt.getUTCFullYear();
  const month = admittedAt.getUTCMonth() - ED_LOOKBACK_MONTHS;
  const lastDayOfTarget = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(admittedAt.getUTCDate(), lastDayOfTarget);
  return new Date(
    Date.UTC(
      year,
      month,
      day,
      admittedAt.getUTCHours(),
      admittedAt.getUTCMinutes(),
      admittedAt.getUTCSeconds(),
      admittedAt.getUTCMilliseconds(),
    ),
  );
}

/**
 * ED visits in [admittedAt − 6 months, admittedAt): the window start counts,
 * the admission instant itself does not.
 */
export function countEdVisitsBefore(admittedAt: Date, edVisitTimes: Date[]): number {
  const start = edLookbackStart(admittedAt).getTime();
  const end = admittedAt.getTime();
  return edVisitTimes.filter((visit) => {
    assertValidDate(visit, 'edVisitTimes');
    const t = visit.getTime();
    return t >= start && t < end;
  }).length;
}
