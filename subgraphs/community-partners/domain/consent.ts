/**
 * The patient's consent to share with a community partner, as this subgraph
 * learns it from the patients subgraph's ConsentRecorded / ConsentStatusChanged
 * events. Gravity: sharing with a community organization that is not a HIPAA
 * covered entity needs the patient's consent (SDOHCC Consent).
 */

export const SHARE_WITH_PARTNER = 'SHARE_WITH_PARTNER';

/** FHIR Consent.status code under which sharing is allowed. */
export const ACTIVE_CONSENT_STATUS = 'active';

export interface PartnerConsent {
  consentId: string;
  kind: string;
  /** FHIR Consent.status code, lower case. */
  status: string;
  /** Community partner id (lower case), null for consents not tied to a partner. */
  partnerId: string | null;
  periodStart: Date | null;
  /** Exclusive end: sharing stops at this instant. */
  periodEnd: Date | null;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A period bound: ISO date-time, or a date; a date-only end covers that whole day (UTC). */
function bound(value: unknown, end: boolean): Date | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const v = value.trim();
  const d = new Date(DATE_ONLY.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(d.getTime())) return null;
  if (end && DATE_ONLY.test(v)) d.setUTCDate(d.getUTCDate() + 1);
  return d;
}

/**
 * Reads the consent event payload, tolerating GraphQL enum spellings
 * ("ACTIVE", "SHARE_WITH_PARTNER") and FHIR codes ("active", "share-with-partner").
 * Null when the payload names no consent.
 */
export function consentFromEvent(payload: Record<string, unknown>): PartnerConsent | null {
  const consentId = typeof payload.consentId === 'string' ? payload.consentId : null;
  if (!consentId) return null;
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  return {
    consentId,
    kind: text(payload.kind).toUpperCase().replace(/-/g, '_'),
    status: text(payload.status).toLowerCase().replace(/_/g, '-'),
    partnerId: text(payload.partnerOrgId).toLowerCase() || null,
    periodStart: bound(payload.periodStart, false),
    periodEnd: bound(payload.periodEnd, true),
  };
}

/** Active now: status active and `at` inside the period (open bounds allowed). */
export function isConsentActive(c: Pick<PartnerConsent, 'status' | 'periodStart' | 'periodEnd'>, at: Date): boolean {
  return c.status === ACTIVE_CONSENT_STATUS
    && (c.periodStart === null || c.periodStart <= at)
    && (c.periodEnd === null || c.periodEnd > at);
}
