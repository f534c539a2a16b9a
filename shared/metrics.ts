/**
 * Prometheus metrics (prom-client) for every service, served at `GET /metrics` by the
 * HTTP shell (shared/http.ts). One registry per process: a service run on its own
 * (docker-compose) exposes its own series; `npm start` runs all five in one process,
 * so each of its endpoints shows the same registry and every series names its
 * `service`, pool or consumer — scrape one of them (README, "Observability").
 *
 * Label values are bounded: an operation is its GraphQL operation name when it is a
 * plain identifier, `anonymous` without one, and `other` once MAX_OPERATIONS distinct
 * names have been seen; an outcome is `ok` or `error`. Gauges that describe state
 * (pools, live connections, lag) are read when scraped, not kept up to date per event.
 */
import client from 'prom-client';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'hub_process_' });

/** Distinct operation names tracked per service before the rest count as `other`. */
const MAX_OPERATIONS = 200;
const seenOperations = new Map<string, Set<string>>();

/** The bounded `operation` label for a request's operation name. */
export function operationLabel(service: string, name: string | null | undefined): string {
  if (!name) return 'anonymous';
  if (!/^[A-Za-z_]\w{0,63}$/.test(name)) return 'other';
  let seen = seenOperations.get(service);
  if (!seen) seenOperations.set(service, (seen = new Set()));
  if (seen.has(name)) return name;
  if (seen.size >= MAX_OPERATIONS) return 'other';
  seen.add(name);
  return name;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const graphqlRequests = new client.Counter({
  name: 'hub_graphql_requests_total',
  help: 'GraphQL requests answered, by service, operation name and outcome (ok | error).',
  labelNames: ['service', 'operation', 'outcome'] as const,
  registers: [registry],
});

export const graphqlRequestDuration = new client.Histogram({
  name: 'hub_graphql_request_duration_seconds',
  help: 'Time from a GraphQL request reaching Apollo Server to its answer, by service, operation name and outcome.',
  labelNames: ['service', 'operation', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const subgraphFetchDuration = new client.Histogram({
  name: 'hub_gateway_subgraph_fetch_duration_seconds',
  help: 'Gateway fetches to a subgraph (one per query-plan fetch), by subgraph and outcome (ok | error | unavailable).',
  labelNames: ['subgraph', 'outcome'] as const,
  buckets: LATENCY_BUCKETS,
  registers: [registry],
});

export const subgraphFetchesMerged = new client.Counter({
  name: 'hub_gateway_subgraph_fetches_merged_total',
  help: 'Gateway subgraph fetches not sent because an identical query of the same caller was in flight: they shared its answer (GATEWAY_DEDUP).',
  labelNames: ['subgraph'] as const,
  registers: [registry],
});

export const gatewayCacheLookups = new client.Counter({
  name: 'hub_gateway_cache_lookups_total',
  help: "Lookups in the gateway's caches, by cache (query_plan | document) and result (hit | miss).",
  labelNames: ['cache', 'result'] as const,
  registers: [registry],
});

export const gatewayCacheEvictions = new client.Counter({
  name: 'hub_gateway_cache_evictions_total',
  help: "Entries the gateway's caches dropped to stay within their size, by cache.",
  labelNames: ['cache'] as const,
  registers: [registry],
});

/** A cache the gateway reports, read at scrape time. */
export interface CacheStats { entries(): number; maxEntries: number }
const caches = new Map<string, CacheStats>();

/** Reports a cache's size until the returned function is called. */
export function watchCache(name: string, cache: CacheStats): () => void {
  caches.set(name, cache);
  return () => void (caches.get(name) === cache && caches.delete(name));
}

new client.Gauge({
  name: 'hub_gateway_cache_entries',
  help: "Entries held by the gateway's caches, by cache (query_plan | document).",
  labelNames: ['cache'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [name, c] of caches) this.set({ cache: name }, c.entries());
  },
});

new client.Gauge({
  name: 'hub_gateway_cache_max_entries',
  help: "Most entries each gateway cache holds (GATEWAY_QUERY_PLAN_CACHE_ENTRIES, GATEWAY_DOCUMENT_CACHE_ENTRIES).",
  labelNames: ['cache'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [name, c] of caches) this.set({ cache: name }, c.maxEntries);
  },
});

export const liveEventsDelivered = new client.Counter({
  name: 'hub_live_events_delivered_total',
  help: 'Subscription events delivered to subscribers by the gateway (one per subscriber and event).',
  registers: [registry],
});

/** What the pool gauges read: node-postgres pools expose these counts. */
export interface PoolStats { totalCount: number; idleCount: number; waitingCount: number }
const pools = new Map<string, PoolStats>();

new client.Gauge({
  name: 'hub_db_pool_connections',
  help: 'Database pool connections by pool and state: total (open), idle, and waiting (callers queued for a connection).',
  labelNames: ['pool', 'state'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [name, p] of pools) {
      this.set({ pool: name, state: 'total' }, p.totalCount);
      this.set({ pool: name, state: 'idle' }, p.idleCount);
      this.set({ pool: name, state: 'waiting' }, p.waitingCount);
    }
  },
});

/** Reports a pool's use until the returned function is called (when the pool ends). */
export function watchPool(name: string, pool: PoolStats): () => void {
  pools.set(name, pool);
  return () => void (pools.get(name) === pool && pools.delete(name));
}

/** The gateway's live side, read at scrape time. */
export interface LiveStats {
  connections(): number;
  subscriptions(): number;
  /** Events committed to the log that the feed has not yet dispatched. */
  feedLag(): Promise<number>;
}
let live: LiveStats | undefined;

export function watchLive(stats: LiveStats): () => void {
  live = stats;
  return () => void (live === stats && (live = undefined));
}

new client.Gauge({
  name: 'hub_live_connections',
  help: 'Open graphql-ws connections on the gateway (both endpoints).',
  registers: [registry],
  collect() { this.set(live?.connections() ?? 0); },
});

new client.Gauge({
  name: 'hub_live_subscriptions',
  help: 'Active subscriptions on the gateway (both endpoints).',
  registers: [registry],
  collect() { this.set(live?.subscriptions() ?? 0); },
});

new client.Gauge({
  name: 'hub_event_feed_lag_events',
  help: "Events committed to hub_events.event_log that the gateway's live feed has not dispatched yet.",
  registers: [registry],
  async collect() {
    if (!live) return this.set(0);
    // A scrape while the database is away reports nothing rather than failing the whole scrape.
    const lag = await live.feedLag().catch(() => undefined);
    if (lag !== undefined) this.set(lag);
  },
});

/** An event consumer, as the lag gauge sees it. */
export interface ConsumerStats {
  schema: string;
  consumer: string;
  /** The consumer's cursor and the log's head (positions). */
  lag(): Promise<number>;
}
const consumers = new Set<ConsumerStats>();

export function watchConsumer(stats: ConsumerStats): () => void {
  consumers.add(stats);
  return () => void consumers.delete(stats);
}

new client.Gauge({
  name: 'hub_event_consumer_lag_events',
  help: 'Events in the log a consumer has not applied yet, by the consuming schema and consumer name.',
  labelNames: ['schema', 'consumer'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    await Promise.all([...consumers].map(async (c) => {
      const lag = await c.lag().catch(() => undefined);
      if (lag !== undefined) this.set({ schema: c.schema, consumer: c.consumer }, lag);
    }));
  },
});
