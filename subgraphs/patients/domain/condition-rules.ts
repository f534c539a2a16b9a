/**
 * Recording a diagnosis (FHIR Condition): the ICD-10-CM code checked against the
 * code list, its Charlson category (Quan 2005), whether it is chronic, and clinical
 * status with onset and abatement dates (issue 14: RESOLVED and REMISSION need their
 * abatement date; entered-in-error is a verificationStatus).
 */
import { badInput } from '../../../shared/errors';
import { charlsonCategoryOf, type CharlsonCategory } from './charlson';
import { assertNotAfterToday, optionalIsoDate } from './dates';
import { chronicByDefault } from './diseases';
import { assertIcd10CmCode } from './icd10';
import type { Icd10CodeList } from './icd10-code-list';
import { ABATEMENT_REQUIRED_STATUSES, ConditionClinicalStatus, isPresentStatus } from './vocabulary';

export interface ConditionCoding {
  code: string;
  charlsonCategory: CharlsonCategory | null;
  chronic: boolean;
  codeOutsideList: boolean;
}

/**
 * The normalised code, its Charlson category and chronicity. A well-formed code that
 * is not on the list is refused (BAD_USER_INPUT on `code`) unless the caller says it
 * is outside the list, which is then recorded with it. Unless the clinician says,
 * chronic follows diseases.ts (Charlson categories, I10, F32...).
 */
export function codeCondition(
  code: string, chronic: boolean | null | undefined, list: Icd10CodeList, outsideList: boolean | null | undefined = false,
): ConditionCoding {
  const normalized = assertIcd10CmCode(code, 'code');
  const listed = list.has(normalized);
  if (!listed && outsideList !== true) {
    throw badInput(`"${normalized}" is not on the ICD-10-CM code list; check it, or set codeOutsideList if it is right`, 'code');
  }
  const charlsonCategory = charlsonCategoryOf(normalized);
  return { code: normalized, charlsonCategory, chronic: chronic ?? chronicByDefault(normalized), codeOutsideList: !listed };
}

export function onsetDateOf(value: string | null | undefined, today: string): string | null {
  const onset = optionalIsoDate(value, 'onsetDate');
  if (onset) assertNotAfterToday(onset, today, 'onsetDate');
  return onset;
}

/**
 * Clinical status with its abatement date. A present condition (active, recurrence,
 * relapse) has none. RESOLVED and REMISSION need the day it abated (FHIR
 * Condition.abatement): defaulting to today would make it present at every past
 * discharge. INACTIVE keeps today when not given.
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
  if (!abatement && ABATEMENT_REQUIRED_STATUSES.includes(status)) {
    throw badInput(`A ${status} condition needs its abatementDate (the day it stopped being present)`, 'abatementDate');
  }
  const date = abatement ?? today;
  assertNotAfterToday(date, today, 'abatementDate');
  if (onsetDate && date < onsetDate) throw badInput('abatementDate cannot be before onsetDate', 'abatementDate');
  return { clinicalStatus: status, abatementDate: date };
}
