/**
 * The events backbone: a transactional outbox shared by all services.
 *
 * - `recordEvent` appends a domain event in the caller's transaction, so the event
 *   and the change commit or roll back together.
 * - Positions (ids) are assigned under a transaction-level advisory lock, so they
 *   become visible in increasing order: a reader that has seen position N will never
 *   later see a smaller one commit. That is what makes `after <cursor>` reads lossless.
 * - A trigger NOTIFYs the position on commit; an `EventTransport` turns that into
 *   wake-ups for readers (PostgreSQL LISTEN by default, Redis when REDIS_URL is set).
 *   Payloads are always read from the table, never from the notification.
 * - `startConsumer` applies events to a service's own tables from a stored cursor,
 *   each event in one transaction with the cursor update: exactly-once effects.
 * - Both outlive their database sessions: a lost LISTEN session is reopened until it
 *   succeeds, then readers catch up from their cursors; a consumer whose transaction
 *   died with its session retries from its cursor (nothing skipped, nothing doubled).
 */
import { Client } from 'pg';
import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { config } from './config';
import { createServiceDataSource, isDatabaseUnavailable, migrate, rowsOf } from './database';
import { rootLogger } from './logger';
import { watchConsumer } from './metrics';
import { startProgress, type Progress } from './progress';
import { auditEventWrite } from './request-scope';

export const EVENT_SCHEMA = 'hub_events';
export const EVENT_CHANNEL = 'hub_events';
const POSITION_LOCK = 0x0c7e_0e17; // arbitrary constant key for pg_advisory_xact_lock

export interface DomainEvent<P extends object = Record<string, unknown>> {
  /** Position in the log: a decimal string of a bigint, usable as a cursor. */
  id: string;
  type: string;
  source: string;
  aggregateType: string;
  aggregateId: string;
  patientId: string | null;
  actor: string | null;
  occurredAt: Date;
  payload: P;
}

export interface NewEvent<P extends object = Record<string, unknown>> {
  type: string;
  aggregateType: string;
  aggregateId: string;
  patientId?: string | null;
  actor?: string | null;
  payload: P;
  /** When it happened, for bulk writers replaying history (recordEvents: the demo seed); default now. */
  occurredAt?: Date | null;
}

/** The shared log's own schema, owned by this module (not by any subgraph). */
export class CreateEventLog1732300000000 implements MigrationInterface {
  name = 'CreateEventLog1732300000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ${EVENT_SCHEMA}.event_log (
      id bigserial PRIMARY KEY,
      type text NOT NULL,
      source text NOT NULL,
      aggregate_type text NOT NULL,
      aggregate_id text NOT NULL,
      patient_id text,
      actor text,
      occurred_at timestamptz NOT NULL DEFAULT now(),
      payload jsonb NOT NULL
    )`);
    await q.query(`CREATE INDEX event_log_occurred_at ON ${EVENT_SCHEMA}.event_log (occurred_at)`);
    await q.query(`CREATE INDEX event_log_patient ON ${EVENT_SCHEMA}.event_log (patient_id, id)`);
    await q.query(`CREATE FUNCTION ${EVENT_SCHEMA}.notify_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('${EVENT_CHANNEL}', NEW.id::text); RETURN NULL; END $$`);
    await q.query(`CREATE TRIGGER event_log_notify AFTER INSERT ON ${EVENT_SCHEMA}.event_log
      FOR EACH ROW EXECUTE FUNCTION ${EVENT_SCHEMA}.notify_event()`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ${EVENT_SCHEMA}.event_log`);
    await q.query(`DROP FUNCTION ${EVENT_SCHEMA}.notify_event()`);
  }
}

/** When each event was written to the log (occurred_at may be back-dated by bulk writers): what replay retention measures. */
export class AddEventRecordedAt1732300000002 implements MigrationInterface {
  name = 'AddEventRecordedAt1732300000002';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${EVENT_SCHEMA}.event_log ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now()`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE ${EVENT_SCHEMA}.event_log DROP COLUMN recorded_at`);
  }
}

/** Each consuming service keeps its cursors in its own schema; include this in its migrations. */
export class CreateEventCursors1732300000001 implements MigrationInterface {
  name = 'CreateEventCursors1732300000001';
  async up(q: QueryRunner): Promise<void> {
    const schema = (q.connection.options as { schema: string }).schema;
    await q.query(`CREATE TABLE "${schema}".event_cursor (consumer text PRIMARY KEY, position bigint NOT NULL DEFAULT 0, updated_at timestamptz NOT NULL DEFAULT now())`);
  }
  async down(q: QueryRunner): Promise<void> {
    const schema = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP TABLE "${schema}".event_cursor`);
  }
}

/** Creates or upgrades the shared event log; every service calls it at start-up. */
export async function migrateEventLog(url: string): Promise<void> {
  const ds = createServiceDataSource({ url, schema: EVENT_SCHEMA, entities: [], migrations: [CreateEventLog1732300000000, AddEventRecordedAt1732300000002], poolSize: 1 });
  await ds.initialize();
  try {
    await migrate(ds);
  } finally {
    await ds.destroy();
  }
}

/** Appends an event inside the caller's transaction; returns its position. */
export async function recordEvent(manager: EntityManager, source: string, event: NewEvent): Promise<string> {
  if (!manager.queryRunner?.isTransactionActive) {
    throw new Error('recordEvent must run inside the transaction that makes the change');
  }
  await manager.query('SELECT pg_advisory_xact_lock($1)', [POSITION_LOCK]);
  const rows: { id: string }[] = await manager.query(
    `INSERT INTO ${EVENT_SCHEMA}.event_log (type, source, aggregate_type, aggregate_id, patient_id, actor, payload)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [event.type, source, event.aggregateType, event.aggregateId, event.patientId ?? null, event.actor ?? null, JSON.stringify(event.payload)],
  );
  // Inside a request, the write's audit record commits with it (shared/request-scope.ts).
  await auditEventWrite(manager, event);
  return String(rows[0].id);
}

/**
 * Appends many events in one statement, in array order (bulk writers such as the
 * demo seed): one position lock and one INSERT instead of one round trip per event.
 */
export async function recordEvents(manager: EntityManager, source: string, events: readonly NewEvent[]): Promise<void> {
  if (!manager.queryRunner?.isTransactionActive) {
    throw new Error('recordEvents must run inside the transaction that makes the change');
  }
  if (events.length === 0) return;
  await manager.query('SELECT pg_advisory_xact_lock($1)', [POSITION_LOCK]);
  const column = <K extends keyof NewEvent>(k: K) => events.map((e) => e[k] ?? null);
  // ORDER BY ordinality: ids are drawn in array order.
  await manager.query(
    `INSERT INTO ${EVENT_SCHEMA}.event_log (type, source, aggregate_type, aggregate_id, patient_id, actor, payload, occurred_at)
     SELECT e.type, $1, e.aggregate_type, e.aggregate_id, e.patient_id, e.actor, e.payload::jsonb, COALESCE(e.occurred_at, now())
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[]) WITH ORDINALITY
            AS e(type, aggregate_type, aggregate_id, patient_id, actor, payload, occurred_at, n)
      ORDER BY e.n`,
    [source, column('type'), column('aggregateType'), column('aggregateId'), column('patientId'), column('actor'), events.map((e) => JSON.stringify(e.payload)),
      column('occurredAt')],
  );
}

interface EventRow {
  id: string; type: string; source: string; aggregate_type: string; aggregate_id: string;
  patient_id: string | null; actor: string | null; occurred_at: Date; payload: Record<string, unknown>;
}
const toEvent = (r: EventRow): DomainEvent => ({
  id: String(r.id), type: r.type, source: r.source, aggregateType: r.aggregate_type, aggregateId: r.aggregate_id,
  patientId: r.patient_id, actor: r.actor, occurredAt: new Date(r.occurred_at), payload: r.payload,
});

type Queryable = { query: (sql: string, params?: unknown[]) => Promise<unknown> };

/** The log's events after `$1` (of `types`, as `$3`, when given), in order, at most `$2`; with its parameters. */
const eventsAfter = (after: string, limit: number, types?: readonly string[]) => ({
  sql: `SELECT * FROM ${EVENT_SCHEMA}.event_log WHERE id > $1 ${types ? 'AND type = ANY($3)' : ''} ORDER BY id LIMIT $2`,
  params: types ? [after, limit, types] : [after, limit],
});

/** Events after a cursor, in order. `types` narrows the read; the cursor may still skip past others. */
export async function readEventsAfter(db: Queryable, after: string, limit = 500, types?: readonly string[]): Promise<DomainEvent[]> {
  const q = eventsAfter(after, limit, types);
  return rowsOf<EventRow>(await db.query(q.sql, q.params)).map(toEvent);
}

/** Most events a consumer reads at once; a full batch means a backlog (read again at once, with progress lines). */
const CONSUMER_BATCH = 200;

/**
 * A consumer's next batch: the events of its types after `after`, and how far the read
 * looked (`through`): the log's head when the batch is short, else its last event. One
 * statement, so one snapshot; positions commit in order (POSITION_LOCK), so no event at
 * or below the head can still appear. A consumer that skips what it does not handle
 * then reads once per wake, instead of reading, and committing a cursor, per event.
 */
export async function readConsumerBatch(db: Queryable, after: string, limit: number, types?: readonly string[]): Promise<{ events: DomainEvent[]; through: string }> {
  const q = eventsAfter(after, limit, types);
  const rows = rowsOf<EventRow & { head: string }>(await db.query(
    `SELECT h.head::text AS head, e.* FROM (SELECT COALESCE(max(id), 0) AS head FROM ${EVENT_SCHEMA}.event_log) h
       LEFT JOIN LATERAL (${q.sql}) e ON true
      ORDER BY e.id`,
    q.params,
  ));
  const events = rows.filter((r) => r.id !== null).map(toEvent);
  const through = events.length === limit ? events[events.length - 1].id : rows[0].head;
  return { events, through: BigInt(through) > BigInt(after) ? through : after };
}

/** Whether an event of `type` for this patient is committed in the log (read-your-writes before a consumer applied it). */
export async function hasPatientEvent(db: Queryable, patientId: string, type: string): Promise<boolean> {
  return rowsOf(await db.query(`SELECT 1 FROM ${EVENT_SCHEMA}.event_log WHERE patient_id = $1 AND type = $2 LIMIT 1`, [patientId, type])).length > 0;
}

export async function latestEventPosition(db: Queryable): Promise<string> {
  return rowsOf<{ id: string }>(await db.query(`SELECT COALESCE(MAX(id), 0)::text AS id FROM ${EVENT_SCHEMA}.event_log`))[0].id;
}

/** Wakes readers when events may have been committed. Redis can implement it too. */
export interface EventTransport {
  /** Calls `onWake` (with the new position when known); resolves to an unsubscribe. */
  subscribe(onWake: (position?: string) => void): Promise<() => Promise<void>>;
}

/** Delays between attempts to reopen a lost LISTEN session: doubling, capped. */
const LISTEN_RETRY_MIN_MS = 250;
const LISTEN_RETRY_MAX_MS = 5_000;
/** A session that lived this long was a real recovery: the next loss starts again from the shortest delay. */
const LISTEN_STABLE_MS = 5_000;

/**
 * PostgreSQL LISTEN on the log's NOTIFY channel, on one dedicated connection. A lost
 * session (terminated, a failover, a pooler restart) is reopened with a growing delay
 * until it succeeds, however long that takes; once listening again it wakes the
 * readers, which read what was committed meanwhile from their own cursors
 * (notifications sent while nobody listened are gone, the log is not).
 */
export class PgNotifyTransport implements EventTransport {
  constructor(private readonly url: string) {}

  async subscribe(onWake: (position?: string) => void): Promise<() => Promise<void>> {
    const log = rootLogger.child({ component: 'pg-notify' });
    let client: Client | undefined;
    let closed = false;
    let cancelWait: (() => void) | undefined;
    let delay = LISTEN_RETRY_MIN_MS;

    /** Opens a session and LISTENs; `lost` resolves when it is lost (an error or an end, whichever comes first). */
    const listen = async (): Promise<{ lost: Promise<Error> }> => {
      const c = new Client({ connectionString: this.url, application_name: 'care-team-hub:listen', keepAlive: true, connectionTimeoutMillis: config.dbConnectTimeoutMs });
      const lost = new Promise<Error>((resolve) => {
        c.on('error', resolve); // every error, so that none is ever unhandled; the first one counts
        c.once('end', () => resolve(new Error('the LISTEN connection ended')));
      });
      c.on('notification', (n) => onWake(n.payload ?? undefined));
      try {
        await c.connect();
        await c.query(`LISTEN ${EVENT_CHANNEL}`);
      } catch (err) {
        void c.end().catch(() => undefined);
        throw err;
      }
      client = c;
      const openedAt = Date.now();
      return {
        lost: lost.then((err) => {
          if (client === c) client = undefined;
          void c.end().catch(() => undefined);
          if (Date.now() - openedAt >= LISTEN_STABLE_MS) delay = LISTEN_RETRY_MIN_MS;
          return err;
        }),
      };
    };

    const keepListening = async (session: { lost: Promise<Error> }): Promise<void> => {
      for (;;) {
        const err = await session.lost;
        if (closed) return;
        log.warn({ err: err.message, code: (err as { code?: string }).code }, 'LISTEN connection lost; reconnecting');
        for (let attempt = 1; ; attempt++) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, delay);
            cancelWait = () => { clearTimeout(timer); resolve(); };
          });
          delay = Math.min(delay * 2, LISTEN_RETRY_MAX_MS);
          if (closed) return;
          try {
            session = await listen();
          } catch (e) {
            log.debug({ err: (e as Error).message, attempt }, 'LISTEN reconnect failed; retrying');
            continue;
          }
          if (closed) {
            await client?.end().catch(() => undefined);
            return;
          }
          log.info({ attempts: attempt }, 'LISTEN connection restored');
          onWake(); // catch up on what was committed while nobody listened
          break;
        }
      }
    };

    void keepListening(await listen());
    return async () => {
      closed = true;
      cancelWait?.();
      await client?.end().catch(() => undefined);
    };
  }
}

export function createEventTransport(url: string): EventTransport {
  return new PgNotifyTransport(url);
}

export interface ConsumerOptions {
  ds: DataSource;
  transport: EventTransport;
  /** Unique per service and purpose; the cursor is stored under this name. */
  name: string;
  types?: readonly string[];
  handle(event: DomainEvent, manager: EntityManager): Promise<void>;
  /** Fallback poll, for a missed notification. */
  pollMs?: number;
  /**
   * Events applied per transaction, at most (default 1). More makes catching up
   * with a long log faster; the effects and the cursor still commit together.
   */
  eventsPerTransaction?: number;
  /**
   * Return at once and apply the backlog in the background (default: return once
   * caught up). For read models that may serve while behind; `stop()` works meanwhile.
   */
  catchUpInBackground?: boolean;
}

export interface Consumer {
  /** Resolves once every event committed before the call has been applied. */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
}

/** One consumer (what startConsumer returns), whose position is known. */
export interface PositionedConsumer extends Consumer {
  /** Resolves once the event at `position` (and everything before it) has been applied. */
  reached(position: bigint): Promise<void>;
}

/** Applies events from the stored cursor onwards, each with its cursor update in one transaction. */
export async function startConsumer(o: ConsumerOptions): Promise<PositionedConsumer> {
  const schema = (o.ds.options as { schema: string }).schema;
  const log = rootLogger.child({ consumer: o.name });
  await o.ds.query(`INSERT INTO "${schema}".event_cursor (consumer) VALUES ($1) ON CONFLICT DO NOTHING`, [o.name]);
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;

  // The last position applied, for the lag gauge (shared/metrics.ts); -1 until first read.
  let applied = -1n;
  const unwatch = watchConsumer({
    schema,
    consumer: o.name,
    lag: async () => (applied < 0n ? 0 : Math.max(0, Number(BigInt(await latestEventPosition(o.ds)) - applied))),
  });
  // How far this instance has read: the stored cursor at first, then its own reads (another instance sharing the
  // cursor may be ahead: what it applied is skipped in applyBatch).
  let readTo: string | undefined;
  const drainOnce = async (): Promise<void> => {
    if (readTo === undefined) {
      const [{ position }] = await o.ds.query(`SELECT position::text FROM "${schema}".event_cursor WHERE consumer = $1`, [o.name]);
      readTo = position as string;
      applied = BigInt(position);
    }
    // A backlog (a full batch) gets progress lines: counts, rate, time left — only if it lasts over a second.
    let catchUp: { progress: Progress; from: bigint; reported: boolean } | undefined;
    try {
      for (;;) {
        if (stopped) return;
        const from: string = readTo;
        const { events, through } = await readConsumerBatch(o.ds, from, CONSUMER_BATCH, o.types);
        if (through === from) return;
        if (!catchUp && events.length === CONSUMER_BATCH) catchUp = await startCatchUp(BigInt(from));
        await applyBatch(events, through);
        readTo = through;
        catchUp?.progress.update(Number(BigInt(through) - catchUp.from));
        if (events.length < CONSUMER_BATCH) return;
      }
    } finally {
      if (catchUp?.reported) catchUp.progress.finish();
    }
  };
  const startCatchUp = async (from: bigint) => {
    const head = BigInt(await latestEventPosition(o.ds));
    const state = { from, reported: false, progress: undefined as unknown as Progress };
    state.progress = startProgress({
      label: `consumer ${o.name} catching up`,
      unit: 'events',
      total: Number(head - from),
      report: (r) => {
        state.reported = true;
        log.info({ applied: r.done, total: r.total, perSecond: Math.round(r.rate), etaSeconds: r.etaSeconds === undefined ? undefined : Math.ceil(r.etaSeconds) }, r.line);
      },
    });
    return state;
  };
  /** Applies a batch, and advances the cursor to `through` (past the events of other types read over). */
  const applyBatch = async (batch: DomainEvent[], through: string): Promise<void> => {
    if (batch.length === 0) {
      await o.ds.query(`UPDATE "${schema}".event_cursor SET position = GREATEST(position, $2), updated_at = now() WHERE consumer = $1`, [o.name, through]);
      applied = BigInt(through);
      return;
    }
    const size = Math.max(1, o.eventsPerTransaction ?? 1);
    for (let i = 0; i < batch.length; i += size) {
      if (stopped) return;
      const events = batch.slice(i, i + size);
      const last = i + size >= batch.length ? through : events[events.length - 1].id;
      await o.ds.transaction(async (m) => {
        // Instances of one service (two gateways, say) share the cursor: its row lock takes them in turn, and what
        // another already applied is not applied again, out of order (a team's older status over its newer one).
        // One statement locks, advances (undone if a handler fails) and says where the cursor stood.
        // (TypeORM answers an UPDATE … RETURNING as [rows, count].)
        const [[{ position }]] = await m.query(
          `WITH held AS (SELECT position FROM "${schema}".event_cursor WHERE consumer = $1 FOR UPDATE)
           UPDATE "${schema}".event_cursor c SET position = GREATEST(held.position, $2), updated_at = now() FROM held WHERE c.consumer = $1
           RETURNING held.position::text AS position`,
          [o.name, last],
        );
        for (const event of events) if (BigInt(event.id) > BigInt(position) && (!o.types || o.types.includes(event.type))) await o.handle(event, m);
      });
      applied = BigInt(last);
    }
  };
  const drain = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await drainOnce();
        } catch (err) {
          // The failed event's transaction rolled back, cursor included; it is retried, from the cursor, after a pause.
          if (isDatabaseUnavailable(err)) log.warn({ err: (err as Error).message }, 'database unavailable; applying events again shortly');
          else log.error({ err: (err as Error).message }, 'event handling failed; will retry');
          await new Promise((r) => setTimeout(r, 1000));
          again = !stopped;
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const unsubscribe = await o.transport.subscribe(() => void drain());
  const timer = setInterval(() => void drain(), o.pollMs ?? config.eventPollMs);
  timer.unref();
  if (o.catchUpInBackground) void drain();
  else await drain();

  return {
    async caughtUp() {
      const target = BigInt(await latestEventPosition(o.ds));
      for (;;) {
        await drain();
        if (applied >= target || stopped) return;
      }
    },
    async reached(position: bigint) {
      while (applied < position && !stopped) {
        const before = applied;
        await drain();
        // Not visible yet (or the database is away): look again shortly rather than at once.
        if (applied === before) await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      stopped = true;
      unwatch();
      clearInterval(timer);
      await unsubscribe();
      await running;
    },
  };
}
