/**
 * Who may read and change what in the community-partners subgraph.
 *
 * Requester side (/graphql): referrals are the patient's clinical record
 * (PatientData.REFERRALS in shared/access-policy.ts), so every read and write asks
 * `ctx.access`: active members of the patient's care team read them (and a
 * clinician who broke the glass, read only), the roles in MEMBER_WRITERS[REFERRALS]
 * make and change them as members, admins everything (audited as OPERATIONS).
 * A refusal is FORBIDDEN with `reason` and `patientId` (shared/access.ts header).
 *
 * Partner side (/partner/graphql, `ctx.caller.endpoint === 'partner'`): row-level,
 * never the table — only referrals addressed to their organization, never drafts,
 * and only while the patient's SHARE_WITH_PARTNER consent for that organization
 * is active. Anything else does not exist for them (NOT_FOUND / null), so existence
 * is not leaked; whatever they are shown is noted as a PARTNER_DISCLOSURE.
 *
 * The directory is not patient data: clinicians, admins and analysts search it,
 * partner staff read only their own entry.
 */
import { CLINICAL_ROLES, Role, hasRole, requireRole, type Principal } from '../../../shared/auth';
import { forbidden } from '../../../shared/errors';
import type { SubgraphContext } from '../../../shared/subgraph';
import { ReferralActor, ReferralStatus } from '../domain/referral-status';

export interface PartnerPrincipal extends Principal {
  org: string;
}

/** The request came through the partner contract; the gateway only lets partner staff of one organization in there. */
export const onPartnerSide = (ctx: SubgraphContext) => ctx.caller.endpoint === 'partner';

/** The partner principal of a partner-side request (FORBIDDEN anywhere else). */
export function partnerOf(ctx: SubgraphContext, action: string): PartnerPrincipal {
  const p = ctx.principal;
  if (!onPartnerSide(ctx) || !hasRole(p, Role.PARTNER_STAFF) || !p.org) throw forbidden(`Only community partner staff may ${action}`, { reason: 'PARTNER_CONTRACT_ONLY' });
  return p as PartnerPrincipal;
}

/** Gravity ownership of statuses: the partner endpoint acts as the PARTNER, the clinical one as the REQUESTER. */
export const referralActorOf = (ctx: SubgraphContext): ReferralActor => (onPartnerSide(ctx) ? ReferralActor.PARTNER : ReferralActor.REQUESTER);

/** The partner's half of the row-level rule; the consent half needs the projection (data/projections.ts). */
export function isAddressedTo(referral: { partnerId: string; status: string }, p: PartnerPrincipal): boolean {
  return referral.partnerId.toLowerCase() === p.org.toLowerCase() && referral.status !== ReferralStatus.DRAFT;
}

const DIRECTORY_ROLES: readonly Role[] = [...CLINICAL_ROLES, Role.ADMIN, Role.ANALYST];

/** The directory: clinicians, admins and analysts search it; partner staff read only their own entry. */
export function assertDirectorySearch(ctx: SubgraphContext): void {
  if (onPartnerSide(ctx) || hasRole(ctx.principal, Role.PARTNER_STAFF)) {
    throw forbidden('Partner staff may read only their own directory entry (myOrganization)', { reason: 'PARTNER_CONTRACT_ONLY' });
  }
  requireRole(ctx.principal, DIRECTORY_ROLES, 'search the partner directory');
}

/** One directory entry: a partner only its own (else it does not exist for them), others per the directory rule. */
export function canReadPartnerEntry(ctx: SubgraphContext, partnerId: string): boolean {
  if (onPartnerSide(ctx)) return !!ctx.principal.org && ctx.principal.org.toLowerCase() === partnerId.toLowerCase();
  assertDirectorySearch(ctx);
  return true;
}
