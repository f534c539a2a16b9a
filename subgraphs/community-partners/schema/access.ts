/**
 * Who may read and change what in the community-partners subgraph.
 *
 * Requester side (clinical roles and admins): referrals of any patient. Choice:
 * this subgraph does not keep a care-team membership projection, so any clinical
 * role may refer and follow referrals (the brief's accepted simpler option); the
 * patients and care-teams subgraphs still guard the clinical record itself.
 * A follow-up could project CareTeamFormed / CareTeamMemberAdded /
 * CareTeamMembershipEnded to restrict this to the patient's active team members.
 *
 * Partner side (partner_staff with `org`): row-level — only referrals addressed to
 * their organization, never drafts, and only while the patient's
 * SHARE_WITH_PARTNER consent for that organization is active. Anything else does
 * not exist for them (NOT_FOUND / null), so existence is not leaked.
 */
import { CLINICAL_ROLES, Role, hasRole, requireRole, type Principal } from '../../../shared/auth';
import { forbidden } from '../../../shared/errors';
import { ReferralActor, ReferralStatus } from '../domain/referral-status';

export const REQUESTER_ROLES: readonly Role[] = [...CLINICAL_ROLES, Role.ADMIN];

export interface PartnerPrincipal extends Principal {
  org: string;
}

/** Partner staff act as their organization, whatever other roles a token carries (the stricter reading). */
export const isPartnerPrincipal = (p: Principal): p is PartnerPrincipal => hasRole(p, Role.PARTNER_STAFF) && !!p.org;

/** Clinical roles and admins: the referring side. */
export function assertRequester(p: Principal, action = 'read referrals'): void {
  if (isPartnerPrincipal(p)) throw forbidden(`Partner staff may not ${action}`);
  requireRole(p, REQUESTER_ROLES, action);
}

export function assertPartnerStaff(p: Principal, action: string): asserts p is PartnerPrincipal {
  if (!isPartnerPrincipal(p)) throw forbidden(`Only community partner staff may ${action}`);
}

/** Gravity ownership of statuses: partner staff act as the PARTNER, clinicians as the REQUESTER. */
export function referralActorOf(p: Principal): ReferralActor {
  if (isPartnerPrincipal(p)) return ReferralActor.PARTNER;
  requireRole(p, REQUESTER_ROLES, 'change referrals');
  return ReferralActor.REQUESTER;
}

/** The partner's half of the row-level rule; the consent half needs the projection (data/projections.ts). */
export function isAddressedTo(referral: { partnerId: string; status: string }, p: PartnerPrincipal): boolean {
  return referral.partnerId.toLowerCase() === p.org.toLowerCase() && referral.status !== ReferralStatus.DRAFT;
}

/** The directory: clinicians and analysts search it; partner staff read only their own entry. */
export function assertDirectorySearch(p: Principal): void {
  if (isPartnerPrincipal(p)) throw forbidden('Partner staff may read only their own directory entry (myOrganization)');
  requireRole(p, [...REQUESTER_ROLES, Role.ANALYST], 'search the partner directory');
}

export function canReadPartnerEntry(p: Principal, partnerId: string): boolean {
  if (isPartnerPrincipal(p)) return p.org.toLowerCase() === partnerId.toLowerCase();
  assertDirectorySearch(p);
  return true;
}
