/**
 * CMS Chronic Care Management for the program dashboard: which billable codes a
 * patient's month of logged time reaches, and how the month's minutes spread.
 *
 * The rules mirror care-teams/domain/ccm-billing.ts and plan-revisions.ts (the
 * subgraph that bills; subgraphs do not import each other's code), so the
 * dashboard counts the codes the care team sees on the patient's month:
 * - CMS CCM: billable only with active consent and two or more chronic conditions;
 * - 99487 (+ 99489 per further full 30 min) when the month has ≥ 60 min, the billing
 *   practitioner recorded moderate or high decision-making for it (CMS CCM: decided by the
 *   billing practitioner; issue 14) and the care plan was established or substantially
 *   revised that month; it replaces the others;
 * - otherwise one of 99491 (≥ 30 physician min, + 99437 per further 30) or
 *   99490 (≥ 20 min, physician time counting as staff time, + 99439 per further
 *   20, at most twice): the one covering more minutes, 99491 on a tie.
 */
export interface CcmMonth {
  clinicalStaffMinutes: number;
  physicianMinutes: number;
  carePlanEstablishedOrRevised: boolean;
  /** Moderate or high medical decision-making recorded by the billing practitioner for the month. */
  complexDecisionMaking: boolean;
  consentActive: boolean;
  chronicConditionCount: number;
}

export interface CcmCodeUnits {
  code: string;
  units: number;
}

export const CCM_CODES = ['99490', '99439', '99491', '99437', '99487', '99489'] as const;

interface Family {
  codes: CcmCodeUnits[];
  covered: number;
}

/** A base code and its add-on: `units` full add-on blocks beyond the base minutes. */
function codeFamily(minutes: number, base: string, baseMinutes: number, addOn: string, block: number, maxUnits = Infinity): Family | null {
  if (minutes < baseMinutes) return null;
  const units = Math.min(maxUnits, Math.floor((minutes - baseMinutes) / block));
  return { codes: units > 0 ? [{ code: base, units: 1 }, { code: addOn, units }] : [{ code: base, units: 1 }], covered: baseMinutes + units * block };
}

/** The codes one patient's calendar month reaches (empty when not billable). */
export function ccmCodesForMonth(m: CcmMonth): CcmCodeUnits[] {
  // CMS CCM eligibility: documented consent and two or more chronic conditions.
  if (!m.consentActive || m.chronicConditionCount < 2) return [];
  const total = m.clinicalStaffMinutes + m.physicianMinutes;
  if (m.carePlanEstablishedOrRevised && m.complexDecisionMaking) {
    const complex = codeFamily(total, '99487', 60, '99489', 30);
    if (complex) return complex.codes;
  }
  const physician = codeFamily(m.physicianMinutes, '99491', 30, '99437', 30);
  const staff = codeFamily(total, '99490', 20, '99439', 20, 2);
  const chosen = physician && staff ? (staff.covered > physician.covered ? staff : physician) : (physician ?? staff);
  return chosen?.codes ?? [];
}

/** Buckets of a patient's minutes in a month, cut at the CCM thresholds (20, 40, 60, 90). */
export const CCM_MINUTE_BUCKETS: readonly { label: string; from: number; to: number | null }[] = [
  { label: '1-19', from: 1, to: 19 },
  { label: '20-39', from: 20, to: 39 },
  { label: '40-59', from: 40, to: 59 },
  { label: '60-89', from: 60, to: 89 },
  { label: '90+', from: 90, to: null },
];

export function minutesBucket(minutes: number): string {
  return CCM_MINUTE_BUCKETS.find((b) => minutes >= b.from && (b.to === null || minutes <= b.to))?.label ?? '0';
}

/** Plan fields whose change revises what the plan says (care-teams: title, intent and period do not). */
const SUBSTANTIVE_PLAN_FIELDS = new Set(['description', 'addresses', 'patientPriorities']);
const SUBSTANTIVE_GOAL_FIELDS = new Set(['description', 'targetMeasure', 'targetValue', 'targetDueDate']);

/**
 * Whether a CarePlanChanged event establishes or substantially revises the plan
 * (CMS 99487), as care-teams decides it: activating a draft, adding a goal or an
 * activity, revising the plan's description, problems or priorities or a goal's
 * description or target. A plan created already active (the demo seed) is established.
 */
export function isSubstantialPlanChange(c: { changeKind: string; changedFields: readonly string[]; status: string | null; previousStatus: string | null }): boolean {
  const status = c.status?.toLowerCase() ?? null;
  const field = (qualified: string) => qualified.slice(qualified.lastIndexOf('.') + 1);
  switch (c.changeKind) {
    case 'CREATED':
      return status === 'active';
    case 'STATUS_CHANGED':
      return status === 'active' && (c.previousStatus === null || c.previousStatus.toLowerCase() === 'draft');
    case 'UPDATED':
      return c.changedFields.some((f) => SUBSTANTIVE_PLAN_FIELDS.has(f));
    case 'GOAL_ADDED':
    case 'ACTIVITY_ADDED':
      return true;
    case 'GOAL_UPDATED':
      return c.changedFields.some((f) => SUBSTANTIVE_GOAL_FIELDS.has(field(f)));
    default:
      return false;
  }
}
