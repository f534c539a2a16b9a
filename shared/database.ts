/**
 * PostgreSQL access for every service: where the database is (DATABASE_URL, or the
 * embedded one), one TypeORM DataSource per service bound to its own schema, and
 * migrations (never `synchronize`) run under an advisory lock so services that
 * start together do not race.
 */
import path from 'node:path';
import { Client } from 'pg';
import { DataSource, type Logger as TypeOrmLogger, type MixedList, type EntitySchema } from 'typeorm';
import { config } from './config';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres';

let embedded: Promise<EmbeddedDatabase> | undefined;

/** DATABASE_URL when set; otherwise start (once per process) the embedded PostgreSQL. */
export async function resolveDatabaseUrl(onLog?: (m: string) => void): Promise<string> {
  if (config.databaseUrl) return config.databaseUrl;
  embedded ??= startEmbeddedPostgres({
    dir: path.join(config.dataDir, 'postgres'),
    port: config.embeddedPostgresPort,
    onLog,
  });
  return (await embedded).url;
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
  return new DataSource({
    type: 'postgres',
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
    extra: { application_name: `care-team-hub:${o.schema}` },
  });
}

/** Creates the service's schema if needed and applies pending migrations, one process at a time. */
export async function migrate(ds: DataSource): Promise<void> {
  const { schema, url } = ds.options as { schema: string; url: string };
  // The lock lives on its own connection so the DataSource's pool stays free for the migrations.
  const lock = new Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [`migrate:${schema}`]);
    await lock.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await ds.runMigrations({ transaction: 'each' });
  } finally {
    await lock.end(); // ending the session releases the lock
  }
}

/** True when the database answers; what `GET /ready` reports. */
export async function isDatabaseReachable(ds: DataSource): Promise<boolean> {
  try {
    await ds.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
