/**
 * Post-discharge timeliness measures: CMS Transitional Care Management
 * deadlines and 7-day follow-up after discharge.
 */
import { assertValidDate, calendarDaysBetween } from './dates';

export interface Rate {
  numerator: number;
  denominator: number;
}

export interface TcmEpisodeTimes {
  /** CMS TCM: 2 business days after discharge (computed by the caller, holidays excluded). */
  interactiveContactDueAt: Date;
  interactiveContactAt: Date | null;
  /** CMS TCM: 7 (99496) or 14 (99495) calendar days after discharge. */
  faceToFaceDueAt: Date;
  faceToFaceAt: Date | null;
}

/**
 * One deadline's contribution. Counted once the outcome is known: met on time
 * (done at or before the due instant), or the deadline has passed. A pending
 * episode still within its window is left out so the rate is not dragged down
 * by work that can still be done on time. Done late counts in the denominator only.
 */
function tally(rate: Rate, dueAt: Date, doneAt: Date | null, now: Date): void {
  const metOnTime = doneAt !== null && doneAt.getTime() <= dueAt.getTime();
  const deadlinePassed = now.getTime() > dueAt.getTime();
  if (metOnTime || deadlinePassed) rate.denominator++;
  if (metOnTime) rate.numerator++;
}

export function tcmTimeliness(episodes: TcmEpisodeTimes[], now: Date): { contact: Rate; faceToFace: Rate } {
  assertValidDate(now, 'now');
  const contact: Rate = { numerator: 0, denominator: 0 };
  const faceToFace: Rate = { numerator: 0, denominator: 0 };
  for (const e of episodes) {
    assertValidDate(e.interactiveContactDueAt, 'interactiveContactDueAt');
    assertValidDate(e.faceToFaceDueAt, 'faceToFaceDueAt');
    tally(contact, e.interactiveContactDueAt, e.interactiveContactAt, now);
    tally(faceToFace, e.faceToFaceDueAt, e.faceToFaceAt, now);
  }
  return { contact, faceToFace };
}

/** Visit kinds that count as post-discharge follow-up. */
export const FOLLOW_UP_VISIT_KINDS: readonly string[] = ['OUTPATIENT', 'TELEHEALTH', 'HOME_VISIT'];
export const FOLLOW_UP_WINDOW_DAYS = 7;

/** Days 1–7 after the discharge date (UTC calendar days); the discharge date itself is day 0. */
function inFollowUpWindow(dischargedAt: Date, at: Date): boolean {
  const day = calendarDaysBetween(dischargedAt, at);
  return day >= 1 && day <= FOLLOW_UP_WINDOW_DAYS;
}

/**
 * Discharges that call for a follow-up visit: back to a community setting, the
 * same destinations that start CMS TCM. Deaths, transfers and discharges to a
 * facility (skilled nursing, rehabilitation, hospice) are cared for there, so
 * an outpatient visit within 7 days is not expected of them.
 */
export const FOLLOW_UP_DISPOSITIONS: readonly string[] = ['HOME', 'HOME_HEALTH', 'LEFT_AMA'];

export const needsFollowUp = (disposition: string | null) =>
  disposition !== null && FOLLOW_UP_DISPOSITIONS.includes(disposition.toUpperCase());

/**
 * The first visit that would count as the discharge's follow-up (whenever it
 * happens, even in the future); followUpWithin7Days decides whether it counts yet.
 * The read model keeps it per discharge so a figure never rescans all visits.
 */
export function firstFollowUpVisit<V extends { at: Date; kind: string }>(dischargedAt: Date, visits: V[]): V | null {
  const kinds = new Set(FOLLOW_UP_VISIT_KINDS);
  let first: V | null = null;
  for (const v of visits) {
    if (!kinds.has(v.kind.toUpperCase()) || !inFollowUpWindow(dischargedAt, v.at)) continue;
    if (first === null || v.at < first.at) first = v;
  }
  return first;
}

/**
 * 7-day follow-up after discharge. Days are UTC calendar days after the
 * discharge date: a visit on days 1–7 counts, day 8 does not. As in the HEDIS
 * follow-up and TRC engagement measures, a visit on the discharge date itself
 * does not count (it is usually part of the discharge). Visits after `now`
 * (scheduled, not yet held) do not count. A discharge without follow-up is only
 * counted once its window is over, i.e. from day 8; before that it is pending.
 * Each discharge is evaluated separately, even for the same patient.
 */
export function followUpWithin7Days(
  discharges: { patientId: string; dischargedAt: Date }[],
  visits: { patientId: string; at: Date; kind: string }[],
  now: Date,
): Rate {
  assertValidDate(now, 'now');
  const kinds = new Set(FOLLOW_UP_VISIT_KINDS);
  const visitsByPatient = new Map<string, Date[]>();
  for (const v of visits) {
    if (!kinds.has(v.kind.toUpperCase()) || v.at.getTime() > now.getTime()) continue;
    const list = visitsByPatient.get(v.patientId) ?? [];
    list.push(v.at);
    visitsByPatient.set(v.patientId, list);
  }

  const rate: Rate = { numerator: 0, denominator: 0 };
  for (const d of discharges) {
    assertValidDate(d.dischargedAt, 'dischargedAt');
    const met = (visitsByPatient.get(d.patientId) ?? []).some((at) => inFollowUpWindow(d.dischargedAt, at));
    const windowOver = calendarDaysBetween(d.dischargedAt, now) > FOLLOW_UP_WINDOW_DAYS;
    if (met || windowOver) rate.denominator++;
    if (met) rate.numerator++;
  }
  return rate;
}
