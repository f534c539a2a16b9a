/**
 * `npm run bench:hub -- --baseline <git rev> [--patients 2000 --vus 50 --rounds 4 --seconds 4 --warmup 2 --quick --keep]`
 *
 * The whole hub before and after (issue 17): the same load on an earlier commit (the
 * baseline) and on this checkout, four subgraph processes and a gateway process each, side
 * by side in one run. Issue 17's target is the whole hub at >= 3× the baseline on the
 * README's sample query and the 50-patient worklist page; this prints the ratios, it does
 * not judge them.
 *
 * - **baseline**: `--baseline` checked out as a detached `git worktree` in a temp dir,
 *   installed (this checkout's node_modules symlinked when the package-lock.json is
 *   byte-identical, else `npm ci`) and built with its own `tsc`; its own seed
 *   (`dist/scripts/seed.js --patients N`), its own supergraph composition
 *   (`dist/scripts/compose.js`) and its own `dist/scripts/start-service.js`.
 * - **new**: this checkout's dist/ as it is (build it first: `tsc -p tsconfig.json`), the
 *   same three scripts.
 *
 * Each hub has its own scratch database (the schemas differ between versions), seeded with
 * `--patients` demo patients by its own seed, and is measured once its event consumers have
 * caught up. The queries are bench/gateways.ts's: the console's worklist page (the patients
 * subgraph alone), the README's sample query and a 50-patient worklist page with teams,
 * plans, referrals and utilization (all four subgraphs). Each is probed once per hub: when
 * the baseline's API does not take it (an older shape: plain lists before connections), a
 * rewrite asking for the same data is tried, and the output says which one was used.
 *
 * `--vus` virtual users, each a distinct admin (its own JWT, so no two share a gateway
 * fetch), send the query back to back for `--seconds`; after a `--warmup` per query and hub,
 * `--rounds` rounds alternate the hubs (the order flipping each round), so the shared
 * machine's drift hits both alike. The hubs start unpinned (seeding and catch-up use both
 * cores) and are then pinned, all ten processes, to core 1, and this process (the load
 * generator) to core 0 (`taskset`, when there is one): only one hub is loaded at a time, so
 * each gets core 1 to itself but for the idle one's background work (event polls, audit
 * seals: small, and either way round), and neither takes CPU from the load generator.
 * PostgreSQL is not pinned, and its CPU is not counted.
 *
 * How to read it: per query, each hub's requests/s, p50 and p99 latency and CPU ms per
 * request (utime + stime of the hub's five processes from /proc/<pid>/stat, before and after
 * each round), then new/baseline: RPS ratio (> 1 is faster), p50 ratio and CPU ratio (< 1 is
 * better). Errors are counted; any answer with errors during the probe stops the run.
 */
import 'reflect-metadata';
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { mintDevToken, Role } from '../shared/auth';
import { PROJECT_ROOT, SUBGRAPH_NAMES, subgraphUrlVariable } from '../shared/config';
import { resolveDatabaseUrl } from '../shared/database';
import { clockTicksPerSecond, cpuTicks, freePort, gatewayEnvironment, hasTaskset, readyAt, startProcess, startSubgraphProcesses, stopChildren, stopOnSignal, tail, waitFor, waitForConsumers } from './hub-processes';
import { HUB_QUERIES, parseLoadArgs, type HubQuery } from './hub-load';
import { createScratchDatabase, releaseScratchDatabase, runBenchmark, summarize, type ScratchDatabase } from './support';

const QUERIES = HUB_QUERIES;

/** Rewrites for a baseline whose API differs, applied one on top of the other until the baseline takes the query. */
const BASELINE_REWRITES: { why: string; rewrite: (q: string) => string }[] = [
  {
    why: 'Patient.referrals a plain list (before connections): `referrals(first: 5) { … }` for `referrals(first: 5) { totalCount edges { node { … } } }`, so no referral totalCount',
    rewrite: (q) => q.replace(/referrals\(first: (\d+)\) \{ totalCount edges \{ node \{ ([^}]*) \} \} \}/g, 'referrals(first: $1) { $2 }'),
  },
];

type Query = HubQuery;
type Side = 'baseline' | 'new';
interface Hub { side: Side; root: string; pool: Pool; pids: number[]; queries: Map<string, { query: string; rewrites: string[] }> }
interface Sample { latencies: number[]; errors: number; seconds: number; ticks: number }

const git = (...args: string[]) => execFileSync('git', ['-C', PROJECT_ROOT, ...args], { encoding: 'utf8' }).trim();

/** Runs a setup step (npm ci, tsc, seed, compose) to its end, output in `log`; a failure names the step and shows the log's tail. */
function run(what: string, cmd: string, args: string[], cwd: string, log: string, env: Record<string, string> = {}): Promise<void> {
  const out = fs.openSync(log, 'a');
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${what} failed (${signal ?? `exit ${code}`}), log ${log}:\n${tail(log)}`))));
  });
}

/** The baseline as a detached worktree, installed and built; fails clearly when it lacks what the hub needs here. */
async function prepareBaseline(commit: string, dir: string, logDir: string): Promise<void> {
  git('worktree', 'add', '--detach', dir, commit);
  const lock = (root: string) => fs.readFileSync(path.join(root, 'package-lock.json'));
  const log = path.join(logDir, 'baseline-setup.log');
  const t0 = performance.now();
  if (lock(dir).equals(lock(PROJECT_ROOT))) {
    fs.symlinkSync(path.join(PROJECT_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    console.log('baseline: package-lock.json identical, node_modules symlinked');
  } else {
    console.log('baseline: package-lock.json differs: npm ci in the worktree');
    await run('npm ci (baseline)', 'npm', ['ci', '--no-audit', '--no-fund'], dir, log);
  }
  await run('tsc (baseline)', 'npx', ['tsc', '-p', 'tsconfig.json'], dir, log);
  requireScripts(dir, 'baseline');
  console.log(`baseline installed and built in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

/** start-service, compose and a seed that takes `--patients` (every revision since the seed script had options). */
function requireScripts(root: string, label: string): void {
  for (const script of ['start-service', 'compose', 'seed']) {
    const file = path.join(root, 'dist', 'scripts', `${script}.js`);
    if (!fs.existsSync(file)) throw new Error(`${label} (${root}) has no dist/scripts/${script}.js: this bench cannot run it`);
  }
  if (!/patients:\s*\{\s*type:\s*'string'/.test(fs.readFileSync(path.join(root, 'dist', 'scripts', 'seed.js'), 'utf8'))) {
    throw new Error(`${label}'s dist/scripts/seed.js takes no --patients option: this bench cannot seed it`);
  }
}

/** Removes the worktree (the node_modules symlink first, so nothing follows it into this checkout's) and prunes git's record of it. */
function removeBaseline(tmp: string, dir: string): void {
  const modules = path.join(dir, 'node_modules');
  if (fs.lstatSync(modules, { throwIfNoEntry: false })?.isSymbolicLink()) fs.unlinkSync(modules);
  try {
    git('worktree', 'remove', '--force', dir);
  } catch (err) {
    console.warn(`git worktree remove ${dir}: ${(err as Error).message}`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  git('worktree', 'prune');
}

/** One hub from `root`: seeded, four subgraphs with caught-up consumers, its own supergraph, its gateway ready. */
async function startHub(side: Side, root: string, db: ScratchDatabase, o: { count: number; vus: number; logDir: string }): Promise<Hub> {
  const { count, logDir } = o;
  const t0 = performance.now();
  await run(`seed (${side})`, process.execPath, [path.join(root, 'dist', 'scripts', 'seed.js'), '--patients', String(count)], root, path.join(logDir, `${side}-seed.log`), { DATABASE_URL: db.url, SEED: 'demo' });
  console.log(`${side}: seeded ${count} patients in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const subgraphs = await startSubgraphProcesses({ prefix: `${side}-`, env: { DATABASE_URL: db.url, DB_POOL_SIZE: '3' }, logDir, root });
  await waitForConsumers(db.url);
  const supergraph = path.join(logDir, `${side}-supergraph.graphql`);
  const urls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [subgraphUrlVariable(n), subgraphs.urls[n]]));
  await run(`compose (${side})`, process.execPath, [path.join(root, 'dist', 'scripts', 'compose.js')], root, path.join(logDir, `${side}-compose.log`), { ...urls, SUPERGRAPH_PATH: supergraph });
  const port = await freePort();
  const gateway = startProcess(`${side}-gateway`, undefined, 'scripts/start-service.js', ['gateway'], { ...gatewayEnvironment(supergraph, db.url, subgraphs.urls), DB_POOL_SIZE: '3', PORT: String(port) }, logDir, root);
  await waitFor(`${side} gateway`, gateway, () => readyAt(`http://127.0.0.1:${port}/ready`));
  console.log(`${side}: hub ready in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  return {
    side, root, pids: [gateway.pid!, ...Object.values(subgraphs.children).map((c) => c.pid!)], queries: new Map(),
    pool: new Pool(`http://127.0.0.1:${port}`, { connections: o.vus, pipelining: 1, keepAliveTimeout: 60_000 }),
  };
}

/** Pins every thread of `pid` to `core` (`-a`: Node's worker threads too). */
const pin = (pid: number, core: number) => execFileSync('taskset', ['-a', '-cp', String(core), String(pid)], { stdio: 'ignore' });
const hubTicks = (hub: Hub) => hub.pids.reduce((n, pid) => n + cpuTicks(pid), 0);

async function post(hub: Hub, token: string, body: string): Promise<{ status: number; text: string }> {
  const res = await hub.pool.request({ path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  return { status: res.statusCode, text: await res.body.text() };
}

/** The query (or, on the baseline, its first rewrite that the baseline takes) once through the hub: the data, or why it failed. */
async function probe(hub: Hub, q: Query, token: string): Promise<string> {
  const attempts = [{ query: q.query, rewrites: [] as string[] }];
  if (hub.side === 'baseline') {
    for (const r of BASELINE_REWRITES) {
      const last = attempts[attempts.length - 1];
      const query = r.rewrite(last.query);
      if (query !== last.query) attempts.push({ query, rewrites: [...last.rewrites, r.why] });
    }
  }
  const failures: string[] = [];
  for (const a of attempts) {
    const r = await post(hub, token, JSON.stringify({ query: a.query, variables: q.variables }));
    let body: { data?: unknown; errors?: unknown[] };
    try {
      body = JSON.parse(r.text);
    } catch {
      body = { errors: [r.text.slice(0, 300)] };
    }
    if (r.status === 200 && body.data && !body.errors) {
      hub.queries.set(q.key, a);
      return JSON.stringify(body.data).replace(/"asOf":"[^"]*"/g, '"asOf":…');
    }
    failures.push(`HTTP ${r.status}: ${JSON.stringify(body.errors ?? body).slice(0, 800)}`);
  }
  throw new Error(`"${q.name}" fails on the ${hub.side} hub (${hub.root})${attempts.length > 1 ? ', also rewritten' : ''}:\n  ${failures.join('\n  ')}`);
}

/** One token per virtual user sends the hub's form of `q` back to back for `seconds`; the hub's CPU measured around it. */
async function load(hub: Hub, q: Query, tokens: string[], seconds: number): Promise<Sample> {
  const body = JSON.stringify({ query: hub.queries.get(q.key)!.query, variables: q.variables });
  const latencies: number[] = [];
  let errors = 0;
  const ticks0 = hubTicks(hub);
  const t0 = performance.now();
  await Promise.all(tokens.map(async (token) => {
    while (performance.now() - t0 < seconds * 1000) {
      const s = performance.now();
      // No field asked for is named "errors": the key appears only when an answer has errors.
      const ok = await post(hub, token, body).then((r) => r.status === 200 && !r.text.includes('"errors"'), () => false);
      if (!ok) errors++;
      latencies.push(performance.now() - s);
    }
  }));
  return { latencies, errors, seconds: (performance.now() - t0) / 1000, ticks: hubTicks(hub) - ticks0 };
}

async function main(): Promise<void> {
  const values = parseLoadArgs({ baseline: { type: 'string' } });
  if (!values.baseline) throw new Error('usage: hub-compare --baseline <git rev> [--patients 2000 --vus 50 --rounds 4 --seconds 4 --warmup 2 --quick --keep]');
  const quick = values.quick!;
  const count = Number(values.patients);
  const vus = Number(values.vus);
  const rounds = Number(values.rounds ?? (quick ? 2 : 4));
  const seconds = Number(values.seconds ?? (quick ? 2 : 4));
  const warmup = Number(values.warmup ?? (quick ? 1 : 2));
  const commit = git('rev-parse', '--verify', `${values.baseline}^{commit}`);
  const describe = (rev: string) => `${git('rev-parse', rev)} ${git('log', '-1', '--format=%s', rev)}`;
  const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
  console.log(`baseline ${describe(commit)}\nnew      HEAD ${describe('HEAD')}${dirty ? ' (with the working tree\'s uncommitted changes)' : ''}`);
  requireScripts(PROJECT_ROOT, 'this checkout');

  process.env.LOG_LEVEL = 'warn';
  // Throwaway secrets for both hubs: the bench mints the users' tokens, and touches nothing in either .data.
  process.env.HUB_INTERNAL_KEY = crypto.randomBytes(32).toString('base64url');
  process.env.JWT_SECRET = crypto.randomBytes(32).toString('base64url');
  delete process.env.JWT_JWKS_URL;
  const pinning = hasTaskset();
  const clkTck = clockTicksPerSecond();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-compare-'));
  const worktree = path.join(tmp, 'baseline');
  const logDir = path.join(tmp, 'logs');
  fs.mkdirSync(logDir);
  const server = await resolveDatabaseUrl();
  const dbs = {
    baseline: await createScratchDatabase(server, 'hub_compare_baseline'),
    new: await createScratchDatabase(server, 'hub_compare_new'),
  };
  console.log(`databases ${dbs.baseline.name} and ${dbs.new.name} on ${new URL(server).host}; worktree and logs in ${tmp}`);
  const release = async () => {
    await releaseScratchDatabase(dbs.baseline, values.keep!);
    await releaseScratchDatabase(dbs.new, values.keep!);
    if (values.keep) console.log(`kept the worktree ${worktree} (git worktree remove --force ${worktree} when done)`);
    else removeBaseline(tmp, worktree);
  };
  const offSignals = stopOnSignal({ drop: release });
  const hubs: Hub[] = [];
  try {
    await prepareBaseline(commit, worktree, logDir);
    // Both hubs at once: seeding and consumer catch-up are most of the set-up time.
    hubs.push(...await Promise.all([startHub('baseline', worktree, dbs.baseline, { count, vus, logDir }), startHub('new', PROJECT_ROOT, dbs.new, { count, vus, logDir })]));
    if (pinning) {
      for (const hub of hubs) for (const pid of hub.pids) pin(pid, 1);
      pin(process.pid, 0);
    }
    console.log(pinning ? 'both hubs (all ten processes) pinned to core 1, the load generator to core 0' : 'no taskset: nothing pinned');

    // A distinct admin per virtual user: admins may read every field asked for, and no two users share a fetch.
    const tokens = await Promise.all(Array.from({ length: vus }, (_, i) => mintDevToken({ sub: `bench-admin-${i + 1}`, roles: [Role.ADMIN], expiresIn: '8h' })));
    for (const q of QUERIES) {
      const [base, next] = [await probe(hubs[0], q, tokens[0]), await probe(hubs[1], q, tokens[0])];
      const rewrites = hubs[0].queries.get(q.key)!.rewrites;
      for (const why of rewrites) console.log(`note: "${q.name}" on the baseline rewritten: ${why}`);
      if (rewrites.length === 0 && base !== next) console.log(`note: "${q.name}" answers other data on the two hubs (different seeds or orders: compare with --keep)`);
    }
    console.log(`probed ${QUERIES.length} queries on both hubs: no errors`);

    const samples = new Map<string, Sample[]>();
    const add = (q: Query, hub: Hub, s: Sample) => samples.set(`${q.key}|${hub.side}`, [...(samples.get(`${q.key}|${hub.side}`) ?? []), s]);
    if (warmup > 0) {
      console.log(`warm-up: ${warmup} s per query per hub`);
      for (const q of QUERIES) for (const hub of hubs) await load(hub, q, tokens, warmup);
    }
    console.log(`${rounds} rounds of ~${QUERIES.length * 2 * seconds} s: ${vus} virtual users, ${seconds} s per query per hub, the hubs' order flipping each round`);
    for (let round = 0; round < rounds; round++) {
      for (const q of QUERIES) for (const hub of round % 2 === 0 ? hubs : [...hubs].reverse()) add(q, hub, await load(hub, q, tokens, seconds));
      console.log(`  round ${round + 1}/${rounds} done`);
    }

    console.log(`\n${count} patients per hub, ${vus} virtual users (one admin each), ${rounds} rounds × ${seconds} s per query per hub; CPU: the hub's five processes${pinning ? ' (core 1)' : ''}, ticks of ${(1000 / clkTck).toFixed(0)} ms`);
    const widths = [10, 8, 8, 8, 11, 8];
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' ');
    for (const q of QUERIES) {
      const stats = Object.fromEntries(hubs.map((hub) => {
        const all = samples.get(`${q.key}|${hub.side}`)!;
        const requests = all.reduce((n, s) => n + s.latencies.length, 0);
        const lat = summarize(all.flatMap((s) => s.latencies));
        const cpu = (all.reduce((n, s) => n + s.ticks, 0) * 1000) / clkTck / requests;
        return [hub.side, { rps: requests / all.reduce((n, s) => n + s.seconds, 0), p50: lat.p50, p99: lat.p99, cpu, errors: all.reduce((n, s) => n + s.errors, 0) }];
      })) as Record<Side, { rps: number; p50: number; p99: number; cpu: number; errors: number }>;
      console.log(`\n${q.name}${q.target ? ' — issue 17 target: whole hub >= 3× the baseline' : ''}${hubs[0].queries.get(q.key)!.rewrites.length ? ' (baseline: rewritten, see note above)' : ''}`);
      console.log(line(['hub', 'RPS', 'p50 ms', 'p99 ms', 'CPU ms/req', 'errors']));
      for (const side of ['baseline', 'new'] as const) {
        const s = stats[side];
        console.log(line([side, s.rps.toFixed(0), s.p50.toFixed(1), s.p99.toFixed(1), s.cpu.toFixed(2), String(s.errors)]));
      }
      const ratio = (k: 'rps' | 'p50' | 'cpu') => `${(stats.new[k] / stats.baseline[k]).toFixed(2)}×`;
      console.log(`new/baseline: RPS ${ratio('rps')}, p50 ${ratio('p50')}, CPU per request ${ratio('cpu')}`);
    }
  } finally {
    offSignals();
    await Promise.all(hubs.map((h) => h.pool.close().catch(() => undefined)));
    await stopChildren();
    await release();
  }
}

runBenchmark(main);
