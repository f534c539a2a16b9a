/**
 * The patients part of the demo seed: what it writes equals what live changes would
 * have computed (LACE, current risk, summary), with the same events in time order,
 * and the seeded worklist is served by the subgraph.
 */
import { Role } from '../shared/auth';
import { startSubgraph, type RunningSubgraph } from '../shared/subgraph';
import { demoPatients, type DemoPatient } from '../scripts/seed/population';
import { reassessPatient } from '../subgraphs/patients/data/risk-store';
import { utcDay } from '../subgraphs/patients/domain/dates';
import { patientsSubgraph } from '../subgraphs/patients/main';
import { createTestDatabase, internalTokenFor, postGraphQL } from './support/hub';

const COUNT = 1500;
let db: { url: string; drop(): Promise<void> };
let subgraph: RunningSubgraph;
const population: DemoPatient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  subgraph = await startSubgraph(patientsSubgraph, { databaseUrl: db.url, port: 0 });
  let first = true;
  for (const batch of demoPatients(COUNT, 1000)) {
    await patientsSubgraph.seed!(subgraph.ds, { patients: batch, first });
    first = false;
    population.push(...batch);
  }
});
afterAll(async () => {
  await subgraph?.stop();
  await db?.drop();
});

const count = async (sql: string, params: unknown[] = []) => Number((await subgraph.ds.query(sql, params))[0].n);
const isStay = (kind: string) => kind === 'INPATIENT' || kind === 'OBSERVATION';

it('writes every demo record', async () => {
  const sum = (f: (p: DemoPatient) => number) => population.reduce((n, p) => n + f(p), 0);
  expect(await count('SELECT count(*) AS n FROM patients.patient')).toBe(COUNT);
  expect(await count('SELECT count(*) AS n FROM patients.condition')).toBe(sum((p) => p.conditions.length));
  expect(await count('SELECT count(*) AS n FROM patients.encounter')).toBe(sum((p) => p.encounters.length));
  expect(await count('SELECT count(*) AS n FROM patients.social_need')).toBe(sum((p) => p.socialNeeds.length));
  expect(await count('SELECT count(*) AS n FROM patients.consent')).toBe(sum((p) => p.consents.length));
  // Realistic spread: every tier is represented, and most patients have multi-morbidity.
  const tiers: { risk_tier: string | null; n: string }[] = await subgraph.ds.query('SELECT risk_tier, count(*) AS n FROM patients.patient GROUP BY 1');
  expect(tiers.map((t) => t.risk_tier).sort()).toEqual(['HIGH', 'LOW', 'MODERATE', null]);
  expect(await count('SELECT count(*) AS n FROM patients.patient WHERE chronic_condition_count >= 2')).toBeGreaterThan(COUNT / 2);
});

it('stores what a live recalculation computes: recomputing changes nothing', async () => {
  const columns = 'risk_encounter_id, lace_score, risk_tier, lace_l, lace_a, lace_c, lace_e, risk_drivers, risk_calculated_at, chronic_condition_count, charlson_categories';
  const sample = population.filter((p) => p.index % 7 === 0).map((p) => p.id);
  const read = () => subgraph.ds.query(`SELECT id, ${columns} FROM patients.patient WHERE id = ANY($1) ORDER BY id`, [sample]);
  const readLace = () => subgraph.ds.query('SELECT id, lace_score, lace_drivers, lace_calculated_at FROM patients.encounter WHERE patient_id = ANY($1) ORDER BY id', [sample]);
  const [before, laceBefore] = [await read(), await readLace()];
  const now = new Date();
  await subgraph.ds.transaction(async (m) => {
    for (const id of sample) await reassessPatient(m, id, now, utcDay(now));
  });
  expect(await read()).toEqual(before);
  expect(await readLace()).toEqual(laceBefore);
  expect(before.filter((r: { lace_score: number | null }) => r.lace_score !== null).length).toBeGreaterThan(50);
});

it('emits the events a live history would, in each patient\'s time order', async () => {
  const events: { patient_id: string; type: string; payload: any }[] = await subgraph.ds.query(
    `SELECT patient_id, type, payload FROM hub_events.event_log ORDER BY id`);
  const byPatient = new Map<string, typeof events>();
  for (const e of events) byPatient.set(e.patient_id, [...(byPatient.get(e.patient_id) ?? []), e]);
  expect(byPatient.size).toBe(COUNT);

  const rows: { id: string; summary: unknown }[] = await subgraph.ds.query('SELECT id, summary FROM patients.patient');
  const stored = new Map(rows.map((r) => [r.id, r.summary]));
  for (const p of population) {
    const own = byPatient.get(p.id)!;
    const types = own.map((e) => e.type);
    expect(types[0]).toBe('PatientRegistered');
    expect(types.at(-1)).toBe('PatientSummaryChanged');
    expect(types.filter((t) => t === 'PatientSummaryChanged')).toHaveLength(1);
    expect(own.at(-1)!.payload).toEqual(stored.get(p.id));
    const stays = p.encounters.filter((e) => isStay(e.kind));
    const discharged = own.filter((e) => e.type === 'PatientDischarged').map((e) => e.payload);
    expect(discharged.map((d) => d.encounterId)).toEqual(stays.map((s) => s.id));
    expect(discharged.map((d) => d.dischargedAt)).toEqual([...discharged.map((d) => d.dischargedAt)].sort());
    for (const d of discharged) expect(d.lace).toEqual(expect.objectContaining({ score: expect.any(Number), tier: expect.any(String) }));
    expect(types.filter((t) => t === 'ConsentRecorded')).toHaveLength(p.consents.length);
    expect(types.filter((t) => t === 'ConditionRecorded')).toHaveLength(p.conditions.length);
  }
});

it('serves the seeded high-risk worklist, highest first, from the worklist index', async () => {
  // The population worklist is a care coordinator's (the subgraph answers gateway-signed caller tokens only).
  const token = await internalTokenFor({ sub: 'seed-coordinator', roles: [Role.CARE_COORDINATOR] });
  const WORKLIST = `{ patients(filter: { riskTier: HIGH }, first: 50) { totalCount edges { node { mrn careManaged risk { score tier drivers } } } } }`;
  const res = await postGraphQL<any>(subgraph.url, WORKLIST, {}, token);
  expect(res.errors).toBeUndefined();
  const scores = res.data.patients.edges.map((e: any) => e.node.risk.score);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  expect(res.data.patients.edges.every((e: any) => e.node.risk.tier === 'HIGH' && e.node.risk.drivers.length > 0)).toBe(true);
  expect(res.data.patients.totalCount).toBe(await count(`SELECT count(*) AS n FROM patients.patient WHERE risk_tier = 'HIGH'`));
  // Only the patients part is seeded here, so no care team manages anyone yet...
  expect(res.data.patients.edges.every((e: any) => e.node.careManaged === false)).toBe(true);
  // ...and a nurse, whose worklist is their own panel, sees nobody.
  const nurse = await postGraphQL<any>(subgraph.url, WORKLIST, {}, await internalTokenFor({ sub: 'demo-nurse', roles: [Role.NURSE] }));
  expect(nurse.errors).toBeUndefined();
  expect(nurse.data.patients).toMatchObject({ totalCount: 0, edges: [] });

  await subgraph.ds.query('ANALYZE patients.patient');
  const plan = (await subgraph.ds.query(`EXPLAIN SELECT id FROM patients.patient WHERE risk_tier = 'HIGH'
    ORDER BY coalesce(lace_score, -1) DESC, coalesce(risk_discharged_at, '-infinity'::timestamptz) DESC, id DESC LIMIT 50`)).map((r: any) => r['QUERY PLAN']).join('\n');
  expect(plan).toMatch(/Index (Only )?Scan Backward using patient_tier_worklist_keyset/);
});
