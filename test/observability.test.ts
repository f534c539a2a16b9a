/**
 * Observability (issue 16): one query across the four subgraphs is one trace (the
 * gateway's request, its query-plan fetches and each subgraph's request, joined by
 * W3C traceparent); `/metrics` on the gateway and on a subgraph carries the series
 * the README lists, and they move; a request's id comes back in the response header
 * and is on the log lines every service writes for it. Spans are collected in memory
 * (sdk-trace-base InMemorySpanExporter) from the real NodeSDK, logs from the real
 * pino logger redirected to an array.
 */
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Role } from '../shared/auth';
import { rootLogger, setLogDestination, withRequestId } from '../shared/logger';
import { startTelemetry, stopTelemetry } from '../shared/telemetry';
import { startHub, type TestHub } from './support/hub';
import { subscribe, eventually } from './support/live';
import { formTeam, ok, registerPatient } from './care-teams-fixtures';

const SUBGRAPHS = ['patients', 'care-teams', 'community-partners', 'metrics'] as const;
/** Like the README's first query: patients (patients), their teams and plans (care-teams, by entity fetch), partners, KPI targets. */
const SAMPLE_QUERY = `query Worklist {
  patients(first: 3) { totalCount edges { node { mrn familyName careTeams { name } carePlans { title status } } } }
  partners { name }
  kpiTargets { key target }
}`;
const spans = new InMemorySpanExporter();
const logLines: Record<string, unknown>[] = [];
let hub: TestHub;
let careTeamId: string;
let patientId: string;

beforeAll(async () => {
  expect(startTelemetry({ exporter: spans, serviceName: 'observability-test' })).toBe(true);
  setLogDestination({ write: (line: string) => void logLines.push(JSON.parse(line)) });
  rootLogger.level = 'info'; // tests log nothing by default; the services' loggers are made below, at this level
  hub = await startHub();
  patientId = await registerPatient(hub, 'Tracey');
  careTeamId = (await formTeam(hub, patientId, { 'obs-coord': 'CARE_COORDINATOR', 'obs-nurse': 'NURSE_CASE_MANAGER' })).id;
  ok(await hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId, title: 'Breathe easier' } }));
  await hub.settle();
});

afterAll(async () => {
  await hub?.stop();
  await stopTelemetry();
  setLogDestination(null);
});

const attr = (s: ReadableSpan, key: string) => s.attributes[key];
const parentId = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe('traces', () => {
  it("one query across the four subgraphs is one trace: the gateway's request, one fetch span per subgraph fetch, each subgraph's request under its fetch", async () => {
    spans.reset();
    const res = await fetch(hub.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.token({ sub: 'obs-admin', roles: [Role.ADMIN] })}` },
      body: JSON.stringify({ query: SAMPLE_QUERY }),
    });
    const body = (await res.json()) as { data: { patients: { totalCount: number; edges: { node: { carePlans: unknown[] } }[] }; kpiTargets: unknown[] }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data.patients.edges[0].node.carePlans).toHaveLength(1);
    expect(body.data.kpiTargets.length).toBeGreaterThan(0);
    await eventually(() => {
      expect(spans.getFinishedSpans().some((s) => attr(s, 'hub.service') === 'gateway')).toBe(true);
    });

    const all = spans.getFinishedSpans();
    const gatewayRequest = all.find((s) => attr(s, 'hub.service') === 'gateway')!;
    const traceId = gatewayRequest.spanContext().traceId;
    const trace = all.filter((s) => s.spanContext().traceId === traceId);
    // Nothing else was traced meanwhile: every span of this request is in the one trace.
    expect(new Set(all.map((s) => s.spanContext().traceId))).toEqual(new Set([traceId]));

    const fetches = trace.filter((s) => s.name.startsWith('fetch '));
    expect(new Set(fetches.map((s) => s.name))).toEqual(new Set(SUBGRAPHS.map((n) => `fetch ${n}`)));
    // Apollo's own query-plan spans are there too, one gateway.fetch per fetch node, naming the service.
    const planFetches = trace.filter((s) => s.name === 'gateway.fetch');
    expect(planFetches.map((s) => attr(s, 'service')).sort()).toEqual(fetches.map((s) => attr(s, 'hub.subgraph')).sort());

    for (const name of SUBGRAPHS) {
      const served = trace.filter((s) => attr(s, 'hub.service') === name);
      const calls = fetches.filter((s) => attr(s, 'hub.subgraph') === name);
      expect(served.length).toBe(calls.length); // every fetch reached its subgraph, inside this trace
      // ...as a child of the gateway's fetch span for it: traceparent carried the span id across.
      for (const s of served) expect(calls.map((c) => c.spanContext().spanId)).toContain(parentId(s));
    }
    // The gateway's request span is the root of it all.
    expect(parentId(gatewayRequest)).toBeUndefined();
    for (const f of fetches) {
      let up: ReadableSpan | undefined = f;
      while (up && parentId(up)) up = trace.find((s) => s.spanContext().spanId === parentId(up!));
      expect(up).toBe(gatewayRequest);
    }
  });
});

/** Prometheus text format → value by series (`name{labels}`), labels as exposed. */
async function scrape(url: string): Promise<{ status: number; type: string | null; series: Map<string, number>; text: string }> {
  const res = await fetch(url.replace(/\/graphql$/, '/metrics'));
  const text = await res.text();
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { status: res.status, type: res.headers.get('content-type'), series, text };
}

const value = (s: Map<string, number>, name: string, labels: Record<string, string> = {}) => {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let total: number | undefined;
  for (const [key, v] of s) {
    if (key !== name && !key.startsWith(`${name}{`)) continue;
    if (wanted.every((w) => key.includes(w))) total = (total ?? 0) + v;
  }
  return total;
};

describe('metrics', () => {
  it('/metrics on the gateway and on a subgraph: requests by operation and outcome, latencies, fetches, pools, live side, feed and consumer lag — moving', async () => {
    const run = () => hub.query(SAMPLE_QUERY);
    ok(await run());
    const before = await scrape(hub.gatewayUrl);
    expect(before.status).toBe(200);
    expect(before.type).toMatch(/^text\/plain/);

    ok(await run());
    ok(await run());
    const bad = await hub.query('query Broken { patients(first: 1) { nope } }');
    expect(bad.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // A live subscriber, and an event delivered to it.
    const nurse = await hub.token({ sub: 'obs-nurse', roles: [Role.NURSE] });
    const sub = subscribe(hub.gatewayUrl, nurse, `subscription($p: ID) { carePlanChanged(patientId: $p) { changeKind carePlan { title } } }`, { p: patientId });
    await eventually(async () => {
      expect(sub.errors).toEqual([]);
      expect(value((await scrape(hub.gatewayUrl)).series, 'hub_live_subscriptions')).toBe(1);
    });
    ok(await hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId, title: 'Walk daily' } }, nurse));
    await sub.waitFor(1);
    const during = await scrape(hub.gatewayUrl);
    await sub.dispose();
    await hub.settle();
    const after = await scrape(hub.gatewayUrl);
    const g = { before: before.series, during: during.series, after: after.series };

    // Requests by operation name and outcome, with latency histograms.
    const worklist = { service: 'gateway', operation: 'Worklist', outcome: 'ok' };
    expect(value(g.after, 'hub_graphql_requests_total', worklist)! - value(g.before, 'hub_graphql_requests_total', worklist)!).toBe(2);
    expect(value(g.after, 'hub_graphql_request_duration_seconds_count', worklist)! - value(g.before, 'hub_graphql_request_duration_seconds_count', worklist)!).toBe(2);
    expect(value(g.after, 'hub_graphql_request_duration_seconds_bucket', { ...worklist, le: '+Inf' })).toBe(value(g.after, 'hub_graphql_requests_total', worklist));
    expect(value(g.after, 'hub_graphql_requests_total', { service: 'gateway', operation: 'Broken', outcome: 'error' })).toBe(1);
    // Subgraph fetch latency: every Worklist reaches all four subgraphs.
    for (const subgraph of SUBGRAPHS) {
      const moved = value(g.after, 'hub_gateway_subgraph_fetch_duration_seconds_count', { subgraph, outcome: 'ok' })! - (value(g.before, 'hub_gateway_subgraph_fetch_duration_seconds_count', { subgraph, outcome: 'ok' }) ?? 0);
      expect(moved).toBeGreaterThanOrEqual(2);
    }
    // Database pools (the gateway's and each subgraph's), live connections and subscriptions, events delivered.
    expect(value(g.after, 'hub_db_pool_connections', { pool: 'gateway', state: 'total' })).toBeGreaterThan(0);
    for (const pool of SUBGRAPHS) expect(value(g.after, 'hub_db_pool_connections', { pool, state: 'total' })).toBeGreaterThan(0);
    expect(value(g.before, 'hub_live_connections')).toBe(0);
    expect(value(g.during, 'hub_live_connections')).toBe(1);
    expect(value(g.during, 'hub_live_subscriptions')).toBe(1);
    await eventually(async () => expect(value((await scrape(hub.gatewayUrl)).series, 'hub_live_subscriptions')).toBe(0));
    expect(value(g.during, 'hub_live_events_delivered_total')! - value(g.before, 'hub_live_events_delivered_total')!).toBe(1);
    // Feed lag and consumer lag: present, and nothing left behind once settled.
    expect(value(g.after, 'hub_event_feed_lag_events')).toBe(0);
    expect(after.text).toMatch(/hub_event_consumer_lag_events\{schema="care_teams",consumer="[^"]+"\} 0/);
    expect(after.text).toMatch(/hub_event_consumer_lag_events\{schema="metrics",consumer="[^"]+"\} 0/);

    // A subgraph's own endpoint: its requests (the gateway's fetches) by service.
    const patients = await scrape(hub.subgraphs.patients.url);
    expect(patients.status).toBe(200);
    expect(value(patients.series, 'hub_graphql_requests_total', { service: 'patients', outcome: 'ok' })).toBeGreaterThanOrEqual(4);
    expect(value(patients.series, 'hub_graphql_request_duration_seconds_sum', { service: 'patients' })).toBeGreaterThan(0);
    expect(value(patients.series, 'hub_db_pool_connections', { pool: 'patients', state: 'idle' })).toBeDefined();
  });

  it('keeps label values bounded: no operation name is `anonymous`, an odd one `other`', async () => {
    const before = (await scrape(hub.gatewayUrl)).series;
    ok(await hub.query('{ kpiTargets { key } }'));
    const after = (await scrape(hub.gatewayUrl)).series;
    const anon = { service: 'gateway', operation: 'anonymous', outcome: 'ok' };
    expect(value(after, 'hub_graphql_requests_total', anon)! - (value(before, 'hub_graphql_requests_total', anon) ?? 0)).toBe(1);
    const long = `Q${'x'.repeat(80)}`;
    ok(await hub.query(`query ${long} { kpiTargets { key } }`));
    const later = await scrape(hub.gatewayUrl);
    expect(later.text).not.toContain(long);
    expect(value(later.series, 'hub_graphql_requests_total', { service: 'gateway', operation: 'other', outcome: 'ok' })).toBe(1);
  });
});

describe('request ids', () => {
  it('accepts x-request-id, returns it, and every service the request touched logs with it', async () => {
    logLines.length = 0;
    const token = await hub.token({ sub: 'obs-admin', roles: [Role.ADMIN] });
    const res = await fetch(hub.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'abc-123' },
      body: JSON.stringify({ query: SAMPLE_QUERY }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    await res.json();
    await eventually(() => {
      const services = new Set(logLines.filter((l) => l.requestId === 'abc-123').map((l) => l.service));
      expect(services).toEqual(new Set(['gateway', ...SUBGRAPHS]));
    });
    for (const l of logLines.filter((x) => x.requestId === 'abc-123')) expect(l.msg).toBe('graphql request');

    // Without one the gateway assigns an id, returns it, and the subgraphs log with that same id.
    logLines.length = 0;
    const plain = await fetch(hub.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ kpiTargets { key } }' }),
    });
    const assigned = plain.headers.get('x-request-id')!;
    expect(assigned).toMatch(/^[0-9a-f-]{36}$/);
    await eventually(() => expect(logLines.some((l) => l.service === 'metrics' && l.requestId === assigned)).toBe(true));
  });

  it('a line logged anywhere while a request is handled carries its id, without a child logger', async () => {
    logLines.length = 0;
    await withRequestId('req-42', async () => {
      await new Promise((r) => setTimeout(r, 5));
      rootLogger.child({ component: 'somewhere' }).info('deep inside');
    });
    rootLogger.info('outside');
    expect(logLines.find((l) => l.msg === 'deep inside')).toMatchObject({ component: 'somewhere', requestId: 'req-42' });
    expect(logLines.find((l) => l.msg === 'outside')).not.toHaveProperty('requestId');
  });
});
