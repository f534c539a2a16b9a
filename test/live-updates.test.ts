/**
 * Live care plan updates over graphql-ws through the gateway: fields from several
 * subgraphs per event, per-event authorization, resume from a cursor with nothing
 * lost or doubled, token rules, schema change and shutdown.
 */
import { Client } from 'pg';
import { Role } from '../shared/auth';
import { composeSupergraph, subgraphSdls } from '../gateway/compose';
import { SUBGRAPHS } from '../subgraphs';
import { followCarePlans } from '../examples/live-care-plans';
import { startHub, type TestHub } from './support/hub';
import { eventually, subscribe } from './support/live';

let hub: TestHub;
let coordinator: string;
let nurse: string;
let outsider: string;
let patientId: string;
let careTeamId: string;

const PLAN_CHANGES = `subscription($patientId: ID, $after: String) {
  carePlanChanged(patientId: $patientId, after: $after) {
    cursor changeKind actor version
    carePlan { title version }
    patient { familyName mrn }
  }
}`;

async function createPlan(title: string, token = nurse): Promise<string> {
  const res = await hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId, title } }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.createCarePlan.id;
}

beforeAll(async () => {
  hub = await startHub();
  coordinator = await hub.token({ sub: 'coord-live', roles: [Role.CARE_COORDINATOR] });
  nurse = await hub.token({ sub: 'nurse-live', roles: [Role.NURSE] });
  outsider = await hub.token({ sub: 'nurse-elsewhere', roles: [Role.NURSE] });
  const p = await hub.query(`mutation { registerPatient(input: { mrn: "LIVE-1", givenName: "Lena", familyName: "Okafor", birthDate: "1951-02-03", administrativeSex: FEMALE }) { id } }`);
  patientId = p.data!.registerPatient.id;
  const t = await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
    i: { patientId, name: 'Live team', members: [{ practitionerId: 'coord-live', role: 'CARE_COORDINATOR' }, { practitionerId: 'nurse-live', role: 'NURSE_CASE_MANAGER' }] },
  });
  careTeamId = t.data!.formCareTeam.id;
});
afterAll(async () => { await hub?.stop(); });

it("delivers a nurse's change to the coordinator with fields from two subgraphs; a non-member receives nothing", async () => {
  const coordinatorSub = subscribe(hub.gatewayUrl, coordinator, PLAN_CHANGES, { patientId });
  const outsiderSub = subscribe(hub.gatewayUrl, outsider, PLAN_CHANGES, { patientId });
  const outsiderAll = subscribe(hub.gatewayUrl, outsider, `subscription { myCarePlanChanges { cursor carePlan { id } } }`);
  const coordinatorAll = subscribe(hub.gatewayUrl, coordinator, `subscription { myCarePlanChanges { changeKind carePlan { title } } }`);
  await new Promise((r) => setTimeout(r, 300));

  await createPlan('Breathe easier');
  await coordinatorSub.waitFor(1);
  await coordinatorAll.waitFor(1);
  const event = coordinatorSub.results[0].data!.carePlanChanged;
  expect(event).toMatchObject({
    changeKind: 'CREATED', actor: 'nurse-live', version: 1,
    carePlan: { title: 'Breathe easier', version: 1 },
    patient: { familyName: 'Okafor', mrn: 'LIVE-1' },
  });
  expect(typeof event.cursor).toBe('string');
  expect(coordinatorAll.results[0].data!.myCarePlanChanges).toEqual({ changeKind: 'CREATED', carePlan: { title: 'Breathe easier' } });

  await new Promise((r) => setTimeout(r, 300));
  expect(outsiderSub.results).toEqual([]);
  expect(outsiderAll.results).toEqual([]);
  await Promise.all([coordinatorSub, outsiderSub, outsiderAll, coordinatorAll].map((s) => s.dispose()));
});

it("a clinician outside the team receives the patient's changes only while her break-the-glass access lasts", async () => {
  const btgNurse = await hub.token({ sub: 'nurse-glass-live', roles: [Role.NURSE] });
  const sub = subscribe(hub.gatewayUrl, btgNurse, PLAN_CHANGES, { patientId });
  await new Promise((r) => setTimeout(r, 300));
  await createPlan('Before the glass');
  await new Promise((r) => setTimeout(r, 500));
  expect(sub.results).toEqual([]); // refused, and that refusal is remembered for the next events

  const grant = await hub.query(`mutation($i: BreakTheGlassInput!) { breakTheGlass(input: $i) { id expiresAt } }`,
    { i: { patientId, reason: 'Seen in the emergency department, unresponsive' } }, btgNurse);
  expect(grant.errors).toBeUndefined();
  await createPlan('While the glass is broken');
  await sub.waitFor(1);
  expect(sub.results[0].errors).toBeUndefined();
  expect(sub.results[0].data!.carePlanChanged.carePlan.title).toBe('While the glass is broken');

  const c = new Client({ connectionString: hub.databaseUrl });
  await c.connect();
  try {
    // The delivery is in the trail as a break-the-glass read, with the grant and its reason.
    const { rows: deliveries } = await c.query(
      `SELECT purpose, reason, patient_ids FROM hub_audit.audit_event WHERE service = 'gateway' AND channel = 'subscription' AND actor_sub = 'nurse-glass-live'`);
    expect(deliveries).toEqual([{ purpose: 'BREAK_THE_GLASS', reason: `break-the-glass ${grant.data!.breakTheGlass.id}: Seen in the emergency department, unresponsive`, patient_ids: [patientId] }]);

    // The grant's time runs out (moved, in every copy of the relationships, to a moment ago).
    await hub.settle();
    for (const schema of ['patients', 'care_teams', 'community_partners', 'metrics', 'hub_gateway']) {
      const { rowCount } = await c.query(`UPDATE ${schema}.access_grant SET expires_at = now() - interval '1 second' WHERE grant_id = $1`, [grant.data!.breakTheGlass.id]);
      expect({ schema, rowCount }).toEqual({ schema, rowCount: 1 });
    }
  } finally {
    await c.end();
  }
  const coordinatorSub = subscribe(hub.gatewayUrl, coordinator, PLAN_CHANGES, { patientId });
  await new Promise((r) => setTimeout(r, 300));
  await createPlan('After the access ended');
  await coordinatorSub.waitFor(1); // the event was served
  await new Promise((r) => setTimeout(r, 500));
  expect(sub.results).toHaveLength(1);
  await Promise.all([sub.dispose(), coordinatorSub.dispose()]);
});

it('resumes from a cursor: exactly the missed changes, in order, then live ones', async () => {
  const first = subscribe(hub.gatewayUrl, coordinator, PLAN_CHANGES, { patientId });
  await new Promise((r) => setTimeout(r, 200));
  await createPlan('Before the disconnect');
  await first.waitFor(1);
  const cursor = first.results[0].data!.carePlanChanged.cursor;
  await first.dispose();

  for (const title of ['Missed 1', 'Missed 2', 'Missed 3']) await createPlan(title);
  const resumed = subscribe(hub.gatewayUrl, coordinator, PLAN_CHANGES, { patientId, after: cursor });
  await resumed.waitFor(3);
  await createPlan('Live after resume');
  await resumed.waitFor(4);
  await new Promise((r) => setTimeout(r, 300));
  expect(resumed.results.map((r) => r.data!.carePlanChanged.carePlan.title)).toEqual(['Missed 1', 'Missed 2', 'Missed 3', 'Live after resume']);
  const cursors = resumed.results.map((r) => r.data!.carePlanChanged.cursor);
  expect(new Set(cursors).size).toBe(4);
  await resumed.dispose();
});

it("a resumed subscriber receives each missed change's revision (before/after), not the plan's latest", async () => {
  const REVISIONS = `subscription($carePlanId: ID, $after: String) {
    carePlanChanged(carePlanId: $carePlanId, after: $after) {
      cursor changeKind version
      revision { version actor changeKind changes { field before after } }
      carePlan { version description }
    }
  }`;
  const carePlanId = await createPlan('Fewer falls');
  const first = subscribe(hub.gatewayUrl, coordinator, REVISIONS, { carePlanId });
  await new Promise((r) => setTimeout(r, 200));
  const update = (expectedVersion: number, description: string) =>
    hub.query(`mutation($i: UpdateCarePlanInput!) { updateCarePlan(input: $i) { version } }`, { i: { carePlanId, expectedVersion, description } }, nurse);
  expect((await update(1, 'Home safety check')).errors).toBeUndefined();
  await first.waitFor(1);
  const cursor = first.results[0].data!.carePlanChanged.cursor;
  await first.dispose();

  // While the coordinator is away: two more edits of the same field, then a status change.
  expect((await update(2, 'Home safety check and grab bars')).errors).toBeUndefined();
  expect((await update(3, 'Grab bars installed')).errors).toBeUndefined();
  const activated = await hub.query(`mutation($i: ChangeCarePlanStatusInput!) { changeCarePlanStatus(input: $i) { version } }`, { i: { carePlanId, expectedVersion: 4, status: 'ACTIVE' } }, nurse);
  expect(activated.errors).toBeUndefined();

  const resumed = subscribe(hub.gatewayUrl, coordinator, REVISIONS, { carePlanId, after: cursor });
  await resumed.waitFor(3);
  expect(resumed.results.map((r) => r.errors)).toEqual([undefined, undefined, undefined]);
  const events = resumed.results.map((r) => r.data!.carePlanChanged);
  expect(events.map((e) => [e.changeKind, e.version, e.revision.version, e.revision.changeKind, e.revision.actor])).toEqual([
    ['UPDATED', 3, 3, 'UPDATED', 'nurse-live'], ['UPDATED', 4, 4, 'UPDATED', 'nurse-live'], ['STATUS_CHANGED', 5, 5, 'STATUS_CHANGED', 'nurse-live'],
  ]);
  expect(events[0].revision.changes).toEqual([{ field: 'description', before: 'Home safety check', after: 'Home safety check and grab bars' }]);
  expect(events[1].revision.changes).toEqual([{ field: 'description', before: 'Home safety check and grab bars', after: 'Grab bars installed' }]);
  expect(events[2].revision.changes).toEqual(expect.arrayContaining([{ field: 'status', before: 'draft', after: 'active' }]));
  // The plan itself is as it is now, in every replayed event: only the revision tells each change.
  expect(events.map((e) => e.carePlan)).toEqual(Array(3).fill({ version: 5, description: 'Grab bars installed' }));
  await resumed.dispose();
});

it('resumes with no gap and no duplicate while changes keep coming', async () => {
  const first = subscribe(hub.gatewayUrl, coordinator, PLAN_CHANGES, { patientId });
  await new Promise((r) => setTimeout(r, 200));
  await createPlan('Anchor');
  await first.waitFor(1);
  const cursor = first.results[0].data!.carePlanChanged.cursor;
  await first.dispose();

  const titles = Array.from({ length: 12 }, (_, i) => `Burst ${i}`);
  const writing = (async () => { for (const t of titles) await createPlan(t); })();
  await new Promise((r) => setTimeout(r, 30));
  const resumed = subscribe(hub.gatewayUrl, coordinator, PLAN_CHANGES, { patientId, after: cursor });
  await writing;
  await resumed.waitFor(titles.length, 10_000);
  await new Promise((r) => setTimeout(r, 300));
  expect(resumed.results.map((r) => r.data!.carePlanChanged.carePlan.title)).toEqual(titles);
  await resumed.dispose();
});

it('refuses a cursor older than the retention window, and a cursor it never issued', async () => {
  const first = subscribe(hub.gatewayUrl, coordinator, PLAN_CHANGES, { patientId });
  await new Promise((r) => setTimeout(r, 200));
  await createPlan('Old news');
  await first.waitFor(1);
  const cursor = first.results[0].data!.carePlanChanged.cursor;
  await first.dispose();
  await createPlan('After old news');
  const position = Buffer.from(cursor, 'base64url').toString().slice(3);
  const c = new Client({ connectionString: hub.databaseUrl });
  await c.connect();
  await c.query(`UPDATE hub_events.event_log SET recorded_at = now() - interval '8 days' WHERE id > $1`, [position]);
  await c.end();

  const stale = subscribe(hub.gatewayUrl, coordinator, PLAN_CHANGES, { patientId, after: cursor });
  await eventually(() => expect(stale.errors.length).toBe(1));
  const [err] = stale.errors as { message: string; extensions: Record<string, unknown> }[][];
  expect((err as unknown as { message: string; extensions: Record<string, unknown> }[])[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', reason: 'CURSOR_EXPIRED' } });
  expect(JSON.stringify(err)).toMatch(/refetch/);

  const bogus = subscribe(hub.gatewayUrl, coordinator, PLAN_CHANGES, { patientId, after: 'not-a-cursor' });
  await eventually(() => expect(bogus.errors.length).toBe(1));
  expect(JSON.stringify(bogus.errors[0])).toMatch(/BAD_USER_INPUT/);
  await Promise.all([stale.dispose(), bogus.dispose()]);
});

describe('tokens on the socket', () => {
  it('closes with 4401 without a token or with a bad one', async () => {
    const none = subscribe(hub.gatewayUrl, null, PLAN_CHANGES, { patientId });
    expect((await none.waitForClose()).code).toBe(4401);
    const bad = subscribe(hub.gatewayUrl, `${nurse}x`, PLAN_CHANGES, { patientId });
    expect((await bad.waitForClose()).code).toBe(4401);
  });

  it('closes with 4403 for a partner token on the clinical endpoint', async () => {
    const partner = await hub.token({ roles: [Role.PARTNER_STAFF], org: '00000000-0000-4000-8000-000000000001' });
    const s = subscribe(hub.gatewayUrl, partner, PLAN_CHANGES, { patientId });
    expect((await s.waitForClose()).code).toBe(4403);
  });

  it('closes a socket when its token expires', async () => {
    const shortLived = await hub.token({ sub: 'coord-live', roles: [Role.CARE_COORDINATOR], expiresIn: Math.floor(Date.now() / 1000) + 2 });
    const s = subscribe(hub.gatewayUrl, shortLived, PLAN_CHANGES, { patientId });
    const closed = await s.waitForClose(6000);
    expect(closed.code).toBe(4401);
    expect(closed.reason).toMatch(/expired/);
  });

  it('refuses a subscription the role may not make', async () => {
    const analyst = await hub.token({ roles: [Role.ANALYST] });
    const s = subscribe(hub.gatewayUrl, analyst, PLAN_CHANGES, { patientId });
    await eventually(() => expect(s.errors.length).toBe(1));
    expect(JSON.stringify(s.errors[0])).toMatch(/FORBIDDEN/);
    await s.dispose();
  });
});

it('shares one upstream feed: many subscribers add no database connections', async () => {
  const count = async () => {
    const c = new Client({ connectionString: hub.databaseUrl });
    await c.connect();
    const { rows } = await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()`);
    await c.end();
    return rows[0].n as number;
  };
  const before = await count();
  const subs = Array.from({ length: 40 }, () => subscribe(hub.gatewayUrl, coordinator, PLAN_CHANGES, { patientId }));
  await new Promise((r) => setTimeout(r, 500));
  await createPlan('Fan-out');
  await Promise.all(subs.map((s) => s.waitFor(1)));
  expect(await count()).toBeLessThanOrEqual(before + 1);
  await Promise.all(subs.map((s) => s.dispose()));
});

it('ends subscriptions with a reason when the schema changes; the client resumes from its cursor', async () => {
  const s = subscribe(hub.gatewayUrl, coordinator, PLAN_CHANGES, { patientId });
  await new Promise((r) => setTimeout(r, 200));
  await createPlan('Before the schema change');
  await s.waitFor(1);
  const urls = Object.fromEntries(Object.entries(hub.subgraphs).map(([n, sg]) => [n, sg.url]));
  const sdl = composeSupergraph(await subgraphSdls(SUBGRAPHS, urls));
  hub.gateway.reloadSupergraph(`${sdl}\n# recomposed\n`);
  await s.waitFor(2);
  await eventually(() => expect(s.completed).toBe(true));
  const last = s.results[1].errors![0];
  expect(last.extensions).toMatchObject({ code: 'SUBSCRIPTION_ENDED', reason: 'SCHEMA_CHANGED', resumeAfter: s.results[0].data!.carePlanChanged.cursor });

  await createPlan('While away');
  const resumed = subscribe(hub.gatewayUrl, coordinator, PLAN_CHANGES, { patientId, after: last.extensions!.resumeAfter });
  await resumed.waitFor(1);
  expect(resumed.results[0].data!.carePlanChanged.carePlan.title).toBe('While away');
  await Promise.all([s.dispose(), resumed.dispose()]);
});

it('stops delivering to a member at once when their membership ends', async () => {
  const nurseSub = subscribe(hub.gatewayUrl, nurse, `subscription { myCarePlanChanges { carePlan { title } } }`);
  const coordinatorSub = subscribe(hub.gatewayUrl, coordinator, `subscription { myCarePlanChanges { carePlan { title } } }`);
  await new Promise((r) => setTimeout(r, 300));
  await createPlan('While a member', coordinator);
  await nurseSub.waitFor(1);
  await coordinatorSub.waitFor(1);

  const team = await hub.query(`query($id: ID!) { careTeam(id: $id) { members { edges { node { id practitionerId active } } } } }`, { id: careTeamId }, coordinator);
  const membership = team.data!.careTeam.members.edges.map((e: { node: unknown }) => e.node)
    .find((m: { practitionerId: string; active: boolean }) => m.practitionerId === 'nurse-live' && m.active);
  const ended = await hub.query(`mutation($i: EndCareTeamMembershipInput!) { endCareTeamMembership(input: $i) { id active } }`, { i: { membershipId: membership.id } }, coordinator);
  expect(ended.errors).toBeUndefined();

  await createPlan('After removal', coordinator);
  await coordinatorSub.waitFor(2);
  await new Promise((r) => setTimeout(r, 300));
  expect(nurseSub.results.map((r) => r.data!.myCarePlanChanges.carePlan.title)).toEqual(['While a member']);
  expect(coordinatorSub.results.map((r) => r.data!.myCarePlanChanges.carePlan.title)).toEqual(['While a member', 'After removal']);
  await Promise.all([nurseSub.dispose(), coordinatorSub.dispose()]);
});

it('the example client follows changes and resumes after the gateway ends its subscription', async () => {
  const seen: string[] = [];
  const abort = new AbortController();
  const following = followCarePlans({ url: hub.gatewayUrl.replace(/^http/, 'ws'), token: coordinator, onChange: (c) => seen.push(c.carePlan!.title), signal: abort.signal, log: () => undefined });
  await new Promise((r) => setTimeout(r, 300));
  await createPlan('Example 1', coordinator);
  await eventually(() => expect(seen).toEqual(['Example 1']));

  const urls = Object.fromEntries(Object.entries(hub.subgraphs).map(([n, sg]) => [n, sg.url]));
  hub.gateway.reloadSupergraph(`${composeSupergraph(await subgraphSdls(SUBGRAPHS, urls))}\n# again\n`);
  await createPlan('Example 2 (while reconnecting)', coordinator);
  await eventually(() => expect(seen).toEqual(['Example 1', 'Example 2 (while reconnecting)']), 8000);
  await createPlan('Example 3', coordinator);
  await eventually(() => expect(seen).toEqual(['Example 1', 'Example 2 (while reconnecting)', 'Example 3']), 8000);
  abort.abort();
  hub.gateway.reloadSupergraph(`${composeSupergraph(await subgraphSdls(SUBGRAPHS, urls))}\n# stop the example\n`);
  await following;
});
