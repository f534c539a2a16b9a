/**
 * Who may read what in the patients subgraph (PHI: every path checks).
 * - Clinical roles and admins read and record everything here.
 * - Partner staff reach a Patient only as an entity reference (Referral.patient),
 *   only with the patient's active consent to share with their organization
 *   (Gravity SDOHCC), and then only the minimum-necessary fields tagged "partner".
 * - Analysts see aggregates elsewhere, never this API's PHI.
 */
import type { MiddlewareFn } from 'type-graphql';
import { CLINICAL_ROLES, Role, hasRole, requireRole, type Principal } from '../../../shared/auth';
import { forbidden } from '../../../shared/errors';
import type { SubgraphContext } from '../../../shared/subgraph';

const CLINICAL_READERS: readonly Role[] = [...CLINICAL_ROLES, Role.ADMIN];

export const isClinicalReader = (p: Principal): boolean => hasRole(p, ...CLINICAL_READERS);

/** Partner staff (and nobody clinical): the principal the partner rules apply to. */
export const isPartnerOnly = (p: Principal): boolean => !isClinicalReader(p) && hasRole(p, Role.PARTNER_STAFF) && !!p.org;

/** Clinical roles and admins read and record clinical data; partner staff and analysts do not. */
export function assertClinicalAccess(p: Principal, action = 'read patient records'): void {
  requireRole(p, CLINICAL_READERS, action);
}

/**
 * Guards every Patient field outside the partner's minimum-necessary set: a partner
 * who reached a consented patient still gets FORBIDDEN on, say, `conditions`.
 */
export const ClinicalOnly: MiddlewareFn<SubgraphContext> = ({ context, info }, next) => {
  if (!isClinicalReader(context.principal)) {
    throw forbidden(`Your role may not read ${info.parentType.name}.${info.fieldName}`, { field: info.fieldName });
  }
  return next();
};

/**
 * Whether the patient's sharing consent with the caller's organization is in force
 * (the rule of domain/consent.ts consentInForce, in SQL), batched per request.
 */
export function partnerMaySee(ctx: SubgraphContext, patientId: string): Promise<boolean> {
  const org = ctx.principal.org as string;
  return ctx.loaders
    .get<string, boolean>('partnerMaySee', async (ids) => {
      const rows: { patient_id: string }[] = await ctx.db.query(
        `SELECT DISTINCT patient_id FROM patients.consent
          WHERE partner_org_id = lower($1) AND patient_id = ANY($2::uuid[]) AND kind = 'SHARE_WITH_PARTNER' AND status = 'active'
            AND (period_start IS NULL OR period_start <= (now() AT TIME ZONE 'UTC')::date)
            AND (period_end IS NULL OR period_end >= (now() AT TIME ZONE 'UTC')::date)`,
        [org, ids],
      );
      const allowed = new Set(rows.map((r) => r.patient_id));
      return ids.map((id) => allowed.has(id));
    })
    .load(patientId);
}
