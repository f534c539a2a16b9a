/**
 * Live updates under faults, through the gateway with real graphql-ws clients: a
 * subgraph stops answering (its HTTP server refuses connections; another's database
 * loses the table the selected fields are read from) while a writer makes changes and
 * subscribers follow. Counted against hub_events.event_log, every committed change
 * reaches every subscriber exactly once, in order, once the subgraph answers again;
 * care-teams down holds up no delivery that needs none of its fields (the gateway
 * decides who receives what); an authorization check that cannot be made waits
 * instead of refusing; a subgraph
 * down past SUBSCRIPTION_UPSTREAM_RETRY_MS ends subscriptions with UPSTREAM_UNAVAILABLE
 * at the last delivered cursor, and resuming from it delivers the rest.
 */
import { Client } from 'pg';
import { Role } from '../shared/auth';
import { encodeCursor } from '../gateway/live/cursor';
import { followCarePlans } from '../examples/live-care-plans';
import { startHub, type TestHub } from './support/hub';
import { eventually, loggedPositions, positionOf, stopAnswering, subscribe, type LiveSubscription } from './support/live';

// Short enough for the ending case to finish quickly, long enough that the brief outages below stay inside it.
const RETRY_MS = 6000;
const previousRetryMs = process.env.SUBSCRIPTION_UPSTREAM_RETRY_MS;
process.env.SUBSCRIPTION_UPSTREAM_RETRY_MS = String(RETRY_MS);

let hub: TestHub;
let coordinator: string;
let nurse: string;
let lateNurse: string;
let otherLateNurse: string;
let patientId: string;
let careTeamId: string;

const FOLLOW = `subscription($p: ID, $after: String) { carePlanChanged(patientId: $p, after: $after) { cursor carePlan { title } patient { familyName } } }`;
const PLAN_ONLY = `subscription($p: ID) { carePlanChanged(patientId: $p) { cursor carePlan { title version } } }`;
const PATIENT_ONLY = `subscription($p: ID, $after: String) { carePlanChanged(patientId: $p, after: $after) { cursor patient { familyName } } }`;
const MINE = `subscription { myCarePlanChanges { cursor changeKind patient { mrn } } }`;

async function sql(text: string): Promise<{ rows: Record<string, string>[] }> {
  const c = new Client({ connectionString: hub.databaseUrl });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

const logHead = async () => (await sql('SELECT COALESCE(MAX(id), 0)::text AS id FROM hub_events.event_log')).rows[0].id;

async function createPlan(title: string): Promise<string> {
  const res = await hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId, title } }, nurse);
  expect(res.errors).toBeUndefined();
  return res.data!.createCarePlan.id;
}

/** The positions a subscription received, in arrival order (a result without a cursor fails here). */
const received = (s: LiveSubscription, field: string) => s.results.map((r) => positionOf(r.data![field].cursor));

beforeAll(async () => {
  hub = await startHub();
  coordinator = await hub.token({ sub: 'coord-faults', roles: [Role.CARE_COORDINATOR] });
  nurse = await hub.token({ sub: 'nurse-faults', roles: [Role.NURSE] });
  lateNurse = await hub.token({ sub: 'nurse-faults-late', roles: [Role.NURSE] });
  otherLateNurse = await hub.token({ sub: 'nurse-faults-later', roles: [Role.NURSE] });
  const p = await hub.query(`mutation { registerPatient(input: { mrn: "FAULT-1", givenName: "Ines", familyName: "Moreau", birthDate: "1947-06-12", administrativeSex: FEMALE }) { id } }`);
  patientId = p.data!.registerPatient.id;
  const t = await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
    i: { patientId, name: 'Faults team', members: [
      { practitionerId: 'coord-faults', role: 'CARE_COORDINATOR' },
      { practitionerId: 'nurse-faults', role: 'NURSE_CASE_MANAGER' },
      { practitionerId: 'nurse-faults-late', role: 'NURSE_CASE_MANAGER' },
      { practitionerId: 'nurse-faults-later', role: 'NURSE_CASE_MANAGER' },
    ] },
  });
  expect(t.errors).toBeUndefined();
  careTeamId = t.data!.formCareTeam.id;
  await hub.settle();
});

afterAll(async () => {
  await hub?.stop();
  if (previousRetryMs === undefined) delete process.env.SUBSCRIPTION_UPSTREAM_RETRY_MS;
  else process.env.SUBSCRIPTION_UPSTREAM_RETRY_MS = previousRetryMs;
});

it('subgraphs that stop answering while changes are made: every committed change reaches every subscriber once, in order', async () => {
  const manager = hub.gateway.subscriptions();
  const since = await logHead();
  const before = manager.subscriberCount;
  const followers = [
    { s: subscribe(hub.gatewayUrl, coordinator, FOLLOW, { p: patientId }), field: 'carePlanChanged' },
    { s: subscribe(hub.gatewayUrl, coordinator, FOLLOW, { p: patientId }), field: 'carePlanChanged' },
    { s: subscribe(hub.gatewayUrl, coordinator, PLAN_ONLY, { p: patientId }), field: 'carePlanChanged' },
    { s: subscribe(hub.gatewayUrl, nurse, MINE), field: 'myCarePlanChanges' },
  ];
  await eventually(() => expect(manager.subscriberCount).toBe(before + followers.length));
  const firstPlan = await createPlan('Before the outage');
  await Promise.all(followers.map(({ s }) => s.waitFor(1)));

  const retries = manager.stats.upstreamRetries;
  const patientsDown = await stopAnswering(hub.subgraphs.patients);
  try {
    for (let i = 0; i < 3; i++) await createPlan(`While patients is down ${i}`);
    await eventually(() => expect(manager.stats.upstreamRetries).toBeGreaterThan(retries));

    // Then care-teams' database loses the plans table: care-teams answers, with an error instead of the plans.
    await sql('ALTER TABLE care_teams.care_plan RENAME TO care_plan_unavailable');
    try {
      await patientsDown.end();
      const probe = await hub.query(`query($id: ID!) { carePlan(id: $id) { title } }`, { id: firstPlan }, coordinator);
      expect(probe.errors?.[0].extensions?.code).toMatch(/^(INTERNAL_SERVER_ERROR|SERVICE_UNAVAILABLE)$/);
      const stillRetrying = manager.stats.upstreamRetries;
      await eventually(() => expect(manager.stats.upstreamRetries).toBeGreaterThan(stillRetrying));
    } finally {
      await sql('ALTER TABLE care_teams.care_plan_unavailable RENAME TO care_plan');
    }
  } finally {
    await patientsDown.end();
  }
  for (let i = 0; i < 2; i++) await createPlan(`After the outage ${i}`);

  const expected = await loggedPositions(hub.databaseUrl, 'CarePlanChanged', patientId, since);
  expect(expected).toHaveLength(6);
  // Everyone has the last change: a doubled or late one would have arrived before it, in order.
  await Promise.all(followers.map(({ s }) => s.waitFor(expected.length, 20_000)));
  for (const { s, field } of followers) {
    expect(s.results.filter((r) => r.errors)).toEqual([]);
    expect(received(s, field)).toEqual(expected);
  }
  expect(followers[0].s.results.map((r) => r.data!.carePlanChanged.patient.familyName)).toEqual(Array(6).fill('Moreau'));
  await Promise.all(followers.map(({ s }) => s.dispose()));
});

it('care-teams down does not hold up deliveries it has no part in: who may receive them is decided in the gateway (gateway/live/relationships.ts)', async () => {
  const since = await logHead();
  for (let i = 0; i < 3; i++) await createPlan(`Missed by the late nurse ${i}`);
  const careTeamsDown = await stopAnswering(hub.subgraphs['care-teams']);
  try {
    // Never decided before; its fields come from patients alone.
    const late = subscribe(hub.gatewayUrl, lateNurse, PATIENT_ONLY, { p: patientId, after: encodeCursor(since) });
    const expected = await loggedPositions(hub.databaseUrl, 'CarePlanChanged', patientId, since);
    expect(expected).toHaveLength(3);
    await late.waitFor(expected.length, 20_000);
    expect(received(late, 'carePlanChanged')).toEqual(expected);
    await late.dispose();
  } finally {
    await careTeamsDown.end();
  }
});

it('an authorization check that cannot be made (the gateway cannot read its copy of the care relationships) waits for the answer: the missed changes are delivered, not refused', async () => {
  const manager = hub.gateway.subscriptions();
  const since = await logHead();
  for (let i = 0; i < 3; i++) await createPlan(`Missed by the other late nurse ${i}`);

  const retries = manager.stats.upstreamRetries;
  await sql('ALTER TABLE hub_gateway.access_membership RENAME TO access_membership_unavailable');
  let late: LiveSubscription | undefined;
  try {
    // Never decided before, so each event needs the gateway's relationship copy.
    late = subscribe(hub.gatewayUrl, otherLateNurse, PATIENT_ONLY, { p: patientId, after: encodeCursor(since) });
    await eventually(() => expect(manager.stats.upstreamRetries).toBeGreaterThan(retries));
    expect(late.results).toEqual([]);
  } finally {
    await sql('ALTER TABLE hub_gateway.access_membership_unavailable RENAME TO access_membership');
  }
  await createPlan('After the relationships are readable again');

  const expected = await loggedPositions(hub.databaseUrl, 'CarePlanChanged', patientId, since);
  expect(expected).toHaveLength(4);
  await late.waitFor(expected.length, 20_000);
  expect(received(late, 'carePlanChanged')).toEqual(expected);
  await late.dispose();
});

it('a subgraph down past SUBSCRIPTION_UPSTREAM_RETRY_MS ends subscriptions with UPSTREAM_UNAVAILABLE at the last delivered cursor; resuming delivers the rest', async () => {
  const manager = hub.gateway.subscriptions();
  const since = await logHead();
  const before = manager.subscriberCount;
  const s = subscribe(hub.gatewayUrl, coordinator, FOLLOW, { p: patientId });
  // The example client follows the same changes and must come through on its own.
  const seen: string[] = [];
  const logs: string[] = [];
  const abort = new AbortController();
  const following = followCarePlans({
    url: hub.gatewayUrl.replace(/^http/, 'ws'), token: coordinator, signal: abort.signal, log: (m) => logs.push(m), upstreamBackoffMs: 200,
    onChange: (c) => seen.push(positionOf(c.cursor)),
  });
  await eventually(() => expect(manager.subscriberCount).toBe(before + 2));
  await createPlan('Delivered before the outage');
  await s.waitFor(1);
  const lastDelivered = s.results[0].data!.carePlanChanged.cursor;
  await eventually(() => expect(seen).toHaveLength(1));

  const endings = manager.stats.upstreamEndings;
  const patientsDown = await stopAnswering(hub.subgraphs.patients);
  try {
    await createPlan('While patients stays down 1');
    await createPlan('While patients stays down 2');
    await s.waitFor(2, RETRY_MS * 3);
    expect(s.results).toHaveLength(2);
    expect(s.results[1].data).toBeUndefined();
    expect(s.results[1].errors![0].extensions).toMatchObject({ code: 'SUBSCRIPTION_ENDED', reason: 'UPSTREAM_UNAVAILABLE', resumeAfter: lastDelivered });
    await eventually(() => expect(s.completed).toBe(true));
    expect(manager.stats.upstreamEndings).toBeGreaterThan(endings);
    await eventually(() => expect(logs.some((m) => m.includes('UPSTREAM_UNAVAILABLE'))).toBe(true), RETRY_MS * 3);
  } finally {
    await patientsDown.end();
  }

  const resumed = subscribe(hub.gatewayUrl, coordinator, FOLLOW, { p: patientId, after: s.results[1].errors![0].extensions!.resumeAfter });
  await createPlan('After the outage');
  const expected = await loggedPositions(hub.databaseUrl, 'CarePlanChanged', patientId, since);
  expect(expected).toHaveLength(4);
  await resumed.waitFor(3, 20_000);
  expect(received(resumed, 'carePlanChanged')).toEqual(expected.slice(1));
  await eventually(() => expect(seen).toEqual(expected), 20_000);

  abort.abort();
  await following;
  await Promise.all([s.dispose(), resumed.dispose()]);
});
