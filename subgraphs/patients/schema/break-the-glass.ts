/**
 * Break-the-glass (emergency access): a clinician outside a patient's care team opens
 * that one patient's record, read only, for BREAK_THE_GLASS_MINUTES, by stating a
 * reason. The patients subgraph owns the grants: the grant row and the
 * BreakTheGlassGranted event commit together, and the shared care-relationship
 * consumer applies the event in every subgraph (shared/care-relationships.ts). The
 * grant is flagged in the audit trail (purpose BREAK_THE_GLASS, with the reason), so
 * is every read it lets through, and the patient's care team sees it on
 * `Patient.breakTheGlassAccesses`. It ends by itself: access checks compare expires_at.
 */
import { randomUUID } from 'node:crypto';
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, ObjectType, Resolver, Root } from 'type-graphql';
import { mayBreakTheGlass, RefusalReason, Relationship } from '../../../shared/access-policy';
import { AuditPurpose } from '../../../shared/audit';
import { isAdmin } from '../../../shared/auth';
import { config } from '../../../shared/config';
import { badInput, forbidden, notFound } from '../../../shared/errors';
import { recordEvent } from '../../../shared/events';
import { groupByKey, isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import type { PatientRecord } from '../data/entities';
import { Patient } from './types';

export const BTG_REASON_MIN = 10;
export const BTG_REASON_MAX = 500;

@InputType()
class BreakTheGlassInput {
  @Field(() => ID) patientId: string;
  @Field({ description: `Why the record must be opened now (${BTG_REASON_MIN}–${BTG_REASON_MAX} characters); kept in the audit trail` }) reason: string;
}

@ObjectType({ description: "An emergency access to a patient's record by a clinician outside the care team" })
export class BreakTheGlassAccess {
  @Field(() => ID, { description: 'The grant' }) id: string;
  @Field(() => ID) patientId: string;
  @Field(() => ID, { description: 'Who broke the glass' }) practitionerId: string;
  @Field() reason: string;
  @Field() grantedAt: Date;
  @Field({ description: 'When the access ends by itself' }) expiresAt: Date;
  @Field({ description: 'Not expired yet' }) active: boolean;
}

interface GrantRow { grant_id: string; patient_id: string; practitioner_id: string; reason: string; granted_at: Date; expires_at: Date }

const toAccess = (r: GrantRow): BreakTheGlassAccess => ({
  id: r.grant_id, patientId: r.patient_id, practitionerId: r.practitioner_id, reason: r.reason,
  grantedAt: r.granted_at, expiresAt: r.expires_at, active: r.expires_at.getTime() > Date.now(),
});

const grantsOf = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, BreakTheGlassAccess[]>('breakTheGlassGrants', async (ids) => {
    const rows: GrantRow[] = await ctx.db.query(
      `SELECT grant_id::text, patient_id::text, practitioner_id, reason, granted_at, expires_at FROM patients.access_grant
        WHERE patient_id = ANY($1::uuid[]) ORDER BY granted_at DESC, grant_id`, [ids]);
    return groupByKey(ids, rows, (r) => r.patient_id).map((g) => g.map(toAccess));
  });

function reasonOf(text: string): string {
  const reason = text.trim().replace(/\s+/g, ' ');
  if (reason.length < BTG_REASON_MIN || reason.length > BTG_REASON_MAX) {
    throw badInput(`State why you open this record, in ${BTG_REASON_MIN} to ${BTG_REASON_MAX} characters`, 'reason');
  }
  return reason;
}

@Resolver(() => Patient)
export class BreakTheGlassResolver {
  @Mutation(() => BreakTheGlassAccess, { description: "Opens one patient's record, read only, for a limited time, for a clinician outside the care team; audited with the reason" })
  async breakTheGlass(@Arg('input') input: BreakTheGlassInput, @Ctx() ctx: SubgraphContext): Promise<BreakTheGlassAccess> {
    const p = ctx.principal;
    if (!mayBreakTheGlass(p)) throw forbidden('Only clinicians may break the glass', { reason: RefusalReason.ROLE_NOT_ALLOWED, patientId: input.patientId });
    const reason = reasonOf(input.reason);
    if (!isUuid(input.patientId)) throw notFound('Patient', input.patientId);
    const patientId = input.patientId.toLowerCase();
    // A member already reads the record: an emergency access would only put a false alarm in the audit trail.
    const rel = (await ctx.access.relationships([patientId])).get(patientId)!;
    if (rel.relationship === Relationship.MEMBER) {
      throw badInput("You are on this patient's care team: you need no break-the-glass access", 'patientId', { reason: 'ALREADY_ON_CARE_TEAM' });
    }
    const minutes = config.breakTheGlassMinutes;
    return ctx.db.transaction(async (m) => {
      const [exists] = await m.query('SELECT 1 FROM patients.patient WHERE id = $1', [patientId]);
      if (!exists) throw notFound('Patient', patientId);
      const grantId = randomUUID();
      const [row]: GrantRow[] = await m.query(
        `INSERT INTO patients.access_grant (grant_id, patient_id, practitioner_id, reason, granted_at, expires_at)
         VALUES ($1, $2, $3, $4, now(), now() + make_interval(mins => $5))
         RETURNING grant_id::text, patient_id::text, practitioner_id, reason, granted_at, expires_at`,
        [grantId, patientId, p.sub, reason, minutes],
      );
      // The outbox records the grant's own write, flagged BREAK_THE_GLASS with the reason (shared/request-scope.ts).
      await recordEvent(m, ctx.source, {
        type: 'BreakTheGlassGranted', aggregateType: 'AccessGrant', aggregateId: grantId, patientId, actor: p.sub,
        payload: { grantId, practitionerId: p.sub, reason, grantedAt: row.granted_at.toISOString(), expiresAt: row.expires_at.toISOString(), minutes },
      });
      return toAccess(row);
    });
  }

  @FieldResolver(() => [BreakTheGlassAccess], {
    nullable: true,
    description: "Every break-the-glass access to this patient's record, latest first (the patient's care team and admins)",
  })
  async breakTheGlassAccesses(@Root() patient: PatientRecord, @Ctx() ctx: SubgraphContext): Promise<BreakTheGlassAccess[]> {
    // Who looked at the record is the care team's to watch (the coordinator first), not the glass-breaker's.
    const admin = isAdmin(ctx.principal);
    if (!admin) {
      const rel = (await ctx.access.relationships([patient.id])).get(patient.id)!;
      if (rel.relationship !== Relationship.MEMBER) {
        throw forbidden("Only the patient's care team sees who broke the glass", { reason: RefusalReason.NOT_ON_CARE_TEAM, patientId: patient.id });
      }
    }
    ctx.access.noteServed([patient.id], 'BreakTheGlassAccess', admin ? AuditPurpose.OPERATIONS : AuditPurpose.TREATMENT);
    return grantsOf(ctx).load(patient.id);
  }
}
