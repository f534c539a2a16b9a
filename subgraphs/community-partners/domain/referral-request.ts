/**
 * What a referral carries besides its status (Gravity SDOH closed-loop referral:
 * the ServiceRequest's priority and note, the Task's statusReason and output).
 */
import { badInput } from '../../../shared/errors';
import { ReferralStatus } from './referral-status';

/** FHIR RequestPriority (ServiceRequest.priority). */
export enum ReferralPriority {
  ROUTINE = 'routine',
  URGENT = 'urgent',
  ASAP = 'asap',
  STAT = 'stat',
}

export const MAX_NOTE_LENGTH = 4000;
export const MAX_REASON_LENGTH = 1000;

/**
 * Statuses that end the referral without a delivered service, or withdraw it:
 * the other side needs to know why (Task.statusReason), so a reason is required.
 */
export const STATUSES_REQUIRING_REASON: readonly ReferralStatus[] = [
  ReferralStatus.REJECTED,
  ReferralStatus.FAILED,
  ReferralStatus.CANCELLED,
  ReferralStatus.ENTERED_IN_ERROR,
];

/** The trimmed reason for moving to `to`, or null; BAD_USER_INPUT (field `reason`) when one is required or too long. */
export function statusReasonFor(to: ReferralStatus, reason: string | null | undefined): string | null {
  const text = reason?.trim() || null;
  if (!text && STATUSES_REQUIRING_REASON.includes(to)) throw badInput(`A reason is required to set a referral to ${to}`, 'reason');
  if (text && text.length > MAX_REASON_LENGTH) throw badInput(`reason must be at most ${MAX_REASON_LENGTH} characters`, 'reason');
  return text;
}

export function normaliseNote(note: string | null | undefined): string | null {
  const text = note?.trim() || null;
  if (text && text.length > MAX_NOTE_LENGTH) throw badInput(`note must be at most ${MAX_NOTE_LENGTH} characters`, 'note');
  return text;
}

/** A service delivered, as a FHIR Coding (e.g. SNOMED CT or a local code system). */
export interface ServiceCoding {
  system: string | null;
  code: string;
  display: string | null;
}

/** What the partner did (Gravity: Task.output on completion), in words and in codes. */
export interface ReferralOutcome {
  text: string;
  services: ServiceCoding[];
}

/** Validates and trims an outcome; BAD_USER_INPUT names `outcome.text` or `outcome.services`. */
export function normaliseOutcome(input: { text: string; services?: Partial<ServiceCoding>[] | null }): ReferralOutcome {
  const text = input.text?.trim();
  if (!text) throw badInput('outcome.text must say what was done', 'outcome.text');
  if (text.length > MAX_NOTE_LENGTH) throw badInput(`outcome.text must be at most ${MAX_NOTE_LENGTH} characters`, 'outcome.text');
  const services = (input.services ?? []).map((s, i) => {
    const code = s.code?.trim();
    if (!code) throw badInput(`outcome.services[${i}].code must not be empty`, 'outcome.services');
    const system = s.system?.trim() || null;
    if (system && !/^[a-z][a-z0-9+.-]*:\S+$/i.test(system)) throw badInput(`outcome.services[${i}].system must be a URI`, 'outcome.services');
    return { system, code, display: s.display?.trim() || null };
  });
  return { text, services };
}
