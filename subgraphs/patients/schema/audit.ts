/**
 * The audit trail's read side (shared/audit.ts writes it): `auditEvents` for a privacy
 * review (HIPAA §164.308(a)(1)(ii)(D) information system activity review) and
 * `accountingOfDisclosures` (§164.528: what was shared with which community partner,
 * when). Privacy officers and admins only. Reading the audit is itself audited
 * (purpose PRIVACY_REVIEW) for every patient the answer names.
 *
 * Paging is Relay-style like shared/pagination.ts, but the cursor is the record's
 * position (keyset, newest first), because the trail only grows: an offset would
 * shift as records arrive. No totalCount, for the same reason (a count of a growing
 * log is a scan that is stale when it returns).
 */
import { Arg, Ctx, Field, ID, InputType, Int, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { RefusalReason } from '../../../shared/access-policy';
import { AuditPurpose, queryAudit, type AuditEventRow } from '../../../shared/audit';
import { hasRole, Role } from '../../../shared/auth';
import { badInput, forbidden } from '../../../shared/errors';
import { isUuid } from '../../../shared/federation';
import { PageInfo, pageSize } from '../../../shared/pagination';
import type { SubgraphContext } from '../../../shared/subgraph';

registerEnumType(AuditPurpose, { name: 'AuditPurpose', description: 'Purpose of use (HL7 v3 PurposeOfUse, with PARTNER_DISCLOSURE for §164.528)' });

export enum AuditAction { READ = 'read', WRITE = 'write' }
registerEnumType(AuditAction, { name: 'AuditAction' });

@ObjectType({ description: 'Who a record is about (FHIR AuditEvent.agent): its actor, or one recipient of a live delivery' })
export class AuditAgent {
  @Field({ description: 'The token sub' }) who: string;
  @Field(() => [String]) roles: string[];
  @Field(() => String, { nullable: true, description: 'The partner organization, for partner staff' }) organization: string | null;
  @Field(() => String, { nullable: true, description: 'The request, or for a delivery the subscription, that received it' }) requestId: string | null;
}

@ObjectType({ description: 'One audit record (FHIR AuditEvent): who did what to which patients, when, why' })
export class AuditEvent {
  @Field(() => ID, { description: 'Position in the hash chain' }) position: string;
  @Field() recordedAt: Date;
  @Field(() => String, { nullable: true, description: 'The request, as the gateway named it (X-Request-Id); null when the record has several agents (each names its own)' }) requestId: string | null;
  @Field({ description: 'The subgraph that recorded it' }) service: string;
  @Field({ description: 'clinical or partner' }) endpoint: string;
  @Field({ description: 'http or subscription' }) channel: string;
  @Field(() => String, { nullable: true, description: 'The one actor (token sub); null when a live delivery to several subscribers is one record: see agents' }) actor: string | null;
  @Field(() => [String], { nullable: true }) actorRoles: string[] | null;
  @Field(() => [AuditAgent], { description: 'The actor, or every recipient of a delivery recorded once for all of them' }) agents: AuditAgent[];
  @Field(() => String, { nullable: true, description: 'The partner organization, for partner staff' }) actorOrganization: string | null;
  @Field(() => AuditAction) action: AuditAction;
  @Field(() => String, { nullable: true }) operation: string | null;
  @Field(() => [String], { description: 'Entity types and the fields selected, e.g. Patient{familyName,phone}; for writes Type:Event' }) entities: string[];
  @Field(() => [ID]) patientIds: string[];
  @Field(() => AuditPurpose) purpose: AuditPurpose;
  @Field(() => String, { nullable: true, description: 'Break-the-glass grant and reason, or the disclosure recipient' }) reason: string | null;
}

@ObjectType('AuditEventEdge')
class AuditEventEdge {
  @Field() cursor: string;
  @Field(() => AuditEvent) node: AuditEvent;
}

@ObjectType('AuditEventConnection')
class AuditEventConnection {
  @Field(() => [AuditEventEdge]) edges: AuditEventEdge[];
  @Field(() => PageInfo) pageInfo: PageInfo;
}

@ObjectType({ description: 'One disclosure of a patient’s data to a community partner (HIPAA §164.528)' })
export class Disclosure {
  @Field() disclosedAt: Date;
  @Field(() => ID, { description: 'The recipient organization (community partner id)' }) recipientOrganization: string;
  @Field({ description: 'The partner user who received it' }) recipient: string;
  @Field(() => [String], { description: 'What was shared: entity types and fields' }) shared: string[];
  @Field(() => String, { nullable: true }) requestId: string | null;
}

@InputType()
class AuditEventFilter {
  @Field(() => ID, { nullable: true }) patientId?: string | null;
  @Field(() => String, { nullable: true, description: 'The actor (token sub)' }) actor?: string | null;
  @Field(() => Date, { nullable: true, description: 'Inclusive' }) from?: Date | null;
  @Field(() => Date, { nullable: true, description: 'Exclusive' }) to?: Date | null;
  @Field(() => AuditPurpose, { nullable: true }) purpose?: AuditPurpose | null;
}

const READERS = [Role.PRIVACY_OFFICER, Role.ADMIN];
const encodeCursor = (position: string) => Buffer.from(`a:${position}`).toString('base64url');
function decodeCursor(cursor: string | null | undefined): string | null {
  if (!cursor) return null;
  const m = Buffer.from(cursor, 'base64url').toString().match(/^a:(\d{1,18})$/); // a bigint position: more digits cannot be one
  if (!m) throw badInput('The cursor is not valid for this list', 'after');
  return m[1];
}

function assertReader(ctx: SubgraphContext): void {
  if (!hasRole(ctx.principal, ...READERS)) throw forbidden('Only privacy officers and admins read the audit trail', { reason: RefusalReason.ROLE_NOT_ALLOWED });
}

const toEvent = (r: AuditEventRow): AuditEvent => ({
  position: r.position, recordedAt: r.recordedAt, requestId: r.requestId, service: r.service, endpoint: r.endpoint, channel: r.channel,
  actor: r.actorSub, actorRoles: r.actorRoles, actorOrganization: r.actorOrg, action: r.action as AuditAction, operation: r.operation,
  agents: r.agents.map((a) => ({ who: a.sub, roles: a.roles, organization: a.org, requestId: a.requestId })),
  entities: r.entities, patientIds: r.patientIds, purpose: r.purpose, reason: r.reason,
});

@Resolver()
export class AuditResolver {
  @Query(() => AuditEventConnection, { description: 'The audit trail, newest first (privacy officers and admins); reading it is audited' })
  async auditEvents(
    @Ctx() ctx: SubgraphContext,
    @Arg('filter', () => AuditEventFilter, { nullable: true }) filter?: AuditEventFilter | null,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<AuditEventConnection> {
    assertReader(ctx);
    const f = filter ?? {};
    if (f.patientId && !isUuid(f.patientId)) throw badInput('patientId must be a patient id', 'patientId');
    const limit = pageSize(first);
    const rows = await queryAudit(ctx.db, { ...f, patientId: f.patientId?.toLowerCase(), before: decodeCursor(after), limit });
    const page = rows.slice(0, limit);
    ctx.access.noteServed([...new Set([...(f.patientId ? [f.patientId.toLowerCase()] : []), ...page.flatMap((r) => r.patientIds)])], 'AuditEvent', AuditPurpose.PRIVACY_REVIEW);
    const edges = page.map((r) => ({ cursor: encodeCursor(r.position), node: toEvent(r) }));
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > limit, hasPreviousPage: !!after, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  @Query(() => [Disclosure], { description: "Accounting of disclosures (HIPAA §164.528): every time a community partner was shown this patient's data (a request, or a live delivery), newest first" })
  async accountingOfDisclosures(@Arg('patientId', () => ID) patientId: string, @Ctx() ctx: SubgraphContext): Promise<Disclosure[]> {
    assertReader(ctx);
    if (!isUuid(patientId)) throw badInput('patientId must be a patient id', 'patientId');
    const id = patientId.toLowerCase();
    const out: Disclosure[] = [];
    for (let before: string | null = null; ;) {
      const rows = await queryAudit(ctx.db, { patientId: id, purpose: AuditPurpose.PARTNER_DISCLOSURE, before, limit: 1000 });
      for (const r of rows.slice(0, 1000)) {
        // A live delivery is one disclosure per recipient: the gateway's record stands for it, not the fetches it made.
        if (r.channel === 'subscription' && r.service !== 'gateway') continue;
        for (const a of r.agents) out.push({ disclosedAt: r.recordedAt, recipientOrganization: a.org ?? '', recipient: a.sub, shared: r.entities, requestId: a.requestId });
      }
      if (rows.length <= 1000) break;
      before = rows[999].position;
    }
    ctx.access.noteServed([id], 'Disclosure', AuditPurpose.PRIVACY_REVIEW);
    return out;
  }
}
