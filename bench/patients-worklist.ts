/**
 * `npm run bench:patients [-- --patients 100000 --runs 300 --warmup 30 --keep]`
 *
 * Seeds the demo population's patients part into a fresh database (on DATABASE_URL's
 * server, or the embedded PostgreSQL), starts the patients subgraph alone and times
 * the high-risk worklist query over HTTP at the subgraph:
 * p50/p95/p99 of sequential runs after warm-up (issue 3 target: p95 < 50 ms at
 * 100,000 patients). Prints the plans of the SQL it sends (EXPLAIN ANALYZE), which
 * must use the worklist index, not a sequential scan.
 *
 * Then keyset paging (issue 17): for each order, a care coordinator's population
 * worklist page 1 and the page at offset 10,000 (its cursor found by walking the
 * list), timed interleaved, side by side with their ratio (target ≤ 1.5×), the deep
 * page checked against OFFSET in SQL and its plan printed.
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { Role } from '../shared/auth';
import { createInternalTokenSigner } from '../shared/internal-token';
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
/**
 * Subgraphs answer only the gateway's internal token (shared/internal-token.ts): sign
 * one as the gateway would, for a care coordinator, whose worklist is the whole
 * population (a nurse's is their own panel, empty in a patients-only seed).
 */
const signInternal = createInternalTokenSigner();
const coordinatorToken = () => signInternal({
  principal: { sub: 'bench-coordinator', roles: [Role.CARE_COORDINATOR], expiresAt: new Date(Date.now() + 3600_000) }, endpoint: 'clinical', channel: 'http',
});

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
  // Throwaway keys: the bench signs its own caller tokens and touches nothing in .data.
  process.env.JWT_SECRET ??= crypto.randomBytes(32).toString('base64url');
  process.env.HUB_INTERNAL_KEY ??= crypto.randomBytes(32).toString('base64url');
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
      const token = await coordinatorToken();
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

      for (const orderBy of ['RISK_DESC', 'NAME'] as const) {
        await deepPage({ url: subgraph.url, databaseUrl, token: await coordinatorToken(), orderBy, patients: count, runs, warmup, recorder });
      }
    } finally {
      await subgraph.stop();
    }
  } finally {
    await releaseScratchDatabase(scratch, values.keep!);
  }
}

const PAGE_SIZE = 50;
const DEEP_OFFSET = 10_000;
const page = (orderBy: string) => `query Page($after: String) { patients(orderBy: ${orderBy}, first: ${PAGE_SIZE}, after: $after) {
  pageInfo { hasNextPage endCursor }
  edges { node { id mrn givenName familyName postalCode chronicConditionCount ccmEligible risk { score tier dischargedAt } } } } }`;
/** The same orders as data/patient-search.ts WORKLIST_KEYSETS, as OFFSET would read them. */
const ORDER_SQL = {
  RISK_DESC: `coalesce(lace_score, -1) DESC, coalesce(risk_discharged_at, '-infinity'::timestamptz) DESC, id DESC`,
  NAME: `lower(family_name), lower(given_name), id`,
};

interface DeepPage {
  url: string; databaseUrl: string; token: string; orderBy: keyof typeof ORDER_SQL; patients: number; runs: number; warmup: number; recorder: SqlRecorder;
}

/** Page 1 against the page at offset 10,000 (or as deep as the population allows), same query, interleaved runs. */
async function deepPage({ url, databaseUrl, token, orderBy, patients, runs, warmup, recorder }: DeepPage): Promise<void> {
  const walkSize = 200;
  const offset = Math.max(walkSize, Math.min(DEEP_OFFSET, Math.floor((patients - PAGE_SIZE) / walkSize) * walkSize));
  // The cursor of row offset - 1: walk there 200 rows at a time, as a client following endCursor would.
  let after: string | null = null;
  for (let read = 0; read < offset; read += walkSize) {
    const res: { body: { data?: { patients: { pageInfo: { endCursor: string } } }; errors?: unknown[] } } = await timedGraphQL(url, token,
      `query($after: String) { patients(orderBy: ${orderBy}, first: ${walkSize}, after: $after) { pageInfo { endCursor } } }`, { after });
    if (res.body.errors) throw new Error(`walking the worklist failed: ${JSON.stringify(res.body.errors)}`);
    after = res.body.data!.patients.pageInfo.endCursor;
  }
  const query = page(orderBy);
  const first = () => timedGraphQL<{ patients: { edges: { node: { id: string } }[] } }>(url, token, query, { after: null });
  const deep = () => timedGraphQL<{ patients: { edges: { node: { id: string } }[] } }>(url, token, query, { after });

  // The deep page is the one OFFSET would give: same rows, same order.
  recorder.statements.length = 0;
  recorder.recording = true;
  const probe = await deep();
  recorder.recording = false;
  if (probe.body.errors) throw new Error(`deep page failed: ${JSON.stringify(probe.body.errors)}`);
  const sql = new Client({ connectionString: databaseUrl });
  await sql.connect();
  try {
    const { rows } = await sql.query(`SELECT id FROM patients.patient ORDER BY ${ORDER_SQL[orderBy]} OFFSET ${offset} LIMIT ${PAGE_SIZE}`);
    const same = JSON.stringify(rows.map((r: { id: string }) => r.id)) === JSON.stringify(probe.body.data!.patients.edges.map((e) => e.node.id));
    if (!same) throw new Error(`the keyset page at ${offset} is not OFFSET ${offset}`);

    for (let i = 0; i < warmup; i++) { await first(); await deep(); }
    const t1: number[] = [];
    const tDeep: number[] = [];
    for (let i = 0; i < runs; i++) {
      t1.push((await first()).ms);
      tDeep.push((await deep()).ms);
    }
    const a = summarize(t1);
    const b = summarize(tDeep);
    const ratio = b.p50 / a.p50;
    const ratio95 = b.p95 / a.p95;
    console.log(`\nworklist paging, orderBy ${orderBy}, ${patients} patients (care coordinator: the whole population), ${PAGE_SIZE} rows a page, ${runs} interleaved runs:`);
    console.log(`  page 1                 ${formatSummary(a)}`);
    console.log(`  page at offset ${String(offset).padEnd(7)} ${formatSummary(b)}`);
    console.log(`  deep / first: p50 ${ratio.toFixed(2)}×, p95 ${ratio95.toFixed(2)}× — target ≤ 1.5×: ${ratio <= 1.5 ? 'met' : 'NOT met'} (the deep page equals OFFSET ${offset} in SQL)`);

    // What OFFSET would cost in SQL alone, against the keyset condition the subgraph sent.
    const timeSql = async (text: string, params: unknown[] = []) => {
      const { rows: plan } = await sql.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, params);
      return (plan[0]['QUERY PLAN'][0] as { 'Execution Time': number })['Execution Time'];
    };
    const keysetSql = recorder.statements.find((s) => /__key0/.test(s.sql));
    if (keysetSql) {
      const offsetMs = await timeSql(`SELECT id FROM patients.patient ORDER BY ${ORDER_SQL[orderBy]} OFFSET ${offset} LIMIT ${PAGE_SIZE + 1}`);
      const keysetMs = await timeSql(keysetSql.sql, keysetSql.params);
      const { rows: plan } = await sql.query(`EXPLAIN (ANALYZE, BUFFERS) ${keysetSql.sql}`, keysetSql.params);
      console.log(`  SQL alone at offset ${offset}: keyset ${keysetMs.toFixed(2)} ms, OFFSET ${offsetMs.toFixed(2)} ms`);
      console.log(`  keyset plan:\n    ${plan.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n    ')}`);
    }
  } finally {
    await sql.end();
  }
}

runBenchmark(main);
