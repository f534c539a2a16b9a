/**
 * `npm run bench:audit [-- --patients 2000 --pairs 400 --rounds 24 --seconds 1 --concurrency 8 --load 0.5 --only worklist --keep]`
 * (`--only`: the cases whose name holds that text)
 *
 * What the audit trail costs a read (issue 10 target: < 15 % at p50), on the hub as it
 * ships: two whole hubs side by side on one seeded database, each four subgraph
 * processes and a gateway process (`node dist/scripts/start-service.js`), one with
 * `HUB_AUDIT=on`, one with `off`; the load generator is this process. Timed, with users'
 * JWTs through each gateway, the console's own queries: the population worklist (a
 * care coordinator's first page, console/src/screens/Worklist.tsx) and the patient chart
 * (console/src/screens/PatientChart.tsx: all four subgraphs, so four subgraphs write a
 * read record each) as a member of the patient's care team (purpose TREATMENT). Every
 * client is a different caller (coordinators; team members each reading their own
 * patient), so the gateway's de-duplication never merges them, as with real users. And, for
 * the floor, the patients subgraph alone (the chart's patients part and the worklist,
 * with a gateway-signed caller token straight to each hub's patients process): there its
 * own data queries are all a read's durable commit can overlap.
 *
 * Three loads per query: one request at a time (every read pays a whole commit), the two
 * hubs alternating request by request (the order flipping each pair) so drift in this
 * shared machine's load hits both alike; and `--concurrency` requests in flight, as a
 * team's morning looks, where concurrent reads share a commit (shared/audit.ts
 * AuditWriter), the hubs alternating in short rounds (1 s: a burst of other load on this
 * shared machine spans both) — a closed loop that keeps this 2-core machine saturated,
 * so its p50 follows the throughput the audit leaves; and, as users load a hub, requests
 * arriving steadily (open loop) at `--load` of the unaudited hub's throughput there, to
 * both hubs in alternated rounds. It also prints this machine's
 * durable commit, the CPU per request of the loaded hub's processes and of PostgreSQL
 * (from /proc, while only that hub is loaded), and checks what each hub wrote: the
 * audited hub's chart request leaves a read record per subgraph, the other none.
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { Pool } from 'undici';
import { mintDevToken, Role } from '../shared/auth';
import { resolveDatabaseUrl } from '../shared/database';
import { createInternalTokenSigner } from '../shared/internal-token';
import { clockTicksPerSecond, cpuTicks, freePort, gatewayEnvironment, readyAt, seedDemo, startProcess, startSubgraphProcesses, stopChildren, stopOnSignal, waitFor, waitForConsumers, writeSupergraph } from './hub-processes';
import { createScratchDatabase, formatSummary, releaseScratchDatabase, runBenchmark, summarize } from './support';

/** console/src/screens/Worklist.tsx, its first page. */
const WORKLIST = `query PopulationWorklist($first: Int, $after: String, $filter: PatientFilter) {
  patients(first: $first, after: $after, filter: $filter, orderBy: RISK_DESC) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id mrn givenName familyName birthDate careManaged chronicConditionCount risk { score tier drivers dischargedAt } } } } }`;
const PATIENT_PART = `id mrn givenName familyName birthDate administrativeSex preferredLanguage postalCode careManaged
  risk { score tier drivers dischargedAt }
  conditions(presentOnly: true) { id code display clinicalStatus chronic }
  encounters { id kind facility startedAt admittedAt dischargedAt lace { score tier drivers } }
  socialNeeds { id category status screenedAt }`;
/** console/src/screens/PatientChart.tsx: patients, care-teams, community-partners and metrics. */
const CHART = `query PatientChart($id: ID!) { patient(id: $id) { ${PATIENT_PART}
  careTeams { id name status members(first: 50) { edges { node { id practitionerId role active practitioner { name } } } } }
  carePlans { id title status version updatedAt }
  referrals(first: 50) { edges { node { id status category partner { name } history(first: 50) { edges { node { status changedAt actorSide } } } } } }
  utilization { admissions12Months edVisits6Months readmissions30Day asOf } } }`;
/** The chart's patients part, at the patients subgraph. */
const CHART_PATIENTS = `query PatientChart($id: ID!) { patient(id: $id) { ${PATIENT_PART} } }`;

type Mode = 'on' | 'off';
/** `token` per request: caller tokens live 5 minutes (shared/internal-token.ts), so the signer renews them as the gateway would. */
interface Case { name: string; at: 'gateway' | 'patients'; query: string; requests: { token: () => Promise<string>; variables: Record<string, unknown> }[] }

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      patients: { type: 'string', default: '2000' },
      pairs: { type: 'string', default: '400' },
      rounds: { type: 'string', default: '24' },
      seconds: { type: 'string', default: '1' },
      warmup: { type: 'string', default: '100' },
      concurrency: { type: 'string', default: '8' },
      load: { type: 'string', default: '0.5' },
      only: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const count = Number(values.patients);
  const pairs = Number(values.pairs);
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const concurrency = Number(values.concurrency);
  const load = Number(values.load);
  process.env.LOG_LEVEL ??= 'warn';
  // Throwaway secrets: the bench mints user tokens and signs caller tokens itself, and touches nothing in .data.
  process.env.HUB_INTERNAL_KEY ??= crypto.randomBytes(32).toString('base64url');
  process.env.JWT_SECRET ??= crypto.randomBytes(32).toString('base64url');
  delete process.env.JWT_JWKS_URL;
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-audit-'));

  const scratch = await createScratchDatabase(await resolveDatabaseUrl(), 'audit_bench');
  console.log(`database ${scratch.name} on ${new URL(scratch.url).host}; logs in ${logDir}`);
  const offSignals = stopOnSignal(scratch);
  const pools: Pool[] = [];
  const db = new Client({ connectionString: scratch.url });
  try {
    const seedStart = performance.now();
    await seedDemo(scratch.url, count);
    console.log(`seeded ${count} demo patients in ${((performance.now() - seedStart) / 1000).toFixed(0)} s`);
    await db.connect();

    // Two hubs on the one database, alike but for HUB_AUDIT; the first one's consumers apply the seed's events.
    const hubs = {} as Record<Mode, { gateway: Pool; patients: Pool; patientsPath: string; pids: number[] }>;
    for (const mode of ['on', 'off'] as const) {
      const env = { DATABASE_URL: scratch.url, DB_POOL_SIZE: '5', HUB_AUDIT: mode };
      const subgraphs = await startSubgraphProcesses({ prefix: `audit-${mode}-`, env, logDir });
      await waitForConsumers(scratch.url);
      const supergraph = path.join(logDir, `supergraph-${mode}.graphql`);
      await writeSupergraph(supergraph, subgraphs.urls);
      const port = await freePort();
      const child = startProcess(`audit-${mode}-gateway`, undefined, 'scripts/start-service.js', ['gateway'], { ...gatewayEnvironment(supergraph, scratch.url, subgraphs.urls), HUB_AUDIT: mode, PORT: String(port) }, logDir);
      await waitFor(`gateway (audit ${mode})`, child, () => readyAt(`http://127.0.0.1:${port}/ready`));
      const pool = (url: string) => {
        const p = new Pool(new URL(url).origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
        pools.push(p);
        return p;
      };
      hubs[mode] = { gateway: pool(`http://127.0.0.1:${port}`), patients: pool(subgraphs.urls.patients), patientsPath: new URL(subgraphs.urls.patients).pathname, pids: [child.pid!, ...Object.values(subgraphs.children).map((c) => c.pid!)] };
    }
    console.log('two hubs ready: audit on and audit off');

    // Charts worth reading: the patients with the most clinical records among those the demo care team looks after
    // (its coordinator, nurse and physician are on every demo team, scripts/seed/population.ts).
    const members = [
      { sub: 'demo-nurse', roles: [Role.NURSE] },
      { sub: 'demo-physician', roles: [Role.PHYSICIAN] },
      { sub: 'demo-coordinator', roles: [Role.CARE_COORDINATOR] },
    ];
    const { rows: charts } = await db.query(`SELECT p.id FROM patients.patient p
       WHERE EXISTS (SELECT 1 FROM patients.access_membership m JOIN patients.access_care_team t ON t.care_team_id = m.care_team_id
                      WHERE m.practitioner_id = 'demo-nurse' AND m.active AND t.patient_id = p.id)
       ORDER BY (SELECT count(*) FROM patients.condition c WHERE c.patient_id = p.id) + (SELECT count(*) FROM patients.encounter e WHERE e.patient_id = p.id) DESC, p.id
       LIMIT $1`, [concurrency]);
    if (charts.length < concurrency) throw new Error(`the demo team looks after ${charts.length} patients; --concurrency ${concurrency} needs as many`);
    // Every client is a different caller (the gateway never merges two callers' fetches), as real users are.
    const sign = createInternalTokenSigner();
    const expiresAt = new Date(Date.now() + 8 * 3600_000);
    const callerToken = async (p: { sub: string; roles: Role[] }) => () => sign({ principal: { ...p, expiresAt }, endpoint: 'clinical', channel: 'http' });
    const userToken = async (p: { sub: string; roles: Role[] }) => {
      const token = await mintDevToken({ ...p, expiresIn: '8h' });
      return () => Promise.resolve(token);
    };
    const clients = Array.from({ length: concurrency }, (_, i) => i);
    const coordinators = clients.map((i) => ({ sub: `bench-coordinator-${i + 1}`, roles: [Role.CARE_COORDINATOR] }));
    const chartReaders = clients.map((i) => ({ member: members[i % members.length], patientId: charts[i].id as string }));
    const cases: Case[] = [
      { name: 'population worklist, 25 rows (a care coordinator each), through the gateway', at: 'gateway', query: WORKLIST,
        requests: await Promise.all(coordinators.map(async (p) => ({ token: await userToken(p), variables: { first: 25 } }))) },
      { name: 'patient chart, 4 subgraphs (a team member each, own patient), through the gateway', at: 'gateway', query: CHART,
        requests: await Promise.all(chartReaders.map(async (r) => ({ token: await userToken(r.member), variables: { id: r.patientId } }))) },
      { name: 'population worklist at the patients subgraph alone', at: 'patients', query: WORKLIST,
        requests: await Promise.all(coordinators.map(async (p) => ({ token: await callerToken(p), variables: { first: 25 } }))) },
      { name: "patient chart's patients part at the patients subgraph alone", at: 'patients', query: CHART_PATIENTS,
        requests: await Promise.all(chartReaders.map(async (r) => ({ token: await callerToken(r.member), variables: { id: r.patientId } }))) },
    ];
    const send = async (c: Case, mode: Mode, client = 0): Promise<number> => {
      const hub = hubs[mode];
      const { token: tokenOf, variables } = c.requests[client % c.requests.length];
      const token = await tokenOf();
      const t0 = performance.now();
      const res = await (c.at === 'gateway' ? hub.gateway : hub.patients).request({
        path: c.at === 'gateway' ? '/graphql' : hub.patientsPath,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: c.query, variables }),
      });
      const text = await res.body.text();
      const ms = performance.now() - t0;
      // No field asked for is named "errors": the key appears only when the answer has errors.
      if (res.statusCode !== 200 || text.includes('"errors"')) throw new Error(`${c.name} (audit ${mode}) answered HTTP ${res.statusCode}: ${text.slice(0, 1500)}`);
      return ms;
    };

    // What each hub records for one chart request: a read record per subgraph with audit on, none with it off.
    const records = async () => Number((await db.query('SELECT count(*) AS n FROM hub_audit.audit_event')).rows[0].n);
    const written = {} as Record<Mode, number>;
    for (const mode of ['on', 'off'] as const) {
      const before = await records();
      await send(cases[1], mode);
      written[mode] = (await records()) - before;
    }
    console.log(`one chart request through the gateway wrote ${written.on} audit records with audit on, ${written.off} with it off`);
    if (written.on < 4 || written.off !== 0) throw new Error('the hubs do not audit as configured: the comparison would mean nothing');

    const measured = cases.filter((c) => !values.only || c.name.includes(values.only));
    for (const c of measured) for (const mode of ['on', 'off'] as const) for (let i = 0; i < Number(values.warmup); i++) await send(c, mode, i);

    const table: { name: string; load: string; on: number[]; off: number[]; cpu?: Record<Mode, { hub: number; db: number }> }[] = [];
    for (const c of measured) {
      const one = { name: c.name, load: 'one at a time', on: [] as number[], off: [] as number[] };
      for (let i = 0; i < pairs; i++) {
        for (const mode of (i % 2 === 0 ? ['on', 'off'] : ['off', 'on']) as Mode[]) one[mode].push(await send(c, mode, i >> 1));
      }
      // The CPU each request costs the loaded hub's processes and the database server's, while only that hub is loaded.
      const ticks = { on: { hub: 0, db: 0 }, off: { hub: 0, db: 0 } };
      const many = { name: c.name, load: `${concurrency} in flight`, on: [] as number[], off: [] as number[], cpu: ticks };
      for (let r = 0; r < rounds * 2; r++) {
        const mode: Mode = r % 2 === 0 ? 'on' : 'off';
        const end = performance.now() + seconds * 1000;
        const [hub0, db0] = [snapshot(hubs[mode].pids), snapshot(databasePids())];
        await Promise.all(clients.map(async (client) => {
          while (performance.now() < end) many[mode].push(await send(c, mode, client));
        }));
        ticks[mode].hub += ticksSince(hub0, hubs[mode].pids);
        ticks[mode].db += ticksSince(db0, databasePids());
      }
      // Steady arrivals at a share of what the unaudited hub sustained (open loop: a request leaves on schedule whether or not
      // the ones before it are answered), as a clinic's load is: its p50 is the latency a user sees, where the closed loop
      // above, which keeps the machine saturated, measures the capacity left.
      const rate = Math.max(1, Math.round((load * many.off.length) / (rounds * seconds)));
      const steady = { name: c.name, load: `${rate} requests/s arriving steadily (${Math.round(load * 100)} % of the unaudited hub's throughput ${concurrency} in flight)`, on: [] as number[], off: [] as number[] };
      let next = 0;
      for (let r = 0; r < rounds * 2; r++) {
        const mode: Mode = r % 2 === 0 ? 'off' : 'on';
        const start = performance.now();
        const answers: Promise<void>[] = [];
        for (let i = 0; i < rate * seconds; i++) {
          const wait = start + (i * 1000) / rate - performance.now();
          if (wait > 0) await new Promise((done) => setTimeout(done, wait));
          answers.push(send(c, mode, next++).then((ms) => void steady[mode].push(ms)));
        }
        await Promise.all(answers);
      }
      table.push(one, many, steady);
      console.log(`  measured: ${c.name}`);
    }

    const commit = await durableCommitCost(db, 400);
    console.log(`\n${count} patients; one at a time: ${pairs} pairs, the hubs alternating request by request; ${concurrency} in flight: ${rounds} rounds of ${seconds} s per hub, alternated`);
    console.log(`this machine's durable commit (one-row INSERT, WAL flush waited for): p50 ${commit.durable.toFixed(2)} ms; without waiting: ${commit.async.toFixed(2)} ms`);
    for (const row of table) {
      const on = summarize(row.on);
      const off = summarize(row.off);
      const overhead = (on.p50 / off.p50 - 1) * 100;
      console.log(`\n${row.name}, ${row.load}\n  audit on:  ${formatSummary(on)}\n  audit off: ${formatSummary(off)}`);
      console.log(`  overhead at p50 ${overhead.toFixed(1)} % (${(on.p50 - off.p50).toFixed(2)} ms), at p95 ${((on.p95 / off.p95 - 1) * 100).toFixed(1)} % — target < 15 % at p50: ${overhead < 15 ? 'met' : 'NOT met'}`);
      if (row.cpu) {
        const per = (mode: Mode, k: 'hub' | 'db') => ((row.cpu![mode][k] * 1000) / clkTck / row[mode].length).toFixed(2);
        console.log(`  CPU per request, audit on / off: the hub's processes ${per('on', 'hub')} / ${per('off', 'hub')} ms, PostgreSQL ${per('on', 'db')} / ${per('off', 'db')} ms; throughput ${(row.on.length / (rounds * seconds)).toFixed(0)} / ${(row.off.length / (rounds * seconds)).toFixed(0)} requests/s`);
      }
    }
  } finally {
    offSignals();
    await db.end().catch(() => undefined);
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
    await stopChildren();
    await releaseScratchDatabase(scratch, values.keep!);
  }
}

const clkTck = clockTicksPerSecond();
/** CPU ticks per process, for `ticksSince`. */
const snapshot = (pids: number[]) => new Map(pids.flatMap((pid) => {
  try {
    return [[pid, cpuTicks(pid)] as const];
  } catch {
    return []; // a backend that ended meanwhile
  }
}));
/** Ticks spent since `before` by the processes running now (one that started meanwhile counts whole; one that ended is lost). */
const ticksSince = (before: Map<number, number>, pids: number[]) => [...snapshot(pids)].reduce((n, [pid, t]) => n + t - (before.get(pid) ?? 0), 0);
/** The database server's processes, when it runs on this machine (PostgreSQL's are named `postgres`). */
function databasePids(): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      return fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres';
    } catch {
      return false;
    }
  }).map(Number);
}

/** p50 of a one-row INSERT's commit, with synchronous_commit on and off: what the disk's fsync costs here. */
async function durableCommitCost(db: Client, n: number): Promise<{ durable: number; async: number }> {
  await db.query('CREATE TABLE IF NOT EXISTS public.bench_commit (n int)');
  const time = async (mode: 'on' | 'off') => {
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await db.query(`WITH s AS (SELECT set_config('synchronous_commit', '${mode}', true)) INSERT INTO public.bench_commit SELECT 1 FROM s`);
      ms.push(performance.now() - t0);
    }
    return summarize(ms).p50;
  };
  return { durable: await time('on'), async: await time('off') };
}

runBenchmark(main);
