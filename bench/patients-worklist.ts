/**
 * `npm run bench:patients [-- --patients 100000 --runs 300 --warmup 30 --keep]`
 *
 * Seeds the demo population's patients part into a fresh database (on DATABASE_URL's
 * server, or the embedded PostgreSQL), starts the patients subgraph alone and times
 * the high-risk worklist query over HTTP at the subgraph:
 * p50/p95/p99 of sequential runs after warm-up (issue 3 target: p95 < 50 ms at
 * 100,000 patients). Prints the plans of the SQL it sends (EXPLAIN ANALYZE), which
 * must use the worklist index, not a sequential scan.
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { mintDevToken, Role } from '../shared/auth';
import { QueryCounter, resolveDatabaseUrl } from '../shared/database';
import { openSubgraphDatabase, startSubgraph } from '../shared/subgraph';
import { createScratchDatabase, formatSummary, summarize, timedGraphQL, releaseScratchDatabase, runBenchmark } from './support';
import { demoPatients } from '../scripts/seed/population';
import { patientsSubgraph } from '../subgraphs/patients/main';

const WORKLIST = `query Worklist {
  patients(filter: { riskTier: HIGH }, orderBy: RISK_DESC, first: 50) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id mrn givenName familyName postalCode chronicConditionCount ccmEligible
      risk { score tier l a c e drivers dischargedAt } } }
  }
}`;

/** Remembers the SQL the subgraph sends, to EXPLAIN exactly that. */
class SqlRecorder extends QueryCounter {
  recording = false;
  readonly statements: { sql: string; params: unknown[] }[] = [];
  override logQuery(query?: string, parameters?: unknown[]): void {
    super.logQuery();
    if (this.recording && query) this.statements.push({ sql: query, params: parameters ?? [] });
  }
}


async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      patients: { type: 'string', default: '100000' },
      runs: { type: 'string', default: '300' },
      warmup: { type: 'string', default: '30' },
      keep: { type: 'boolean', default: false },
    },
  });
  const count = Number(values.patients);
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  // A throwaway signing secret: the bench mints its own token and touches nothing in .data.
  process.env.JWT_SECRET ??= crypto.randomBytes(32).toString('base64url');
  process.env.LOG_LEVEL ??= 'warn';

  const scratch = await createScratchDatabase(await resolveDatabaseUrl(), 'patients_bench');
  const databaseUrl = scratch.url;
  console.log(`database ${scratch.name} on ${new URL(databaseUrl).host}`);

  try {
    const ds = await openSubgraphDatabase(patientsSubgraph, databaseUrl);
    let started = performance.now();
    let first = true;
    let done = 0;
    for (const batch of demoPatients(count, 1000)) {
      await patientsSubgraph.seed!(ds, { patients: batch, first });
      first = false;
      done += batch.length;
      if (done % 10_000 === 0 || done === count) process.stdout.write(`\rseeded ${done}/${count} patients`);
    }
    const seedSeconds = (performance.now() - started) / 1000;
    const [{ events }] = await ds.query('SELECT count(*)::int AS events FROM hub_events.event_log');
    console.log(`\nseed: ${count} patients, ${events} events in ${seedSeconds.toFixed(1)} s (${Math.round(count / seedSeconds)} patients/s)`);
    started = performance.now();
    await ds.query('VACUUM ANALYZE patients.patient, patients.condition, patients.encounter, patients.social_need, patients.consent');
    console.log(`VACUUM ANALYZE: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const tiers: { tier: string; n: number }[] = await ds.query(`SELECT COALESCE(risk_tier, 'none') AS tier, count(*)::int AS n FROM patients.patient GROUP BY 1 ORDER BY 1`);
    console.log(`risk tiers: ${tiers.map((t) => `${t.tier} ${t.n}`).join(', ')}`);
    await ds.destroy();

    const recorder = new SqlRecorder();
    const subgraph = await startSubgraph(patientsSubgraph, { databaseUrl, port: 0, counter: recorder, withoutWorkers: true });
    try {
      const token = await mintDevToken({ sub: 'bench-nurse', roles: [Role.NURSE] });
      const once = () => timedGraphQL<{ patients: { totalCount: number; edges: unknown[] } }>(subgraph.url, token, WORKLIST);

      recorder.recording = true;
      const probe = await once();
      recorder.recording = false;
      if (probe.body.errors) throw new Error(`worklist query failed: ${JSON.stringify(probe.body.errors)}`);
      console.log(`worklist: totalCount ${probe.body.data!.patients.totalCount}, ${probe.body.data!.patients.edges.length} rows, ${recorder.statements.length} SQL statements per request`);

      for (let i = 0; i < warmup; i++) await once();
      const timings: number[] = [];
      for (let i = 0; i < runs; i++) timings.push((await once()).ms);
      const summary = summarize(timings);
      const p95 = summary.p95;
      console.log(`\nhigh-risk worklist at the subgraph over HTTP, ${count} patients, ${runs} sequential runs after ${warmup} warm-up:`);
      console.log(`  ${formatSummary(summary)}`);
      console.log(`  target p95 < 50 ms: ${p95 < 50 ? 'met' : 'NOT met'}`);

      console.log('\nEXPLAIN ANALYZE of the SQL one request sends:');
      const explain = new Client({ connectionString: databaseUrl });
      await explain.connect();
      let seqScan = false;
      for (const s of recorder.statements) {
        const { rows } = await explain.query(`EXPLAIN (ANALYZE, BUFFERS) ${s.sql}`, s.params);
        const plan = rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n    ');
        seqScan ||= /Seq Scan on patient\b/.test(plan);
        console.log(`  ${s.sql.replace(/\s+/g, ' ').slice(0, 160)}...\n    ${plan}\n`);
      }
      await explain.end();
      console.log(seqScan ? 'WARNING: a sequential scan on patients.patient' : 'index use: no sequential scan on patients.patient');
    } finally {
      await subgraph.stop();
    }
  } finally {
    await releaseScratchDatabase(scratch, values.keep!);
  }
}

runBenchmark(main);
