/**
 * What it takes to run one subgraph: its own DataSource on its own schema,
 * migrations, the per-request context (the caller named by the gateway's internal
 * token, patient access, the audit collector, loaders), its event consumers, and the
 * HTTP shell. Each subgraph's `main.ts` describes itself with a `SubgraphModule`;
 * this file does the wiring the same way for all of them, so none can forget it:
 * every subgraph answers only the gateway, holds partner requests to the partner
 * contract, keeps the care-relationship projection access decisions read, and
 * writes each request's reads to the audit trail before its answer leaves.
 */
import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import type { DataSource, MigrationInterface } from 'typeorm';
import { PatientAccess } from './access';
import { acceptedOperationLabel, AUDIT_ECHO_HEADER, AuditCollector, AuditSealer, AuditWriter, migrateAuditTrail, OPERATION_HEADER } from './audit';
import { bearerToken, type Principal } from './auth';
import { CreateCareRelationships1733000000100, startRelationshipConsumer } from './care-relationships';
import { config, type SubgraphName } from './config';
import { createCallerVerifier, type Caller } from './internal-token';
import { assertPartnerSelection, partnerCoordinates } from './partner-fields';
import { createServiceDataSource, databaseReadiness, migrate, type QueryCounter } from './database';
import { createEventTransport, migrateEventLog, type EventTransport } from './events';
import { Loaders } from './federation';
import { startHttpService, type RunningHttpService } from './http';
import { graphqlLimits } from './limits';
import { acceptedRequestId, logger, type Logger } from './logger';
import { watchPool, type PoolStats } from './metrics';

/** What every resolver receives as `@Ctx()`. */
export interface SubgraphContext {
  principal: Principal;
  /** The caller as the gateway named it: principal, endpoint (clinical or partner), channel. */
  caller: Caller;
  /** Patient access decisions (shared/access.ts): every read and write of patient data asks here. */
  access: PatientAccess;
  audit: AuditCollector;
  requestId: string;
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

/** Every subgraph keeps the care-relationship projection access decisions read (shared/care-relationships.ts). */
const SHARED_MIGRATIONS = [CreateCareRelationships1733000000100];

export async function openSubgraphDatabase(m: SubgraphModule, url: string, counter?: QueryCounter): Promise<DataSource> {
  await migrateEventLog(url);
  await migrateAuditTrail(url);
  const ds = createServiceDataSource({ url, schema: m.schema, entities: m.entities, migrations: [...m.migrations, ...SHARED_MIGRATIONS], counter });
  await ds.initialize();
  await migrate(ds);
  return ds;
}

/**
 * Per request: the partner contract check once the operation is known, and the
 * audit records of its reads written before the answer leaves — if they cannot be
 * written, the request fails instead (nothing served unrecorded).
 */
function trustPlugin(schema: GraphQLSchema, db: DataSource): ApolloServerPlugin<SubgraphContext> {
  const partnerFields = partnerCoordinates(schema);
  const audit = new AuditWriter(db);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operationName }) {
          contextValue.audit.useDocument(document, operationName ?? null, schema, audit);
          if (contextValue.caller.endpoint === 'partner') assertPartnerSelection(schema, document, partnerFields);
        },
        async willSendResponse({ contextValue, response, request }) {
          if (!contextValue.audit?.pending) return;
          try {
            await contextValue.audit.flush(audit);
            // A fetch the gateway may share with another request of the same caller: it records that one's reads from these.
            if (request.http?.headers.get(AUDIT_ECHO_HEADER) === '1' && response.body.kind === 'single') {
              const result = response.body.singleResult;
              result.extensions = { ...result.extensions, hubAudit: contextValue.audit.readsWritten() };
            }
          } catch (err) {
            contextValue.log.error({ err, requestId: contextValue.requestId }, 'audit records could not be written; answer withheld');
            if (response.body.kind === 'single') {
              response.body.singleResult = {
                errors: [new GraphQLError('The audit trail is unavailable; nothing was served. Try again.', { extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } }).toJSON()],
              };
            }
          }
        },
      };
    },
  };
}

export async function startSubgraph(m: SubgraphModule, o: StartOptions): Promise<RunningSubgraph> {
  const log = logger(m.name);
  const ds = await openSubgraphDatabase(m, o.databaseUrl, o.counter);
  // TypeORM's postgres driver keeps its node-postgres pool as `master`: its use is a /metrics gauge.
  const unwatchPool = watchPool(m.name, (ds.driver as unknown as { master: PoolStats }).master);
  const schema = await m.buildSchema();
  const verify = createCallerVerifier();
  const limits = graphqlLimits('subgraph');
  const transport = createEventTransport(o.databaseUrl);
  const relationships = o.withoutWorkers ? undefined : await startRelationshipConsumer(ds, transport);
  // Every service seals the audit trail (shared/audit.ts), workers or not: records stay unsealed only while no service runs.
  const sealer = new AuditSealer(ds, (err) => log.warn({ err: (err as Error).message }, 'audit records could not be sealed; trying again')).start();
  const workers: Worker[] = [
    ...(relationships ? [relationships] : []),
    ...(o.withoutWorkers || !m.startWorkers ? [] : await m.startWorkers({ ds, transport, log })),
  ];

  const http = await startHttpService<SubgraphContext>(
    {
      name: m.name,
      log,
      // Query limits again here (shared/limits.ts), wider than the gateway's so its query plans always pass.
      apollo: { schema, ...limits, plugins: [ApolloServerPluginInlineTraceDisabled(), ...limits.plugins, trustPlugin(schema, ds)] },
      // Only the gateway can sign the caller token (shared/internal-token.ts): a user's own token is refused here.
      context: async (req) => {
        const caller = await verify(bearerToken(req.headers.authorization));
        const requestId = acceptedRequestId(req.headers['x-request-id']) ?? randomUUID();
        const audit = new AuditCollector({ requestId, service: m.name, endpoint: caller.endpoint, channel: caller.channel, principal: caller.principal, operation: acceptedOperationLabel(req.headers[OPERATION_HEADER]) });
        return {
          principal: caller.principal,
          caller,
          audit,
          access: new PatientAccess({ principal: caller.principal, db: ds, schema: m.schema, audit, caughtUp: relationships ? () => relationships.caughtUp() : undefined }),
          requestId,
          db: ds,
          loaders: new Loaders(),
          log: log.child({ requestId }),
          source: m.name,
        };
      },
      ready: () => databaseReadiness(ds),
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
      await Promise.all([sealer, ...workers].map((w) => w.stop()));
      unwatchPool();
      await ds.destroy();
    },
  };
}
