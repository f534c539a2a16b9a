/**
 * Sealing the audit trail (issue 10, tamper-evident; shared/audit.ts): records are
 * plain INSERTs numbered by a sequence and chained afterwards by seals. Attacked the
 * way the log is used and abused: records committing out of their numbering order, a
 * write rolled back after its record took a number, two sealers at once, a trail
 * chained by the old trigger upgraded in place, a seal relinked by hand, and a
 * backdated record slipped in around the numbering; and a pass's asynchronous commit
 * kept to its own transaction.
 */
import { Pool, type PoolClient } from 'pg';
import { appendAudit, AuditPurpose, AuditSealer, CreateAuditTrail1733000000000, migrateAuditTrail, sealAuditTrail, verifyAuditChain, type AuditRecord } from '../shared/audit';
import { Role } from '../shared/auth';
import { createServiceDataSource, migrate } from '../shared/database';
import { createTestDatabase } from './support/hub';

let db: { url: string; drop(): Promise<void> };
let pool: Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateAuditTrail(db.url);
  pool = new Pool({ connectionString: db.url, max: 3 });
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const record = (requestId: string): AuditRecord => ({
  requestId, service: 'patients', endpoint: 'clinical', channel: 'http', principal: { sub: 'nurse-1', roles: [Role.NURSE], expiresAt: new Date(Date.now() + 60_000) },
  action: 'read', operation: 'Chart', entities: ['Patient{id}'], patientIds: ['p-1'], purpose: AuditPurpose.TREATMENT,
});
const positionOf = async (requestId: string) => (await pool.query('SELECT position::text FROM hub_audit.audit_event WHERE request_id = $1', [requestId])).rows[0]?.position as string | undefined;
const sealOf = async (requestId: string) => (await pool.query('SELECT s.seal::int FROM hub_audit.audit_seal s JOIN hub_audit.audit_event e USING (position) WHERE e.request_id = $1', [requestId])).rows[0]?.seal as number | undefined;
const inTransaction = async (f: (c: PoolClient) => Promise<void>) => {
  const c = await pool.connect();
  await c.query('BEGIN');
  await f(c);
  return c;
};

test('a record committed after a later-numbered one is sealed when it appears, after it', async () => {
  const open = await inTransaction((c) => appendAudit(c, [record('slow')]));
  await appendAudit(pool, [record('quick')]);
  await sealAuditTrail(pool, true);
  expect(BigInt((await positionOf('quick'))!)).toBeGreaterThan(BigInt((await open.query("SELECT position::text FROM hub_audit.audit_event WHERE request_id = 'slow'")).rows[0].position));
  expect(await sealOf('quick')).toBeDefined();
  expect((await pool.query('SELECT count(*)::int AS n FROM hub_audit.audit_hole')).rows[0].n).toBeGreaterThan(0);

  await open.query('COMMIT');
  open.release();
  await sealAuditTrail(pool, true);
  expect(await sealOf('slow')).toBeGreaterThan((await sealOf('quick'))!);
  expect((await pool.query('SELECT count(*)::int AS n FROM hub_audit.audit_hole')).rows[0].n).toBe(0);
  expect(await verifyAuditChain(pool)).toMatchObject({ brokenAt: null, pending: 0 });
});

test('a write rolled back after its record took a number leaves no break', async () => {
  const open = await inTransaction((c) => appendAudit(c, [record('rolled-back')]));
  await appendAudit(pool, [record('after-rollback')]);
  await open.query('ROLLBACK');
  open.release();
  const report = await verifyAuditChain(pool);
  expect(report).toMatchObject({ brokenAt: null, problem: null, pending: 0 });
  expect(await positionOf('rolled-back')).toBeUndefined();
  expect(await sealOf('after-rollback')).toBeDefined();
});

test('sealers of several services at once seal each record once, in one chain', async () => {
  const sealers = [new AuditSealer(pool, undefined, 5).start(), new AuditSealer(pool, undefined, 5).start(), new AuditSealer(pool, undefined, 5).start()];
  try {
    for (let i = 0; i < 60; i++) await Promise.all([appendAudit(pool, [record(`many-${i}-a`)]), appendAudit(pool, [record(`many-${i}-b`), record(`many-${i}-c`)])]);
  } finally {
    await Promise.all(sealers.map((s) => s.stop()));
  }
  const report = await verifyAuditChain(pool);
  expect(report).toMatchObject({ brokenAt: null, pending: 0 });
  const { rows } = await pool.query(`SELECT count(*)::int AS records, (SELECT count(*)::int FROM hub_audit.audit_seal) AS seals, (SELECT max(seal)::int FROM hub_audit.audit_seal) AS top FROM hub_audit.audit_event`);
  expect(rows[0]).toEqual({ records: report.records, seals: report.records, top: report.records });
});

test('a seal relinked by hand is named', async () => {
  await appendAudit(pool, [record('relinked')]);
  await sealAuditTrail(pool, true);
  const position = await positionOf('relinked');
  await pool.query('ALTER TABLE hub_audit.audit_seal DISABLE TRIGGER audit_seal_append_only');
  try {
    await pool.query(`UPDATE hub_audit.audit_seal SET prev_hash = repeat('f', 64) WHERE position = $1`, [position]);
    expect(await verifyAuditChain(pool)).toMatchObject({ brokenAt: position, problem: expect.stringMatching(/does not link/) });
  } finally {
    await pool.query(`UPDATE hub_audit.audit_seal s SET prev_hash = p.hash FROM hub_audit.audit_seal p WHERE s.position = $1 AND p.seal = s.seal - 1`, [position]);
    await pool.query('ALTER TABLE hub_audit.audit_seal ENABLE TRIGGER audit_seal_append_only');
  }
  expect(await verifyAuditChain(pool)).toMatchObject({ brokenAt: null });
});

test('a backdated record slipped in around the numbering is named as never sealed', async () => {
  await pool.query('ALTER TABLE hub_audit.audit_event DISABLE TRIGGER audit_event_stamp');
  try {
    // Position 0 never comes from the sequence; two hours old, past the time a passed-over position is watched.
    await pool.query(`INSERT INTO hub_audit.audit_event (position, recorded_at, request_id, service, endpoint, channel, actor_sub, actor_roles, action, entities, patient_ids, purpose)
      VALUES (0, now() - interval '2 hours', 'forged', 'patients', 'clinical', 'http', 'nobody', '{}', 'read', '{}', '{}', 'TREATMENT')`);
  } finally {
    await pool.query('ALTER TABLE hub_audit.audit_event ENABLE TRIGGER audit_event_stamp');
  }
  const report = await verifyAuditChain(pool);
  expect(report).toMatchObject({ brokenAt: '0', problem: expect.stringMatching(/never sealed/) });
  expect(await sealOf('forged')).toBeUndefined();
});

test('a trail chained by the old trigger keeps verifying after the upgrade, and new records chain on from it', async () => {
  const legacy = await createTestDatabase();
  try {
    const ds = createServiceDataSource({ url: legacy.url, schema: 'hub_audit', entities: [], migrations: [CreateAuditTrail1733000000000], poolSize: 1 });
    await ds.initialize();
    try {
      await migrate(ds);
      for (const id of ['old-1', 'old-2', 'old-3']) {
        await ds.query(`INSERT INTO hub_audit.audit_event (position, request_id, service, endpoint, channel, actor_sub, actor_roles, action, entities, patient_ids, purpose, prev_hash, hash)
          VALUES (0, $1, 'patients', 'clinical', 'http', 'nurse-1', ARRAY['nurse'], 'read', ARRAY['Patient{id}'], ARRAY['p-1'], 'TREATMENT', '', '')`, [id]);
      }
    } finally {
      await ds.destroy();
    }
    await migrateAuditTrail(legacy.url);
    const upgraded = new Pool({ connectionString: legacy.url, max: 1 });
    try {
      expect(await verifyAuditChain(upgraded)).toMatchObject({ records: 3, brokenAt: null });
      await appendAudit(upgraded, [record('new-1')]);
      expect(await verifyAuditChain(upgraded)).toMatchObject({ records: 4, brokenAt: null, pending: 0 });
      const { rows } = await upgraded.query('SELECT seal::int, position::int FROM hub_audit.audit_seal ORDER BY seal');
      expect(rows).toEqual([{ seal: 1, position: 1 }, { seal: 2, position: 2 }, { seal: 3, position: 3 }, { seal: 4, position: 4 }]);
      // Altering an old record is still found, by its old hash.
      await upgraded.query('ALTER TABLE hub_audit.audit_event DISABLE TRIGGER audit_event_append_only');
      await upgraded.query(`UPDATE hub_audit.audit_event SET actor_sub = 'someone-else' WHERE position = 2`);
      expect(await verifyAuditChain(upgraded)).toMatchObject({ brokenAt: '2', records: 1, problem: expect.stringMatching(/altered/) });
    } finally {
      await upgraded.end();
    }
  } finally {
    await legacy.drop();
  }
});

test('a sealing pass commits without waiting for disk, and the connection it ran on stays synchronous for everything else', async () => {
  await appendAudit(pool, [record('sealed-asynchronously')]);
  const c = await pool.connect();
  try {
    const setting = async () => (await c.query('SHOW synchronous_commit')).rows[0].synchronous_commit as string;
    expect(await setting()).toBe('on');
    // Within the pass's transaction its commit is asynchronous (AsyncSealCommits: seals are derived from durable records) …
    await c.query('BEGIN');
    await sealAuditTrail(c, true);
    expect(await setting()).toBe('off');
    await c.query('COMMIT');
    // … and after it, as after a pass run on its own (how AuditSealer runs it), the pooled connection commits durably again.
    expect(await setting()).toBe('on');
    await appendAudit(pool, [record('sealed-on-its-own')]);
    await sealAuditTrail(c, true);
    expect(await setting()).toBe('on');
  } finally {
    c.release();
  }
  expect(await sealOf('sealed-asynchronously')).toBeDefined();
  expect(await sealOf('sealed-on-its-own')).toBeGreaterThan((await sealOf('sealed-asynchronously'))!);
});
