/**
 * Ranking community partners for a social need (Gravity closed-loop referral:
 * the referrer picks the community organization that will own the Task).
 */
import { badInput } from '../../../shared/errors';

export interface PartnerCandidate {
  id: string;
  categories: string[];
  /** Postal codes served (US ZIP or ZIP+4). */
  serviceArea: string[];
  /** ISO 639 language codes, e.g. "es", "en". */
  languages: string[];
  acceptingReferrals: boolean;
  /** Open slots the partner reports; null = not stated. */
  capacity: number | null;
}

export interface PartnerQuery {
  category?: string;
  postalCode?: string;
  language?: string;
  acceptingOnly?: boolean;
}

export interface RankedPartner {
  partner: PartnerCandidate;
  distance: number;
}

/**
 * Distance given to partners whose location cannot be compared: no service
 * area, or no 5-digit ZIP in it. Larger than any ZIP difference (max 99 999), so
 * they sort last, yet finite so it serialises as a GraphQL Float.
 */
export const UNKNOWN_DISTANCE = 100_000;

const ZIP = /^(\d{5})(?:-?\d{4})?$/;

/** The 5-digit ZIP of a US ZIP or ZIP+4, or null. */
function zip5(code: string): string | null {
  const m = ZIP.exec(code.trim());
  return m ? m[1] : null;
}

/** Primary language subtag, lower-cased: "ES-mx" → "es". */
function lang(code: string): string {
  return code.trim().toLowerCase().split(/[-_]/)[0];
}

const norm = (s: string) => s.trim().toLowerCase();

/**
 * Distance proxy (no geocoding): 0 when the ZIP is in the service area, else
 * the smallest absolute numeric difference between the 5-digit ZIPs. US ZIPs
 * are assigned roughly geographically, so nearby numbers are usually nearby
 * places; it is a ranking hint, not miles.
 */
function distanceTo(partner: PartnerCandidate, queryZip: string | null): number {
  const served = partner.serviceArea.map(zip5).filter((z): z is string => z !== null);
  if (served.length === 0) return UNKNOWN_DISTANCE;
  if (queryZip === null) return 0; // no location asked: every partner with an area is equally near
  const q = Number(queryZip);
  return served.reduce((best, z) => Math.min(best, Math.abs(Number(z) - q)), UNKNOWN_DISTANCE);
}

/**
 * Filters by category (case-insensitive), language (primary ISO subtag,
 * case-insensitive) and, with acceptingOnly, the acceptingReferrals flag; then
 * orders nearest service area first, partners without a service area last,
 * ties by capacity (larger first, unstated capacity after stated) then id.
 */
export function rankPartners(partners: PartnerCandidate[], query: PartnerQuery): RankedPartner[] {
  let queryZip: string | null = null;
  if (query.postalCode != null && query.postalCode.trim() !== '') {
    queryZip = zip5(query.postalCode);
    if (queryZip === null) throw badInput(`${query.postalCode} is not a US ZIP code`, 'postalCode');
  }
  const category = query.category?.trim() ? norm(query.category) : null;
  const language = query.language?.trim() ? lang(query.language) : null;

  return partners
    .filter((p) => !query.acceptingOnly || p.acceptingReferrals)
    .filter((p) => category === null || p.categories.some((c) => norm(c) === category))
    .filter((p) => language === null || p.languages.some((l) => lang(l) === language))
    .map((partner) => ({ partner, distance: distanceTo(partner, queryZip) }))
    .sort((a, b) => {
      if (a.distance !== b.distance) return a.distance - b.distance;
      const ca = a.partner.capacity;
      const cb = b.partner.capacity;
      if (ca !== cb) {
        if (ca === null) return 1;
        if (cb === null) return -1;
        return cb - ca;
      }
      return a.partner.id < b.partner.id ? -1 : a.partner.id > b.partner.id ? 1 : 0;
    });
}
