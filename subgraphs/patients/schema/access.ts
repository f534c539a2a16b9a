/** Who may read what in the patients subgraph (PHI: every path checks). */
import { CLINICAL_ROLES, Role, requireRole, type Principal } from '../../../shared/auth';

const CLINICAL_READERS: readonly Role[] = [...CLINICAL_ROLES, Role.ADMIN];

/** Clinical roles and admins read and record clinical data; partner staff and analysts do not. */
export function assertClinicalAccess(p: Principal, action = 'read patient records'): void {
  requireRole(p, CLINICAL_READERS, action);
}
