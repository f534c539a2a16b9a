/**
 * `npm run bench:gateways [-- --patients 2000 --vus 50 --rounds 5 --seconds 5 --warmup 3 --quick --keep]`
 *
 * The gateways side by side (issue 17), in one run, in front of the same four subgraphs:
 *
 * - **project**: this project's gateway (`node dist/scripts/start-service.js gateway`),
 *   given users' JWTs (development HS256 secret); it verifies them and signs internal
 *   caller tokens. Run twice, `GATEWAY_DEDUP=on` and `off`, when the build has that setting.
 * - **stock @apollo/gateway**: the same @apollo/gateway version in Apollo Server 5's
 *   standalone server, header forwarding only (bench/gateways-stock.ts).
 * - **Hive Gateway**: @graphql-hive/gateway-runtime on node:http, header forwarding only,
 *   with its in-flight de-duplication of subgraph requests on (its default) and off
 *   (bench/gateways-hive.ts).
 * - **direct**: the one-subgraph query straight to the patients subgraph, for the
 *   gateway's overhead over no gateway.
 *
 * The stock and Hive gateways do no authentication, so the load generator hands them each
 * user's *internal* caller token (what the subgraphs accept; the bench signs them with a
 * throwaway HUB_INTERNAL_KEY). Every virtual user is a different subject (admins, who may
 * read every field asked for), so nothing is shared between users.
 *
 * Seeds the demo population into a scratch database, composes the supergraph with the
 * subgraphs' ports, starts every subgraph as its own process pinned to core 0 (as is this
 * process, the load generator) and each gateway as its own process pinned to core 1
 * (`taskset`, when there is one). Every query is probed once per gateway (an answer with
 * errors stops the run). Then, after a warm-up, rounds alternate between the gateways
 * (their order rotating each round), `--vus` concurrent users for `--seconds` each, so
 * the machine's drift hits all alike. Per query and gateway it prints requests/s, p50 and
 * p99 latency and the gateway process's CPU time per request (utime + stime from
 * /proc/<pid>/stat before and after each round), and their ratios to stock
 * @apollo/gateway and to Hive Gateway.
 */
import 'reflect-metadata';
import { execFileSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { mintDevToken, Role } from '../shared/auth';
import { PROJECT_ROOT } from '../shared/config';
import { resolveDatabaseUrl } from '../shared/database';
import { createInternalTokenSigner } from '../shared/internal-token';
import { answers, clockTicksPerSecond, cpuTicks, freePort, gatewayEnvironment, hasTaskset, readyAt, seedDemo, startProcess, startSubgraphProcesses, stopChildren, stopOnSignal, waitFor, waitForConsumers, writeSupergraph } from './hub-processes';
import { HUB_QUERIES, parseLoadArgs, type HubQuery } from './hub-load';
import { createScratchDatabase, releaseScratchDatabase, runBenchmark, summarize } from './support';

type Query = HubQuery;
const QUERIES = HUB_QUERIES;

type TokenKind = 'user' | 'internal';
interface Target {
  key: string;
  label: string;
  url: string;
  tokens: TokenKind;
  child: ChildProcess;
  /** Only the one-subgraph query (the direct subgraph call). */
  oneSubgraphOnly?: boolean;
  /** Its CPU is a subgraph's, not a gateway's. */
  notAGateway?: boolean;
  pool?: Pool;
}

interface Sample { latencies: number[]; requests: number; errors: number; seconds: number; ticks: number }

async function post(pool: Pool, pathname: string, token: string, body: string): Promise<{ status: number; text: string }> {
  const res = await pool.request({ path: pathname, method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  return { status: res.statusCode, text: await res.body.text() };
}

/** `vus` users, each with its own token, send `query` back to back for `seconds`. */
async function load(target: Target, q: Query, tokens: string[], seconds: number): Promise<Sample> {
  const pool = target.pool!;
  const pathname = new URL(target.url).pathname;
  const body = JSON.stringify({ query: q.query, variables: q.variables });
  const latencies: number[] = [];
  let errors = 0;
  const pid = target.child.pid!;
  const ticks0 = cpuTicks(pid);
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(tokens.map(async (token) => {
    while (performance.now() < end) {
      const s = performance.now();
      try {
        const r = await post(pool, pathname, token, body);
        // No field asked for is named "errors": the key appears only when the answer has errors.
        if (r.status !== 200 || r.text.includes('"errors"')) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - s);
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  return { latencies, requests: latencies.length, errors, seconds: elapsed, ticks: cpuTicks(pid) - ticks0 };
}

async function main(): Promise<void> {
  const values = parseLoadArgs();
  const quick = values.quick!;
  const count = Number(values.patients);
  const vus = Number(values.vus);
  const rounds = Number(values.rounds ?? (quick ? 2 : 5));
  const seconds = Number(values.seconds ?? (quick ? 2 : 5));
  const warmup = Number(values.warmup ?? (quick ? 1 : 3));
  process.env.LOG_LEVEL ??= 'warn';
  // Throwaway secrets: the bench mints user tokens and signs internal ones itself, and touches nothing in .data.
  process.env.HUB_INTERNAL_KEY ??= crypto.randomBytes(32).toString('base64url');
  process.env.JWT_SECRET ??= crypto.randomBytes(32).toString('base64url');
  delete process.env.JWT_JWKS_URL;

  const pin = hasTaskset();
  if (pin) execFileSync('taskset', ['-cp', '0', String(process.pid)], { stdio: 'ignore' });
  const clkTck = clockTicksPerSecond();
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-gateways-'));
  const supergraphPath = path.join(logDir, 'supergraph.graphql');
  const projectDedup = fs.readdirSync(path.join(PROJECT_ROOT, 'dist', 'gateway')).some((f) => f.endsWith('.js') && fs.readFileSync(path.join(PROJECT_ROOT, 'dist', 'gateway', f), 'utf8').includes('gatewayDedup'));

  const scratch = await createScratchDatabase(await resolveDatabaseUrl(), 'gateways_bench');
  console.log(`database ${scratch.name} on ${new URL(scratch.url).host}; logs in ${logDir}; ${pin ? 'subgraphs and load generator on core 0, each gateway on core 1' : 'no taskset: processes not pinned'}; CLK_TCK ${clkTck}`);
  const offSignals = stopOnSignal(scratch);
  const pools: Pool[] = [];
  try {
    const seedStart = performance.now();
    await seedDemo(scratch.url, count);
    console.log(`seeded ${count} demo patients in ${((performance.now() - seedStart) / 1000).toFixed(0)} s`);

    const started = performance.now();
    const { urls: subgraphUrls, children: subgraphChildren } = await startSubgraphProcesses({ env: { DATABASE_URL: scratch.url, DB_POOL_SIZE: '3' }, core: pin ? 0 : undefined, logDir });
    console.log(`subgraphs ready in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    await waitForConsumers(scratch.url);
    await writeSupergraph(supergraphPath, subgraphUrls);
    const gatewayEnv = gatewayEnvironment(supergraphPath, scratch.url, subgraphUrls);
    const targets: Target[] = [];
    const addGateway = async (key: string, label: string, tokens: TokenKind, script: string, args: string[], env: Record<string, string>, ready: (base: string) => Promise<boolean>) => {
      const port = await freePort();
      const child = startProcess(key, pin ? 1 : undefined, script, args, { ...gatewayEnv, ...env, PORT: String(port) }, logDir);
      const base = `http://127.0.0.1:${port}`;
      await waitFor(label, child, () => ready(base));
      targets.push({ key, label, url: `${base}/graphql`, tokens, child });
    };
    for (const dedup of projectDedup ? ['on', 'off'] : [undefined]) {
      await addGateway(dedup ? `project-dedup-${dedup}` : 'project', dedup ? `project, dedup ${dedup}` : 'project', 'user', 'scripts/start-service.js', ['gateway'], dedup ? { GATEWAY_DEDUP: dedup } : {}, (b) => readyAt(`${b}/ready`));
    }
    await addGateway('stock', 'stock @apollo/gateway', 'internal', 'bench/gateways-stock.js', [], {}, (b) => answers(`${b}/graphql?query=%7B__typename%7D`));
    for (const dedup of ['on', 'off']) {
      await addGateway(`hive-dedup-${dedup}`, `Hive Gateway, dedup ${dedup}`, 'internal', 'bench/gateways-hive.js', [], { HIVE_DEDUP: dedup }, (b) => answers(`${b}/graphql?query=%7B__typename%7D`));
    }
    targets.push({ key: 'direct', label: 'patients subgraph direct', url: subgraphUrls.patients, tokens: 'internal', child: subgraphChildren.patients, oneSubgraphOnly: true, notAGateway: true });
    for (const t of targets) {
      t.pool = new Pool(new URL(t.url).origin, { connections: vus, pipelining: 1, keepAliveTimeout: 60_000 });
      pools.push(t.pool);
    }

    // One subject per virtual user: admins, who may read every field the queries ask for.
    const subjects = Array.from({ length: vus }, (_, i) => `bench-admin-${i + 1}`);
    const userTokens = await Promise.all(subjects.map((sub) => mintDevToken({ sub, roles: [Role.ADMIN], expiresIn: '8h' })));
    const sign = createInternalTokenSigner();
    // Internal tokens live 5 minutes; the signer renews them before that, so ask it again before every round.
    const internalTokens = () => Promise.all(subjects.map((sub) => sign({ principal: { sub, roles: [Role.ADMIN], expiresAt: new Date(Date.now() + 8 * 3600_000) }, endpoint: 'clinical', channel: 'http' })));
    const tokensFor = async (t: Target) => (t.tokens === 'user' ? userTokens : await internalTokens());
    const runs = (q: Query) => targets.filter((t) => !t.oneSubgraphOnly || q.key === 'one');

    // Probe: every query once through every gateway; any error stops the run. The answers should be the same data.
    for (const q of QUERIES) {
      let reference: string | undefined;
      for (const t of runs(q)) {
        const r = await post(t.pool!, new URL(t.url).pathname, (await tokensFor(t))[0], JSON.stringify({ query: q.query, variables: q.variables }));
        const body = (() => {
          try {
            return JSON.parse(r.text) as { data?: unknown; errors?: unknown[] };
          } catch {
            return { errors: [r.text.slice(0, 500)] };
          }
        })();
        if (r.status !== 200 || body.errors || !body.data) throw new Error(`${q.name} through ${t.label} answered HTTP ${r.status}: ${JSON.stringify(body.errors ?? body).slice(0, 2000)}`);
        // `asOf` is the time of the answer; everything else should match between gateways.
        const data = JSON.stringify(body.data).replace(/"asOf":"[^"]*"/g, '"asOf":…');
        if (reference === undefined) reference = data;
        else if (data !== reference) {
          let at = 0;
          while (data[at] === reference[at]) at++;
          console.warn(`note: ${q.name} through ${t.label} answered other data than through ${runs(q)[0].label}, from …${data.slice(Math.max(0, at - 80), at + 40)}… (there: …${reference.slice(Math.max(0, at - 80), at + 40)}…)`);
        }
      }
    }
    console.log(`probed ${QUERIES.length} queries through ${targets.length - 1} gateways (and the one-subgraph query directly): no errors`);

    const samples = new Map<string, Sample[]>();
    const id = (q: Query, t: Target) => `${q.key}|${t.key}`;
    console.log(`warm-up: ${warmup} s per query per gateway`);
    for (const q of QUERIES) for (const t of runs(q)) if (warmup > 0) await load(t, q, await tokensFor(t), warmup);
    const perRound = QUERIES.reduce((n, q) => n + runs(q).length, 0) * seconds;
    console.log(`${rounds} rounds of ~${perRound} s: ${vus} virtual users, ${seconds} s per query per gateway, gateways' order rotating each round`);
    for (let round = 0; round < rounds; round++) {
      for (const q of QUERIES) {
        const list = runs(q);
        const order = list.map((_, i) => list[(i + round) % list.length]);
        for (const t of order) {
          const s = await load(t, q, await tokensFor(t), seconds);
          samples.set(id(q, t), [...(samples.get(id(q, t)) ?? []), s]);
        }
      }
      console.log(`  round ${round + 1}/${rounds} done`);
    }

    // The table.
    interface Row { label: string; rps: number; p50: number; p99: number; cpu: number; errors: number; requests: number; gateway: boolean }
    const rowsOf = (q: Query): Map<string, Row> => new Map(runs(q).map((t) => {
      const all = samples.get(id(q, t))!;
      const requests = all.reduce((n, s) => n + s.requests, 0);
      const secs = all.reduce((n, s) => n + s.seconds, 0);
      const ticks = all.reduce((n, s) => n + s.ticks, 0);
      const lat = summarize(all.flatMap((s) => s.latencies));
      return [t.key, { label: t.label, rps: requests / secs, p50: lat.p50, p99: lat.p99, cpu: (ticks * 1000) / clkTck / requests, errors: all.reduce((n, s) => n + s.errors, 0), requests, gateway: !t.notAGateway }];
    }));
    const pad = (s: string, n: number) => s.padEnd(n);
    const lpad = (s: string, n: number) => s.padStart(n);
    const ratio = (a: number, b: number | undefined) => (b ? `${(a / b).toFixed(2)}×` : '—');
    const headers = ['gateway', 'RPS', 'p50 ms', 'p99 ms', 'CPU ms/req', 'RPS/stock', 'p50/stock', 'CPU/stock', 'RPS/Hive', 'p50/Hive', 'CPU/Hive', 'errors'];
    const widths = [28, 8, 8, 8, 11, 10, 10, 10, 9, 9, 9, 7];
    console.log(`\n${count} patients, ${vus} virtual users (one admin subject each), ${rounds} rounds × ${seconds} s per query per gateway; gateway CPU on core ${pin ? 1 : '(unpinned)'}, ticks of ${(1000 / clkTck).toFixed(0)} ms`);
    const overhead: string[] = [];
    for (const q of QUERIES) {
      const rows = rowsOf(q);
      const stock = rows.get('stock')!;
      const hive = rows.get('hive-dedup-on')!;
      console.log(`\n${q.name}`);
      console.log(headers.map((h, i) => (i === 0 ? pad(h, widths[i]) : lpad(h, widths[i]))).join(' '));
      for (const r of rows.values()) {
        const cpu = r.gateway ? r.cpu.toFixed(2) : `(${r.cpu.toFixed(2)})`;
        const cells = [r.label, r.rps.toFixed(0), r.p50.toFixed(1), r.p99.toFixed(1), cpu,
          ratio(r.rps, stock.rps), ratio(r.p50, stock.p50), r.gateway ? ratio(r.cpu, stock.cpu) : '—',
          ratio(r.rps, hive.rps), ratio(r.p50, hive.p50), r.gateway ? ratio(r.cpu, hive.cpu) : '—', String(r.errors)];
        console.log(cells.map((c, i) => (i === 0 ? pad(c, widths[i]) : lpad(c, widths[i]))).join(' '));
      }
      if (q.key === 'one') {
        const direct = rows.get('direct')!;
        for (const [key, r] of rows) {
          if (key.startsWith('project')) overhead.push(`  ${r.label}: p50 ${r.p50.toFixed(1)} ms − direct p50 ${direct.p50.toFixed(1)} ms = ${(r.p50 - direct.p50).toFixed(1)} ms (stock @apollo/gateway: ${(stock.p50 - direct.p50).toFixed(1)} ms, Hive Gateway: ${(hive.p50 - direct.p50).toFixed(1)} ms)`);
        }
      }
    }
    console.log('\n(CPU of "patients subgraph direct" is the subgraph process\'s, in parentheses: not a gateway.)');
    console.log(`\ngateway overhead over a direct subgraph call (one-subgraph query, ${vus} users):\n${overhead.join('\n')}`);
    const failed = [...QUERIES.flatMap((q) => [...rowsOf(q).values()])].reduce((n, r) => n + r.errors, 0);
    if (failed > 0) console.log(`\n${failed} requests answered with errors or failed during the rounds (see the errors column)`);
  } finally {
    offSignals();
    await Promise.all(pools.map((p) => p.close().catch(() => undefined)));
    await stopChildren();
    fs.rmSync(supergraphPath, { force: true });
    await releaseScratchDatabase(scratch, values.keep!);
  }
}

runBenchmark(main);
