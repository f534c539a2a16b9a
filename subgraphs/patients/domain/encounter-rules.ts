/**
 * Encounters: hospital stays (INPATIENT, OBSERVATION) are admitted, then
 * discharged; visits (EMERGENCY, OUTPATIENT, TELEHEALTH, HOME_VISIT) are recorded
 * whole. Only stays get a LACE score; ED visits feed its "E".
 */
import { badInput } from '../../../shared/errors';
import { assertIcd10CmCode } from './icd10';
import { assertValidDate } from './validation';
import { AdmissionAcuity, EncounterKind, STAY_KINDS, VISIT_KINDS, isStayKind } from './vocabulary';

export function assertStayKind(kind: EncounterKind): void {
  if (!isStayKind(kind)) throw badInput(`Admissions are ${STAY_KINDS.join(' or ')}; record a ${kind} encounter with recordEncounter`, 'kind');
}

export function assertVisitKind(kind: EncounterKind): void {
  if (isStayKind(kind)) throw badInput(`recordEncounter takes ${VISIT_KINDS.join(', ')}; a ${kind} stay is admitted and discharged`, 'kind');
}

/** A planned admission is scheduled ahead, so it cannot also be emergent (HEDIS PCR treats planned stays apart). */
export function assertAdmissionConsistent(acuity: AdmissionAcuity, planned: boolean): void {
  if (planned && acuity === AdmissionAcuity.EMERGENT) throw badInput('An emergent admission cannot be planned', 'planned');
}

export function principalDiagnosisOf(code: string | null | undefined): string | null {
  return code === null || code === undefined || code.trim() === '' ? null : assertIcd10CmCode(code, 'principalDiagnosis');
}

/** Claims amount in currency units: finite and not negative. */
export function costOf(cost: number | null | undefined): number | null {
  if (cost === null || cost === undefined) return null;
  if (!Number.isFinite(cost) || cost < 0) throw badInput('cost must be an amount of 0 or more', 'cost');
  return Math.round(cost * 100) / 100;
}

/** A visit's end, when known, is not before its start. */
export function assertVisitTimes(startedAt: Date, endedAt: Date | null | undefined): void {
  assertValidDate(startedAt, 'startedAt');
  if (endedAt === null || endedAt === undefined) return;
  assertValidDate(endedAt, 'endedAt');
  if (endedAt.getTime() < startedAt.getTime()) throw badInput('endedAt cannot be before startedAt', 'endedAt');
}

/** An ED visit is emergent by definition; other visits carry no admission acuity. */
export const visitAcuity = (kind: EncounterKind): AdmissionAcuity | null =>
  kind === EncounterKind.EMERGENCY ? AdmissionAcuity.EMERGENT : null;
