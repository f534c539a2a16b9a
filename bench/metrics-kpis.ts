/**
 * `npm run bench:metrics [-- --patients 100000 --runs 200 --warmup 20 --rate 20 --seconds 20 --keep]`
 *
 * Seeds the demo population (every subgraph's part, with its events) into a fresh
 * database (on DATABASE_URL's server, or the embedded PostgreSQL), then starts the
 * metrics subgraph alone and reports:
 * 1. how long its consumer takes to catch up with the whole event log;
 * 2. p50/p95/p99 over HTTP at the subgraph of the population 30-day readmission
 *    KPI and of its 12-month time series (issue 7 target: p95 < 200 ms each),
 *    with the plan of the SQL behind them;
 * 3. event-to-figure lag under sustained writes: discharges (PatientDischarged +
 *    PatientSummaryChanged, one transaction each) recorded at a steady rate, each
 *    timed from its commit until the read model has applied it (p50/p95/max);
 * 4. how long `npm run metrics:rebuild` takes on that log, and that the figure is unchanged.
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { mintDevToken, Role } from '../shared/auth';
import { SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import { resolveDatabaseUrl } from '../shared/database';
import { latestEventPosition, recordEvent } from '../shared/events';
import { openSubgraphDatabase, startSubgraph } from '../shared/subgraph';
import { seedDemoPopulation } from '../scripts/seed/index';
import { stableUuid } from '../scripts/seed/population';
import { SUBGRAPHS } from '../subgraphs';
import { readmissionCounts } from '../subgraphs/metrics/data/figures';
import { READ_MODEL_CONSUMER, rebuildReadModel } from '../subgraphs/metrics/data/read-model';
import { monthlyPeriods, resolvePeriod } from '../subgraphs/metrics/domain/period';
import { metricsSubgraph } from '../subgraphs/metrics/main';
import { createScratchDatabase, formatSummary, summarize, timedGraphQL, releaseScratchDatabase, runBenchmark } from './support';

const POPULATION = `query Readmissions { kpi(key: READMISSION_30_DAY) { numerator denominator value target targetMet suppressed } }`;
const SERIES = `query ReadmissionSeries { kpiSeries(key: READMISSION_30_DAY) { month numerator denominator value suppressed } }`;

async function post(url: string, token: string, query: string): Promise<Record<string, any>> {
  const { body } = await timedGraphQL(url, token, query);
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function time(url: string, token: string, query: string, runs: number, warmup: number): Promise<string> {
  for (let i = 0; i < warmup; i++) await post(url, token, query);
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { ms, body } = await timedGraphQL(url, token, query);
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    samples.push(ms);
  }
  return formatSummary(summarize(samples));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      patients: { type: 'string', default: '100000' },
      runs: { type: 'string', default: '200' },
      warmup: { type: 'string', default: '20' },
      rate: { type: 'string', default: '20' },
      seconds: { type: 'string', default: '20' },
      keep: { type: 'boolean', default: false },
    },
  });
  const count = Number(values.patients);
  // A throwaway signing secret: the bench mints its own token and touches nothing in .data.
  process.env.JWT_SECRET ??= crypto.randomBytes(32).toString('base64url');
  process.env.LOG_LEVEL ??= 'warn';

  const scratch = await createScratchDatabase(await resolveDatabaseUrl(), 'metrics_bench');
  const databaseUrl = scratch.url;
  console.log(`database ${scratch.name} on ${new URL(databaseUrl).host}`);

  const cursor = new Client({ connectionString: databaseUrl });
  try {
    // 1. The demo population, every subgraph's part and events, as `npm start` seeds it.
    const dataSources = {} as Record<SubgraphName, Awaited<ReturnType<typeof openSubgraphDatabase>>>;
    for (const n of SUBGRAPH_NAMES) dataSources[n] = await openSubgraphDatabase(SUBGRAPHS[n], databaseUrl);
    let started = performance.now();
    await seedDemoPopulation(SUBGRAPHS, dataSources, count, (done) => { if (done % 10_000 === 0 || done === count) process.stdout.write(`\rseeded ${done}/${count} patients`); });
    const seedSeconds = (performance.now() - started) / 1000;
    for (const ds of Object.values(dataSources)) await ds.destroy();
    await cursor.connect();
    const head = await latestEventPosition(cursor);
    const byType: { type: string; n: number }[] = (await cursor.query(`SELECT type, count(*)::int AS n FROM hub_events.event_log GROUP BY type ORDER BY n DESC`)).rows;
    console.log(`\nseeded ${count} patients in ${seedSeconds.toFixed(1)} s: ${head} events`);
    console.log(`  ${byType.map((r) => `${r.type} ${r.n}`).join(', ')}`);

    // 2. The metrics subgraph alone; its consumer starts from position 0.
    started = performance.now();
    const metrics = await startSubgraph(metricsSubgraph, { databaseUrl, port: 0 });
    const applied = async () => BigInt((await cursor.query(`SELECT position FROM metrics.event_cursor WHERE consumer = $1`, [READ_MODEL_CONSUMER])).rows[0]?.position ?? 0);
    while ((await applied()) < BigInt(head)) {
      await new Promise((r) => setTimeout(r, 1000));
      process.stdout.write(`\rcatching up: ${await applied()}/${head}`);
    }
    const catchUpSeconds = (performance.now() - started) / 1000;
    console.log(`\nread model caught up with ${head} events in ${catchUpSeconds.toFixed(1)} s (${Math.round(Number(head) / catchUpSeconds)} events/s)`);
    const model: { t: string; n: number }[] = (await cursor.query(
      `SELECT 'hospital stays' AS t, count(*)::int AS n FROM metrics.hospital_stay UNION ALL SELECT 'visits', count(*)::int FROM metrics.visit
       UNION ALL SELECT 'patients', count(*)::int FROM metrics.patient UNION ALL SELECT 'care teams', count(*)::int FROM metrics.care_team
       UNION ALL SELECT 'referrals', count(*)::int FROM metrics.referral UNION ALL SELECT 'TCM episodes', count(*)::int FROM metrics.tcm_episode
       UNION ALL SELECT 'CCM entries', count(*)::int FROM metrics.ccm_time`)).rows;
    console.log(`  read model: ${model.map((r) => `${r.t} ${r.n}`).join(', ')}`);

    // 3. The population KPI and its 12-month series over HTTP at the subgraph.
    const token = await mintDevToken({ sub: 'bench-analyst', roles: [Role.ANALYST] });
    console.log(`population: ${JSON.stringify((await post(metrics.url, token, POPULATION)).kpi)}`);
    console.log(`series: ${JSON.stringify((await post(metrics.url, token, SERIES)).kpiSeries)}`);
    const runs = Number(values.runs);
    const warmup = Number(values.warmup);
    console.log(`30-day readmission KPI (population, 12 months): ${await time(metrics.url, token, POPULATION, runs, warmup)}`);
    console.log(`30-day readmission, 12-month time series:       ${await time(metrics.url, token, SERIES, runs, warmup)}`);
    // The statement behind the series, captured from the function the resolver calls, and its plan.
    const captured: { sql: string; params: unknown[] }[] = [];
    const recording = { query: (sql: string, params: unknown[]) => (captured.push({ sql, params }), metrics.ds.query(sql, params)) } as unknown as DataSource;
    await readmissionCounts(recording, {}, monthlyPeriods(resolvePeriod({}, new Date())).map((p) => ({ from: p.from, to: p.to, careTeamId: null })), new Date());
    const plan = (await cursor.query(`EXPLAIN ANALYZE ${captured[0].sql}`, captured[0].params)).rows.map((r: Record<string, string>) => r['QUERY PLAN']);
    console.log(`plan of the series SQL:\n  ${plan.join('\n  ')}`);

    // 4. Event-to-figure lag under sustained writes.
    const rate = Number(values.rate);
    const seconds = Number(values.seconds);
    const writer = metrics.ds;
    const lags: number[] = [];
    const poller = new Client({ connectionString: databaseUrl });
    await poller.connect();
    // One poll of the cursor every 2 ms serves every write still waiting to be applied.
    const waiting: { position: bigint; committedAt: number }[] = [];
    let writing = true;
    const poll = (async () => {
      while (writing || waiting.length) {
        if (waiting.length) {
          const at = BigInt((await poller.query(`SELECT position FROM metrics.event_cursor WHERE consumer = $1`, [READ_MODEL_CONSUMER])).rows[0].position);
          const now = performance.now();
          for (let k = waiting.length - 1; k >= 0; k--) {
            if (waiting[k].position <= at) lags.push(now - waiting.splice(k, 1)[0].committedAt);
          }
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const total = rate * seconds;
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const patientId = stableUuid(`patient:${Math.floor(Math.random() * count)}`);
      const encounterId = crypto.randomUUID();
      const admittedAt = new Date(Date.now() - 3 * 86_400_000);
      const position = await writer.transaction(async (m) => {
        await recordEvent(m, 'patients', {
          type: 'PatientDischarged', aggregateType: 'Encounter', aggregateId: encounterId, patientId, actor: 'bench',
          payload: { encounterId, kind: 'INPATIENT', admittedAt: admittedAt.toISOString(), dischargedAt: new Date().toISOString(), disposition: 'HOME', acuity: 'EMERGENT', planned: false, principalDiagnosis: 'I50.9', cost: 11000, lace: { score: 12, tier: 'HIGH', l: 4, a: 3, c: 3, e: 2 } },
        });
        return recordEvent(m, 'patients', {
          type: 'PatientSummaryChanged', aggregateType: 'Patient', aggregateId: patientId, patientId, actor: 'bench',
          payload: { riskTier: 'HIGH', laceScore: 12, chronicConditionCount: 3, charlsonCategories: ['CONGESTIVE_HEART_FAILURE'], ccmConsentActive: true, activePartnerConsents: [] },
        });
      });
      waiting.push({ position: BigInt(position), committedAt: performance.now() });
    }
    const writeSeconds = (performance.now() - t0) / 1000;
    writing = false;
    await poll;
    console.log(`sustained writes: ${total} discharges (2 events each) in ${writeSeconds.toFixed(1)} s (${(total / writeSeconds).toFixed(1)}/s)`);
    console.log(`event-to-figure lag (commit → applied to the read model): ${formatSummary(summarize(lags))}`);
    const fresh = (await post(metrics.url, token, POPULATION)).kpi;
    console.log(`population after the writes: ${JSON.stringify(fresh)}`);
    await poller.end();

    // 5. The rebuild command's work: empty the read model and replay the log from 0 (one transaction).
    started = performance.now();
    const rebuilt = await rebuildReadModel(metrics.ds);
    const rebuildSeconds = (performance.now() - started) / 1000;
    console.log(`rebuild from position 0: ${rebuilt.events} events in ${rebuildSeconds.toFixed(1)} s (${Math.round(rebuilt.events / rebuildSeconds)} events/s)`);
    const again = (await post(metrics.url, token, POPULATION)).kpi;
    console.log(`population after the rebuild: ${JSON.stringify(again)} (${JSON.stringify(again) === JSON.stringify(fresh) ? 'identical' : 'DIFFERENT'})`);
    await metrics.stop();
  } finally {
    await cursor.end().catch(() => undefined);
    await releaseScratchDatabase(scratch, values.keep!);
  }
}

runBenchmark(main);
