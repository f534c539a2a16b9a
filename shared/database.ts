/**
 * PostgreSQL access for every service: where the database is (DATABASE_URL, or the
 * embedded one), one TypeORM DataSource per service bound to its own schema, and
 * migrations (never `synchronize`) run under an advisory lock so services that
 * start together do not race.
 *
 * It is also where a service survives its database. Every pool connection has an
 * error listener from the moment it exists (a session terminated by a failover or a
 * pooler restart must never become an unhandled 'error' event that kills the
 * process), every statement has a timeout (DB_STATEMENT_TIMEOUT_MS), and each pool
 * keeps a `DatabaseHealth` record of lost connections that `GET /ready` reports.
 * `databaseFailure` tells a connection or timeout failure from a bug, so that the
 * HTTP shell can answer a clear, retryable SERVICE_UNAVAILABLE instead of INTERNAL.
 */
import path from 'node:path';
import pg, { Client, type Pool, type PoolConfig } from 'pg';
import { DataSource, MigrationExecutor, type Logger as TypeOrmLogger, type MixedList, type EntitySchema } from 'typeorm';
import { config } from './config';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres';
import { rootLogger, type Logger } from './logger';

let embedded: Promise<EmbeddedDatabase> | undefined;

/** DATABASE_URL when set; otherwise start (once per process) the embedded PostgreSQL. */
export async function resolveDatabaseUrl(onLog?: (m: string) => void): Promise<string> {
  if (config.databaseUrl) return config.databaseUrl;
  embedded ??= startEmbeddedPostgres({
    dir: path.join(config.dataDir, 'postgres'),
    port: config.embeddedPostgresPort,
    onLog,
  });
  const db = await embedded;
  if (db.tookOver) {
    rootLogger.warn(db.tookOver, 'the embedded PostgreSQL outlived the process that started it (killed with SIGKILL?): this process took it over and stops it');
    db.tookOver = undefined;
  }
  return db.url;
}

export async function stopEmbeddedPostgres(): Promise<void> {
  if (!embedded) return;
  const db = await embedded;
  embedded = undefined;
  await db.stop();
}

/** Counts the SQL statements a DataSource sends: how tests prove batching. */
export class QueryCounter implements TypeOrmLogger {
  count = 0;
  logQuery(): void { this.count += 1; }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

// --- What a database failure means to a client ----------------------------------------

/** SQLSTATEs of a lost or refused session: connection exception (08…), admin/crash shutdown,
 *  cannot connect now (57P01–57P03), too many connections (53300), idle-in-transaction timeout (25P03). */
const CONNECTION_SQLSTATE = /^(08...|57P0[123]|53300|25P03)$/;
/** What pg, pg-pool and TypeORM say, without a SQLSTATE, when a session went away under them. */
const CONNECTION_MESSAGE = /Connection terminated|not queryable|timeout exceeded when trying to connect|Cannot use a pool after calling end|Client was closed/i;
const CONNECTION_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/** TypeORM's query runner releases its connection when the session dies; later queries of the same transaction fail with these. */
const RELEASED_RUNNER = new Set(['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError']);

export type DatabaseFailureReason = 'DATABASE_UNAVAILABLE' | 'STATEMENT_TIMEOUT';

export interface DatabaseFailure {
  reason: DatabaseFailureReason;
  /** Safe to show a client: no SQL, no host names. */
  message: string;
  /** The SQLSTATE or errno behind it, for logs. */
  cause?: string;
}

/** Walks an error and what it wraps (GraphQL originalError, TypeORM driverError, cause). */
function* errorChain(err: unknown): Generator<Record<string, unknown>> {
  let current = err;
  for (let depth = 0; depth < 6 && current && typeof current === 'object'; depth++) {
    const e = current as Record<string, unknown>;
    yield e;
    current = e.originalError ?? e.driverError ?? e.cause;
  }
}

/**
 * A lost, refused or timed-out database session, or null for anything else (a bug, a
 * constraint): the difference between "retry shortly" and "internal error".
 */
export function databaseFailure(err: unknown): DatabaseFailure | null {
  for (const e of errorChain(err)) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    const message = typeof e.message === 'string' ? e.message : '';
    const name = typeof e.name === 'string' ? e.name : (e as object).constructor?.name;
    if (code === '57014' && /statement timeout/i.test(message)) {
      return {
        reason: 'STATEMENT_TIMEOUT',
        message: `The database did not answer within ${config.dbStatementTimeoutMs} ms; try again, or ask for less at once`,
        cause: code,
      };
    }
    if ((code && (CONNECTION_SQLSTATE.test(code) || CONNECTION_ERRNO.has(code))) || CONNECTION_MESSAGE.test(message) || (name && RELEASED_RUNNER.has(name))) {
      return { reason: 'DATABASE_UNAVAILABLE', message: 'The database is unavailable right now; try again shortly', cause: code ?? name };
    }
  }
  return null;
}

export const isDatabaseUnavailable = (err: unknown): boolean => databaseFailure(err) !== null;

// --- Connection health ----------------------------------------------------------------

/** How long after a lost connection a service still reports not ready: a burst of
 *  terminations (failover, pooler restart) is one outage, not many short ones. */
const SETTLE_MS = 1_000;
/** Longest a readiness probe may take before it counts as "cannot reach the database". */
const PROBE_TIMEOUT_MS = 2_000;

export interface DatabaseReadiness {
  ready: boolean;
  checks: { database: Record<string, unknown> };
}

/**
 * What one pool knows about its connections. `watch` gives every connection an error
 * listener at birth: pg-pool removes its idle listener when it hands a new client out,
 * and a FATAL (57P01) arriving in the same network read as the handshake reaches the
 * client before TypeORM attaches its own: with no listener, an unhandled 'error' event.
 */
export class DatabaseHealth {
  private lostAt = 0;
  private lastError: string | undefined;
  private lostSinceReady = 0;
  private pool: Pool | undefined;

  constructor(private readonly log: Logger) {}

  watch(pool: Pool): Pool {
    this.pool = pool;
    pool.on('connect', (client) => client.on('error', (err) => this.lost(err)));
    // pg-pool re-emits an idle client's error on the pool; the client's own listener has recorded it.
    pool.on('error', () => undefined);
    return pool;
  }

  lost(err: Error): void {
    // One warning per outage; the rest of a burst is counted and reported on recovery.
    if (this.lostSinceReady === 0) this.log.warn({ err: err.message, code: (err as { code?: string }).code }, 'database connection lost; new connections are opened on demand');
    this.lostSinceReady += 1;
    this.lostAt = Date.now();
    this.lastError = err.message;
  }

  /** Ready when `probe` (a `SELECT 1` through the pool) answers and no connection was lost in the last second. */
  async check(probe: () => Promise<unknown>): Promise<DatabaseReadiness> {
    let timer: NodeJS.Timeout | undefined;
    const reachable = await Promise.race([
      probe().then(() => true, (err: Error) => {
        this.lastError = err.message;
        return false;
      }),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS))),
    ]).finally(() => clearTimeout(timer));
    const settling = Date.now() - this.lostAt < SETTLE_MS;
    const ready = reachable && !settling;
    if (ready && this.lostSinceReady > 0) {
      this.log.info({ lostConnections: this.lostSinceReady }, 'database reachable again');
      this.lostSinceReady = 0;
    }
    const database: Record<string, unknown> = { status: ready ? 'ok' : reachable ? 'recovering' : 'unreachable' };
    if (this.lostAt) database.lastLostAt = new Date(this.lostAt).toISOString();
    if (!ready && this.lastError) database.lastError = this.lastError;
    if (this.pool) database.pool = { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
    return { ready, checks: { database } };
  }
}

/** pg options every service pool shares: bounded statements and connection waits, TCP keep-alive (a peer gone without a FIN). */
export function poolOptions(): PoolConfig {
  return {
    statement_timeout: config.dbStatementTimeoutMs,
    connectionTimeoutMillis: config.dbConnectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/** A pg.Pool outside TypeORM (the gateway's event-log pool) with the same options and health record. */
export function createWatchedPool(o: PoolConfig & { name: string }): { pool: Pool; health: DatabaseHealth } {
  const { name, ...options } = o;
  const health = new DatabaseHealth(rootLogger.child({ component: 'database', pool: name }));
  const pool = health.watch(new pg.Pool({ ...poolOptions(), application_name: `care-team-hub:${name}`, ...options }));
  return { pool, health };
}

const healthByDataSource = new WeakMap<DataSource, DatabaseHealth>();

// --- Service DataSources ----------------------------------------------------------------

export interface ServiceDatabaseOptions {
  url: string;
  /** The PostgreSQL schema this service owns. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  poolSize?: number;
  counter?: QueryCounter;
}

export function createServiceDataSource(o: ServiceDatabaseOptions): DataSource {
  const health = new DatabaseHealth(rootLogger.child({ component: 'database', schema: o.schema }));
  // TypeORM builds its pool from `driver.Pool`: a pg whose Pool is watched from birth.
  class WatchedPool extends pg.Pool {
    constructor(options?: PoolConfig) {
      super(options);
      health.watch(this);
    }
  }
  const driver = Object.create(pg, { Pool: { value: WatchedPool } }) as typeof pg;
  const ds = new DataSource({
    type: 'postgres',
    driver,
    url: o.url,
    schema: o.schema,
    entities: o.entities,
    migrations: o.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    poolSize: o.poolSize ?? config.dbPoolSize,
    logging: o.counter ? ['query'] : false,
    logger: o.counter,
    // The health record has the error already; TypeORM's default handler would log it a second time.
    poolErrorHandler: () => undefined,
    extra: { ...poolOptions(), application_name: `care-team-hub:${o.schema}` },
  });
  healthByDataSource.set(ds, health);
  return ds;
}

/** Creates the service's schema if needed and applies pending migrations, one process at a time. */
export async function migrate(ds: DataSource): Promise<void> {
  const { schema, url } = ds.options as { schema: string; url: string };
  // The lock lives on its own connection so the DataSource's pool stays free for the migrations.
  const lock = new Client({ connectionString: url, application_name: `care-team-hub:migrate:${schema}` });
  // Lost mid-migration, the session's error rejects the query in flight; this only keeps it from being unhandled.
  lock.on('error', (err) => rootLogger.warn({ err: err.message, schema }, 'migration lock connection lost'));
  await lock.connect();
  const runner = ds.createQueryRunner();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`migrate:${schema}`]);
    await lock.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    // A migration may legitimately outlast the request statement timeout (an index on a big table).
    await runner.query('SET statement_timeout = 0');
    const executor = new MigrationExecutor(ds, runner);
    executor.transaction = 'each';
    await executor.executePendingMigrations();
  } finally {
    await runner.query('RESET statement_timeout').catch(() => undefined);
    await runner.release();
    await lock.end().catch(() => undefined); // ending the session releases the lock
  }
}

/** Whether the service can use its database, with the details `GET /ready` shows. */
export async function databaseReadiness(ds: DataSource): Promise<DatabaseReadiness> {
  const health = healthByDataSource.get(ds) ?? new DatabaseHealth(rootLogger);
  if (!ds.isInitialized) return { ready: false, checks: { database: { status: 'closed' } } };
  return health.check(() => ds.query('SELECT 1'));
}

/**
 * Waits until the database accepts a session (a service started before its database,
 * or during a failover), logging each failed attempt; rejects only when `signal` aborts.
 */
export async function waitForDatabase(url: string, o: { log: Logger; signal?: AbortSignal }): Promise<void> {
  for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 5_000)) {
    o.signal?.throwIfAborted();
    const client = new Client({ connectionString: url, connectionTimeoutMillis: config.dbConnectTimeoutMs, application_name: 'care-team-hub:wait' });
    client.on('error', () => undefined); // the failed connect() or query() reports it
    try {
      await client.connect();
      await client.query('SELECT 1');
      if (attempt > 1) o.log.info({ attempts: attempt }, 'database reachable');
      return;
    } catch (err) {
      o.log.warn({ err: (err as Error).message, attempt, retryInMs: delay }, 'database not reachable yet; retrying');
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      o.signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }
}

/** Rows from a TypeORM DataSource (an array) or a pg pool or client (`{ rows }`). */
export function rowsOf<T>(res: unknown): T[] {
  return Array.isArray(res) ? res : (res as { rows: T[] }).rows;
}
