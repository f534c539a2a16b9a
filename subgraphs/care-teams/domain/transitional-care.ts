/**
 * CMS Transitional Care Management (TCM): which discharges start a TCM period,
 * its deadlines, and whether each required step was met.
 */
import { addIsoDays, endOfLocalDay, localIsoDate } from '../../../shared/time-zone';
import { addBusinessDays } from './business-days';

export type EncounterKind = 'INPATIENT' | 'OBSERVATION' | 'EMERGENCY' | 'OUTPATIENT' | 'TELEHEALTH' | 'HOME_VISIT';

export type DischargeDisposition =
  | 'HOME'
  | 'HOME_HEALTH'
  | 'SKILLED_NURSING'
  | 'REHAB'
  | 'HOSPICE'
  | 'LEFT_AMA'
  | 'TRANSFERRED'
  | 'EXPIRED';

/** LACE index risk tier (0–4 low, 5–9 moderate, ≥10 high). */
export type LaceRiskTier = 'LOW' | 'MODERATE' | 'HIGH';

/** Encounters that end in a TCM-relevant discharge: a hospital stay, inpatient or observation. */
const TCM_ENCOUNTERS: ReadonlySet<EncounterKind> = new Set<EncounterKind>(['INPATIENT', 'OBSERVATION']);

const ENCOUNTER_LABELS: Record<EncounterKind, string> = {
  INPATIENT: 'an inpatient stay',
  OBSERVATION: 'an observation stay',
  EMERGENCY: 'an emergency department visit',
  OUTPATIENT: 'an outpatient visit',
  TELEHEALTH: 'a telehealth visit',
  HOME_VISIT: 'a home visit',
};

/**
 * Why each disposition does or does not start TCM. CMS TCM covers the move
 * from a facility stay back to a community setting (home, domiciliary,
 * assisted living) for a patient who is alive to receive the follow-up.
 */
const DISPOSITION_RULES: Record<DischargeDisposition, { qualifies: boolean; reason: string }> = {
  HOME: { qualifies: true, reason: 'Discharged home: a return to a community setting' },
  // Home health visits do not make the home a facility; the practitioner still owns the transition.
  HOME_HEALTH: { qualifies: true, reason: 'Discharged home with home health: still a community setting' },
  // The patient left for the community all the same, and AMA discharges carry the highest
  // readmission risk; CMS conditions TCM on the destination, not on how the stay ended.
  LEFT_AMA: {
    qualifies: true,
    reason: 'Left against medical advice: the patient is back in the community and TCM applies',
  },
  // The next facility owns the transition; TCM starts when the SNF discharges the patient home.
  SKILLED_NURSING: {
    qualifies: false,
    reason: 'Discharged to a skilled nursing facility, not a community setting; TCM starts at the later discharge home',
  },
  // Same for inpatient rehabilitation: another facility stay, not a return to the community.
  REHAB: {
    qualifies: false,
    reason: 'Discharged to inpatient rehabilitation, not a community setting; TCM starts at the later discharge home',
  },
  // A transfer continues the acute episode (HEDIS merges direct transfers into one stay).
  TRANSFERRED: {
    qualifies: false,
    reason: 'Transferred to another facility: the stay continues there and TCM starts at that discharge',
  },
  // The hospice team coordinates care under the Medicare hospice benefit, so the hub does
  // not open a parallel TCM episode (program policy, whether hospice is at home or inpatient).
  HOSPICE: {
    qualifies: false,
    reason: 'Discharged to hospice: the hospice team coordinates care under the hospice benefit',
  },
  EXPIRED: { qualifies: false, reason: 'The patient died during the stay' },
};

export function qualifiesForTcm(d: {
  encounterKind: EncounterKind;
  disposition: DischargeDisposition;
}): { qualifies: boolean; reason: string } {
  // CMS TCM follows a discharge from a facility stay; ED and ambulatory visits are not one.
  if (!TCM_ENCOUNTERS.has(d.encounterKind)) {
    return {
      qualifies: false,
      reason: `TCM follows an inpatient or observation discharge, not ${ENCOUNTER_LABELS[d.encounterKind]}`,
    };
  }
  return { ...DISPOSITION_RULES[d.disposition] };
}

export enum TcmComplexity {
  MODERATE = 'MODERATE',
  HIGH = 'HIGH',
}

export enum TcmStepKind {
  INTERACTIVE_CONTACT = 'INTERACTIVE_CONTACT',
  MEDICATION_RECONCILIATION = 'MEDICATION_RECONCILIATION',
  FACE_TO_FACE_VISIT = 'FACE_TO_FACE_VISIT',
}

export enum TcmStepStatus {
  PENDING = 'PENDING',
  MET = 'MET',
  MISSED = 'MISSED',
}

export interface TcmSchedule {
  complexity: TcmComplexity;
  billingCode: '99495' | '99496';
  periodEnd: Date;
  steps: { kind: TcmStepKind; dueAt: Date }[];
}

/** CMS TCM: contact within 2 business days of discharge. */
export const TCM_CONTACT_BUSINESS_DAYS = 2;
/** CMS TCM: the period is the discharge day plus the next 29 days (30 days in all). */
export const TCM_PERIOD_DAYS = 30;

/**
 * The TCM deadlines for a discharge, by the practice's local dates (`timeZone`, UTC
 * when none is given; CMS TCM FAQs). Complexity is the billing practitioner's medical
 * decision-making when recorded (`complexity`, tcm-period.ts); until then the LACE
 * tier suggests it: HIGH as high (99496, visit within 7 days), LOW and MODERATE as
 * moderate (99495, within 14 days).
 */
export function tcmSchedule(
  dischargedAt: Date, riskTier: LaceRiskTier, holidays: Set<string>, timeZone = 'UTC', complexity: TcmComplexity | null = null,
): TcmSchedule {
  const high = (complexity ?? (riskTier === 'HIGH' ? TcmComplexity.HIGH : TcmComplexity.MODERATE)) === TcmComplexity.HIGH;
  const dischargeDay = localIsoDate(dischargedAt, timeZone);

  // CMS TCM: interactive contact within 2 business days (Mon–Fri, excluding holidays).
  const contactDue = addBusinessDays(dischargedAt, TCM_CONTACT_BUSINESS_DAYS, holidays, timeZone);
  // CMS TCM: face-to-face within 7 (99496) or 14 (99495) calendar days; the whole last day counts.
  const faceToFaceDue = endOfLocalDay(addIsoDays(dischargeDay, high ? 7 : 14), timeZone);
  // CMS TCM: medication reconciliation no later than the face-to-face visit.
  const medRecDue = faceToFaceDue;

  return {
    complexity: high ? TcmComplexity.HIGH : TcmComplexity.MODERATE,
    billingCode: high ? '99496' : '99495',
    // CMS: the period begins on the day of discharge and continues for the next 29 days.
    periodEnd: endOfLocalDay(addIsoDays(dischargeDay, TCM_PERIOD_DAYS - 1), timeZone),
    steps: [
      { kind: TcmStepKind.INTERACTIVE_CONTACT, dueAt: contactDue },
      { kind: TcmStepKind.MEDICATION_RECONCILIATION, dueAt: medRecDue },
      { kind: TcmStepKind.FACE_TO_FACE_VISIT, dueAt: faceToFaceDue },
    ],
  };
}

/**
 * MET when done by the deadline (the deadline instant itself counts), MISSED
 * when done late or still open after it, otherwise PENDING.
 */
export function tcmStepStatus(dueAt: Date, completedAt: Date | null, now: Date): TcmStepStatus {
  const due = dueAt.getTime();
  if (completedAt !== null) return completedAt.getTime() <= due ? TcmStepStatus.MET : TcmStepStatus.MISSED;
  return now.getTime() > due ? TcmStepStatus.MISSED : TcmStepStatus.PENDING;
}
