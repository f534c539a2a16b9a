/**
 * Degrade, don't blank (issue 12): with one subgraph stopped, the README's sample
 * query still answers everything the others own, plus one error naming the path
 * and the stopped service (SUBGRAPH_UNAVAILABLE, from gateway/subgraph-fetch.ts).
 * Each case stops a different subgraph, so each runs on its own hub.
 */
import { startHub, type TestHub } from './support/hub';
import { formTeam, ok, registerPatient } from './care-teams-fixtures';

const SAMPLE = `{ patients(first: 3) { totalCount edges { node { mrn familyName careTeams { name } carePlans { title status } referrals { totalCount edges { node { status } } } } } } kpiTargets { key target } }`;

/** The patients of the answer, by family name (the list's own order is not this test's concern). */
const byName = (edges: { node: { familyName: string } }[]) => edges.map((e) => e.node).sort((a, b) => a.familyName.localeCompare(b.familyName));

async function hubWithPatients(): Promise<TestHub> {
  const hub = await startHub();
  for (const name of ['Abbott', 'Baker']) {
    const patientId = await registerPatient(hub, name);
    const team = await formTeam(hub, patientId, { [`degrade-coord-${name}`]: 'CARE_COORDINATOR' });
    ok(await hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId: team.id, title: `Plan for ${name}` } }));
  }
  await hub.settle();
  // Everything answers while every subgraph runs.
  const all = ok(await hub.query(SAMPLE));
  expect(all.patients.totalCount).toBe(2);
  expect(all.kpiTargets.length).toBeGreaterThan(0);
  expect(all.patients.edges[0].node.referrals).toEqual({ totalCount: 0, edges: [] });
  return hub;
}

describe('a stopped subgraph degrades the answer, it does not blank it', () => {
  let hub: TestHub | undefined;
  afterEach(async () => {
    // The stopped subgraph's own stop already ran; the hub's stop would stop it again.
    await hub?.stop().catch(() => undefined);
    hub = undefined;
  });

  it('metrics stopped: patients, teams, plans and referrals come back, kpiTargets is null with an error naming metrics', async () => {
    hub = await hubWithPatients();
    await hub.subgraphs.metrics.stop();
    const res = await hub.query(SAMPLE);
    expect(res.data?.kpiTargets).toBeNull();
    expect(res.data?.patients.totalCount).toBe(2);
    expect(byName(res.data?.patients.edges)).toEqual([
      { mrn: expect.any(String), familyName: 'Abbott', careTeams: [{ name: 'Care team' }], carePlans: [{ title: 'Plan for Abbott', status: 'DRAFT' }], referrals: { totalCount: 0, edges: [] } },
      { mrn: expect.any(String), familyName: 'Baker', careTeams: [{ name: 'Care team' }], carePlans: [{ title: 'Plan for Baker', status: 'DRAFT' }], referrals: { totalCount: 0, edges: [] } },
    ]);
    // One error, on the field that is missing, naming the service.
    expect(res.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('metrics'), path: ['kpiTargets'], extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'metrics' }) })]);
  });

  it('community-partners stopped: referrals are null with an error naming community-partners; the rest stands', async () => {
    hub = await hubWithPatients();
    await hub.subgraphs['community-partners'].stop();
    const res = await hub.query(SAMPLE);
    expect(res.data?.kpiTargets.length).toBeGreaterThan(0);
    const nodes = byName(res.data?.patients.edges);
    expect(nodes.map((n: any) => [n.familyName, n.careTeams, n.carePlans.length, n.referrals])).toEqual([
      ['Abbott', [{ name: 'Care team' }], 1, null], ['Baker', [{ name: 'Care team' }], 1, null],
    ]);
    // One error per patient's missing referrals, at its path.
    expect(res.errors?.map((e) => e.path).sort()).toEqual([['patients', 'edges', 0, 'node', 'referrals'], ['patients', 'edges', 1, 'node', 'referrals']]);
    for (const e of res.errors!) expect(e.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'community-partners' });
  });
});
