/**
 * What it takes to run one subgraph: its own DataSource on its own schema,
 * migrations, the per-request context (verified principal, loaders), its event
 * consumers, and the HTTP shell. Each subgraph's `main.ts` describes itself with a
 * `SubgraphModule`; this file does the wiring the same way for all of them.
 */
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { DataSource, MigrationInterface } from 'typeorm';
import { bearerToken, createTokenVerifier, type Principal } from './auth';
import { config, type SubgraphName } from './config';
import { createServiceDataSource, isDatabaseReachable, migrate, type QueryCounter } from './database';
import { createEventTransport, migrateEventLog, type EventTransport } from './events';
import { Loaders } from './federation';
import { startHttpService, type RunningHttpService } from './http';
import { logger, type Logger } from './logger';

/** What every resolver receives as `@Ctx()`. */
export interface SubgraphContext {
  principal: Principal;
  db: DataSource;
  loaders: Loaders;
  log: Logger;
  /** The service name, as recorded in events it emits. */
  source: SubgraphName;
}

export interface Worker {
  stop(): Promise<void>;
  /** For event consumers: resolves once every event committed before the call is applied. */
  caughtUp?(): Promise<void>;
}

export interface WorkerDeps {
  ds: DataSource;
  transport: EventTransport;
  log: Logger;
}

export interface SubgraphModule {
  name: SubgraphName;
  /** The PostgreSQL schema the subgraph owns. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: Function[];
  migrations: (new () => MigrationInterface)[];
  buildSchema(): Promise<GraphQLSchema>;
  /** Background work, typically event consumers that update this subgraph's tables. */
  startWorkers?(deps: WorkerDeps): Promise<Worker[]>;
  /** Writes this subgraph's part of one batch of the demo population (and its events). */
  seed?(ds: DataSource, batch: SeedBatch): Promise<void>;
}

/** One batch of the deterministic demo population (scripts/seed/population.ts). */
export interface SeedBatch {
  patients: import('../scripts/seed/population').DemoPatient[];
  /** True for the first batch: write directories (partners, practitioners) once. */
  first: boolean;
}

export interface RunningSubgraph extends RunningHttpService {
  name: SubgraphName;
  ds: DataSource;
  workers: Worker[];
}

export interface StartOptions {
  databaseUrl: string;
  port?: number;
  host?: string;
  counter?: QueryCounter;
  /** Skip background workers (used by seeding and migration scripts). */
  withoutWorkers?: boolean;
}

export async function openSubgraphDatabase(m: SubgraphModule, url: string, counter?: QueryCounter): Promise<DataSource> {
  await migrateEventLog(url);
  const ds = createServiceDataSource({ url, schema: m.schema, entities: m.entities, migrations: m.migrations, counter });
  await ds.initialize();
  await migrate(ds);
  return ds;
}

export async function startSubgraph(m: SubgraphModule, o: StartOptions): Promise<RunningSubgraph> {
  const log = logger(m.name);
  const ds = await openSubgraphDatabase(m, o.databaseUrl, o.counter);
  const schema = await m.buildSchema();
  const verify = createTokenVerifier();
  const workers = o.withoutWorkers || !m.startWorkers
    ? []
    : await m.startWorkers({ ds, transport: createEventTransport(o.databaseUrl), log });

  const http = await startHttpService<SubgraphContext>(
    {
      name: m.name,
      log,
      apollo: { schema, plugins: [ApolloServerPluginInlineTraceDisabled()] },
      // The gateway forwards the caller's token; subgraphs verify it again.
      context: async (req) => ({
        principal: await verify(bearerToken(req.headers.authorization)),
        db: ds,
        loaders: new Loaders(),
        log,
        source: m.name,
      }),
      ready: () => isDatabaseReachable(ds),
    },
    { host: o.host ?? config.host, port: o.port ?? config.port(m.name) },
  );
  return {
    ...http,
    name: m.name,
    ds,
    workers,
    stop: async () => {
      await http.stop();
      await Promise.all(workers.map((w) => w.stop()));
      await ds.destroy();
    },
  };
}
