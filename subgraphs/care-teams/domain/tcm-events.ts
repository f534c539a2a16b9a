/**
 * Reading a PatientDischarged event for transitional care, and how completing
 * the face-to-face visit moves the medication reconciliation deadline.
 */
import { endOfLocalDay, localIsoDate } from '../../../shared/time-zone';
import type { DischargeDisposition, EncounterKind, LaceRiskTier } from './transitional-care';

const ENCOUNTER_KINDS: ReadonlySet<string> = new Set<EncounterKind>(['INPATIENT', 'OBSERVATION', 'EMERGENCY', 'OUTPATIENT', 'TELEHEALTH', 'HOME_VISIT']);
const DISPOSITIONS: ReadonlySet<string> = new Set<DischargeDisposition>(['HOME', 'HOME_HEALTH', 'SKILLED_NURSING', 'REHAB', 'HOSPICE', 'LEFT_AMA', 'TRANSFERRED', 'EXPIRED']);
const TIERS: ReadonlySet<string> = new Set<LaceRiskTier>(['LOW', 'MODERATE', 'HIGH']);

export interface Discharge {
  encounterId: string;
  encounterKind: EncounterKind;
  disposition: DischargeDisposition;
  admittedAt: Date | null;
  dischargedAt: Date;
  /** The LACE tier computed at discharge, when the event carries one. */
  laceTier: LaceRiskTier | null;
}

const instant = (v: unknown): Date | null => {
  if (typeof v !== 'string' && !(v instanceof Date)) return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
};

/**
 * The discharge a PatientDischarged payload describes, or why it cannot be read.
 * An unreadable event is skipped (and logged) rather than retried forever: a
 * consumer stuck on one event would stop every later one.
 */
export function readDischarge(payload: Record<string, unknown>): { discharge: Discharge } | { unreadable: string } {
  const encounterId = typeof payload.encounterId === 'string' && payload.encounterId.trim() ? payload.encounterId.trim() : null;
  if (!encounterId) return { unreadable: 'no encounterId' };
  const dischargedAt = instant(payload.dischargedAt);
  if (!dischargedAt) return { unreadable: 'no valid dischargedAt' };
  const kind = String(payload.kind ?? '');
  if (!ENCOUNTER_KINDS.has(kind)) return { unreadable: `unknown encounter kind "${kind}"` };
  const disposition = String(payload.disposition ?? '');
  if (!DISPOSITIONS.has(disposition)) return { unreadable: `unknown disposition "${disposition}"` };
  const lace = payload.lace as { tier?: unknown } | null | undefined;
  const tier = typeof lace?.tier === 'string' && TIERS.has(lace.tier) ? (lace.tier as LaceRiskTier) : null;
  return {
    discharge: {
      encounterId, encounterKind: kind as EncounterKind, disposition: disposition as DischargeDisposition,
      admittedAt: instant(payload.admittedAt), dischargedAt, laceTier: tier,
    },
  };
}

/**
 * CMS TCM: medication reconciliation no later than the date of the face-to-face
 * visit. A visit earlier than its deadline brings the reconciliation deadline
 * forward to the end of the visit's day; it never pushes it later.
 */
export function medicationReconciliationDueAfterVisit(currentDue: Date, visitCompletedAt: Date, timeZone = 'UTC'): Date {
  // The visit's local day (HUB_TIME_ZONE; CMS TCM FAQs: local calendar dates of the practice).
  const visitDay = endOfLocalDay(localIsoDate(visitCompletedAt, timeZone), timeZone);
  return visitDay.getTime() < currentDue.getTime() ? visitDay : currentDue;
}
