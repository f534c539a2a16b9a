/**
 * The request a write belongs to, for code that has no resolver context: the
 * outbox (shared/events.ts `recordEvent`) appends each patient-level event's write
 * record to the audit trail in the write's own transaction. Subgraph mutations run
 * inside `requestScope.run` (shared/federation.ts wraps every Mutation field), so
 * no mutation can write without its audit record; event consumers run outside any
 * request and record nothing (they apply changes already audited at their source).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';
import { appendAudit, AuditPurpose, breakTheGlassReason, type AuditRequest } from './audit';
import { Role, type Principal } from './auth';

export interface RequestScope {
  audit: AuditRequest;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

/** Why a principal writes patient data (HL7 v3 PurposeOfUse; docs/access.md). */
export function writePurpose(p: Principal): AuditPurpose {
  if (p.roles.includes(Role.PARTNER_STAFF)) return AuditPurpose.CARE_COORDINATION;
  if (p.roles.includes(Role.ADMIN)) return AuditPurpose.OPERATIONS;
  if (p.roles.includes(Role.INTEGRATION)) return AuditPurpose.INTEGRATION;
  return AuditPurpose.TREATMENT;
}

/** Called by recordEvent for each event it appends: a write record for the event's patient, same transaction. */
const reasonOf = (event: { payload?: unknown }) => {
  const p = (event.payload ?? {}) as { grantId?: string; reason?: string };
  return p.reason ? breakTheGlassReason(p.grantId ?? '', p.reason) : null;
};

export async function auditEventWrite(manager: EntityManager, event: { type: string; aggregateType: string; patientId?: string | null; payload?: unknown }): Promise<void> {
  const scope = requestScope.getStore();
  if (!scope || !event.patientId) return;
  await appendAudit(manager, [{
    ...scope.audit,
    action: 'write',
    entities: [`${event.aggregateType}:${event.type}`],
    patientIds: [event.patientId],
    // A break-the-glass grant is itself flagged as such, not recorded as treatment.
    purpose: event.type === 'BreakTheGlassGranted' ? AuditPurpose.BREAK_THE_GLASS : writePurpose(scope.audit.principal),
    reason: event.type === 'BreakTheGlassGranted' ? reasonOf(event) : null,
  }]);
}
