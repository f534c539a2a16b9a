/**
 * `npm run bench:audit [-- --patients 2000 --rounds 10 --per-round 30 --warmup 30 --concurrency 8 --keep]`
 *
 * What the audit trail costs a read (issue 10 target: < 15 % at p50). Seeds the demo
 * population's patients part into a fresh database, starts the patients subgraph alone
 * and times, over HTTP at the subgraph with a gateway-signed caller token, the
 * population worklist (a care coordinator's first page) and a patient chart (patient
 * with conditions, encounters, social needs, consents; as an admin, audited as
 * OPERATIONS) with auditing on and off in the same run. Rounds alternate on/off
 * (HUB_AUDIT is read per call), so drift in the machine's load hits both alike.
 * Each query runs twice per round: one request at a time (every read pays a whole
 * commit: the floor of "durable before the answer leaves"), and `--concurrency`
 * requests in flight, as a team's morning looks, where concurrent reads share one
 * commit (AuditWriter's group commit). It also times this machine's durable commit
 * (a one-row INSERT with and without waiting for the WAL flush), the floor a read
 * pays one at a time beyond what its own data queries overlap (AuditCollector
 * starts the write as soon as a request's access checks have settled).
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { Role } from '../shared/auth';
import { resolveDatabaseUrl } from '../shared/database';
import { createInternalTokenSigner } from '../shared/internal-token';
import { openSubgraphDatabase, startSubgraph } from '../shared/subgraph';
import { demoPatients } from '../scripts/seed/population';
import { patientsSubgraph } from '../subgraphs/patients/main';
import { createScratchDatabase, formatSummary, releaseScratchDatabase, runBenchmark, summarize, timedGraphQL } from './support';

const WORKLIST = `query Worklist { patients(first: 50) { totalCount edges { node { id mrn givenName familyName postalCode careManaged risk { score tier drivers } } } } }`;
const CHART = `query Chart($id: ID!) { patient(id: $id) { id familyName birthDate
  conditions { code clinicalStatus } encounters { kind startedAt lace { score } } socialNeeds { category status } consents { kind status active } } }`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      patients: { type: 'string', default: '2000' },
      rounds: { type: 'string', default: '10' },
      'per-round': { type: 'string', default: '30' },
      warmup: { type: 'string', default: '30' },
      concurrency: { type: 'string', default: '8' },
      keep: { type: 'boolean', default: false },
    },
  });
  const count = Number(values.patients);
  const rounds = Number(values.rounds);
  const perRound = Number(values['per-round']);
  const concurrency = Number(values.concurrency);
  process.env.LOG_LEVEL ??= 'warn';
  // A throwaway internal key: the bench signs its own caller tokens and touches nothing in .data.
  process.env.HUB_INTERNAL_KEY ??= crypto.randomBytes(32).toString('base64url');

  const scratch = await createScratchDatabase(await resolveDatabaseUrl(), 'audit_bench');
  console.log(`database ${scratch.name} on ${new URL(scratch.url).host}`);
  try {
    const ds = await openSubgraphDatabase(patientsSubgraph, scratch.url);
    let first = true;
    for (const batch of demoPatients(count, 1000)) {
      await patientsSubgraph.seed!(ds, { patients: batch, first });
      first = false;
    }
    await ds.query('VACUUM ANALYZE patients.patient, patients.condition, patients.encounter, patients.social_need, patients.consent');
    // A chart worth reading: the patient with the most clinical records.
    const [{ id: chartId }] = await ds.query(`SELECT p.id FROM patients.patient p
      ORDER BY (SELECT count(*) FROM patients.condition c WHERE c.patient_id = p.id) + (SELECT count(*) FROM patients.encounter e WHERE e.patient_id = p.id) DESC LIMIT 1`);
    await ds.destroy();
    console.log(`seeded ${count} patients; chart patient ${chartId}`);

    const subgraph = await startSubgraph(patientsSubgraph, { databaseUrl: scratch.url, port: 0, withoutWorkers: true });
    try {
      const sign = createInternalTokenSigner();
      const caller = (role: Role) => sign({ principal: { sub: `bench-${role}`, roles: [role], expiresAt: new Date(Date.now() + 3600_000) }, endpoint: 'clinical', channel: 'http' });
      const cases = [
        { name: 'worklist (coordinator, population, 50 rows)', token: await caller(Role.CARE_COORDINATOR), query: WORKLIST, variables: {} },
        { name: 'patient chart (admin)', token: await caller(Role.ADMIN), query: CHART, variables: { id: chartId } },
      ];
      for (const c of cases) {
        const probe = await timedGraphQL(subgraph.url, c.token, c.query, c.variables);
        if (probe.body.errors) throw new Error(`${c.name} failed: ${JSON.stringify(probe.body.errors)}`);
        for (let i = 0; i < Number(values.warmup); i++) await timedGraphQL(subgraph.url, c.token, c.query, c.variables);
      }
      const loads = [{ name: 'one at a time', inFlight: 1 }, { name: `${concurrency} in flight`, inFlight: concurrency }];
      const samples = cases.map(() => loads.map(() => ({ on: [] as number[], off: [] as number[] })));
      for (let round = 0; round < rounds * 2; round++) {
        const mode = round % 2 === 0 ? 'on' : 'off';
        process.env.HUB_AUDIT = mode;
        for (const [i, c] of cases.entries()) {
          for (const [l, load] of loads.entries()) {
            let left = perRound * load.inFlight;
            await Promise.all(Array.from({ length: load.inFlight }, async () => {
              while (left-- > 0) samples[i][l][mode].push((await timedGraphQL(subgraph.url, c.token, c.query, c.variables)).ms);
            }));
          }
        }
      }
      delete process.env.HUB_AUDIT;
      const commit = await durableCommitCost(subgraph.ds, perRound * 4);
      const [{ records }] = await subgraph.ds.query('SELECT count(*)::int AS records FROM hub_audit.audit_event');
      console.log(`\n${rounds} rounds each with and without auditing, alternated, ${perRound} requests per client per query per round, ${count} patients (${records} audit records written):`);
      console.log(`\nthis machine's durable commit (one-row INSERT, WAL flush waited for): p50 ${commit.durable.toFixed(2)} ms; without waiting: ${commit.async.toFixed(2)} ms`);
      for (const [i, c] of cases.entries()) {
        for (const [l, load] of loads.entries()) {
          const on = summarize(samples[i][l].on);
          const off = summarize(samples[i][l].off);
          const overhead = (on.p50 / off.p50 - 1) * 100;
          console.log(`\n${c.name}, ${load.name}\n  audit on:  ${formatSummary(on)}\n  audit off: ${formatSummary(off)}`);
          console.log(`  overhead at p50 ${overhead.toFixed(1)} %, at p95 ${((on.p95 / off.p95 - 1) * 100).toFixed(1)} % — target < 15 % at p50: ${overhead < 15 ? 'met' : 'NOT met'}`);
        }
      }
    } finally {
      await subgraph.stop();
    }
  } finally {
    await releaseScratchDatabase(scratch, values.keep!);
  }
}

/** p50 of a one-row INSERT's commit, with synchronous_commit on and off: what the disk's fsync costs here. */
async function durableCommitCost(ds: { query: (sql: string, params?: unknown[]) => Promise<unknown> }, n: number): Promise<{ durable: number; async: number }> {
  await ds.query('CREATE TABLE IF NOT EXISTS public.bench_commit (n int)');
  const time = async (mode: 'on' | 'off') => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await ds.query(`WITH s AS (SELECT set_config('synchronous_commit', '${mode}', true)) INSERT INTO public.bench_commit SELECT 1 FROM s`);
      ms.push(performance.now() - t0);
    }
    return summarize(ms).p50;
  };
  const [durable, async] = [await time('on'), await time('off')];
  return { durable, async };
}

runBenchmark(main);
