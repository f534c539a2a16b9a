/**
 * Consent (FHIR Consent): whether it is in force, and how its status may move.
 * Sharing with a community organization that is not a covered entity needs the
 * patient's consent (Gravity SDOHCC); CMS CCM needs documented consent.
 */
import { badInput, conflict } from '../../../shared/errors';
import { optionalIsoDate } from './dates';
import { ConsentKind, ConsentStatus } from './vocabulary';

export interface ConsentFacts {
  kind: ConsentKind;
  status: ConsentStatus;
  partnerOrgId: string | null;
  periodStart: string | null;
  periodEnd: string | null;
}

/** In force on `today`: status active and the period (inclusive days, either end open) covers it. */
export function consentInForce(c: Omit<ConsentFacts, 'kind' | 'partnerOrgId'>, today: string): boolean {
  return c.status === ConsentStatus.ACTIVE
    && (c.periodStart === null || c.periodStart <= today)
    && (c.periodEnd === null || c.periodEnd >= today);
}

/** CMS CCM: documented consent on file and in force. */
export const ccmConsentActive = (consents: ConsentFacts[], today: string): boolean =>
  consents.some((c) => c.kind === ConsentKind.CCM_SERVICES && consentInForce(c, today));

/** The partner organizations the patient currently shares with, sorted (stable for comparisons). */
export function activePartnerConsents(consents: ConsentFacts[], today: string): string[] {
  const ids = consents
    .filter((c) => c.kind === ConsentKind.SHARE_WITH_PARTNER && c.partnerOrgId && consentInForce(c, today))
    .map((c) => c.partnerOrgId as string);
  return [...new Set(ids)].sort();
}

/** A partner consent names its organization; other kinds name none. Periods run forward. */
export function consentTermsOf(input: {
  kind: ConsentKind; partnerOrgId?: string | null; periodStart?: string | null; periodEnd?: string | null;
}): { partnerOrgId: string | null; periodStart: string | null; periodEnd: string | null } {
  // Partner ids are UUIDs, which compare case-insensitively: stored lower-case, like the token's org is compared.
  const partnerOrgId = input.partnerOrgId?.trim().toLowerCase() || null;
  if (input.kind === ConsentKind.SHARE_WITH_PARTNER && !partnerOrgId) {
    throw badInput('A consent to share with a partner names the partner organization', 'partnerOrgId');
  }
  if (input.kind !== ConsentKind.SHARE_WITH_PARTNER && partnerOrgId) {
    throw badInput(`A ${input.kind} consent is not given to a partner organization`, 'partnerOrgId');
  }
  const periodStart = optionalIsoDate(input.periodStart, 'periodStart');
  const periodEnd = optionalIsoDate(input.periodEnd, 'periodEnd');
  if (periodStart && periodEnd && periodEnd < periodStart) throw badInput('periodEnd cannot be before periodStart', 'periodEnd');
  return { partnerOrgId, periodStart, periodEnd };
}

/**
 * FHIR Consent.status moves: a draft or proposal is accepted (active) or rejected;
 * an active consent is withdrawn (inactive); anything may be entered-in-error,
 * which is final. Staying in the same status is no change.
 */
const ALLOWED: Record<ConsentStatus, readonly ConsentStatus[]> = {
  [ConsentStatus.DRAFT]: [ConsentStatus.PROPOSED, ConsentStatus.ACTIVE, ConsentStatus.REJECTED, ConsentStatus.ENTERED_IN_ERROR],
  [ConsentStatus.PROPOSED]: [ConsentStatus.ACTIVE, ConsentStatus.REJECTED, ConsentStatus.ENTERED_IN_ERROR],
  [ConsentStatus.ACTIVE]: [ConsentStatus.INACTIVE, ConsentStatus.ENTERED_IN_ERROR],
  [ConsentStatus.REJECTED]: [ConsentStatus.ENTERED_IN_ERROR],
  [ConsentStatus.INACTIVE]: [ConsentStatus.ENTERED_IN_ERROR],
  [ConsentStatus.ENTERED_IN_ERROR]: [],
};

/** True when the status changes; CONFLICT when FHIR's lifecycle does not allow the move. */
export function consentStatusChanges(from: ConsentStatus, to: ConsentStatus): boolean {
  if (from === to) return false;
  if (!ALLOWED[from].includes(to)) throw conflict(`A consent that is ${from} cannot become ${to}`, { from, to });
  return true;
}
