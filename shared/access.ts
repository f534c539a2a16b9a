/**
 * Access to patient data, per request: the one place every subgraph's resolvers go
 * through (`ctx.access`). It finds the caller's relationship to the patients asked
 * about (shared/care-relationships.ts, one query per request), asks the table
 * (shared/access-policy.ts `decide`), notes every read it lets through in the
 * request's audit trail (shared/audit.ts) under its purpose of use, and refuses the
 * same way everywhere (docs/access.md, "How refusal looks"):
 *
 * - a patient's record, or a field of it, the caller may not see → FORBIDDEN with
 *   `extensions.reason` and `patientId`, at that path (the field is nullable, so the
 *   rest of the answer stands);
 * - collections across patients (worklists, searches) keep only what the caller may
 *   see, without an error;
 * - a write refused → FORBIDDEN with the reason, nothing written.
 *
 * Partner staff never pass `check`: they reach patient data only through the
 * partner contract (`noteDisclosure` records what they were shown).
 */
import { AuditPurpose, breakTheGlassReason, type AuditCollector } from './audit';
import { decide, PatientData, RefusalReason, Relationship, RELATIONSHIPS, type AccessOperation, type Decision } from './access-policy';
import type { Principal } from './auth';
import { relationshipsOf, type PatientRelation } from './care-relationships';
import { forbidden, type HubError } from './errors';
import { isUuid } from './federation';
import DataLoader from 'dataloader';

const NO_RELATION: PatientRelation = { relationship: Relationship.NO_TEAM, grant: null };

export { PatientData, Relationship, RefusalReason } from './access-policy';

type Queryable = Parameters<typeof relationshipsOf>[0];

export interface PatientAccessDeps {
  principal: Principal;
  db: Queryable;
  /** The subgraph's schema, where its relationship projection lives. */
  schema: string;
  audit: AuditCollector;
  /** Resolves once the relationship projection has applied everything committed so far. */
  caughtUp?: () => Promise<void>;
}

export class PatientAccess {
  /** Batched per tick and cached per request, like every other loader. */
  private readonly loader: DataLoader<string, PatientRelation>;
  private refreshed = false;

  constructor(private readonly deps: PatientAccessDeps) {
    this.loader = new DataLoader<string, PatientRelation>(async (ids) => {
      const found = await relationshipsOf(deps.db, deps.schema, deps.principal.sub, ids);
      return ids.map((id) => found.get(id) ?? NO_RELATION);
    }, { maxBatchSize: 1000 });
  }

  get principal(): Principal {
    return this.deps.principal;
  }

  /** The caller's relationship to each patient (ids that are not UUIDs cannot exist: no team). */
  async relationships(patientIds: readonly string[]): Promise<Map<string, PatientRelation>> {
    const rels = await Promise.all(patientIds.map((id) => (isUuid(id) ? this.loader.load(id.toLowerCase()) : NO_RELATION)));
    return new Map(patientIds.map((id, i) => [id, rels[i]]));
  }

  /** Once per request, before refusing: the projection may trail a change made a moment ago (read-your-writes). */
  private async refreshOnce(): Promise<boolean> {
    if (this.refreshed || !this.deps.caughtUp) return false;
    this.refreshed = true;
    await this.deps.caughtUp();
    this.loader.clearAll();
    return true;
  }

  /** The decision for each patient, without noting anything. */
  async decisions(patientIds: readonly string[], data: PatientData, op: AccessOperation): Promise<Map<string, Decision>> {
    // Admins, integrations, partners and roles with no patient access get the same answer whatever the relationship: no lookup.
    const independent = relationshipIndependent(this.principal, data, op);
    if (independent) return new Map(patientIds.map((id) => [id, independent]));
    const decideAll = async () => {
      const rel = await this.relationships(patientIds);
      return new Map(patientIds.map((id) => [id, decide(this.principal, data, op, rel.get(id)!.relationship)]));
    };
    let result = await decideAll();
    const refusedByRelationship = [...result.values()].some((d) => !d.allowed && (d.reason === RefusalReason.NOT_ON_CARE_TEAM || d.reason === RefusalReason.BREAK_THE_GLASS_READ_ONLY));
    if (refusedByRelationship && (await this.refreshOnce())) result = await decideAll();
    return result;
  }

  /** May the caller do this to this patient? Notes an allowed read in the audit trail. */
  async check(patientId: string, data: PatientData, op: AccessOperation, entity: string): Promise<Decision> {
    const d = (await this.decisions([patientId], data, op)).get(patientId)!;
    if (d.allowed && d.purpose === AuditPurpose.BREAK_THE_GLASS) await this.rememberGrant(patientId);
    if (d.allowed && op === 'read') this.noteRead([patientId], entity, d);
    return d;
  }

  /** As `check`, throwing FORBIDDEN (with reason and patientId) when refused. */
  async assert(patientId: string, data: PatientData, op: AccessOperation, entity: string): Promise<void> {
    const d = await this.check(patientId, data, op, entity);
    if (!d.allowed) throw refusal(d, patientId);
  }

  /** Keeps the rows of patients the caller may read (collections across patients); notes them. */
  async filter<T>(rows: readonly T[], patientIdOf: (row: T) => string, data: PatientData, entity: string): Promise<T[]> {
    if (rows.length === 0) return [];
    const ids = [...new Set(rows.map(patientIdOf))];
    const decisions = await this.decisions(ids, data, 'read');
    const kept = rows.filter((r) => decisions.get(patientIdOf(r))!.allowed);
    for (const id of ids) {
      const d = decisions.get(id)!;
      if (d.allowed && d.purpose === AuditPurpose.BREAK_THE_GLASS) await this.rememberGrant(id);
      if (d.allowed) this.noteRead([id], entity, d);
    }
    return kept;
  }

  /** For reads decided elsewhere (e.g. a population worklist page already filtered in SQL): note what was served. */
  noteServed(patientIds: readonly string[], entity: string, purpose: AuditPurpose): void {
    this.deps.audit.noteRead(patientIds, entity, purpose);
  }

  /** What a community partner was shown of these patients (HIPAA §164.528 accounting of disclosures). */
  noteDisclosure(patientIds: readonly string[], entity: string): void {
    this.deps.audit.noteRead(patientIds, entity, AuditPurpose.PARTNER_DISCLOSURE, this.principal.org ? `disclosed to ${this.principal.org}` : null);
  }

  private readonly grants = new Map<string, { grantId: string; reason: string }>();

  private async rememberGrant(patientId: string): Promise<void> {
    const rel = (await this.relationships([patientId])).get(patientId);
    if (rel?.grant) this.grants.set(patientId, rel.grant);
  }

  private noteRead(patientIds: string[], entity: string, d: Decision & { allowed: true }): void {
    if (d.purpose === AuditPurpose.BREAK_THE_GLASS) {
      const grant = this.grants.get(patientIds[0]);
      this.deps.audit.noteRead(patientIds, entity, AuditPurpose.BREAK_THE_GLASS, grant ? breakTheGlassReason(grant.grantId, grant.reason) : null);
    } else {
      this.deps.audit.noteRead(patientIds, entity, d.purpose);
    }
  }
}

/** The decision when it does not depend on the relationship, else null. */
function relationshipIndependent(p: Principal, data: PatientData, op: AccessOperation): Decision | null {
  const [first, ...rest] = RELATIONSHIPS.map((r) => decide(p, data, op, r));
  const same = (d: Decision) => d.allowed === first.allowed && (d.allowed ? d.purpose === (first as { purpose: string }).purpose : true);
  return rest.every(same) && (first.allowed || rest.every((d) => !d.allowed && d.reason === (first as { reason: string }).reason)) ? first : null;
}

/** The one way a refusal looks: FORBIDDEN, the reason a screen can act on, the patient. */
export function refusal(d: Decision & { allowed: false }, patientId?: string): HubError {
  return forbidden(d.message, { reason: d.reason, ...(patientId ? { patientId } : {}) });
}
