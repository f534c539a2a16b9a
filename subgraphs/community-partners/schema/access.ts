/** Who may read what in the community-partners subgraph. */
import { CLINICAL_ROLES, Role, requireRole, type Principal } from '../../../shared/auth';

/** Care team roles and admins see referrals across organizations; partner staff only their own (row-level). */
export function assertClinicalAccess(p: Principal, action = 'read referrals'): void {
  requireRole(p, [...CLINICAL_ROLES, Role.ADMIN], action);
}

/** The directory is readable by everyone signed in: clinicians search it, partners read their own entry. */
export function assertDirectoryAccess(p: Principal): void {
  requireRole(p, [...CLINICAL_ROLES, Role.ADMIN, Role.PARTNER_STAFF, Role.ANALYST], 'read the partner directory');
}
