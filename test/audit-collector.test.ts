/**
 * The audit collector writes a request's read records while the request still runs
 * (issue 10, cost): the checks of one wave go into one record whose commit starts
 * before the request's data queries finish; what is noted later goes into one more
 * record at flush; flush resolves only once every record is durable, and rejects
 * when one cannot be written (the subgraph then withholds its answer).
 */
import { Pool } from 'pg';
import { AuditCollector, AuditPurpose, AuditWriter, appendAudit, migrateAuditTrail, verifyAuditChain } from '../shared/audit';
import { Role } from '../shared/auth';
import { createTestDatabase } from './support/hub';
import { eventually } from './support/live';

let db: { url: string; drop(): Promise<void> };
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateAuditTrail(db.url);
  pool = new Pool({ connectionString: db.url, max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const collector = (requestId: string) =>
  new AuditCollector({ requestId, service: 'patients', endpoint: 'clinical', channel: 'http', principal: { sub: 'nurse-1', roles: [Role.NURSE], expiresAt: new Date(Date.now() + 60_000) }, operation: 'Chart' });

const recordsOf = async (requestId: string) =>
  (await pool.query(`SELECT entities, patient_ids, purpose FROM hub_audit.audit_event WHERE request_id = $1 ORDER BY position`, [requestId])).rows;

test('one wave of checks is one record, written before the request asks for it to be flushed', async () => {
  const writer = new AuditWriter(pool);
  const audit = collector('wave-1');
  audit.useDocument({ kind: 'Document', definitions: [] } as never, 'Chart', undefined, writer);
  audit.noteRead(['p-1'], 'Patient', AuditPurpose.TREATMENT);
  await Promise.resolve(); // the fields' checks: microtasks after the parent's
  audit.noteRead(['p-1'], 'Condition', AuditPurpose.TREATMENT);
  audit.noteRead(['p-1'], 'Encounter', AuditPurpose.TREATMENT);
  // The request has not finished, yet its record becomes durable: the commit overlaps the data queries.
  await eventually(async () => expect(await recordsOf('wave-1')).toHaveLength(1));
  await audit.flush(writer);
  expect(await recordsOf('wave-1')).toEqual([{ entities: ['Condition', 'Encounter', 'Patient'], patient_ids: ['p-1'], purpose: 'TREATMENT' }]);
});

test('what is noted after the first write goes into one more record, and flush waits for both', async () => {
  const writer = new AuditWriter(pool);
  const audit = collector('wave-2');
  audit.useDocument({ kind: 'Document', definitions: [] } as never, 'Chart', undefined, writer);
  audit.noteRead(['p-2'], 'Patient', AuditPurpose.TREATMENT);
  await new Promise((r) => setImmediate(r));
  audit.noteRead(['p-2'], 'SocialNeed', AuditPurpose.TREATMENT);
  audit.noteRead(['p-3'], 'Patient', AuditPurpose.BREAK_THE_GLASS, 'break-the-glass g-1: discharge call');
  await audit.flush(writer);
  expect(await recordsOf('wave-2')).toEqual([
    { entities: ['Patient'], patient_ids: ['p-2'], purpose: 'TREATMENT' },
    { entities: ['SocialNeed'], patient_ids: ['p-2'], purpose: 'TREATMENT' },
    { entities: ['Patient'], patient_ids: ['p-3'], purpose: 'BREAK_THE_GLASS' },
  ]);
  expect(audit.pending).toBe(true); // flushed writes stay awaited by a second flush, which writes nothing new
  await audit.flush(writer);
  expect(await recordsOf('wave-2')).toHaveLength(3);
});

test('a record that cannot be written makes flush reject, also when it was the early write', async () => {
  const closed = new Pool({ connectionString: db.url, max: 1 });
  await closed.end();
  const writer = new AuditWriter(closed);
  const audit = collector('wave-3');
  audit.useDocument({ kind: 'Document', definitions: [] } as never, 'Chart', undefined, writer);
  audit.noteRead(['p-4'], 'Patient', AuditPurpose.TREATMENT);
  await new Promise((r) => setTimeout(r, 20)); // the early write has started and failed
  await expect(audit.flush(writer)).rejects.toThrow();
  expect(await recordsOf('wave-3')).toEqual([]);
});

test('a collector without a writer (live deliveries, tests) writes only at flush', async () => {
  const writer = new AuditWriter(pool);
  const audit = collector('wave-4');
  audit.noteRead(['p-5'], 'Patient', AuditPurpose.TREATMENT);
  await new Promise((r) => setTimeout(r, 50));
  expect(await recordsOf('wave-4')).toEqual([]);
  await audit.flush(writer);
  expect(await recordsOf('wave-4')).toHaveLength(1);
});

test('records written together keep every list element exactly, whatever its characters', async () => {
  const awkward = ['plain', 'with space', 'comma,inside', '{braces}', 'quote"d', 'back\\slash', 'NULL', '', 'Ünïcode ✓', 'Patient{familyName,id}'];
  const record = (i: number) => ({
    requestId: `lists-${i}`, service: 'gateway', endpoint: 'clinical' as const, channel: 'subscription' as const,
    principal: { sub: `nurse-${i}`, roles: [Role.NURSE, Role.PHYSICIAN] }, action: 'read' as const, operation: 'Follow',
    entities: awkward, patientIds: [...awkward].reverse(), purpose: AuditPurpose.TREATMENT,
  });
  await appendAudit(pool, [record(1), record(2), record(3)]);
  const rows = (await pool.query(`SELECT request_id, actor_roles, entities, patient_ids FROM hub_audit.audit_event WHERE request_id LIKE 'lists-%' ORDER BY position`)).rows;
  // The writer stores each list deduplicated and sorted, as a single record's INSERT does.
  const stored = [...new Set(awkward)].sort();
  expect(rows).toEqual([1, 2, 3].map((i) => ({ request_id: `lists-${i}`, actor_roles: [Role.NURSE, Role.PHYSICIAN], entities: stored, patient_ids: stored })));
  expect((await verifyAuditChain(pool)).brokenAt).toBeNull();
});
