/**
 * Starts the whole hub in-process for a test file: a fresh database on the test
 * PostgreSQL, the four subgraphs on ephemeral ports, a supergraph composed from
 * them and the gateway. Each subgraph counts its SQL statements.
 */
import crypto from 'node:crypto';
import { Client } from 'pg';
import { mintDevToken, Role } from '../../shared/auth';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../shared/config';
import { createInternalTokenSigner, type Endpoint } from '../../shared/internal-token';
import { QueryCounter } from '../../shared/database';
import { startSubgraph, type RunningSubgraph } from '../../shared/subgraph';
import { composeSupergraph, subgraphSdls } from '../../gateway/compose';
import { startGateway, type RunningGateway } from '../../gateway/server';
import { SUBGRAPHS } from '../../subgraphs';

export interface GraphQLResponse<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

export interface TestHub {
  gatewayUrl: string;
  databaseUrl: string;
  subgraphs: Record<SubgraphName, RunningSubgraph>;
  counters: Record<SubgraphName, QueryCounter>;
  gateway: RunningGateway;
  /** POSTs an operation to the gateway (or any URL) with a bearer token. */
  query<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string | null, url?: string): Promise<GraphQLResponse<T>>;
  token(claims: { sub?: string; roles: Role[]; org?: string; expiresIn?: string | number }): Promise<string>;
  /** What the gateway would send a subgraph for this caller (tests that call a subgraph directly, as the gateway). */
  internalToken(claims: { sub?: string; roles: Role[]; org?: string }, endpoint?: Endpoint): Promise<string>;
  /** Waits until every subgraph's event consumers have applied everything committed so far. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

/** A fresh database on the test server, dropped again by `drop`. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set (jest global setup sets it)');
  const name = `hub_test_${crypto.randomBytes(5).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function postGraphQL<T>(url: string, query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLResponse<T> & { status: number }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, ...((await res.json()) as GraphQLResponse<T>) };
}

const signInternal = createInternalTokenSigner();

/** A gateway-signed caller token, for tests that call a subgraph directly the way the gateway does. */
export function internalTokenFor({ sub = `user-${crypto.randomUUID()}`, roles, org }: { sub?: string; roles: Role[]; org?: string }, endpoint: Endpoint = 'clinical'): Promise<string> {
  return signInternal({ principal: { sub, roles, org, expiresAt: new Date(Date.now() + 3600_000) }, endpoint, channel: 'http' });
}

export interface HubOptions {
  /** The gateway's event transport: PostgreSQL LISTEN/NOTIFY unless a Redis URL is given. */
  redisUrl?: string | null;
}

export async function startHub(options: HubOptions = {}): Promise<TestHub> {
  const db = await createTestDatabase();
  const counters = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, new QueryCounter()])) as Record<SubgraphName, QueryCounter>;
  const subgraphs = {} as Record<SubgraphName, RunningSubgraph>;
  for (const name of SUBGRAPH_NAMES) {
    subgraphs[name] = await startSubgraph(SUBGRAPHS[name], { databaseUrl: db.url, port: 0, counter: counters[name] });
  }
  const urls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, subgraphs[n].url])) as Record<SubgraphName, string>;
  const supergraphSdl = composeSupergraph(await subgraphSdls(SUBGRAPHS, urls));
  const gateway = await startGateway({ supergraphSdl, port: 0, databaseUrl: db.url, redisUrl: options.redisUrl ?? null });
  const adminToken = await mintDevToken({ sub: 'test-admin', roles: [Role.ADMIN] });

  return {
    gatewayUrl: gateway.url,
    databaseUrl: db.url,
    subgraphs,
    counters,
    gateway,
    query: (q, variables, token = adminToken, url = gateway.url) => postGraphQL(url, q, variables, token),
    token: ({ sub = `user-${crypto.randomUUID()}`, ...rest }) => mintDevToken({ sub, ...rest }),
    internalToken: (claims, endpoint) => internalTokenFor(claims, endpoint),
    settle: async () => {
      for (const name of SUBGRAPH_NAMES) for (const w of subgraphs[name].workers) await w.caughtUp?.();
    },
    stop: async () => {
      await gateway.stop();
      for (const name of SUBGRAPH_NAMES) await subgraphs[name].stop();
      await db.drop();
    },
  };
}
