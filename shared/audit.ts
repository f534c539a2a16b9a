/**
 * The audit trail (HIPAA §164.312(b) audit controls, in FHIR AuditEvent terms):
 * who (sub, roles, organization) did what (read or write, the operation, the entity
 * types and fields touched) to which patients, when, through which endpoint, with
 * which request id and purpose of use. It is one append-only table,
 * `hub_audit.audit_event`, owned by this module like the event log is by events.ts.
 *
 * - Reads: every access check that lets patient data through notes the patient
 *   (shared/access.ts), and the subgraph writes one record per request and purpose
 *   before its answer leaves (`AuditCollector.flush`); if that insert fails, the
 *   request fails — nothing is served unrecorded. Concurrent requests' records share
 *   one INSERT and one commit (`AuditWriter`, group commit).
 * - Live deliveries: the gateway records each event it delivers (service `gateway`,
 *   channel `subscription`) before it is sent: a delivery may be answered from the
 *   event alone, and a shared execution fetches once for a group. One record per event,
 *   group and purpose names everyone it reached alike as `recipients` (FHIR
 *   AuditEvent.agent); a record names one actor, or two or more recipients.
 * - Writes: `recordEvent` appends a write record in the write's own transaction for
 *   every patient-level event a request causes (every change emits one), so a write
 *   and its audit commit or roll back together.
 * - Tamper-evident: records and seals are append-only (triggers refuse UPDATE,
 *   DELETE and TRUNCATE). A record is a plain INSERT, numbered by a sequence, so the
 *   commits of every service share the database's WAL flushes; `AuditSealer`, run by
 *   every service, chains what has been committed since its last pass, one sealer at a
 *   time, as a transparency log integrates its entries within a bounded delay: a
 *   gapless seal per record carries the SHA-256 of the previous seal's hash and the
 *   record's content (`hub_audit.seal_audit_events`). `verifyAuditChain`
 *   (npm run audit:verify) seals what is pending, recomputes every seal, and names the
 *   first record altered, deleted, relinked or never sealed.
 */
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import { getNamedType, Kind, TypeInfo, visit, visitWithTypeInfo, type GraphQLSchema } from 'graphql';
import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import type { Principal } from './auth';
import { config } from './config';
import { createServiceDataSource, migrate, rowsOf } from './database';
import type { Channel, Endpoint } from './internal-token';

export const AUDIT_SCHEMA = 'hub_audit';

/**
 * Purpose of use (HL7 v3 PurposeOfUse: TREAT, ETREAT, HOPERAT, COC; the hub adds
 * PARTNER_DISCLOSURE for what a community partner receives, so that the accounting
 * of disclosures (HIPAA §164.528) is a query, and SYSTEM for integrations).
 */
export enum AuditPurpose {
  TREATMENT = 'TREATMENT',
  BREAK_THE_GLASS = 'BREAK_THE_GLASS',
  PARTNER_DISCLOSURE = 'PARTNER_DISCLOSURE',
  OPERATIONS = 'OPERATIONS',
  INTEGRATION = 'INTEGRATION',
  PRIVACY_REVIEW = 'PRIVACY_REVIEW',
  /** A community partner's own work on a referral (HL7 COC: coordination of care). */
  CARE_COORDINATION = 'CARE_COORDINATION',
}

export type AuditAction = 'read' | 'write';

/** The `reason` of a break-the-glass record (the grant, and every read or delivery it lets through): which grant, and the clinician's words. */
export const breakTheGlassReason = (grantId: string, reason: string): string => `break-the-glass ${grantId}: ${reason}`;

/** The shape hashed: every column but the chain itself, with times as epoch microseconds (no time-zone text). */
const CANONICAL_OBJECT = (r: string) => `jsonb_build_object(
    'position', ${r}.position, 'recorded_at', (extract(epoch FROM ${r}.recorded_at) * 1000000)::bigint, 'request_id', ${r}.request_id,
    'service', ${r}.service, 'endpoint', ${r}.endpoint, 'channel', ${r}.channel, 'actor_sub', ${r}.actor_sub, 'actor_roles', to_jsonb(${r}.actor_roles),
    'actor_org', ${r}.actor_org, 'action', ${r}.action, 'operation', ${r}.operation, 'entities', to_jsonb(${r}.entities),
    'patient_ids', to_jsonb(${r}.patient_ids), 'purpose', ${r}.purpose, 'reason', ${r}.reason)`;
/** The content sealed before a record could name several recipients (migrations up to AsyncSealCommits). */
const CANONICAL_V1 = (r: string) => `${CANONICAL_OBJECT(r)}::text`;
/**
 * The content sealed since GroupDeliveryRecords: the same object, with `recipients` added only
 * where a record has them. jsonb text is canonical (keys in a fixed order), so a record without
 * recipients has the very text it had: the seals made before verify unchanged.
 */
const CANONICAL = (r: string) => `(${CANONICAL_OBJECT(r)} || CASE WHEN ${r}.recipients IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('recipients', ${r}.recipients) END)::text`;
type Canonical = (r: string) => string;
/** The link: SHA-256 of the previous hash and the record's canonical content. */
const HASH_OF = (prev: string, r: string, canonical: Canonical = CANONICAL) => `encode(sha256(convert_to(${prev} || '|' || ${canonical(r)}, 'UTF8')), 'hex')`;
const HASH = (r: string) => HASH_OF(`${r}.prev_hash`, r, CANONICAL_V1);
const CHAIN_LOCK = 0x0a0d_17c4;
const SEAL_LOCK = 0x0a0d_5ea1;
/** Most records one sealing pass chains (one transaction); a longer backlog takes several passes. */
const SEAL_BATCH = 2000;
/** A record not sealed this long after it was recorded is reported by verification (its position was passed over and given up). */
const NEVER_SEALED_AFTER = '1 hour';
const GENESIS = '0'.repeat(64);

/**
 * How every version of `seal_audit_events` opens a pass (its PL/pgSQL, up to LOOP): one sealer at a time
 * (`wait` queues for the lock), the last seal and highest sealed position, then the records
 * committed above it and the holes whose records have appeared, in position order.
 */
const SEAL_PASS_OPENING = (a: string) => `        IF wait THEN PERFORM pg_advisory_xact_lock(${SEAL_LOCK});
        ELSIF NOT pg_try_advisory_xact_lock(${SEAL_LOCK}) THEN RETURN 0;
        END IF;
        SELECT s.seal, s.hash INTO last_seal, prev FROM ${a}.audit_seal s ORDER BY s.seal DESC LIMIT 1;
        last_seal := coalesce(last_seal, 0);
        prev := coalesce(prev, '${GENESIS}');
        SELECT coalesce(max(s.position), 0) INTO top FROM ${a}.audit_seal s;
        FOR r IN
          SELECT c.* FROM (
            SELECT e.* FROM ${a}.audit_event e WHERE e.position > top
            UNION ALL
            SELECT e.* FROM ${a}.audit_hole h JOIN ${a}.audit_event e ON e.position = h.position
          ) c ORDER BY c.position LIMIT batch`;

export class CreateAuditTrail1733000000000 implements MigrationInterface {
  name = 'CreateAuditTrail1733000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ${AUDIT_SCHEMA}.audit_event (
      position bigint PRIMARY KEY,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      request_id text,
      service text NOT NULL,
      endpoint text NOT NULL,
      channel text NOT NULL,
      actor_sub text NOT NULL,
      actor_roles text[] NOT NULL,
      actor_org text,
      action text NOT NULL CHECK (action IN ('read', 'write')),
      operation text,
      entities text[] NOT NULL,
      patient_ids text[] NOT NULL,
      purpose text NOT NULL,
      reason text,
      prev_hash text NOT NULL,
      hash text NOT NULL
    )`);
    await q.query(`CREATE INDEX audit_event_patients ON ${AUDIT_SCHEMA}.audit_event USING gin (patient_ids)`);
    await q.query(`CREATE INDEX audit_event_actor ON ${AUDIT_SCHEMA}.audit_event (actor_sub, position)`);
    await q.query(`CREATE INDEX audit_event_recorded_at ON ${AUDIT_SCHEMA}.audit_event (recorded_at)`);
    // Numbering and chaining happen in the database, so no writer can skip them.
    await q.query(`CREATE FUNCTION ${AUDIT_SCHEMA}.chain_audit_event() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE last record;
      BEGIN
        PERFORM pg_advisory_xact_lock(${CHAIN_LOCK});
        SELECT position, hash INTO last FROM ${AUDIT_SCHEMA}.audit_event ORDER BY position DESC LIMIT 1;
        NEW.position := COALESCE(last.position, 0) + 1;
        NEW.recorded_at := clock_timestamp();
        NEW.prev_hash := COALESCE(last.hash, '${GENESIS}');
        NEW.hash := ${HASH('NEW')};
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER audit_event_chain BEFORE INSERT ON ${AUDIT_SCHEMA}.audit_event
      FOR EACH ROW EXECUTE FUNCTION ${AUDIT_SCHEMA}.chain_audit_event()`);
    await q.query(`CREATE FUNCTION ${AUDIT_SCHEMA}.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$`);
    await q.query(`CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON ${AUDIT_SCHEMA}.audit_event
      FOR EACH ROW EXECUTE FUNCTION ${AUDIT_SCHEMA}.refuse_change()`);
    await q.query(`CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON ${AUDIT_SCHEMA}.audit_event
      FOR EACH STATEMENT EXECUTE FUNCTION ${AUDIT_SCHEMA}.refuse_change()`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${AUDIT_SCHEMA}.audit_event`);
    await q.query(`DROP FUNCTION ${AUDIT_SCHEMA}.chain_audit_event()`);
    await q.query(`DROP FUNCTION ${AUDIT_SCHEMA}.refuse_change()`);
  }
}

/**
 * Chaining moves out of the INSERT: the chain trigger held its advisory lock through
 * every commit's fsync, so the whole hub committed one audit record at a time. Now a
 * sequence numbers records, and seals chain them afterwards (the records chained so far
 * keep their hashes as the first seals, so existing chains verify unchanged).
 */
export class SealAuditTrail1733000000200 implements MigrationInterface {
  name = 'SealAuditTrail1733000000200';
  async up(q: QueryRunner): Promise<void> {
    const a = AUDIT_SCHEMA;
    await q.query(`CREATE TABLE ${a}.audit_seal (
      seal bigint PRIMARY KEY,
      position bigint NOT NULL UNIQUE,
      sealed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      prev_hash text NOT NULL,
      hash text NOT NULL
    )`);
    await q.query(`INSERT INTO ${a}.audit_seal (seal, position, sealed_at, prev_hash, hash)
      SELECT position, position, recorded_at, prev_hash, hash FROM ${a}.audit_event ORDER BY position`);
    // Positions a pass went over without a record (its transaction still open, or rolled back): sealing looks at them again.
    await q.query(`CREATE TABLE ${a}.audit_hole (position bigint PRIMARY KEY, noticed_at timestamptz NOT NULL DEFAULT clock_timestamp())`);
    await q.query(`CREATE SEQUENCE ${a}.audit_event_position`);
    await q.query(`SELECT setval('${a}.audit_event_position', coalesce(max(position), 0) + 1, false) FROM ${a}.audit_event`);
    await q.query(`DROP TRIGGER audit_event_chain ON ${a}.audit_event`);
    await q.query(`DROP FUNCTION ${a}.chain_audit_event()`);
    await q.query(`ALTER TABLE ${a}.audit_event DROP COLUMN prev_hash, DROP COLUMN hash`);
    // No writer picks its own position or time.
    await q.query(`CREATE FUNCTION ${a}.stamp_audit_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.position := nextval('${a}.audit_event_position');
        NEW.recorded_at := clock_timestamp();
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER audit_event_stamp BEFORE INSERT ON ${a}.audit_event FOR EACH ROW EXECUTE FUNCTION ${a}.stamp_audit_event()`);
    await q.query(`CREATE TRIGGER audit_seal_append_only BEFORE UPDATE OR DELETE ON ${a}.audit_seal FOR EACH ROW EXECUTE FUNCTION ${a}.refuse_change()`);
    await q.query(`CREATE TRIGGER audit_seal_no_truncate BEFORE TRUNCATE ON ${a}.audit_seal FOR EACH STATEMENT EXECUTE FUNCTION ${a}.refuse_change()`);
    // One pass: the records committed above the highest sealed position, and the holes whose records have appeared, in position order.
    await q.query(`CREATE FUNCTION ${a}.seal_audit_events(batch int, wait boolean) RETURNS int LANGUAGE plpgsql AS $$
      DECLARE
        last_seal bigint;
        prev text;
        top bigint;
        r record;
        link text;
        sealed bigint[] := '{}';
      BEGIN
${SEAL_PASS_OPENING(a)}
        LOOP
          last_seal := last_seal + 1;
          link := ${HASH_OF('prev', 'r', CANONICAL_V1)};
          INSERT INTO ${a}.audit_seal (seal, position, prev_hash, hash) VALUES (last_seal, r.position, prev, link);
          prev := link;
          sealed := sealed || r.position;
        END LOOP;
        IF cardinality(sealed) > 0 THEN
          DELETE FROM ${a}.audit_hole WHERE position = ANY (sealed);
          INSERT INTO ${a}.audit_hole (position)
            SELECT p FROM generate_series(top + 1, (SELECT max(x) FROM unnest(sealed) x)) p WHERE p <> ALL (sealed)
            ON CONFLICT DO NOTHING;
        END IF;
        -- A position whose record has not appeared in an hour is given up (verification reports a record that appears later).
        DELETE FROM ${a}.audit_hole WHERE noticed_at < clock_timestamp() - interval '${NEVER_SEALED_AFTER}';
        RETURN cardinality(sealed);
      END $$`);
  }
  async down(): Promise<void> {
    throw new Error('the audit trail is not downgraded: its seals would be lost');
  }
}

/** `seal_audit_events` as BatchAuditSeals made it; `first`: PL/pgSQL run before the pass opens; `canonical`: the content sealed. */
const BATCHED_SEAL_PASS = (a: string, first = '', canonical: Canonical = CANONICAL_V1) => `CREATE OR REPLACE FUNCTION ${a}.seal_audit_events(batch int, wait boolean) RETURNS int LANGUAGE plpgsql AS $$
      DECLARE
        last_seal bigint;
        prev text;
        top bigint;
        r record;
        positions bigint[] := '{}';
        prevs text[] := '{}';
        links text[] := '{}';
      BEGIN
${first}${SEAL_PASS_OPENING(a)}
        LOOP
          prevs := prevs || prev;
          prev := ${HASH_OF('prev', 'r', canonical)};
          links := links || prev;
          positions := positions || r.position;
        END LOOP;
        IF cardinality(positions) > 0 THEN
          INSERT INTO ${a}.audit_seal (seal, position, prev_hash, hash)
            SELECT last_seal + u.n, u.position, u.prev_hash, u.hash FROM unnest(positions, prevs, links) WITH ORDINALITY AS u(position, prev_hash, hash, n);
          DELETE FROM ${a}.audit_hole WHERE position = ANY (positions);
          INSERT INTO ${a}.audit_hole (position)
            SELECT p FROM generate_series(top + 1, (SELECT max(x) FROM unnest(positions) x)) p
            EXCEPT SELECT unnest(positions)
            ON CONFLICT DO NOTHING;
        END IF;
        -- A position whose record has not appeared in an hour is given up (verification reports a record that appears later).
        DELETE FROM ${a}.audit_hole WHERE noticed_at < clock_timestamp() - interval '${NEVER_SEALED_AFTER}';
        RETURN cardinality(positions);
      END $$`;

/**
 * The same seals, cheaper to make: a pass chains its records in the loop (the hash is
 * sequential by nature) but appends their seals in one INSERT, and finds the holes it
 * passed over by a set difference. Sealing was most of the database's cost per
 * record (72 µs against 20–28 µs for the INSERT of the record itself, in batches),
 * as one INSERT per seal and a per-position scan of the batch.
 */
export class BatchAuditSeals1733000000300 implements MigrationInterface {
  name = 'BatchAuditSeals1733000000300';
  async up(q: QueryRunner): Promise<void> {
    const a = AUDIT_SCHEMA;
    await q.query(BATCHED_SEAL_PASS(a));
  }
  async down(): Promise<void> {
    throw new Error('the audit trail is not downgraded: its seals would be lost');
  }
}

/** How a pass opens since AsyncSealCommits: its own commit does not wait for the WAL flush. */
const ASYNC_SEAL_COMMIT = `        PERFORM set_config('synchronous_commit', 'off', true);\n`;

/**
 * A sealing pass commits without waiting for its WAL to reach disk. Under load the
 * passes were half of the database's fsyncs (every service seals every 200 ms), each
 * one queued ahead of the read records a request's answer waits on. A seal is derived
 * from records already durable, so a crash can lose only the last passes (their WAL
 * is flushed with the next durable commit anyway), and the next pass makes the same
 * seals again. `set_config(…, true)` lasts to the end of the pass's own transaction:
 * the pooled connection stays synchronous for everything else (tested).
 */
export class AsyncSealCommits1733000000400 implements MigrationInterface {
  name = 'AsyncSealCommits1733000000400';
  async up(q: QueryRunner): Promise<void> {
    await q.query(BATCHED_SEAL_PASS(AUDIT_SCHEMA, ASYNC_SEAL_COMMIT));
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(BATCHED_SEAL_PASS(AUDIT_SCHEMA));
  }
}

/**
 * One record for everyone a live event is delivered to alike (FHIR AuditEvent.agent is
 * 0..*): the gateway wrote one record per subscriber and event, and 1,000 subscribers of
 * one patient cost ~55 ms of database CPU per event (INSERT and seal, ~55 µs each),
 * ahead of every send. Now the subscribers of one execution and purpose are one record's
 * `recipients` (sub, roles, organization, subscription id each), and the actor columns
 * stay empty: a record has one actor, or two or more recipients (checked). A GIN index
 * over the recipients' subs keeps `auditEvents(actor)` an index lookup. The seal covers
 * the recipients; records without them seal as before.
 */
export class GroupDeliveryRecords1733000000500 implements MigrationInterface {
  name = 'GroupDeliveryRecords1733000000500';
  async up(q: QueryRunner): Promise<void> {
    const a = AUDIT_SCHEMA;
    await q.query(`ALTER TABLE ${a}.audit_event ADD COLUMN recipients jsonb,
      ALTER COLUMN actor_sub DROP NOT NULL, ALTER COLUMN actor_roles DROP NOT NULL,
      ADD CONSTRAINT audit_event_actor_or_recipients CHECK (CASE WHEN recipients IS NULL THEN actor_sub IS NOT NULL AND actor_roles IS NOT NULL
        ELSE actor_sub IS NULL AND actor_roles IS NULL AND actor_org IS NULL AND jsonb_typeof(recipients) = 'array' AND jsonb_array_length(recipients) >= 2 END)`);
    await q.query(`CREATE FUNCTION ${a}.recipient_subs(recipients jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
      AS $$ SELECT array_agg(r->>'sub') FROM jsonb_array_elements(recipients) r $$`);
    await q.query(`CREATE INDEX audit_event_recipients ON ${a}.audit_event USING gin (${a}.recipient_subs(recipients)) WHERE recipients IS NOT NULL`);
    await q.query(BATCHED_SEAL_PASS(a, ASYNC_SEAL_COMMIT, CANONICAL));
  }
  async down(): Promise<void> {
    throw new Error('the audit trail is not downgraded: its seals would be lost');
  }
}

/** Creates or upgrades the audit trail; every service calls it at start-up. */
export async function migrateAuditTrail(url: string): Promise<void> {
  const ds = createServiceDataSource({ url, schema: AUDIT_SCHEMA, entities: [], migrations: [CreateAuditTrail1733000000000, SealAuditTrail1733000000200, BatchAuditSeals1733000000300, AsyncSealCommits1733000000400, GroupDeliveryRecords1733000000500], poolSize: 1 });
  await ds.initialize();
  try {
    await migrate(ds);
  } finally {
    await ds.destroy();
  }
}

/** One of a record's recipients (a FHIR AuditEvent agent): who, and the request (for a delivery, the subscription) that received it. */
export interface AuditRecipient {
  principal: Principal;
  requestId: string;
}

export interface AuditRecord {
  requestId: string | null;
  service: string;
  endpoint: Endpoint;
  channel: Channel;
  /** The one actor; null when the record names `recipients` instead. */
  principal: Principal | null;
  /** Two or more who received the same thing alike (a live delivery's subscribers); then `principal` and `requestId` are null. */
  recipients?: readonly AuditRecipient[];
  action: AuditAction;
  operation: string | null;
  entities: string[];
  patientIds: string[];
  purpose: AuditPurpose;
  reason?: string | null;
}

type Queryable = { query: (sql: string, params?: unknown[]) => Promise<unknown> };

const COLUMNS = 'position, request_id, service, endpoint, channel, actor_sub, actor_roles, actor_org, action, operation, entities, patient_ids, purpose, reason, recipients';

/** One record (a request's usual share): plain parameters, lists as text[] — the cheapest statement for the database to run. */
const APPEND_ONE = `INSERT INTO ${AUDIT_SCHEMA}.audit_event (${COLUMNS})
  VALUES (0, $1, $2, $3, $4, $5, $6::text[], $7, $8, $9, $10::text[], $11::text[], $12, $13, $14::jsonb)`;

/**
 * Several records in one statement. Arrays of arrays cannot be unnested per row, so a
 * list column travels as the text of a PostgreSQL array literal and is cast back
 * (a quarter less database CPU per record than JSON text unpacked per row: measured).
 */
const APPEND_MANY = `INSERT INTO ${AUDIT_SCHEMA}.audit_event (${COLUMNS})
  SELECT 0, r.request_id, r.service, r.endpoint, r.channel, r.actor_sub, r.actor_roles::text[], r.actor_org, r.action, r.operation,
         r.entities::text[], r.patient_ids::text[], r.purpose, r.reason, r.recipients::jsonb
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
         WITH ORDINALITY AS r(request_id, service, endpoint, channel, actor_sub, actor_roles, actor_org, action, operation, entities, patient_ids, purpose, reason, recipients, n)
   ORDER BY r.n`;

/** Positions, in a record's parameter row, of the list columns (roles, entities, patients): array literals in APPEND_MANY. */
const LIST_COLUMNS = new Set([5, 9, 10]);

/** `{"a","b"}`: a text[] literal, every element quoted, backslash and double quote escaped (PostgreSQL's array input syntax). */
function textArrayLiteral(values: readonly string[] | null): string | null {
  if (values === null) return null;
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

/** A record's recipients as stored (sorted, so the same delivery is the same text), or null for a record with one actor. */
function recipientsJson(r: AuditRecord): string | null {
  if (!r.recipients) {
    if (!r.principal) throw new Error('an audit record names an actor or its recipients');
    return null;
  }
  if (r.principal || r.requestId !== null || r.recipients.length < 2) throw new Error('an audit record with recipients names two or more of them, and no actor');
  const stored = r.recipients.map(({ principal: p, requestId }): StoredRecipient => ({ sub: p.sub, roles: p.roles, org: p.org ?? null, request_id: requestId }));
  stored.sort((x, y) => (x.sub < y.sub ? -1 : x.sub > y.sub ? 1 : x.request_id < y.request_id ? -1 : x.request_id > y.request_id ? 1 : 0));
  return JSON.stringify(stored);
}

/** A recipient as `audit_event.recipients` holds it (the actor columns' names). */
interface StoredRecipient {
  sub: string;
  roles: string[];
  org: string | null;
  request_id: string;
}

/** Appends records (in the caller's transaction when `db` is a transaction's manager). */
export async function appendAudit(db: Queryable, records: readonly AuditRecord[]): Promise<void> {
  if (records.length === 0 || config.audit === 'off') return;
  const row = (r: AuditRecord) => [
    r.requestId, r.service, r.endpoint, r.channel, r.principal?.sub ?? null, r.principal?.roles ?? null, r.principal?.org ?? null, r.action, r.operation,
    [...new Set(r.entities)].sort(), [...new Set(r.patientIds)].sort(), r.purpose, r.reason ?? null, recipientsJson(r),
  ];
  if (records.length === 1) {
    await db.query(APPEND_ONE, row(records[0]));
    return;
  }
  const rows = records.map(row);
  await db.query(APPEND_MANY, rows[0].map((_, c) => rows.map((v) => (LIST_COLUMNS.has(c) ? textArrayLiteral(v[c] as string[]) : v[c]))));
}

/** Most records one INSERT carries; a longer queue is written in several. */
const MAX_GROUP = 500;

/**
 * Group commit for read records: the records of whoever waits while this process's
 * INSERT is in flight go into its next INSERT together (one statement and one commit
 * for many requests, the database's CPU being the scarce part under load), and each
 * caller's promise settles when its own records are durable (or rejects with the
 * INSERT's error).
 */
export class AuditWriter {
  private queue: { records: readonly AuditRecord[]; done: (err?: unknown) => void }[] = [];
  private writing = false;
  private prepared: Promise<void> | undefined;

  /** `prepare` runs once before the first INSERT (again after it fails): the gateway migrates the trail lazily, so a database down at start does not stop it. */
  private readonly db: Queryable;

  constructor(db: Queryable, private readonly prepare?: () => Promise<void>) {
    this.db = namedStatements(db);
  }

  append(records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0 || config.audit === 'off') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ records, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        let count = 0;
        let take = 0;
        while (take < this.queue.length && (take === 0 || count + this.queue[take].records.length <= MAX_GROUP)) count += this.queue[take++].records.length;
        const group = this.queue.splice(0, take);
        try {
          if (this.prepare) {
            this.prepared ??= this.prepare().catch((err) => {
              this.prepared = undefined;
              throw err;
            });
            await this.prepared;
          }
          await appendAudit(this.db, group.flatMap((g) => g.records));
          for (const g of group) g.done();
        } catch (err) {
          for (const g of group) g.done(err ?? new Error('audit insert failed'));
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

/** The read part of a record: what a subgraph echoes to the gateway (`x-hub-audit-echo`) for a fetch it shared. */
export interface AuditedRead {
  patientIds: string[];
  entities: string[];
  purpose: AuditPurpose;
  reason: string | null;
}

/**
 * The request header by which the gateway names the operation the client sent, beside
 * the request id: a subgraph's own fetch is named by the query planner
 * (`<operation>__<subgraph>__<n>`) or not at all (an entity fetch of an anonymous
 * query is `_entities`), and a privacy officer looks for what the console or
 * integration sent. Only the gateway reaches a subgraph (internal token), and it sets
 * or removes this header on every fetch.
 */
export const OPERATION_HEADER = 'x-hub-operation';

/** How a record names an operation: the client's name, or for an anonymous one its top fields (`patient,worklist`; a top-level fragment as `...`). */
export function operationLabel(operation: OperationDefinitionNode | undefined, name: string | null | undefined): string | null {
  if (name) return name;
  if (!operation) return null;
  return operation.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : '...')).join(',');
}

const LABEL = /^(?:[_A-Za-z][_0-9A-Za-z]*|\.\.\.)(?:,(?:[_A-Za-z][_0-9A-Za-z]*|\.\.\.))*$/;
/** The header's value when it is a label as operationLabel writes them (at most 200 characters), else null. */
export function acceptedOperationLabel(value: unknown): string | null {
  return typeof value === 'string' && value.length <= 200 && LABEL.test(value) ? value : null;
}

/** The request header by which the gateway asks a subgraph to echo its read records in `extensions.hubAudit` (never forwarded to clients). */
export const AUDIT_ECHO_HEADER = 'x-hub-audit-echo';

/**
 * The writer's INSERTs as named statements where the database handle is a pg pool (a
 * TypeORM DataSource's, or the gateway's own): PostgreSQL parses and plans each once per
 * connection instead of once per write. A transaction's manager (writes) is left as is.
 */
function namedStatements(db: Queryable): Queryable {
  const pool = driverPool(db) as { query: (config: { name: string; text: string; values?: unknown[] }) => Promise<unknown>; totalCount?: unknown } | undefined;
  if (!pool) return db;
  const names = new Map([[APPEND_ONE, 'hub_audit_append_one'], [APPEND_MANY, 'hub_audit_append_many']]);
  return { query: (text, values) => pool.query({ name: names.get(text) ?? '', text, values }) };
}

/** The pg pool behind a TypeORM DataSource (its driver's `master`), or `db` itself when it is one; undefined for anything else (a transaction's manager). */
function driverPool(db: Queryable): Queryable | undefined {
  const pool = ((db as { driver?: { master?: unknown } }).driver?.master ?? db) as Queryable & { totalCount?: unknown };
  return typeof pool.totalCount === 'number' ? pool : undefined;
}

/** What a request is, for its audit records. */
export interface AuditRequest {
  requestId: string | null;
  service: string;
  endpoint: Endpoint;
  channel: Channel;
  principal: Principal;
  operation: string | null;
}

/**
 * One request's reads: the access checks note each patient and entity they let
 * through, under a purpose, and the records are written while the request still
 * runs. The first note starts a write once the checks of that wave have settled
 * (`setImmediate`: a parent's check and its fields' checks are microtasks apart,
 * their data queries I/O), so the commit's fsync overlaps the data queries instead
 * of following them; whatever is noted after that goes into one more record at
 * `flush`, which waits for every write before the answer leaves.
 */
export class AuditCollector {
  private readonly reads = new Map<string, { purpose: AuditPurpose; reason: string | null; patients: Set<string>; entities: Set<string> }>();
  private fieldsByType: Map<string, Set<string>> | undefined;
  private document: DocumentNode | undefined;
  private schema: GraphQLSchema | undefined;
  private writer: AuditWriter | undefined;
  private early: 'none' | 'scheduled' | 'started' = 'none';
  private readonly writes: Promise<void>[] = [];
  private readonly written: AuditRecord[] = [];

  constructor(readonly request: AuditRequest) {}

  /** What this request's records say was read (patients, entities, purpose, reason), for the gateway to record a shared fetch's other requester alike. */
  readsWritten(): AuditedRead[] {
    return this.written.map((r) => ({ patientIds: r.patientIds, entities: r.entities, purpose: r.purpose, reason: r.reason ?? null }));
  }

  /** The operation, so records can say which fields of each entity type were selected; `writer` lets reads be written as they are noted. */
  useDocument(document: DocumentNode, operationName: string | null, schema?: GraphQLSchema, writer?: AuditWriter): void {
    this.document = document;
    this.schema = schema;
    this.writer = writer;
    // The gateway names the client's operation (OPERATION_HEADER); this fetch's own name is the fallback.
    this.request.operation ??= operationLabel(document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION), operationName);
  }

  noteRead(patientIds: readonly string[], entity: string, purpose: AuditPurpose, reason: string | null = null): void {
    if (patientIds.length === 0) return;
    const key = `${purpose}|${reason ?? ''}`;
    let group = this.reads.get(key);
    if (!group) {
      group = { purpose, reason, patients: new Set(), entities: new Set() };
      this.reads.set(key, group);
    }
    for (const id of patientIds) group.patients.add(id);
    group.entities.add(entity);
    if (this.early === 'none' && this.writer) {
      this.early = 'scheduled';
      setImmediate(() => {
        if (this.early !== 'scheduled') return;
        this.early = 'started';
        this.writeNoted(this.writer!);
      });
    }
  }

  get pending(): boolean {
    return this.reads.size > 0 || this.writes.length > 0;
  }

  /** `Patient{familyName,phone}`: the type with the fields this operation selected on it. */
  private describe(entity: string): string {
    if (entity.includes('.') || entity.includes('{') || !this.document || !this.schema) return entity;
    this.fieldsByType ??= fieldsByTypeOf(this.document, this.schema);
    const fields = this.fieldsByType.get(entity);
    return fields && fields.size > 0 ? `${entity}{${[...fields].sort().join(',')}}` : entity;
  }

  records(): AuditRecord[] {
    return [...this.reads.values()].map((g) => ({
      ...this.request,
      action: 'read' as const,
      entities: [...g.entities].map((e) => this.describe(e)),
      patientIds: [...g.patients],
      purpose: g.purpose,
      reason: g.reason,
    }));
  }

  private writeNoted(writer: AuditWriter): void {
    const records = this.records();
    this.reads.clear();
    if (records.length === 0) return;
    this.written.push(...records);
    const written = writer.append(records);
    written.catch(() => undefined); // awaited (and its error raised) in flush
    this.writes.push(written);
  }

  /** Writes what is still unwritten and resolves when every record of the request is durable (rejects if one is not). */
  async flush(writer: AuditWriter): Promise<void> {
    this.early = 'started';
    this.writeNoted(writer);
    await Promise.all(this.writes);
  }
}

/** `Type{field,…}` for every type an operation selects fields of, root types aside: what a delivery of it shows. */
export function describeSelection(document: DocumentNode, schema: GraphQLSchema): string[] {
  const roots = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name, schema.getSubscriptionType()?.name]);
  return [...selectedFieldsByType(document, schema)]
    .filter(([type]) => !roots.has(type))
    .map(([type, fields]) => `${type}{${[...fields].sort().join(',')}}`)
    .sort();
}

/** Parsed operations are reused by the server's document cache, so what they select is worked out once per document and schema. */
const selections = new WeakMap<DocumentNode, { schema: GraphQLSchema; fields: Map<string, Set<string>> }>();
function fieldsByTypeOf(document: DocumentNode, schema: GraphQLSchema): Map<string, Set<string>> {
  const known = selections.get(document);
  if (known?.schema === schema) return known.fields;
  const fields = selectedFieldsByType(document, schema);
  selections.set(document, { schema, fields });
  return fields;
}

/** Fields selected per type, as the schema types them (root fields, entity fragments, nested selections alike). */
function selectedFieldsByType(document: DocumentNode, schema: GraphQLSchema): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const info = new TypeInfo(schema);
  visit(document, visitWithTypeInfo(info, {
    Field(node) {
      const parent = info.getParentType();
      if (!parent || node.name.value.startsWith('_')) return;
      const type = getNamedType(parent).name;
      let s = out.get(type);
      if (!s) out.set(type, (s = new Set()));
      s.add(node.name.value);
    },
  }));
  return out;
}

/** Where verification found the chain broken, or null when every record checks. */
export interface AuditChainReport {
  /** Records whose seals checked, before the break if there is one. */
  records: number;
  /** The position of the first record where the chain breaks. */
  brokenAt: string | null;
  problem: string | null;
  /** Records committed while verification ran, not sealed yet (sealed on the next pass; not a break). */
  pending?: number;
}

/** One sealing pass (`wait`: queue for the lock instead of leaving it to whoever holds it); the number of records sealed. */
export async function sealAuditTrail(db: Queryable, wait = false): Promise<number> {
  return rowsOf<{ sealed: number }>(await db.query(`SELECT ${AUDIT_SCHEMA}.seal_audit_events($1, $2) AS sealed`, [SEAL_BATCH, wait]))[0].sealed;
}


/**
 * Seals what is pending, then recomputes every seal in order: each must follow the
 * previous one (gapless numbers, linked hashes) and match its record's content; then
 * looks for records never sealed (recorded over an hour ago: their position was given up).
 */
export async function verifyAuditChain(db: Queryable, batch = 5000): Promise<AuditChainReport> {
  while ((await sealAuditTrail(db, true)) === SEAL_BATCH);
  let after = '0';
  let prevHash = GENESIS;
  let count = 0;
  for (;;) {
    const rows = rowsOf<{ seal: string; position: string; prev_hash: string; hash: string; present: boolean; recomputed: string | null }>(await db.query(
      `SELECT s.seal::text, s.position::text, s.prev_hash, s.hash, e.position IS NOT NULL AS present,
              CASE WHEN e.position IS NULL THEN NULL ELSE ${HASH_OF('s.prev_hash', 'e')} END AS recomputed
         FROM ${AUDIT_SCHEMA}.audit_seal s LEFT JOIN ${AUDIT_SCHEMA}.audit_event e ON e.position = s.position
        WHERE s.seal > $1 ORDER BY s.seal LIMIT $2`,
      [after, batch],
    ));
    if (rows.length === 0) break;
    for (const r of rows) {
      const expected = (BigInt(after) + 1n).toString();
      if (r.seal !== expected) return { records: count, brokenAt: r.position, problem: `seal ${expected} is missing (the next seal, ${r.seal}, is of record ${r.position})` };
      if (r.prev_hash !== prevHash) return { records: count, brokenAt: r.position, problem: `the seal of record ${r.position} does not link to the seal before it` };
      if (!r.present) return { records: count, brokenAt: r.position, problem: `record ${r.position} was deleted: its seal remains` };
      if (r.recomputed !== r.hash) return { records: count, brokenAt: r.position, problem: `record ${r.position} was altered: its content no longer matches its seal` };
      prevHash = r.hash;
      after = r.seal;
      count += 1;
    }
  }
  const [unsealed] = rowsOf<{ pending: string; given_up: string | null }>(await db.query(
    `SELECT count(*) FILTER (WHERE e.recorded_at >= clock_timestamp() - interval '${NEVER_SEALED_AFTER}')::text AS pending,
            min(e.position) FILTER (WHERE e.recorded_at < clock_timestamp() - interval '${NEVER_SEALED_AFTER}')::text AS given_up
       FROM ${AUDIT_SCHEMA}.audit_event e WHERE NOT EXISTS (SELECT 1 FROM ${AUDIT_SCHEMA}.audit_seal s WHERE s.position = e.position)`,
  ));
  if (unsealed.given_up) return { records: count, brokenAt: unsealed.given_up, problem: `record ${unsealed.given_up} was never sealed: it appeared after its position was given up, or was inserted around the trail's numbering`, pending: Number(unsealed.pending) };
  return { records: count, brokenAt: null, problem: null, pending: Number(unsealed.pending) };
}

/**
 * Every service runs one: every `HUB_AUDIT_SEAL_MS` it makes a sealing pass (another
 * pass is made at once while a whole batch was sealed). Whoever holds the lock seals
 * for everyone; the others pass. A database down, or an audit trail not created yet
 * (the gateway creates it lazily), is tried again on the next tick.
 */
export class AuditSealer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private reported = 0;

  private readonly db: Queryable;

  /** `db`: a pg pool or a DataSource, whose pool is used directly: a pass is no query of the service's own (tests count those). */
  constructor(db: Queryable, private readonly onError: (err: unknown) => void = () => undefined, private readonly everyMs = config.auditSealMs) {
    this.db = driverPool(db) ?? db;
  }

  start(): this {
    this.timer = setInterval(() => void this.pass(), this.everyMs);
    this.timer.unref();
    return this;
  }

  /** One pass (and more while the backlog fills whole batches); concurrent calls share it. */
  pass(): Promise<void> {
    this.running ??= (async () => {
      try {
        while (!this.stopped && (await sealAuditTrail(this.db)) === SEAL_BATCH);
      } catch (err) {
        // At most once a minute: a database down for an hour is one line a minute, not 18,000.
        if (Date.now() - this.reported >= 60_000) {
          this.reported = Date.now();
          this.onError(err);
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}

export interface AuditEventRow {
  position: string;
  recordedAt: Date;
  requestId: string | null;
  service: string;
  endpoint: string;
  channel: string;
  /** The one actor (null when the record names its recipients instead). */
  actorSub: string | null;
  actorRoles: string[] | null;
  actorOrg: string | null;
  /** Everyone the record is about, as FHIR AuditEvent.agent: the one actor, or each recipient. */
  agents: AuditAgentRow[];
  action: AuditAction;
  operation: string | null;
  entities: string[];
  patientIds: string[];
  purpose: AuditPurpose;
  reason: string | null;
}

export interface AuditAgentRow {
  sub: string;
  roles: string[];
  org: string | null;
  requestId: string | null;
}

export interface AuditQuery {
  patientId?: string | null;
  actor?: string | null;
  from?: Date | null;
  to?: Date | null;
  purpose?: AuditPurpose | null;
  /** Newest first: records with a position below this. */
  before?: string | null;
  limit: number;
}

/** Audit records, newest first, filtered; `limit + 1` rows tell whether there is a next page. */
export async function queryAudit(db: DataSource | EntityManager, q: AuditQuery): Promise<AuditEventRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (q.patientId) where.push(`patient_ids @> ARRAY[${p(q.patientId)}]::text[]`);
  if (q.actor) {
    const actor = p(q.actor);
    where.push(`(actor_sub = ${actor} OR recipients IS NOT NULL AND ${AUDIT_SCHEMA}.recipient_subs(recipients) @> ARRAY[${actor}]::text[])`);
  }
  if (q.from) where.push(`recorded_at >= ${p(q.from)}`);
  if (q.to) where.push(`recorded_at < ${p(q.to)}`);
  if (q.purpose) where.push(`purpose = ${p(q.purpose)}`);
  if (q.before) where.push(`position < ${p(q.before)}`);
  const rows: Record<string, unknown>[] = await db.query(
    `SELECT position::text, recorded_at, request_id, service, endpoint, channel, actor_sub, actor_roles, actor_org, action, operation, entities, patient_ids, purpose, reason, recipients
       FROM ${AUDIT_SCHEMA}.audit_event a ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.position DESC LIMIT ${p(q.limit + 1)}`,
    params,
  );
  return rows.map((r) => ({
    position: r.position as string,
    recordedAt: r.recorded_at as Date,
    requestId: r.request_id as string | null,
    service: r.service as string,
    endpoint: r.endpoint as string,
    channel: r.channel as string,
    actorSub: r.actor_sub as string | null,
    actorRoles: r.actor_roles as string[] | null,
    actorOrg: r.actor_org as string | null,
    agents: r.recipients
      ? (r.recipients as StoredRecipient[]).map((x) => ({ sub: x.sub, roles: x.roles, org: x.org, requestId: x.request_id }))
      : [{ sub: r.actor_sub as string, roles: r.actor_roles as string[], org: r.actor_org as string | null, requestId: r.request_id as string | null }],
    action: r.action as AuditAction,
    operation: r.operation as string | null,
    entities: r.entities as string[],
    patientIds: r.patient_ids as string[],
    purpose: r.purpose as AuditPurpose,
    reason: r.reason as string | null,
  }));
}
