/**
 * The patients subgraph's side of the access model (shared/access-policy.ts is the
 * table; ctx.access applies it and notes reads in the audit trail). This file only
 * maps the subgraph's reads onto the table's data kinds and keeps the partner rule:
 * - a Patient (identity, contact, risk, enrollment) is WORKLIST data; its clinical
 *   record fields are CONDITIONS, ENCOUNTERS, SOCIAL_NEEDS, CONSENTS, each checked
 *   at the field (FORBIDDEN there, the rest of the answer stands);
 * - partner staff reach a Patient only as an entity reference (Referral.patient),
 *   only with the patient's active consent to share with their organization
 *   (Gravity SDOHCC), only the fields tagged "partner", and every such answer is a
 *   disclosure (ctx.access.noteDisclosure, HIPAA §164.528).
 */
import type { MiddlewareFn } from 'type-graphql';
import { decide, PatientData, Relationship } from '../../../shared/access-policy';
import { refusal } from '../../../shared/access';
import type { AuditPurpose } from '../../../shared/audit';
import { Role, hasRole, type Principal } from '../../../shared/auth';
import { forbidden } from '../../../shared/errors';
import type { SubgraphContext } from '../../../shared/subgraph';

/** Partner staff: the principal the partner rules apply to (decide() never lets them through). */
export const isPartnerOnly = (p: Principal): boolean => hasRole(p, Role.PARTNER_STAFF) && !!p.org;

/**
 * Guards every Patient field outside the partner's minimum-necessary set: a partner
 * who reached a consented patient still gets FORBIDDEN on, say, `mrn` (the subgraph
 * also holds partner requests to the contract, shared/partner-fields.ts).
 */
export const ClinicalOnly: MiddlewareFn<SubgraphContext> = ({ context, info }, next) => {
  if (isPartnerOnly(context.principal) || context.caller?.endpoint === 'partner') {
    throw forbidden(`Partner staff may not read ${info.parentType.name}.${info.fieldName}`, { field: info.fieldName, reason: 'PARTNER_CONTRACT_ONLY' });
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

/** The worklist a principal may see, from the table: every patient, only its panel, or none. */
export type WorklistScope =
  | { kind: 'population' | 'panel'; purpose: AuditPurpose }
  | { kind: 'none'; refused: ReturnType<typeof refusal> };

export function worklistScope(p: Principal): WorklistScope {
  const asMember = decide(p, PatientData.WORKLIST, 'read', Relationship.MEMBER);
  if (!asMember.allowed) return { kind: 'none', refused: refusal(asMember) };
  // Population when the table lets the principal read patients it has no relationship to (coordinators, admins, integrations).
  const outside = decide(p, PatientData.WORKLIST, 'read', Relationship.NOT_MEMBER);
  const unenrolled = decide(p, PatientData.WORKLIST, 'read', Relationship.NO_TEAM);
  if (outside.allowed && unenrolled.allowed) return { kind: 'population', purpose: outside.purpose };
  return { kind: 'panel', purpose: asMember.purpose };
}

/**
 * Registering a patient who does not exist yet: the patient has no team, so it is
 * the table's DEMOGRAPHICS write with no team (integrations, admins) — or the table's
 * ENROLLMENT write with no team (care coordinators register whom they enroll).
 */
export function mayRegister(p: Principal) {
  const demographics = decide(p, PatientData.DEMOGRAPHICS, 'write', Relationship.NO_TEAM);
  if (demographics.allowed) return demographics;
  const enrollment = decide(p, PatientData.ENROLLMENT, 'write', Relationship.NO_TEAM);
  return enrollment.allowed ? enrollment : demographics;
}
