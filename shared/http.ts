/**
 * The HTTP shell every service shares: Apollo Server 5 on express, `GET /health`
 * (alive) and `GET /ready` (dependencies reachable), error masking, and a graceful
 * stop that drains in-flight requests.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger';

const CLIENT_CODES = new Set([
  'BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT',
  'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE',
]);

/** Keeps errors a client can act on; hides everything else behind a generic message (logged here). */
export function maskErrors(log: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && CLIENT_CODES.has(code)) {
      const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    log.error({ err: error instanceof Error ? (error as Error & { originalError?: Error }).originalError ?? error : error, path: formatted.path }, 'internal error');
    return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

export interface HttpServiceOptions<C extends BaseContext> {
  name: string;
  log: Logger;
  apollo: Omit<ConstructorParameters<typeof ApolloServer<C>>[0], 'plugins' | 'formatError'> & { plugins?: ApolloServerPlugin<C>[] };
  context: (req: express.Request) => Promise<C>;
  ready: () => Promise<boolean>;
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
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ...(o.apollo.plugins ?? [])],
  } as ConstructorParameters<typeof ApolloServer<C>>[0]);
  await server.start();

  app.get('/health', (_req, res) => void res.json({ status: 'ok', service: o.name, ...o.health?.() }));
  app.get('/ready', (_req, res) => {
    void o.ready().then((ok) => res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'unavailable', service: o.name }));
  });
  if (o.mount) await o.mount(app, httpServer);
  app.use('/graphql', express.json({ limit: '1mb' }), expressMiddleware(server, { context: ({ req }) => o.context(req) }));

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
      await server.stop(); // drains HTTP: stops accepting, waits for in-flight requests
    },
  };
}

/** Stops cleanly on SIGTERM / SIGINT (docker stop, Ctrl-C); a second signal forces exit. */
export function stopOnSignals(stop: () => Promise<void>, log: Logger): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    stop().then(() => process.exit(0), (err) => {
      log.error({ err }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
