/**
 * HEDIS Plan All-Cause Readmissions (PCR), observed rate: the program KPI
 * "30-day readmission < 15 %" is the observed rate, not HEDIS's
 * observed-to-expected ratio (no risk adjustment here).
 *
 * Callers supply every stay of the patients concerned from before the period
 * (so transfers merge correctly) through 30 days after it (so readmissions of
 * stays discharged late in the period are seen). Age/enrolment eligibility is
 * the caller's concern.
 */
import { badInput } from '../../../shared/errors';
import { assertValidDate, calendarDaysBetween, utcDayNumber } from './dates';

export interface Stay {
  encounterId: string;
  patientId: string;
  kind: 'INPATIENT' | 'OBSERVATION';
  admittedAt: Date;
  dischargedAt: Date;
  /** HOME, HOME_HEALTH, SKILLED_NURSING, REHAB, HOSPICE, LEFT_AMA, TRANSFERRED, EXPIRED */
  disposition: string;
  planned: boolean;
  /** ICD-10-CM code, with or without the dot. */
  principalDiagnosis?: string | null;
}

export interface IndexStayResult {
  patientId: string;
  /** The stays merged into this one (direct transfers), in admission order. */
  encounterIds: string[];
  admittedAt: Date;
  dischargedAt: Date;
  readmitted: boolean;
  readmissionEncounterId: string | null;
  excludedReason: string | null;
}

export interface ReadmissionResult {
  /** Counted index stays (denominator); excludedReason is null on each. */
  indexStays: IndexStayResult[];
  denominator: number;
  numerator: number;
  /** Stays discharged in the period but excluded from the denominator, with the reason. */
  excluded: IndexStayResult[];
}

/** Why a discharge in the period is not an index stay (HEDIS PCR exclusions). */
export const PcrExclusion = {
  DIED: 'DIED_DURING_STAY',
  SAME_DAY: 'SAME_DAY_ADMIT_AND_DISCHARGE',
  PREGNANCY_OR_PERINATAL: 'PREGNANCY_OR_PERINATAL_DIAGNOSIS',
} as const;

/** HEDIS PCR: a readmission counts when it starts within 30 days of the index discharge. */
export const READMISSION_WINDOW_DAYS = 30;

/**
 * Pregnancy and perinatal principal diagnoses (HEDIS PCR exclusion), by ICD-10-CM
 * prefix: chapter 15 pregnancy/childbirth O00–O9A; Z33 pregnant state, Z34
 * supervision of normal pregnancy, Z3A weeks of gestation; chapter 16 perinatal
 * conditions P00–P96. Prefix matching approximates the HEDIS value sets.
 */
export function isPregnancyOrPerinatal(code: string | null | undefined): boolean {
  if (!code) return false;
  const c = code.trim().toUpperCase().replace('.', '');
  if (/^O(\d\d|9A)/.test(c)) return true;
  if (/^Z3[34A]/.test(c)) return true;
  const p = /^P(\d\d)/.exec(c);
  return p !== null && Number(p[1]) <= 96;
}

interface MergedStay {
  patientId: string;
  pieces: Stay[];
  admittedAt: Date;
  dischargedAt: Date;
}

/**
 * HEDIS direct transfer: the next admission starts on the same or the next
 * calendar day as the discharge (overlapping stays too). A TRANSFERRED
 * disposition normally leads to exactly that; a TRANSFERRED stay with no stay
 * in that window is a transfer out of our data and is not merged with a later
 * admission, which would hide a real readmission.
 */
function isDirectTransfer(current: MergedStay, next: Stay): boolean {
  return calendarDaysBetween(current.dischargedAt, next.admittedAt) <= 1;
}

function mergeTransfers(stays: Stay[]): MergedStay[] {
  const byPatient = new Map<string, Stay[]>();
  for (const s of stays) {
    const list = byPatient.get(s.patientId) ?? [];
    list.push(s);
    byPatient.set(s.patientId, list);
  }
  const merged: MergedStay[] = [];
  for (const [patientId, list] of byPatient) {
    list.sort((a, b) => a.admittedAt.getTime() - b.admittedAt.getTime() || a.dischargedAt.getTime() - b.dischargedAt.getTime());
    let current: MergedStay | null = null;
    for (const stay of list) {
      if (current && isDirectTransfer(current, stay)) {
        // One stay: first admission, last discharge.
        current.pieces.push(stay);
        if (stay.dischargedAt > current.dischargedAt) current.dischargedAt = stay.dischargedAt;
      } else {
        current = { patientId, pieces: [stay], admittedAt: stay.admittedAt, dischargedAt: stay.dischargedAt };
        merged.push(current);
      }
    }
  }
  return merged;
}

function exclusionOf(stay: MergedStay): string | null {
  if (stay.pieces.some((p) => p.disposition.toUpperCase() === 'EXPIRED')) return PcrExclusion.DIED;
  if (utcDayNumber(stay.admittedAt) === utcDayNumber(stay.dischargedAt)) return PcrExclusion.SAME_DAY;
  // Any merged piece with such a principal diagnosis excludes the whole stay (conservative).
  if (stay.pieces.some((p) => isPregnancyOrPerinatal(p.principalDiagnosis))) return PcrExclusion.PREGNANCY_OR_PERINATAL;
  return null;
}

/**
 * HEDIS PCR since measurement year 2020 (clinical-rules.md, "HEDIS PCR — observation
 * stays"): observation stays count both as index hospital stays and as readmissions,
 * alongside acute inpatient stays.
 */
export const PCR_MEASUREMENT_YEAR_RULE = 'HEDIS PCR MY2020+: observation stays count as index stays and as readmissions';

/**
 * Numerator stay (HEDIS PCR: unplanned acute readmission, any diagnosis):
 * - acute inpatient or observation (PCR_MEASUREMENT_YEAR_RULE): an observation-only
 *   return counts, as does observation that converted to inpatient (merged);
 * - unplanned: the admission (first piece) is not planned;
 * - pregnancy/perinatal principal diagnoses are not counted as readmissions,
 *   as HEDIS removes them from the readmission candidates as well.
 */
function qualifiesAsReadmission(stay: MergedStay): boolean {
  return (
    stay.pieces.some((p) => p.kind === 'INPATIENT' || p.kind === 'OBSERVATION') &&
    !stay.pieces[0].planned &&
    !stay.pieces.some((p) => isPregnancyOrPerinatal(p.principalDiagnosis))
  );
}

/**
 * Day counting: calendar days (UTC) from the index discharge date to the
 * readmission date. Day 1 is the day after discharge; day 30 counts, day 31
 * does not. (Same/next-day returns are direct transfers and already merged.)
 */
function withinWindow(index: MergedStay, next: MergedStay): boolean {
  const days = calendarDaysBetween(index.dischargedAt, next.admittedAt);
  return days >= 1 && days <= READMISSION_WINDOW_DAYS;
}

function validate(stays: Stay[], period: { start: Date; end: Date }): void {
  assertValidDate(period.start, 'start');
  assertValidDate(period.end, 'end');
  if (period.end <= period.start) throw badInput('The period end must be after its start', 'end');
  for (const s of stays) {
    assertValidDate(s.admittedAt, 'admittedAt');
    assertValidDate(s.dischargedAt, 'dischargedAt');
    if (s.dischargedAt < s.admittedAt) {
      throw badInput(`Encounter ${s.encounterId} is discharged before it is admitted`, 'dischargedAt', {
        encounterId: s.encounterId,
      });
    }
  }
}

/**
 * Index stays are merged inpatient or observation stays whose final discharge
 * falls in the half-open period [start, end) (pass the first instant after the
 * period as `end`). A readmission may itself be an index stay.
 */
export function evaluateReadmissions(stays: Stay[], period: { start: Date; end: Date }): ReadmissionResult {
  validate(stays, period);
  const merged = mergeTransfers(stays);
  const byPatient = new Map<string, MergedStay[]>();
  for (const m of merged) {
    const list = byPatient.get(m.patientId) ?? [];
    list.push(m);
    byPatient.set(m.patientId, list);
  }

  const indexStays: IndexStayResult[] = [];
  const excluded: IndexStayResult[] = [];
  const inPeriod = merged
    .filter((m) => m.dischargedAt >= period.start && m.dischargedAt < period.end)
    .sort((a, b) => a.dischargedAt.getTime() - b.dischargedAt.getTime() || (a.patientId < b.patientId ? -1 : 1));

  for (const stay of inPeriod) {
    const base = {
      patientId: stay.patientId,
      encounterIds: stay.pieces.map((p) => p.encounterId),
      admittedAt: stay.admittedAt,
      dischargedAt: stay.dischargedAt,
    };
    const reason = exclusionOf(stay);
    if (reason) {
      excluded.push({ ...base, readmitted: false, readmissionEncounterId: null, excludedReason: reason });
      continue;
    }
    // Patient's merged stays are in admission order, so the first match is the earliest readmission.
    const readmission = (byPatient.get(stay.patientId) ?? []).find(
      (next) => next !== stay && withinWindow(stay, next) && qualifiesAsReadmission(next),
    );
    indexStays.push({
      ...base,
      readmitted: readmission !== undefined,
      readmissionEncounterId: readmission ? readmission.pieces[0].encounterId : null,
      excludedReason: null,
    });
  }

  return {
    indexStays,
    denominator: indexStays.length,
    numerator: indexStays.filter((s) => s.readmitted).length,
    excluded,
  };
}

/**
 * HEDIS PCR: an index stay enters the rate only once its 30-day follow-up window has
 * passed (clinical-rules.md). The window runs through calendar day 30 after the
 * discharge date (UTC, as withinWindow counts), so it has passed from day 31 on.
 * Until then the stay is pending: neither readmitted nor not, whatever has happened
 * so far, so the latest month is not biased low (nor high).
 */
export function followUpWindowClosed(dischargedAt: Date, asOf: Date): boolean {
  return calendarDaysBetween(dischargedAt, asOf) > READMISSION_WINDOW_DAYS;
}

/** The first instant at which a stay discharged on `dischargedAt`'s day has a closed window. */
export function pendingCutoff(asOf: Date): Date {
  // Discharges on or after this instant (UTC day) are still pending at `asOf`.
  return new Date((utcDayNumber(asOf) - READMISSION_WINDOW_DAYS) * 86_400_000);
}

export interface PcrRate {
  /** Index stays whose window has closed: the rate's denominator. */
  denominator: number;
  /** Of those, readmitted within 30 days. */
  numerator: number;
  /** Index stays discharged in the period whose window has not closed yet: reported, not in the rate. */
  pending: number;
}

/** The observed PCR rate over closed windows, with the pending index stays beside it. */
export function pcrRate(indexStays: readonly Pick<IndexStayResult, 'dischargedAt' | 'readmitted'>[], asOf: Date): PcrRate {
  const closed = indexStays.filter((s) => followUpWindowClosed(s.dischargedAt, asOf));
  return { denominator: closed.length, numerator: closed.filter((s) => s.readmitted).length, pending: indexStays.length - closed.length };
}

/** A stay as recorded so far: an admission still in progress has no discharge yet. */
export interface RecordedStay extends Omit<Stay, 'dischargedAt'> {
  dischargedAt: Date | null;
}

/** One merged hospital stay of a patient, as the read model keeps it. */
export interface StayOutcome extends Omit<IndexStayResult, 'dischargedAt'> {
  /** null while any merged piece is still in progress. */
  dischargedAt: Date | null;
  inProgress: boolean;
  /** Disposition of the piece discharged last (where the patient went after the whole stay). */
  finalDisposition: string | null;
}

const ALL_TIME = { start: new Date(0), end: new Date(8.64e15) };

/**
 * Every merged stay of one patient's history, each with its HEDIS PCR outcome,
 * so figures for any period are a count over these rows. An admission still in
 * progress already counts as a readmission of an earlier index stay (HEDIS dates
 * a readmission by its admission); it stands in as a zero-length stay, and the
 * merged stay it belongs to is reported in progress, not as an index stay, until
 * its discharge is known.
 */
export function allStayOutcomes(stays: RecordedStay[]): StayOutcome[] {
  const open = new Set(stays.filter((s) => s.dischargedAt === null).map((s) => s.encounterId));
  const byId = new Map(stays.map((s) => [s.encounterId, s]));
  const r = evaluateReadmissions(stays.map((s) => ({ ...s, dischargedAt: s.dischargedAt ?? s.admittedAt })), ALL_TIME);
  return [...r.indexStays, ...r.excluded]
    .map((s): StayOutcome => {
      const pieces = s.encounterIds.map((id) => byId.get(id)!);
      if (pieces.some((p) => open.has(p.encounterId))) {
        return { ...s, dischargedAt: null, inProgress: true, readmitted: false, readmissionEncounterId: null, excludedReason: null, finalDisposition: null };
      }
      const last = pieces.reduce((a, b) => (b.dischargedAt! >= a.dischargedAt! ? b : a));
      return { ...s, inProgress: false, finalDisposition: last.disposition };
    })
    .sort((a, b) => a.admittedAt.getTime() - b.admittedAt.getTime());
}
