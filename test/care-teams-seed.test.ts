/**
 * The demo seed as the care-teams subgraph sees it: its own rows (directory, teams,
 * plans with their first revision) and what its consumer derives from the seeded
 * patients events — one snapshot per patient, one TCM episode per qualifying
 * discharge of a managed patient — on the coordinator's worklist.
 */
import type { DataSource } from 'typeorm';
import { Role } from '../shared/auth';
import { SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import type { Consumer } from '../shared/events';
import { openSubgraphDatabase, startSubgraph, type RunningSubgraph } from '../shared/subgraph';
import { seedDemoPopulation } from '../scripts/seed/index';
import { DEMO_PRACTITIONERS, demoPatients, type DemoPatient } from '../scripts/seed/population';
import { SUBGRAPHS } from '../subgraphs';
import { careTeamsSubgraph } from '../subgraphs/care-teams/main';
import { createTestDatabase, internalTokenFor, postGraphQL } from './support/hub';

const COUNT = 200;
const DAY = 86_400_000;
let db: { url: string; drop(): Promise<void> };
let careTeams: RunningSubgraph;
const population: DemoPatient[] = [...demoPatients(COUNT)].flat();

beforeAll(async () => {
  db = await createTestDatabase();
  const dataSources = {} as Record<SubgraphName, DataSource>;
  for (const name of SUBGRAPH_NAMES) dataSources[name] = await openSubgraphDatabase(SUBGRAPHS[name], db.url);
  await seedDemoPopulation(SUBGRAPHS, dataSources, COUNT);
  for (const ds of Object.values(dataSources)) await ds.destroy();
  careTeams = await startSubgraph(careTeamsSubgraph, { databaseUrl: db.url, port: 0 });
  for (const w of careTeams.workers as unknown as Consumer[]) await w.caughtUp();
}, 120_000);
afterAll(async () => {
  await careTeams?.stop();
  await db?.drop();
});

const rows = <T = Record<string, any>>(text: string, params: unknown[] = []) => careTeams.ds.query(text, params) as Promise<T[]>;

/** The generator's own answer: TCM-qualifying discharges of patients with a team (CMS TCM: inpatient/observation, home). */
const qualifying = population.filter((p) => p.careTeam).flatMap((p) => p.encounters
  .filter((e) => (e.kind === 'INPATIENT' || e.kind === 'OBSERVATION') && e.dischargedAt && ['HOME', 'HOME_HEALTH', 'LEFT_AMA'].includes(e.disposition ?? ''))
  .map((e) => ({ patientId: p.id, encounterId: e.id, dischargedAt: e.dischargedAt! })));

/**
 * CMS TCM once per 30-day period (issue 14): a qualifying discharge inside an open period (the
 * earlier discharge's day and the next 29, UTC here) is a readmission linked to that episode.
 */
const opening: typeof qualifying = [];
const readmissions: typeof qualifying = [];
for (const q of [...qualifying].sort((a, b) => a.dischargedAt.getTime() - b.dischargedAt.getTime())) {
  const open = opening.find((o) => o.patientId === q.patientId && o.dischargedAt < q.dischargedAt
    && q.dischargedAt.getTime() < Math.floor(o.dischargedAt.getTime() / DAY) * DAY + 30 * DAY);
  (open ? readmissions : opening).push(q);
}

it('writes the directory, the teams and the plans with their first revision', async () => {
  expect((await rows<{ id: string }>('SELECT id FROM care_teams.practitioner ORDER BY id')).map((r) => r.id)).toEqual(DEMO_PRACTITIONERS.map((p) => p.id).sort());
  const managed = population.filter((p) => p.careTeam);
  expect(managed.length).toBeGreaterThan(20);
  const [{ teams, plans, revisions }] = await rows(`SELECT (SELECT count(*)::int FROM care_teams.care_team) AS teams, (SELECT count(*)::int FROM care_teams.care_plan) AS plans,
    (SELECT count(*)::int FROM care_teams.care_plan_revision WHERE version = 1 AND change_kind = 'CREATED') AS revisions`);
  expect({ teams, plans, revisions }).toEqual({ teams: managed.length, plans: managed.length, revisions: managed.length });
});

it('keeps a snapshot of every patient from the seeded events', async () => {
  const snapshots = await rows<{ patient_id: string; chronic_condition_count: number; ccm_consent_active: boolean }>('SELECT patient_id, chronic_condition_count, ccm_consent_active FROM care_teams.patient_snapshot');
  expect(snapshots).toHaveLength(COUNT);
  const byId = new Map(snapshots.map((s) => [s.patient_id, s]));
  for (const p of population) {
    expect({ id: p.id, consent: byId.get(p.id)?.ccm_consent_active }).toEqual({ id: p.id, consent: p.consents.some((c) => c.kind === 'CCM_SERVICES') });
  }
});

it('opens exactly one TCM episode per qualifying discharge of a patient with an active team, outside an open period', async () => {
  expect(qualifying.length).toBeGreaterThan(5);
  const episodes = await rows<{ encounter_id: string; patient_id: string; discharged_at: Date; steps: number }>(
    `SELECT e.encounter_id, e.patient_id, e.discharged_at, count(s.id)::int AS steps FROM care_teams.transitional_care_episode e
       JOIN care_teams.transitional_care_step s ON s.episode_id = e.id GROUP BY e.id`);
  expect(episodes.map((e) => e.encounter_id).sort()).toEqual(opening.map((q) => q.encounterId).sort());
  expect(episodes.every((e) => e.steps === 3)).toBe(true);
  const linked = await rows<{ encounter_id: string }>('SELECT encounter_id FROM care_teams.transitional_care_readmission');
  expect(linked.map((r) => r.encounter_id).sort()).toEqual(readmissions.map((q) => q.encounterId).sort());
});

it('puts the open steps of episodes still in their 30-day period on the demo coordinator\'s worklist', async () => {
  // Subgraphs answer only the gateway: the caller as the gateway would sign it.
  const token = await internalTokenFor({ sub: 'demo-coordinator', roles: [Role.CARE_COORDINATOR] });
  const res = await postGraphQL<{ myWorklist: { kind: string; transitionalCareEpisode: { id: string; dischargedAt: string } }[] }>(
    careTeams.url, '{ myWorklist(first: 200) { kind transitionalCareEpisode { id dischargedAt } } }', {}, token);
  expect(res.errors).toBeUndefined();
  // CMS TCM: the period is the discharge day and the next 29 days.
  const inPeriod = opening.filter((q) => Math.floor(q.dischargedAt.getTime() / DAY) * DAY + 30 * DAY > Date.now());
  expect(res.data!.myWorklist.filter((i) => i.kind === 'TRANSITIONAL_CARE_STEP')).toHaveLength(Math.min(200, inPeriod.length * 3));
});

it("gives the demo coordinator and nurse open activities, overdue first (a newcomer's worklist is not empty)", async () => {
  const activePlans = population.filter((p) => p.careTeam?.planStatus === 'active').length;
  const ask = async (sub: string, role: Role) => {
    const token = await internalTokenFor({ sub, roles: [role] });
    const res = await postGraphQL<{ myWorklist: { kind: string; overdue: boolean; dueAt: string; activity: { kind: string } | null }[] }>(
      careTeams.url, '{ myWorklist(first: 200) { kind overdue dueAt activity { kind } } }', {}, token);
    expect(res.errors).toBeUndefined();
    return res.data!.myWorklist.filter((i) => i.kind === 'CARE_PLAN_ACTIVITY');
  };
  const coordinator = await ask('demo-coordinator', Role.CARE_COORDINATOR);
  expect(coordinator.length).toBe(Math.min(200, activePlans));
  expect(new Set(coordinator.map((i) => i.activity!.kind))).toEqual(new Set(['FOLLOW_UP_CALL']));
  const firstNotOverdue = coordinator.findIndex((i) => !i.overdue);
  expect(firstNotOverdue).toBeGreaterThan(0);
  expect(coordinator.slice(firstNotOverdue).every((i) => !i.overdue)).toBe(true);
  const nurse = await ask('demo-nurse', Role.NURSE);
  expect(new Set(nurse.map((i) => i.activity!.kind))).toEqual(new Set(['MEDICATION_RECONCILIATION']));
});
