/**
 * The community-partners part of the demo seed: the referrals of the demo
 * population with their history and events, as the live workflow writes them —
 * and served to the demo partner on /partner/graphql once the patients' seeded
 * consents are projected, and to the demo social worker where the seeded care
 * team has her on it.
 */
import { Role } from '../shared/auth';
import { readEventsAfter } from '../shared/events';
import { SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import { demoPatients, type DemoPatient } from '../scripts/seed/population';
import { seedDemoPopulation } from '../scripts/seed/index';
import { SUBGRAPHS } from '../subgraphs';
import { startHub, type TestHub } from './support/hub';
import { FOOD_BANK, partnerQuery } from './partner-fixtures';
import { eventually } from './support/live';

const COUNT = 300;
let hub: TestHub;
const population: DemoPatient[] = [];

beforeAll(async () => {
  hub = await startHub();
  const dataSources = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, hub.subgraphs[n].ds])) as Record<SubgraphName, TestHub['subgraphs'][SubgraphName]['ds']>;
  await seedDemoPopulation(SUBGRAPHS, dataSources, COUNT);
  for (const batch of demoPatients(COUNT)) population.push(...batch);
});
afterAll(async () => { await hub?.stop(); });

const referrals = () => population.flatMap((p) => p.referrals.map((r) => ({ ...r, patientId: p.id })));

it('writes every demo referral with its status times and full history', async () => {
  const expected = referrals();
  expect(expected.length).toBeGreaterThan(5);
  expect(new Set(expected.map((r) => r.status))).toEqual(new Set(['requested', 'accepted', 'in-progress', 'completed', 'rejected']));
  const ds = hub.subgraphs['community-partners'].ds;
  const rows: { id: string; status: string; requested_at: Date; accepted_at: Date | null; completed_at: Date | null; rejected_at: Date | null; status_reason: string | null; outcome_text: string | null }[] =
    await ds.query('SELECT * FROM community_partners.referral');
  expect(rows).toHaveLength(expected.length);
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const r of expected) {
    const row = byId.get(r.id)!;
    const at = (s: string) => r.history.find((h) => h.status === s)?.at ?? null;
    expect(row).toMatchObject({ status: r.status, requested_at: at('requested'), accepted_at: at('accepted'), completed_at: at('completed'), rejected_at: at('rejected'), outcome_text: r.outcome });
    expect(row.status_reason !== null).toBe(r.status === 'rejected');
  }
  const [{ n }] = await ds.query('SELECT count(*)::int AS n FROM community_partners.referral_status_change');
  expect(n).toBe(expected.reduce((sum, r) => sum + r.history.length, 0));
});

it('emits the ReferralStatusChanged events of each step, dated when the step happened', async () => {
  const events = (await readEventsAfter(hub.subgraphs.patients.ds, '0', 100_000)).filter((e) => e.type === 'ReferralStatusChanged');
  for (const r of referrals()) {
    const mine = events.filter((e) => e.aggregateId === r.id);
    expect(mine.map((e) => [e.payload.previousStatus, e.payload.status, e.occurredAt])).toEqual(
      r.history.map((h, i) => [i === 0 ? null : r.history[i - 1].status, h.status, h.at]),
    );
    expect(mine[0]).toMatchObject({ patientId: r.patientId, payload: { referralId: r.id, partnerId: r.partnerId, socialNeedId: r.socialNeedId, actorSide: 'REQUESTER' } });
  }
});

it('serves the seeded referrals to the demo food bank user, with the seeded consents', async () => {
  const token = await hub.token({ sub: 'demo-partner-user', roles: [Role.PARTNER_STAFF], org: FOOD_BANK.id });
  const expected = referrals().filter((r) => r.partnerId === FOOD_BANK.id).map((r) => r.id).sort();
  expect(expected.length).toBeGreaterThan(0);
  await eventually(async () => {
    const res = await partnerQuery(hub, `{ myReferrals { edges { node { id status patient { familyName } } } } }`, {}, token);
    expect(res.errors).toBeUndefined();
    expect(res.data!.myReferrals.edges.map((e: { node: { id: string } }) => e.node.id).sort()).toEqual(expected);
  }, 15000);
  // The seeded state is a real point of the workflow: an accepted one can be completed.
  const accepted = referrals().find((r) => r.partnerId === FOOD_BANK.id && r.status === 'accepted');
  if (accepted) {
    const done = await partnerQuery(hub, `mutation($id: ID!) { completeReferral(input: { id: $id, outcome: { text: "Groceries delivered" } }) { status history { edges { node { status } } } } }`, { id: accepted.id }, token);
    expect(done.errors).toBeUndefined();
    expect(done.data!.completeReferral.history.edges.map((e: { node: { status: string } }) => e.node.status)).toEqual(['REQUESTED', 'ACCEPTED', 'COMPLETED']);
  }
});

it("serves a seeded referral to the demo social worker on the patient's team, and refuses one outside it", async () => {
  const mine = population.find((p) => p.referrals.length > 0 && p.careTeam?.members.some((m) => m.practitionerId === 'demo-social-worker'))!;
  expect(mine).toBeDefined();
  const Q = `query($id: ID!) { referral(id: $id) { id status } }`;
  const ok = await hub.query(Q, { id: mine.referrals[0].id }, await hub.token({ sub: 'demo-social-worker', roles: [Role.SOCIAL_WORKER] }));
  expect(ok.errors).toBeUndefined();
  expect(ok.data!.referral.id).toBe(mine.referrals[0].id);
  const refused = await hub.query(Q, { id: mine.referrals[0].id }, await hub.token({ sub: 'sw-elsewhere', roles: [Role.SOCIAL_WORKER] }));
  expect(refused.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM', patientId: mine.id });
});
