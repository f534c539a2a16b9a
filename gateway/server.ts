/**
 * The gateway: @apollo/gateway inside Apollo Server 5 at `/graphql`, on the
 * supergraph the project composes itself. It verifies the caller's bearer token and
 * forwards the caller to the subgraphs as an internal token only it can sign
 * (gateway/subgraph-fetch.ts), with a request id it assigns (or accepts from
 * `x-request-id`) and returns in the response header. The same URL accepts
 * graphql-ws connections for live subscriptions (gateway/live). Both endpoints are
 * behind the same front door (shared/limits.ts): a per-principal rate limit, a
 * request deadline that aborts the request's subgraph fetches, and the query limits
 * checked before a query is planned.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import type { QueryPlan } from '@apollo/query-planner';
import type { DocumentNode } from 'graphql';
import type express from 'express';
import { Pool } from 'pg';
import { bearerToken, createTokenVerifier, hasRole, Role, type Principal } from '../shared/auth';
import { config, SUBGRAPH_NAMES, subgraphUrlVariable, type SubgraphName } from '../shared/config';
import { AuditSealer, AuditWriter, migrateAuditTrail } from '../shared/audit';
import { createWatchedPool, resolveDatabaseUrl } from '../shared/database';
import { forbidden } from '../shared/errors';
import { createInternalTokenSigner, type Endpoint } from '../shared/internal-token';
import { latestEventPosition, PgNotifyTransport, type EventTransport } from '../shared/events';
import { RedisStreamTransport } from '../shared/events-redis';
import { startHttpService, type RunningHttpService } from '../shared/http';
import { deadlinePlugin, graphqlLimits, RateLimiter, rateLimit, requestDeadline } from '../shared/limits';
import { acceptedRequestId, logger } from '../shared/logger';
import { gatewayCacheEvictions, gatewayCacheLookups, watchCache, watchLive, watchPool } from '../shared/metrics';
import { LiveExecutor } from './live/executor';
import { EventFeed } from './live/feed';
import { SubscriptionManager } from './live/subscriptions';
import { LiveRelationships } from './live/relationships';
import { attachLiveEndpoints, type LiveServer } from './live/ws';
import { corsAllowlist, mountDevSignIn, serveConsole } from './console';
import { mountPartnerEndpoint, PARTNER_PATH, refuseOnPartnerEndpoint, type PartnerEndpoint } from './partner-contract';
import { SubgraphDataSource } from './subgraph-fetch';

export interface GatewayContext {
  principal: Principal;
  authorization: string;
  requestId: string;
  endpoint: Endpoint;
}

/** The request id: the caller's `x-request-id` when it is a sane token, else a new one; echoed in the response. */
export function requestIdOf(req: express.Request): string {
  const id = acceptedRequestId(req.headers['x-request-id']) ?? randomUUID();
  req.res?.setHeader('x-request-id', id);
  return id;
}

/**
 * A cache Apollo is handed (the query-plan cache, the document store): LRU by entries,
 * at most `maxEntries` (GATEWAY_QUERY_PLAN_CACHE_ENTRIES, GATEWAY_DOCUMENT_CACHE_ENTRIES;
 * 0 keeps nothing), counting hits, misses and evictions for /metrics. Apollo's own
 * default is an LRU bounded by approximate bytes (30 MiB each), which can be neither
 * read nor sized in entries. Bounded by entries, a cache of huge operations could hold
 * more bytes: the query limits (shared/limits.ts) bound each operation's size first.
 */
export class CountedLruCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly name: 'query_plan' | 'document', readonly maxEntries: number) {}
  get size(): number { return this.map.size; }
  async get(key: string): Promise<V | undefined> {
    const v = this.map.get(key);
    gatewayCacheLookups.inc({ cache: this.name, result: v === undefined ? 'miss' : 'hit' });
    if (v !== undefined) {
      // Most recently used last: Map iteration order is insertion order.
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  async set(key: string, value: V): Promise<void> {
    if (this.maxEntries === 0) return;
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.maxEntries) {
      this.map.delete(this.map.keys().next().value as string);
      gatewayCacheEvictions.inc({ cache: this.name });
    }
  }
  async delete(key: string): Promise<boolean> { return this.map.delete(key); }
  /** The gateway clears its plans when the supergraph changes. */
  clear(): void { this.map.clear(); }
}

/** Subgraph URLs recorded in a supergraph (`@join__graph(name:, url:)`), for readiness checks. */
function subgraphUrlsOf(supergraphSdl: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of supergraphSdl.matchAll(/@join__graph\(name:\s*"([^"]+)",\s*url:\s*"([^"]*)"\)/g)) out[m[1]] = m[2];
  return out;
}

export interface GatewayOptions {
  supergraphSdl?: string;
  /** Overrides the URLs recorded in the supergraph (PATIENTS_URL, ... by default). */
  subgraphUrls?: Partial<Record<SubgraphName, string>>;
  port?: number;
  host?: string;
  /** Where the event log is (live subscriptions); DATABASE_URL or the embedded database by default. */
  databaseUrl?: string;
  /** Redis event transport; REDIS_URL by default, null for PostgreSQL LISTEN/NOTIFY. */
  redisUrl?: string | null;
}

export interface RunningGateway extends RunningHttpService {
  gateway: ApolloGateway;
  subscriptions(): SubscriptionManager;
  feed: EventFeed;
  transport: 'postgres' | 'redis';
  /** Serves a new supergraph; live subscriptions end with reason SCHEMA_CHANGED. */
  reloadSupergraph(sdl: string): void;
}

/** The supergraph from SUPERGRAPH_PATH (default: the composed ./supergraph.graphql). */
export function readSupergraph(): string {
  const file = config.supergraphPath;
  if (!fs.existsSync(file)) throw new Error(`No supergraph at ${file}: run \`npm run build\` (or set SUPERGRAPH_PATH)`);
  return fs.readFileSync(file, 'utf8');
}

/** Subgraph URLs from the environment, where set (docker-compose sets them). */
function urlsFromEnvironment(): Partial<Record<SubgraphName, string>> {
  return Object.fromEntries(
    SUBGRAPH_NAMES.filter((n) => process.env[subgraphUrlVariable(n)]).map((n) => [n, config.subgraphUrl(n)]),
  );
}

/** Clinical apps use /graphql; partner organizations their own scoped endpoint. A token carrying
 *  partner_staff at all is a partner token (mixing sides would blur who acts). */
export function refuseOnClinicalEndpoint(p: Principal): string | null {
  return hasRole(p, Role.PARTNER_STAFF) ? 'partner tokens are accepted only on /partner/graphql' : null;
}


export async function startGateway(o: GatewayOptions = {}): Promise<RunningGateway> {
  const log = logger('gateway');
  const urls = { ...urlsFromEnvironment(), ...o.subgraphUrls };
  const verify = createTokenVerifier();
  const sign = createInternalTokenSigner();
  // Identical in-flight queries of one caller share one subgraph fetch; each follower's read is audited here (gateway/subgraph-fetch.ts).
  const dedup = config.gatewayDedup === 'on';
  const dataSourceFor = (endpoint: Endpoint) => (name: string, url: string) =>
    new SubgraphDataSource({ name, url: urls[name as SubgraphName] ?? url, endpoint, sign, verify, dedup: dedup ? { audit: deliveryAudit } : undefined });
  // The clinical endpoint's query plans and parsed documents (the partner endpoint keeps Apollo's defaults).
  const planCache = new CountedLruCache<QueryPlan>('query_plan', config.gatewayQueryPlanCacheEntries);
  const documentStore = new CountedLruCache<DocumentNode>('document', config.gatewayDocumentCacheEntries);
  const dataSource = dataSourceFor('clinical');
  const partnerDataSource = dataSourceFor('partner');

  // Live subscriptions read the shared event log: one feed for the whole instance.
  const databaseUrl = o.databaseUrl ?? (await resolveDatabaseUrl());
  // Watched: a dropped connection (restart, failover, a test dropping its database) is logged and counted, never fatal.
  const { pool, health: poolHealth } = createWatchedPool({ name: 'gateway', connectionString: databaseUrl, max: 5, application_name: 'care-team-hub:gateway' });
  const redisUrl = o.redisUrl === undefined ? config.redisUrl : (o.redisUrl ?? undefined);
  const transport: EventTransport = redisUrl ? new RedisStreamTransport(redisUrl, databaseUrl) : new PgNotifyTransport(databaseUrl);
  const feed = new EventFeed(pool, transport);
  // Live deliveries are recorded here, per subscriber, before they are sent (shared/audit.ts).
  const deliveryAudit = new AuditWriter(pool, () => migrateAuditTrail(databaseUrl));
  // The gateway seals too: its database may hold no subgraph's (shared/audit.ts). Until its first delivery creates the trail there is nothing to seal.
  const sealer = new AuditSealer(pool, (err) => {
    if (!['3F000', '42P01', '42883'].includes((err as { code?: string }).code ?? '')) log.warn({ err: (err as Error).message }, 'audit records could not be sealed; trying again');
  }).start();
  await feed.start();
  // Care-team questions of live deliveries are answered here, from the gateway's own copy of the care relationships.
  const relationships = new LiveRelationships(databaseUrl, feed);

  let executor: LiveExecutor | undefined;
  let manager: SubscriptionManager | undefined;
  let pushSupergraph: ((sdl: string) => void) | undefined;
  const fromFile = !o.supergraphSdl;
  const initialSdl = o.supergraphSdl ?? readSupergraph();

  const gateway = new ApolloGateway({
    supergraphSdl: async ({ update }) => {
      pushSupergraph = update;
      // Started from a file: serve a recomposed supergraph as soon as the file changes.
      const watched = fromFile ? config.supergraphPath : undefined;
      if (watched) {
        fs.watchFile(watched, { interval: 1000 }, () => {
          const next = fs.existsSync(watched) ? fs.readFileSync(watched, 'utf8') : '';
          if (next && next !== executor?.supergraphSdl) update(next);
        });
      }
      return { supergraphSdl: initialSdl, cleanup: async () => { if (watched) fs.unwatchFile(watched); } };
    },
    buildService: ({ name, url }) => dataSource(name, url!),
    queryPlannerConfig: { cache: planCache },
    logger: log,
  });
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    executor = new LiveExecutor(coreSupergraphSdl, dataSource);
    if (manager) manager.replaceExecutor(executor);
    else manager = new SubscriptionManager(executor, feed, pool, config.subscriptionRetentionDays, { audit: { writer: deliveryAudit, endpoint: 'clinical' }, relationships });
  });

  const limits = graphqlLimits('gateway');
  // One bucket per principal across both endpoints; a token that does not verify is answered by the endpoint.
  const limiter = new RateLimiter();
  // A missing or bad token is not the limiter's to answer (bearerToken throws at once): the endpoint says UNAUTHENTICATED.
  const subjectOf = (authorization: string | undefined) => Promise.resolve().then(() => verify(bearerToken(authorization))).then((p) => p.sub, () => null);
  const frontDoor = [requestDeadline(), rateLimit(limiter, subjectOf)];
  let live: LiveServer | undefined;
  let partner: PartnerEndpoint | undefined;
  let partnerExecutor: LiveExecutor | undefined;
  let partnerManager: SubscriptionManager | undefined;
  // Read when /metrics is scraped (shared/metrics.ts).
  const unwatch = [
    watchPool('gateway', pool),
    watchCache('query_plan', { entries: () => planCache.size, maxEntries: planCache.maxEntries }),
    watchCache('document', { entries: () => documentStore.size, maxEntries: documentStore.maxEntries }),
    watchLive({
      connections: () => live?.connections() ?? 0,
      subscriptions: () => (manager?.subscriberCount ?? 0) + (partnerManager?.subscriberCount ?? 0),
      feedLag: async () => Math.max(0, Number(BigInt(await latestEventPosition(pool)) - feed.head)),
    }),
  ];
  const http = await startHttpService<GatewayContext>(
    {
      name: 'gateway',
      log,
      apollo: { gateway, documentStore, ...limits, plugins: [...limits.plugins, deadlinePlugin()] },
      context: async (req) => {
        const token = bearerToken(req.headers.authorization);
        const principal = await verify(token);
        const refusal = refuseOnClinicalEndpoint(principal);
        if (refusal) throw forbidden(`This endpoint serves clinical apps: ${refusal}`, { http: { status: 403 } });
        return { principal, authorization: `Bearer ${token}`, requestId: requestIdOf(req), endpoint: 'clinical' as const };
      },
      // Ready when the event log and every subgraph answer; the checks say which one does not.
      ready: async () => {
        const checks: Record<string, string> = {};
        checks.eventLog = (await poolHealth.check(() => pool.query('SELECT 1'))).ready ? 'ok' : 'unreachable';
        const sdl = executor?.supergraphSdl ?? initialSdl;
        await Promise.all(Object.entries({ ...subgraphUrlsOf(sdl), ...urls }).map(async ([name, url]) => {
          if (!url || name === 'live') return;
          const readyUrl = url.replace(/\/graphql\/?$/, '/ready');
          // Only a 5xx is "not ready": a subgraph from another supergraph may have no /ready at all (404, 400), yet it answers.
          checks[name] = await fetch(readyUrl, { signal: AbortSignal.timeout(2000) }).then((r) => (r.status < 500 ? 'ok' : `not ready (${r.status})`), () => 'unreachable');
        }));
        const ready = Object.values(checks).every((c) => c === 'ok');
        // Subscriptions only: 'ok', or what the feed still waits for. Queries are served meanwhile, so it does not gate readiness.
        checks.eventFeed = feed.status();
        return { ready, checks };
      },
      health: () => ({ transport: redisUrl ? 'redis' : 'postgres', subscriptions: (manager?.subscriberCount ?? 0) + (partnerManager?.subscriberCount ?? 0), connections: live?.connections() ?? 0, eventPosition: feed.head.toString() }),
      mount: async (app, httpServer) => {
        // Browser apps (gateway/console.ts): CORS_ORIGINS before the front door, so a preflight costs no rate-limit token.
        app.use(['/graphql', PARTNER_PATH], corsAllowlist());
        mountDevSignIn(app, log);
        app.use('/graphql', ...frontDoor);
        app.use(PARTNER_PATH, ...frontDoor);
        // /partner/graphql: the partner contract of the same supergraph (gateway/partner-contract.ts).
        // Undefined when the supergraph has no partner contract (one not composed here): that path then answers NO_PARTNER_CONTRACT.
        partner = await mountPartnerEndpoint(app, { supergraphSdl: initialSdl, gateway, buildService: ({ name, url }) => partnerDataSource(name, url!), verify, log });
        const contract = partner;
        if (contract) {
          // Partner subscriptions are planned on the contract supergraph, so they reach only what the contract holds.
          partnerExecutor = new LiveExecutor(contract.contractSdl(), partnerDataSource);
          partnerManager = new SubscriptionManager(partnerExecutor, feed, pool, config.subscriptionRetentionDays, { audit: { writer: deliveryAudit, endpoint: 'partner' }, relationships });
          contract.gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
            if (coreSupergraphSdl === partnerExecutor!.supergraphSdl) return;
            partnerExecutor = new LiveExecutor(coreSupergraphSdl, partnerDataSource);
            partnerManager!.replaceExecutor(partnerExecutor);
          });
        }
        // A subscription while the feed is not up yet (database unreachable at start) answers a retryable SERVICE_UNAVAILABLE.
        const liveManager = (m: () => SubscriptionManager) => () => {
          feed.assertLive();
          return m();
        };
        live = attachLiveEndpoints(
          httpServer,
          [
            { path: '/graphql', schema: () => executor!.apiGraphQLSchema, executor: () => executor!, manager: liveManager(() => manager!), refuse: refuseOnClinicalEndpoint },
            ...(contract ? [{ path: PARTNER_PATH, schema: () => contract.apiSchema(), executor: () => partnerExecutor!, manager: liveManager(() => partnerManager!), refuse: refuseOnPartnerEndpoint }] : []),
          ],
          verify,
          config.subscriptionQueueLimit,
          log,
        );
        // The care team console at / (dist/console); /graphql, /partner/graphql, /health, /ready, /metrics keep their answers.
        serveConsole(app, log);
      },
    },
    { host: o.host ?? config.host, port: o.port ?? config.port('gateway') },
  );

  return {
    ...http,
    gateway,
    feed,
    transport: redisUrl ? 'redis' : 'postgres',
    subscriptions: () => manager!,
    reloadSupergraph: (sdl) => pushSupergraph?.(sdl),
    stop: async () => {
      manager?.close(); // each subscriber gets a last message saying why, and its cursor
      partnerManager?.close();
      await new Promise((r) => setTimeout(r, 50));
      await live?.close();
      await http.stop();
      await partner?.stop();
      await feed.stop();
      await relationships.stop();
      await sealer.stop();
      for (const u of unwatch) u();
      await pool.end();
    },
  };
}
