/**
 * CMS Chronic Care Management (CCM): the billable codes for one patient and
 * one calendar month. Time is per month and never carries over.
 *
 * Which minutes count where (the hub's choice, following CMS and CPT):
 * - CPT does not allow the three code families together in one month:
 *   complex (99487/99489) and non-complex (99490/99439) are exclusive, and
 *   99491 is not reported with 99487, 99489 or 99490. One practitioner bills.
 * - CMS lets the billing practitioner's own time count as clinical staff time,
 *   so physician minutes count toward 99490 and 99487 when 99491 is not billed.
 * - When 99491 is billed, physician minutes are never also counted toward
 *   99490 (no double counting) and that month's clinical staff time goes unbilled.
 * Family chosen: complex whenever it qualifies (it describes the month's level
 * of care); otherwise whichever non-complex family accounts for more minutes,
 * 99491 on a tie because the practitioner personally furnished the care.
 * E.g. physician 45 min: 99491 covers 30, 99490 + 99439 cover 40 → 99490 + 99439;
 * physician 30 + staff 45: 99490 + 2 × 99439 (60) beats 99491 (30).
 */
import { badInput } from '../../../shared/errors';

export interface CcmTimeEntry {
  minutes: number;
  /** True when the physician or qualified health professional personally spent the time. */
  byPhysician: boolean;
}

export interface CcmCode {
  code: string;
  units: number;
  description: string;
}

export interface CcmBillingResult {
  totalMinutes: number;
  /** Minutes logged by clinical staff (excludes physician minutes, even when those count toward staff codes). */
  clinicalStaffMinutes: number;
  physicianMinutes: number;
  billable: boolean;
  notBillableReason: string | null;
  codes: CcmCode[];
}

// CMS CCM thresholds, in minutes per calendar month.
const STAFF_BASE = 20; // 99490: ≥20 min clinical staff time
const STAFF_ADD_ON = 20; // 99439: each additional 20 min
const STAFF_ADD_ON_MAX_UNITS = 2; // CMS pays 99439 at most twice a month
const COMPLEX_BASE = 60; // 99487: ≥60 min, care plan established or substantially revised
const COMPLEX_ADD_ON = 30; // 99489: each additional 30 min
const PHYSICIAN_BASE = 30; // 99491: ≥30 min personally by the physician or qualified professional
const PHYSICIAN_ADD_ON = 30; // 99437: each additional 30 min
const MIN_CHRONIC_CONDITIONS = 2; // CMS CCM eligibility: two or more chronic conditions

const DESCRIPTIONS: Record<string, string> = {
  '99490': 'Chronic care management, first 20 minutes of clinical staff time',
  '99439': 'Chronic care management, each additional 20 minutes of clinical staff time',
  '99487': 'Complex chronic care management, first 60 minutes of clinical staff time',
  '99489': 'Complex chronic care management, each additional 30 minutes of clinical staff time',
  '99491': 'Chronic care management, first 30 minutes personally by the physician or qualified health professional',
  '99437': 'Chronic care management, each additional 30 minutes by the physician or qualified health professional',
};

/** Logged CCM time must be a positive whole number of minutes. */
export function assertMinutes(m: number): void {
  if (!Number.isInteger(m) || m <= 0) {
    throw badInput('Minutes must be a positive whole number', 'minutes', { minutes: m });
  }
}

interface Family {
  codes: CcmCode[];
  /** Minutes the codes account for; used to pick between non-complex families. */
  coveredMinutes: number;
}

function family(baseCode: string, addOnCode: string, base: number, addOn: number, units: number): Family {
  const codes: CcmCode[] = [{ code: baseCode, units: 1, description: DESCRIPTIONS[baseCode] }];
  if (units > 0) codes.push({ code: addOnCode, units, description: DESCRIPTIONS[addOnCode] });
  return { codes, coveredMinutes: base + units * addOn };
}

/** Only full add-on blocks count: 39 minutes is 99490 alone, 40 adds one 99439. */
const addOnUnits = (minutes: number, base: number, block: number) => Math.floor((minutes - base) / block);

export function ccmBillableCodes(input: {
  entries: CcmTimeEntry[];
  carePlanEstablishedOrRevised: boolean;
  /**
   * The billing practitioner recorded moderate or high complexity medical decision-making
   * for the month (CMS CCM: complex CCM requires it, decided by the billing practitioner;
   * clinical-rules.md "CMS CCM — conditions"). Plan edits alone never make a month complex.
   */
  complexDecisionMaking: boolean;
  consentActive: boolean;
  chronicConditionCount: number;
}): CcmBillingResult {
  input.entries.forEach((e) => assertMinutes(e.minutes));
  if (!Number.isInteger(input.chronicConditionCount) || input.chronicConditionCount < 0) {
    throw badInput('chronicConditionCount must be a whole number, zero or more', 'chronicConditionCount', {
      chronicConditionCount: input.chronicConditionCount,
    });
  }

  const physicianMinutes = input.entries.filter((e) => e.byPhysician).reduce((sum, e) => sum + e.minutes, 0);
  const clinicalStaffMinutes = input.entries.filter((e) => !e.byPhysician).reduce((sum, e) => sum + e.minutes, 0);
  const totalMinutes = physicianMinutes + clinicalStaffMinutes;
  const totals = { totalMinutes, clinicalStaffMinutes, physicianMinutes };
  const notBillable = (reason: string): CcmBillingResult => ({
    ...totals,
    billable: false,
    notBillableReason: reason,
    codes: [],
  });

  // CMS CCM: requires documented consent and two or more qualifying chronic conditions.
  if (!input.consentActive) return notBillable('The patient has no active consent to chronic care management');
  if (input.chronicConditionCount < MIN_CHRONIC_CONDITIONS) {
    return notBillable(
      `Chronic care management requires two or more chronic conditions; the patient has ${input.chronicConditionCount}`,
    );
  }

  // The billing practitioner's own time may count as clinical staff time (CMS CCM FAQ).
  const staffCountable = totalMinutes;

  // CMS CCM: 99487 needs ≥60 min, moderate/high decision-making recorded by the billing practitioner, and a care plan
  // established or substantially revised; it replaces 99490/99439/99491.
  if (input.complexDecisionMaking && input.carePlanEstablishedOrRevised && staffCountable >= COMPLEX_BASE) {
    const complex = family(
      '99487',
      '99489',
      COMPLEX_BASE,
      COMPLEX_ADD_ON,
      addOnUnits(staffCountable, COMPLEX_BASE, COMPLEX_ADD_ON),
    );
    return { ...totals, billable: true, notBillableReason: null, codes: complex.codes };
  }

  // CMS CCM: 99491 needs ≥30 min personally by the physician; 99437 each additional full 30.
  const physician =
    physicianMinutes >= PHYSICIAN_BASE
      ? family(
          '99491',
          '99437',
          PHYSICIAN_BASE,
          PHYSICIAN_ADD_ON,
          addOnUnits(physicianMinutes, PHYSICIAN_BASE, PHYSICIAN_ADD_ON),
        )
      : null;
  // CMS CCM: 99490 needs ≥20 min; 99439 each additional full 20, at most twice.
  const staff =
    staffCountable >= STAFF_BASE
      ? family(
          '99490',
          '99439',
          STAFF_BASE,
          STAFF_ADD_ON,
          Math.min(STAFF_ADD_ON_MAX_UNITS, addOnUnits(staffCountable, STAFF_BASE, STAFF_ADD_ON)),
        )
      : null;

  // Only one family may be billed: the one that accounts for more of the month's time, 99491 on a tie.
  const chosen =
    physician && staff ? (staff.coveredMinutes > physician.coveredMinutes ? staff : physician) : (physician ?? staff);
  if (!chosen) {
    return notBillable(
      `${totalMinutes} minutes of care management this month; billing needs at least ${STAFF_BASE} minutes ` +
        `(99490) or ${PHYSICIAN_BASE} minutes personally by the physician (99491)`,
    );
  }
  return { ...totals, billable: true, notBillableReason: null, codes: chosen.codes };
}
