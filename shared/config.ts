/**
 * Environment configuration for every service, read in one place so the README's
 * configuration table and the code cannot drift apart. Nothing else reads process.env
 * (OpenTelemetry's standard OTEL_* variables aside, which its SDK reads itself).
 */
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '');

export type ServiceName = 'gateway' | 'patients' | 'care-teams' | 'community-partners' | 'metrics';
export const SUBGRAPH_NAMES = ['patients', 'care-teams', 'community-partners', 'metrics'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

export const DEFAULT_PORTS: Record<ServiceName, number> = {
  gateway: 4000,
  patients: 4001,
  'care-teams': 4002,
  'community-partners': 4003,
  metrics: 4004,
};

/** One variable, unset when empty. Modules with their own settings (shared/limits.ts) read through this, not process.env. */
export const env = (name: string): string | undefined => {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : v;
};
/** NODE_ENV: production turns off development conveniences (introspection, field suggestions, the dev sign-in). */
export const nodeEnv = (): string => env('NODE_ENV') ?? 'development';
export const isProduction = (): boolean => nodeEnv() === 'production';
const int = (name: string, fallback: number): number => {
  const v = env(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got "${v}"`);
  return n;
};

const nonNegative = (name: string, fallback: number): number => {
  const n = int(name, fallback);
  if (n < 0) throw new Error(`${name} must be 0 or more, got ${n}`);
  return n;
};

/** `PATIENTS_URL`, `CARE_TEAMS_URL`, ... : where the gateway reaches each subgraph. */
export const subgraphUrlVariable = (name: SubgraphName) => `${name.toUpperCase().replace(/-/g, '_')}_URL`;

export const config = {
  get databaseUrl() { return env('DATABASE_URL'); },
  get dataDir() { return path.resolve(PROJECT_ROOT, env('HUB_DATA_DIR') ?? '.data'); },
  get embeddedPostgresPort() { return int('EMBEDDED_PG_PORT', 54329); },
  get host() { return env('HOST') ?? '127.0.0.1'; },
  port(service: ServiceName) { return int('PORT', DEFAULT_PORTS[service]); },
  subgraphUrl(name: SubgraphName) {
    return env(subgraphUrlVariable(name)) ?? `http://127.0.0.1:${DEFAULT_PORTS[name]}/graphql`;
  },
  get supergraphPath() { return path.resolve(PROJECT_ROOT, env('SUPERGRAPH_PATH') ?? 'supergraph.graphql'); },
  /** Origins (scheme://host[:port]) whose browser apps may call the gateway (CORS), comma-separated; none when unset. */
  get corsOrigins() { return (env('CORS_ORIGINS') ?? '').split(',').map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean); },
  /** The console's identity provider (OpenID Connect, code flow with PKCE): issuer and public client id; `/config.json` tells the console. */
  get consoleOidc() {
    const issuer = env('CONSOLE_OIDC_ISSUER');
    const clientId = env('CONSOLE_OIDC_CLIENT_ID');
    if (!issuer || !clientId) return null;
    return { issuer, clientId, ...(env('CONSOLE_OIDC_RESOURCE') ? { resource: env('CONSOLE_OIDC_RESOURCE') } : {}), ...(env('CONSOLE_OIDC_SCOPE') ? { scope: env('CONSOLE_OIDC_SCOPE') } : {}) };
  },
  get jwtSecret() { return env('JWT_SECRET'); },
  get jwksUrl() { return env('JWT_JWKS_URL'); },
  get jwtIssuer() { return env('JWT_ISSUER'); },
  get jwtAudience() { return env('JWT_AUDIENCE'); },
  /** Longest a user token may live (exp - iat). */
  get jwtMaxLifetimeHours() { return int('JWT_MAX_LIFETIME_HOURS', 12); },
  /** Clock skew tolerated on exp, iat and nbf. */
  get jwtClockSkewSeconds() { return int('JWT_CLOCK_SKEW_SECONDS', 60); },
  /** The key only the gateway signs internal caller tokens with (shared/internal-token.ts); generated into .data when unset. */
  get internalKey() { return env('HUB_INTERNAL_KEY'); },
  /** How long a break-the-glass grant lasts. */
  get breakTheGlassMinutes() { return int('BREAK_THE_GLASS_MINUTES', 60); },
  /** `off` stops writing the audit trail (benchmarks only: bench/audit-overhead.ts measures what it costs). */
  get audit() { return (env('HUB_AUDIT') ?? 'on') as 'on' | 'off'; },
  /** How often each service's AuditSealer chains the audit records committed since (shared/audit.ts; why 1 s: docs/architecture.md, Who saw what). */
  get auditSealMs() { return int('HUB_AUDIT_SEAL_MS', 1000); },
  /** How long the gateway waits for one subgraph fetch. */
  get subgraphTimeoutMs() { return int('SUBGRAPH_TIMEOUT_MS', 10_000); },
  /** `off` stops the gateway sharing identical in-flight subgraph queries of one caller (gateway/subgraph-fetch.ts). */
  get gatewayDedup() {
    const v = env('GATEWAY_DEDUP') ?? 'on';
    if (v !== 'on' && v !== 'off') throw new Error(`GATEWAY_DEDUP must be on or off, got "${v}"`);
    return v;
  },
  /** Query plans the gateway keeps (LRU, entries; 0 = plan every request). */
  get gatewayQueryPlanCacheEntries() { return nonNegative('GATEWAY_QUERY_PLAN_CACHE_ENTRIES', 500); },
  /** Parsed and validated operations the gateway keeps (LRU, entries; 0 = parse every request). */
  get gatewayDocumentCacheEntries() { return nonNegative('GATEWAY_DOCUMENT_CACHE_ENTRIES', 1000); },
  get logLevel() { return env('LOG_LEVEL') ?? (nodeEnv() === 'test' ? 'silent' : 'info'); },
  get seed() { return (env('SEED') ?? 'demo') as 'demo' | 'none'; },
  get seedPatients() { return int('SEED_PATIENTS', 200); },
  get redisUrl() { return env('REDIS_URL'); },
  /** How far back a subscription may resume with `after: <cursor>`. */
  get subscriptionRetentionDays() { return int('SUBSCRIPTION_RETENTION_DAYS', 7); },
  /** Events a subscriber may have waiting before its connection is closed (it resumes from its cursor). */
  get subscriptionQueueLimit() { return int('SUBSCRIPTION_QUEUE_LIMIT', 256); },
  /** How long an event whose fields a subgraph cannot resolve is retried before its subscription ends (UPSTREAM_UNAVAILABLE). */
  get subscriptionUpstreamRetryMs() { return int('SUBSCRIPTION_UPSTREAM_RETRY_MS', 30_000); },
  get eventPollMs() { return int('EVENT_POLL_MS', 2000); },
  /** Holidays excluded from CMS TCM business days: comma-separated ISO dates (care-teams parses and checks them). */
  get tcmHolidays() { return env('TCM_HOLIDAYS') ?? ''; },
  /** The organization's IANA time zone: TCM business/calendar days and CCM billing months are its local dates (shared/time-zone.ts checks it). */
  get hubTimeZone() { return env('HUB_TIME_ZONE') ?? 'UTC'; },
  get dbPoolSize() { return int('DB_POOL_SIZE', 10); },
  /** Longest one SQL statement may run (PostgreSQL statement_timeout on every pool connection); 0 = no limit. */
  get dbStatementTimeoutMs() { return int('DB_STATEMENT_TIMEOUT_MS', 15_000); },
  /** Longest a request waits to open a database connection or for a free one in the pool. */
  get dbConnectTimeoutMs() { return int('DB_CONNECT_TIMEOUT_MS', 10_000); },
  /** Smallest cohort a KPI figure is published for (CMS cell-size policy: no cell of 1–10). */
  get minCohortSize() { return int('MIN_COHORT_SIZE', 11); },
};
