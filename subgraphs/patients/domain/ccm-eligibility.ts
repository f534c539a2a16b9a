/**
 * CMS Chronic Care Management eligibility: two or more chronic conditions
 * expected to last ≥12 months or until death. Documented consent is a billing
 * requirement, not a clinical one, so it is reported beside `eligible` rather
 * than folded into it.
 */
import { assertCount } from './validation';

/** CMS CCM: "two or more chronic conditions". */
export const CCM_MIN_CHRONIC_CONDITIONS = 2;

export interface CcmEligibility {
  eligible: boolean;
  chronicConditionCount: number;
  consentActive: boolean;
  reasons: string[];
}

export function ccmEligibility(input: { chronicConditionCount: number; ccmConsentActive: boolean }): CcmEligibility {
  const count = input.chronicConditionCount;
  assertCount(count, 'chronicConditionCount');
  const consentActive = input.ccmConsentActive === true;
  const eligible = count >= CCM_MIN_CHRONIC_CONDITIONS;

  const reasons = [`${count} chronic ${count === 1 ? 'condition' : 'conditions'}`];
  if (!eligible) reasons.push(`CCM needs at least ${CCM_MIN_CHRONIC_CONDITIONS} chronic conditions`);
  reasons.push(consentActive ? 'CCM consent on file' : 'CCM consent not on file');

  return { eligible, chronicConditionCount: count, consentActive, reasons };
}
