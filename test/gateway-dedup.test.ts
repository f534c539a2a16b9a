/**
 * In-flight de-duplication of subgraph fetches (issue 17, gateway/subgraph-fetch.ts):
 * identical queries of the same caller in flight at once share one subgraph fetch;
 * different callers, mutations, and a gateway with GATEWAY_DEDUP=off never do.
 *
 * Real processes, real HTTP: the hub's subgraphs, and gateways whose patients and
 * care-teams URLs point at a proxy that counts the fetches it sees and holds their
 * responses. The overlap is forced, not hoped for: the proxy holds the first
 * response until the second request has either reached the subgraph (not merged) or
 * joined the first fetch (the merged counter moved), and only then lets both go.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import { Role } from '../shared/auth';
import { SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import { subgraphFetchesMerged } from '../shared/metrics';
import { composeSupergraph, subgraphSdls } from '../gateway/compose';
import { CountedLruCache, startGateway, type RunningGateway } from '../gateway/server';
import { SUBGRAPHS } from '../subgraphs';
import { startHub, type GraphQLResponse, type TestHub } from './support/hub';
import { formTeam, ok, registerPatient, sql } from './care-teams-fixtures';

/** A proxy in front of one subgraph: while armed, counts the requests whose body matches and holds their responses until released. */
class HoldingProxy {
  private server!: http.Server;
  url = '';
  /** Bodies of the matching requests since `arm`. */
  seen: string[] = [];
  private match: ((body: string) => boolean) | undefined;
  private held: (() => void)[] = [];

  constructor(private readonly target: string) {}

  async start(): Promise<void> {
    const target = new URL(this.target);
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const hold = this.match?.(body.toString('utf8')) ?? false;
        if (hold) this.seen.push(body.toString('utf8'));
        const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, host: target.host } }, (up) => {
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            const answer = () => { res.writeHead(up.statusCode ?? 502, up.headers); res.end(Buffer.concat(parts)); };
            if (hold) this.held.push(answer);
            else answer();
          });
        });
        upstream.on('error', () => { res.writeHead(502); res.end(); });
        upstream.end(body);
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}${target.pathname}`;
  }

  arm(match: (body: string) => boolean): void {
    this.match = match;
    this.seen = [];
  }

  /** Lets every held response go (as soon as it has come back from the subgraph) and disarms. */
  async release(expected: number): Promise<void> {
    await waitFor(() => this.held.length >= expected, `${expected} subgraph responses back at the proxy`);
    this.match = undefined;
    for (const answer of this.held.splice(0)) answer();
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const merged = async (subgraph: SubgraphName) => (await subgraphFetchesMerged.get()).values.find((v) => v.labels.subgraph === subgraph)?.value ?? 0;

async function post<T = Record<string, any>>(url: string, query: string, variables: Record<string, unknown>, token: string, requestId: string): Promise<GraphQLResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': requestId },
    body: JSON.stringify({ query, variables }),
  });
  expect(res.headers.get('x-request-id')).toBe(requestId);
  return (await res.json()) as GraphQLResponse<T>;
}

const CHART = 'query Chart($id: ID!) { patient(id: $id) { id mrn familyName } }';
const CREATE_PLAN = 'mutation Plan($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id title } }';

let hub: TestHub;
const proxies = {} as Record<'patients' | 'care-teams', HoldingProxy>;
let on: RunningGateway;
let off: RunningGateway;
let patientId: string;
let careTeamId: string;
let admin: string;

async function gatewayWith(dedup: 'on' | 'off'): Promise<RunningGateway> {
  const urls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, hub.subgraphs[n].url])) as Record<SubgraphName, string>;
  const supergraphSdl = composeSupergraph(await subgraphSdls(SUBGRAPHS, urls));
  const saved = process.env.GATEWAY_DEDUP;
  process.env.GATEWAY_DEDUP = dedup;
  try {
    return await startGateway({ supergraphSdl, port: 0, databaseUrl: hub.databaseUrl, redisUrl: null, subgraphUrls: { patients: proxies.patients.url, 'care-teams': proxies['care-teams'].url } });
  } finally {
    if (saved === undefined) delete process.env.GATEWAY_DEDUP;
    else process.env.GATEWAY_DEDUP = saved;
  }
}

beforeAll(async () => {
  hub = await startHub();
  for (const name of ['patients', 'care-teams'] as const) {
    proxies[name] = new HoldingProxy(hub.subgraphs[name].url);
    await proxies[name].start();
  }
  patientId = await registerPatient(hub, 'Dedup');
  careTeamId = (await formTeam(hub, patientId, { 'dedup-coord': 'CARE_COORDINATOR' })).id;
  await hub.settle();
  admin = await hub.token({ sub: 'dedup-admin', roles: [Role.ADMIN] });
  on = await gatewayWith('on');
  off = await gatewayWith('off');
});

afterAll(async () => {
  await on?.stop();
  await off?.stop();
  for (const p of Object.values(proxies)) await p?.stop();
  await hub?.stop();
});

/**
 * Sends `first`, waits until its fetch is held at the proxy, sends `second`, waits
 * until the second either reached the subgraph or joined the first fetch, then lets
 * the held responses go. Returns both answers and what the proxy and the counter saw.
 */
async function overlap<A, B>(proxy: HoldingProxy, subgraph: SubgraphName, match: (body: string) => boolean, first: () => Promise<A>, second: () => Promise<B>) {
  const mergedBefore = await merged(subgraph);
  proxy.arm(match);
  const a = first();
  await waitFor(() => proxy.seen.length === 1, 'the first fetch at the proxy');
  const b = second();
  await waitFor(async () => proxy.seen.length === 2 || (await merged(subgraph)) > mergedBefore, 'the second request to fetch or to join the first');
  const mergedNow = (await merged(subgraph)) - mergedBefore;
  await proxy.release(proxy.seen.length);
  const answers = await Promise.all([a, b]);
  return { answers, fetches: proxy.seen.length, merged: mergedNow };
}

const forPatient = (body: string) => body.includes(patientId) && body.includes('familyName');

describe('identical in-flight subgraph queries', () => {
  it('two concurrent identical queries by the same caller cause one patients fetch; both answers are right, each request is in the audit trail', async () => {
    const [ra, rb] = [`dedup-a-${crypto.randomUUID()}`, `dedup-b-${crypto.randomUUID()}`];
    const { answers: [a, b], fetches, merged: n } = await overlap(proxies.patients, 'patients', forPatient,
      () => post(on.url, CHART, { id: patientId }, admin, ra),
      () => post(on.url, CHART, { id: patientId }, admin, rb));
    expect(fetches).toBe(1);
    expect(n).toBe(1);
    for (const r of [a, b]) expect(ok(r).patient).toEqual({ id: patientId, mrn: expect.any(String), familyName: 'Dedup' });
    // The subgraph recorded the read under the first request's id; the gateway recorded the second, pointing at the first.
    const rows = await sql<{ request_id: string; service: string; patient_ids: string[]; reason: string | null; actor_sub: string; entities: string[]; purpose: string }>(hub,
      'SELECT request_id, service, patient_ids, reason, actor_sub, entities, purpose FROM hub_audit.audit_event WHERE request_id = ANY($1) ORDER BY position', [[ra, rb]]);
    expect(rows).toEqual([
      expect.objectContaining({ request_id: ra, service: 'patients', patient_ids: [patientId], actor_sub: 'dedup-admin' }),
      expect.objectContaining({ request_id: rb, service: 'gateway', patient_ids: [patientId], actor_sub: 'dedup-admin', reason: expect.stringContaining(ra) }),
    ]);
    // The follower's record says what the fetch's record says was read (the subgraph echoed it), under its own request id.
    expect([rows[1].entities, rows[1].purpose]).toEqual([rows[0].entities, rows[0].purpose]);
    // Settled: the same query again fetches anew (nothing is cached beyond the flight).
    proxies.patients.arm(forPatient);
    const again = post(on.url, CHART, { id: patientId }, admin, `dedup-c-${crypto.randomUUID()}`);
    await waitFor(() => proxies.patients.seen.length === 1, 'a new fetch for the same query');
    await proxies.patients.release(1);
    expect(ok(await again).patient).toMatchObject({ id: patientId, familyName: 'Dedup' });
  });

  it('the same query by two different callers at once is never merged: each gets its own answer', async () => {
    const nurse = await hub.token({ sub: 'dedup-outsider', roles: [Role.NURSE] });
    const { answers: [forAdmin, forNurse], fetches, merged: n } = await overlap(proxies.patients, 'patients', forPatient,
      () => post(on.url, CHART, { id: patientId }, admin, `dedup-admin-${crypto.randomUUID()}`),
      () => post(on.url, CHART, { id: patientId }, nurse, `dedup-nurse-${crypto.randomUUID()}`));
    expect(n).toBe(0);
    expect(fetches).toBe(2);
    expect(ok(forAdmin).patient).toMatchObject({ id: patientId, familyName: 'Dedup' });
    // A nurse outside the patient's team is refused the record.
    expect(forNurse.data?.patient ?? null).toBeNull();
    expect(forNurse.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', patientId });
  });

  it('two concurrent identical mutations are never merged: both execute', async () => {
    const title = `Dedup plan ${crypto.randomUUID()}`;
    const i = { careTeamId, title };
    const { answers: [a, b], fetches, merged: n } = await overlap(proxies['care-teams'], 'care-teams', (body) => body.includes(title),
      () => post(on.url, CREATE_PLAN, { i }, admin, `dedup-m1-${crypto.randomUUID()}`),
      () => post(on.url, CREATE_PLAN, { i }, admin, `dedup-m2-${crypto.randomUUID()}`));
    expect(n).toBe(0);
    expect(fetches).toBe(2);
    const ids = [ok(a).createCarePlan.id, ok(b).createCarePlan.id];
    expect(new Set(ids).size).toBe(2);
    const plans = ok(await hub.query('query($id: ID!) { patient(id: $id) { carePlans { id title } } }', { id: patientId })).patient.carePlans as { id: string; title: string }[];
    expect(plans.filter((p) => p.title === title).map((p) => p.id).sort()).toEqual([...ids].sort());
  });

  it('with GATEWAY_DEDUP=off nothing is merged: the same caller\'s identical queries each fetch', async () => {
    const { answers: [a, b], fetches, merged: n } = await overlap(proxies.patients, 'patients', forPatient,
      () => post(off.url, CHART, { id: patientId }, admin, `dedup-off-a-${crypto.randomUUID()}`),
      () => post(off.url, CHART, { id: patientId }, admin, `dedup-off-b-${crypto.randomUUID()}`));
    expect(n).toBe(0);
    expect(fetches).toBe(2);
    for (const r of [a, b]) expect(ok(r).patient).toMatchObject({ id: patientId, familyName: 'Dedup' });
  });
});

describe("the gateway's caches", () => {
  const series = async (gateway: RunningGateway, name: string, labels: string) => {
    const text = await (await fetch(gateway.url.replace(/\/graphql$/, '/metrics'))).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };

  it('report their entries, bounds, hits and misses on /metrics', async () => {
    // The last gateway started (GATEWAY_DEDUP=off) is the one the process reports.
    const query = `query CacheProbe { patient(id: "${patientId}") { id } }`;
    const hitsBefore = (await series(off, 'hub_gateway_cache_lookups_total', 'cache="query_plan",result="hit"')) ?? 0;
    const missesBefore = (await series(off, 'hub_gateway_cache_lookups_total', 'cache="query_plan",result="miss"')) ?? 0;
    for (let i = 0; i < 3; i++) ok(await post(off.url, query, {}, admin, `dedup-cache-${i}-${crypto.randomUUID()}`));
    expect((await series(off, 'hub_gateway_cache_lookups_total', 'cache="query_plan",result="miss"'))! - missesBefore).toBe(1);
    expect((await series(off, 'hub_gateway_cache_lookups_total', 'cache="query_plan",result="hit"'))! - hitsBefore).toBe(2);
    expect(await series(off, 'hub_gateway_cache_entries', 'cache="query_plan"')).toBeGreaterThanOrEqual(1);
    expect(await series(off, 'hub_gateway_cache_entries', 'cache="document"')).toBeGreaterThanOrEqual(1);
    expect(await series(off, 'hub_gateway_cache_max_entries', 'cache="query_plan"')).toBe(500);
    expect(await series(off, 'hub_gateway_cache_max_entries', 'cache="document"')).toBe(1000);
    expect(await series(off, 'hub_gateway_cache_lookups_total', 'cache="document",result="hit"')).toBeGreaterThanOrEqual(2);
  });

  it('are LRU, bounded by entries', async () => {
    const cache = new CountedLruCache<string>('document', 2);
    await cache.set('a', 'A');
    await cache.set('b', 'B');
    expect(await cache.get('a')).toBe('A'); // a is now the most recently used
    await cache.set('c', 'C');
    expect(cache.size).toBe(2);
    expect(await cache.get('b')).toBeUndefined();
    expect([await cache.get('a'), await cache.get('c')]).toEqual(['A', 'C']);
    const none = new CountedLruCache<string>('document', 0);
    await none.set('a', 'A');
    expect(await none.get('a')).toBeUndefined();
  });
});
