/**
 * The demo seed through the event log: the read model built from the seeded
 * events gives the figures the domain rules give on the generator's own data,
 * and a rebuild from position 0 gives them again.
 */
import crypto from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Role } from '../shared/auth';
import { SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import type { Consumer } from '../shared/events';
import { openSubgraphDatabase, startSubgraph, type RunningSubgraph } from '../shared/subgraph';
import { seedDemoPopulation } from '../scripts/seed/index';
import { demoPatients } from '../scripts/seed/population';
import { SUBGRAPHS } from '../subgraphs';
import { rebuildReadModel } from '../subgraphs/metrics/data/read-model';
import { evaluateReadmissions, type Stay } from '../subgraphs/metrics/domain/readmissions';
import { metricsSubgraph } from '../subgraphs/metrics/main';
import { createTestDatabase, internalTokenFor, postGraphQL } from './support/hub';

const COUNT = 400;
const PERIOD = { from: '2025-11-01T00:00:00.000Z', to: '2026-11-01T00:00:00.000Z' };
let db: { url: string; drop(): Promise<void> };
let metrics: RunningSubgraph;
let token: string;

beforeAll(async () => {
  process.env.MIN_COHORT_SIZE = '1';
  db = await createTestDatabase();
  const dataSources = {} as Record<SubgraphName, DataSource>;
  for (const name of SUBGRAPH_NAMES) dataSources[name] = await openSubgraphDatabase(SUBGRAPHS[name], db.url);
  await seedDemoPopulation(SUBGRAPHS, dataSources, COUNT);
  for (const ds of Object.values(dataSources)) await ds.destroy();
  metrics = await startSubgraph(metricsSubgraph, { databaseUrl: db.url, port: 0 });
  // Subgraphs answer only the gateway: the caller as the gateway signs it.
  token = await internalTokenFor({ sub: `analyst-${crypto.randomUUID()}`, roles: [Role.ANALYST] });
}, 120_000);
afterAll(async () => {
  delete process.env.MIN_COHORT_SIZE;
  await metrics?.stop();
  await db?.drop();
});

async function report() {
  for (const w of metrics.workers as Consumer[]) await w.caughtUp();
  const res = await postGraphQL<Record<string, any>>(metrics.url, `query($f: KpiFilter) { kpis(filter: $f) {
    readmission30Day { numerator denominator } patientSatisfaction { numerator denominator }
    riskTierDistribution { patients } monthly { month readmission30Day { numerator denominator } } } }`, { f: PERIOD }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.kpis;
}

it('readmissions from the seeded events equal HEDIS PCR on the generator\'s data', async () => {
  const stays: Stay[] = [];
  for (const batch of demoPatients(COUNT)) {
    for (const p of batch) {
      for (const e of p.encounters) {
        if ((e.kind === 'INPATIENT' || e.kind === 'OBSERVATION') && e.dischargedAt) {
          stays.push({ encounterId: e.id, patientId: p.id, kind: e.kind, admittedAt: e.admittedAt, dischargedAt: e.dischargedAt, disposition: e.disposition ?? 'HOME', planned: e.planned, principalDiagnosis: e.principalDiagnosis });
        }
      }
    }
  }
  const expected = evaluateReadmissions(stays, { start: new Date(PERIOD.from), end: new Date(PERIOD.to) });
  expect(expected.denominator).toBeGreaterThan(50);
  const figures = await report();
  expect(figures.readmission30Day).toEqual({ numerator: expected.numerator, denominator: expected.denominator });
  // At the period's end (2026-11-01) the seeded patients were not registered yet (they are, as of the seed run); now they are.
  expect(figures.riskTierDistribution.patients).toBe(0);
  const now = await postGraphQL<Record<string, any>>(metrics.url, '{ kpis { riskTierDistribution { patients tiers { tier patients } } } }', {}, token);
  expect(now.data!.kpis.riskTierDistribution.patients).toBe(COUNT);
  expect(figures.monthly).toHaveLength(12);
  expect(figures.monthly.reduce((n: number, m: { readmission30Day: { denominator: number } }) => n + m.readmission30Day.denominator, 0)).toBe(expected.denominator);
});

it('seeds satisfaction responses with their events, and a rebuild gives the same figures', async () => {
  const before = await report();
  const [{ surveys, satisfied }] = await metrics.ds.query(
    `SELECT count(*)::int AS surveys, count(*) FILTER (WHERE score >= 4)::int AS satisfied FROM metrics.satisfaction_survey
      WHERE responded_on >= $1::date AND responded_on < $2::date`, [PERIOD.from, PERIOD.to]);
  expect(surveys).toBeGreaterThan(20);
  expect(before.patientSatisfaction).toEqual({ numerator: satisfied, denominator: surveys });
  const [{ events }] = await metrics.ds.query(`SELECT count(*)::int AS events FROM hub_events.event_log WHERE type = 'SatisfactionSurveyRecorded'`);
  expect(events).toBe((await metrics.ds.query(`SELECT count(*)::int AS n FROM metrics.satisfaction_survey`))[0].n);

  await rebuildReadModel(metrics.ds);
  expect(await report()).toEqual(before);
});
