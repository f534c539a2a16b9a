/**
 * Recording a diagnosis (FHIR Condition): the ICD-10-CM code, its Charlson
 * category (Quan 2005), and clinical status with onset and abatement dates.
 */
import { badInput } from '../../../shared/errors';
import { charlsonCategoryOf, type CharlsonCategory } from './charlson';
import { assertNotAfterToday, optionalIsoDate } from './dates';
import { assertIcd10CmCode } from './icd10';
import { ConditionClinicalStatus, isPresentStatus } from './vocabulary';

export interface ConditionCoding {
  code: string;
  charlsonCategory: CharlsonCategory | null;
  chronic: boolean;
}

/**
 * The normalised code and its Charlson category. Unless told otherwise, a code in a
 * Charlson category is chronic: the Charlson conditions are long-lasting comorbidities
 * by construction; anything else (I10, F32.9) is chronic only when the caller says so.
 */
export function codeCondition(code: string, chronic: boolean | null | undefined): ConditionCoding {
  const normalized = assertIcd10CmCode(code, 'code');
  const charlsonCategory = charlsonCategoryOf(normalized);
  return { code: normalized, charlsonCategory, chronic: chronic ?? charlsonCategory !== null };
}

export function onsetDateOf(value: string | null | undefined, today: string): string | null {
  const onset = optionalIsoDate(value, 'onsetDate');
  if (onset) assertNotAfterToday(onset, today, 'onsetDate');
  return onset;
}

/**
 * Clinical status with its abatement date. A present condition (active, recurrence,
 * relapse) has none. One that is no longer present keeps the day it abated (today
 * unless given) so past discharges still see it as present at the time (LACE "C"
 * counts the conditions active at discharge).
 */
export function clinicalStatusOf(
  status: ConditionClinicalStatus,
  abatementDate: string | null | undefined,
  onsetDate: string | null,
  today: string,
): { clinicalStatus: ConditionClinicalStatus; abatementDate: string | null } {
  const abatement = optionalIsoDate(abatementDate, 'abatementDate');
  if (isPresentStatus(status)) {
    if (abatement) throw badInput(`A condition that is ${status} has no abatement date`, 'abatementDate');
    return { clinicalStatus: status, abatementDate: null };
  }
  const date = abatement ?? today;
  assertNotAfterToday(date, today, 'abatementDate');
  if (onsetDate && date < onsetDate) throw badInput('abatementDate cannot be before onsetDate', 'abatementDate');
  return { clinicalStatus: status, abatementDate: date };
}
