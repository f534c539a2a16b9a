/**
 * One CMS TCM service per 30-day period, and its complexity by medical decision-making
 * (issue 14). CMS TCM FAQs (clinical-rules.md, "CMS TCM — further rules"): TCM is
 * reported once per beneficiary in the 30-day period beginning on the discharge day,
 * and a discharge inside that period does not start a second billable service; the
 * complexity (99495 moderate, 99496 high) is the billing practitioner's medical
 * decision-making over the service period — the LACE tier only suggests it.
 *
 * Re-evaluation after a readmission (the hub's reading of the FAQs): the period and
 * its one bill stay with the first discharge; the steps not done yet are due again
 * from the readmission's discharge — interactive contact within 2 business days of
 * it, the face-to-face visit within 7 (high) or 14 (moderate) calendar days of it,
 * medication reconciliation no later than the visit — but never after the period's
 * end, since the service must be furnished within it. Steps already done stay done.
 */
import { addIsoDays, endOfLocalDay, localIsoDate } from '../../../shared/time-zone';
import { addBusinessDays } from './business-days';
import { TCM_CONTACT_BUSINESS_DAYS, TcmComplexity, TcmStepKind, type LaceRiskTier } from './transitional-care';

/** The code a complexity bills (CPT: 99495 moderate, 99496 high). */
export const tcmBillingCode = (c: TcmComplexity): '99495' | '99496' => (c === TcmComplexity.HIGH ? '99496' : '99495');

/** The LACE tier's suggestion, shown as such until the practitioner records decision-making: HIGH → high, else moderate. */
export const suggestedTcmComplexity = (tier: LaceRiskTier | null): TcmComplexity =>
  (tier === 'HIGH' ? TcmComplexity.HIGH : TcmComplexity.MODERATE);

/** Whose call the episode's complexity is. */
export enum TcmComplexitySource {
  /** The risk tier's default, not yet confirmed by the billing practitioner. */
  SUGGESTED_BY_RISK_TIER = 'SUGGESTED_BY_RISK_TIER',
  /** The billing practitioner's recorded medical decision-making. */
  PRACTITIONER = 'PRACTITIONER',
}

export interface TcmPeriod {
  dischargedAt: Date;
  periodEnd: Date;
}

/**
 * The open period a discharge falls in: one whose first discharge came before it and
 * whose end (the end of day 30, local) it does not pass. Latest first if several.
 */
export function periodContaining<T extends TcmPeriod>(periods: readonly T[], dischargedAt: Date): T | null {
  const t = dischargedAt.getTime();
  const open = periods.filter((p) => p.dischargedAt.getTime() < t && t <= p.periodEnd.getTime());
  return open.sort((a, b) => b.dischargedAt.getTime() - a.dischargedAt.getTime())[0] ?? null;
}

/**
 * The deadlines of the steps, counted from `fromDischargeAt` (the episode's discharge,
 * or the latest readmission's) at `complexity`, in `timeZone`, capped at `periodEnd`.
 */
export function tcmDeadlines(input: {
  fromDischargeAt: Date; periodEnd: Date; complexity: TcmComplexity; holidays: Set<string>; timeZone: string;
}): Record<TcmStepKind, Date> {
  const cap = (d: Date) => (d.getTime() > input.periodEnd.getTime() ? input.periodEnd : d);
  const day = localIsoDate(input.fromDischargeAt, input.timeZone);
  const visit = cap(endOfLocalDay(addIsoDays(day, input.complexity === TcmComplexity.HIGH ? 7 : 14), input.timeZone));
  return {
    [TcmStepKind.INTERACTIVE_CONTACT]: cap(addBusinessDays(input.fromDischargeAt, TCM_CONTACT_BUSINESS_DAYS, input.holidays, input.timeZone)),
    [TcmStepKind.MEDICATION_RECONCILIATION]: visit,
    [TcmStepKind.FACE_TO_FACE_VISIT]: visit,
  };
}

export interface TcmStepDue {
  kind: string;
  dueAt: Date;
  completedAt: Date | null;
}

/**
 * The open steps whose deadline moves to `deadlines` (done steps keep theirs). A
 * face-to-face visit already done keeps medication reconciliation no later than it.
 */
export function reevaluateOpenSteps<S extends TcmStepDue>(steps: readonly S[], deadlines: Record<TcmStepKind, Date>): S[] {
  const visit = steps.find((s) => s.kind === TcmStepKind.FACE_TO_FACE_VISIT);
  const changed: S[] = [];
  for (const step of steps) {
    if (step.completedAt) continue;
    let due = deadlines[step.kind as TcmStepKind];
    if (!due) continue;
    if (step.kind === TcmStepKind.MEDICATION_RECONCILIATION && visit?.completedAt) {
      const visitDue = step.dueAt; // already brought forward to the visit's day when the visit was recorded
      due = visitDue.getTime() < due.getTime() ? visitDue : due;
    }
    if (due.getTime() !== step.dueAt.getTime()) changed.push({ ...step, dueAt: due });
  }
  return changed;
}
