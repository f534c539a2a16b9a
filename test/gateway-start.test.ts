/**
 * The gateway started while its event-log database cannot be reached (issue 16): it
 * used to exit at EventFeed.start. Now it listens at once and serves queries, a
 * subscription answers a retryable SERVICE_UNAVAILABLE (EVENT_FEED_UNAVAILABLE), and
 * /ready names what is missing; once the database answers, the feed starts with
 * backoff and live updates flow. "Unreachable" is real: the gateway's DATABASE_URL
 * goes through a TCP relay to the test PostgreSQL that is not listening at first.
 */
import net from 'node:net';
import { Role } from '../shared/auth';
import { composeSupergraph, subgraphSdls } from '../gateway/compose';
import { startGateway, type RunningGateway } from '../gateway/server';
import { SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import { SUBGRAPHS } from '../subgraphs';
import { postGraphQL, startHub, type TestHub } from './support/hub';
import { eventually, subscribe, subscribed } from './support/live';
import { freePort } from './support/net';


/** Forwards every connection on `port` to the real PostgreSQL: the database "comes up". */
function relay(port: number, target: URL): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    client.pipe(upstream).pipe(client);
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on('error', close);
    upstream.on('error', close);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

let hub: TestHub;
let gateway: RunningGateway | undefined;
let proxy: net.Server | undefined;

beforeAll(async () => { hub = await startHub(); });
afterAll(async () => {
  await gateway?.stop();
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  await hub?.stop();
});

it('starts without its database, serves queries, refuses subscriptions retryably, then starts the feed when the database appears', async () => {
  const port = await freePort();
  const real = new URL(hub.databaseUrl);
  const viaRelay = new URL(hub.databaseUrl);
  viaRelay.host = `127.0.0.1:${port}`;
  const urls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, hub.subgraphs[n].url])) as Record<SubgraphName, string>;
  const supergraphSdl = composeSupergraph(await subgraphSdls(SUBGRAPHS, urls));

  // Nothing listens on `port`: this is where startGateway used to throw (ECONNREFUSED at EventFeed.start).
  gateway = await startGateway({ supergraphSdl, port: 0, databaseUrl: viaRelay.toString(), redisUrl: null });

  // Queries are served meanwhile (the subgraphs have their own database).
  const token = await hub.token({ sub: 'start-admin', roles: [Role.ADMIN] });
  const kpis = await postGraphQL<any>(gateway.url, '{ kpiTargets { key } }', undefined, token);
  expect(kpis.errors).toBeUndefined();
  expect(kpis.data.kpiTargets.length).toBeGreaterThan(0);

  // /ready says what is missing.
  const ready = await fetch(gateway.url.replace(/\/graphql$/, '/ready'));
  expect(ready.status).toBe(503);
  const { checks } = (await ready.json()) as { checks: Record<string, string> };
  expect(checks.eventLog).toBe('unreachable');
  expect(checks.eventFeed).toMatch(/^the event log is unreachable/);
  expect(checks.patients).toBe('ok');

  // A subscription gets a clear, retryable error (not INTERNAL_SERVER_ERROR, not a dropped socket).
  const coordinator = await hub.token({ sub: 'start-coord', roles: [Role.CARE_COORDINATOR] });
  const early = subscribe(gateway.url, coordinator, 'subscription { myCarePlanChanges { changeKind carePlan { title } } }');
  await eventually(() => expect(early.errors.length).toBe(1));
  expect(early.errors[0]).toEqual([
    expect.objectContaining({ message: expect.stringContaining('not available yet'), extensions: { code: 'SERVICE_UNAVAILABLE', reason: 'EVENT_FEED_UNAVAILABLE', retryable: true } }),
  ]);
  await early.dispose();

  // The database appears: the feed starts (backoff at most 5 s), /ready turns 200.
  proxy = await relay(port, real);
  await eventually(async () => {
    const r = await fetch(gateway!.url.replace(/\/graphql$/, '/ready'));
    const body = (await r.json()) as { checks: Record<string, string> };
    expect(body.checks.eventFeed).toBe('ok');
    expect(r.status).toBe(200);
  }, 15_000);

  // And live updates flow: a plan drafted for the coordinator's patient reaches the new subscription.
  const patient = await hub.query(`mutation { registerPatient(input: { mrn: "START-1", givenName: "Ada", familyName: "Start", birthDate: "1950-01-01", administrativeSex: FEMALE }) { id } }`);
  const team = await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
    i: { patientId: patient.data!.registerPatient.id, name: 'Start team', members: [{ practitionerId: 'start-coord', role: 'CARE_COORDINATOR' }] },
  });
  expect(team.errors).toBeUndefined();
  const later = subscribe(gateway.url, coordinator, 'subscription { myCarePlanChanges { changeKind carePlan { title } } }');
  await subscribed(gateway.url, 1);
  const plan = await hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId: team.data!.formCareTeam.id, title: 'After the outage' } }, coordinator);
  expect(plan.errors).toBeUndefined();
  await later.waitFor(1, 10_000);
  expect(later.results[0].data).toEqual({ myCarePlanChanges: { changeKind: 'CREATED', carePlan: { title: 'After the outage' } } });
  await later.dispose();
}, 60_000);
