/**
 * Back-pressure and shutdown: a subscriber that stops reading has a bounded queue;
 * overflowing it closes that subscriber's connection (it resumes from its cursor)
 * while a subscriber sharing the same events keeps receiving every one.
 */
import { parse } from 'graphql';
import { Role, type Principal } from '../shared/auth';
import type { ConnectionBudget } from '../gateway/live/subscriptions';
import { startHub, type TestHub } from './support/hub';
import { eventually, subscribe } from './support/live';

let hub: TestHub;
let careTeamId: string;
let patientId: string;
let coordinator: string;

beforeAll(async () => {
  hub = await startHub();
  coordinator = await hub.token({ sub: 'coord-bp', roles: [Role.CARE_COORDINATOR] });
  const p = await hub.query(`mutation { registerPatient(input: { mrn: "BP-1", givenName: "Ana", familyName: "Lopez", birthDate: "1950-01-01", administrativeSex: FEMALE }) { id } }`);
  patientId = p.data!.registerPatient.id;
  const t = await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, { i: { patientId, name: 'BP team', members: [{ practitionerId: 'coord-bp', role: 'CARE_COORDINATOR' }] } });
  careTeamId = t.data!.formCareTeam.id;
});
afterAll(async () => { await hub?.stop(); });

const QUERY = `subscription($p: ID) { carePlanChanged(patientId: $p) { cursor carePlan { title } } }`;

it('closes a subscriber that stops reading once its queue is full, without slowing a healthy one', async () => {
  const healthy = subscribe(hub.gatewayUrl, coordinator, QUERY, { p: patientId });
  // A subscriber that never reads its results: the manager's queue is all that holds them.
  let overflowed = false;
  const budget: ConnectionBudget = { pending: 0, limit: 5, overflow: () => { overflowed = true; } };
  const principal: Principal = { sub: 'coord-bp', roles: [Role.CARE_COORDINATOR] };
  const manager = hub.gateway.subscriptions();
  const executor = (manager as unknown as { executor: { prepare: Function } }).executor;
  const prepared = executor.prepare(parse(QUERY), undefined, { p: patientId });
  const stalled = await manager.subscribe({ prepared, principal, authorization: `Bearer ${coordinator}`, connection: budget });
  await new Promise((r) => setTimeout(r, 300));

  for (let i = 0; i < 8; i++) {
    await hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId, title: `Change ${i}` } }, coordinator);
  }
  await healthy.waitFor(8);
  expect(healthy.results.map((r) => r.data!.carePlanChanged.carePlan.title)).toEqual(Array.from({ length: 8 }, (_, i) => `Change ${i}`));
  await eventually(() => expect(overflowed).toBe(true));
  expect(budget.pending).toBeLessThanOrEqual(5);

  // What the stalled subscriber did queue is still in order, then it ends.
  const received: string[] = [];
  for await (const r of stalled) received.push((r.data as any).carePlanChanged.carePlan.title);
  expect(received).toEqual(['Change 0', 'Change 1', 'Change 2', 'Change 3', 'Change 4']);
  await healthy.dispose();
});

it('ends subscriptions with a reason and a resume cursor when the gateway shuts down', async () => {
  const s = subscribe(hub.gatewayUrl, coordinator, QUERY, { p: patientId });
  await new Promise((r) => setTimeout(r, 200));
  await hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId, title: 'Last one' } }, coordinator);
  await s.waitFor(1);
  await hub.gateway.stop();
  await s.waitFor(2);
  expect(s.results[1].errors![0].extensions).toMatchObject({ code: 'SUBSCRIPTION_ENDED', reason: 'SHUTDOWN', resumeAfter: s.results[0].data!.carePlanChanged.cursor });
  const closed = await s.waitForClose();
  expect(closed.code).toBe(1001);
  (hub.gateway as { stop: () => Promise<void> }).stop = async () => undefined; // already stopped
});
