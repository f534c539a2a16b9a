/**
 * What the live benchmarks share (bench/live-subscriptions.ts, bench/live-org.ts):
 * - the hub: each subgraph its own process, the gateway forked alone
 *   (bench/live-gateway.ts, so its memory and CPU are its own), PostgreSQL
 *   LISTEN/NOTIFY as the event transport (no REDIS_URL);
 * - care teams seeded through each subgraph's own seed hook (the one `npm start`
 *   uses: rows plus the domain events a live change would emit, so every access
 *   projection learns the memberships the way it does in production);
 * - client processes (bench/live-clients.ts) and a commit clock: a process that does
 *   nothing but LISTEN, so "commit" is when PostgreSQL delivered the event's NOTIFY
 *   (sent at commit), stamped by an idle event loop;
 * - writers at a fixed rate, and the tally of what reached whom against what should have.
 */
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { mintDevToken, Role } from '../shared/auth';
import { SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import { resolveDatabaseUrl } from '../shared/database';
import { openSubgraphDatabase } from '../shared/subgraph';
import { demoPatient, stableUuid } from '../scripts/seed/population';
import { SUBGRAPHS } from '../subgraphs';
import { cpuTicks, startSubgraphProcesses, stopChildren, waitForConsumers, writeSupergraph } from './hub-processes';
import type { ArrivalReport, ClientCommand, SubscriptionSpec } from './live-clients';
import { createScratchDatabase, formatSummary, ms, summarize, timedGraphQL, type ScratchDatabase, type Summary } from './support';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends a command to a child process and waits for its reply of type `reply`. */
export function request(child: ChildProcess, message: object, reply: string): Promise<any> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type === reply) {
        child.off('message', on);
        resolve(m);
      }
    };
    child.on('message', on);
    child.send(message);
  });
}

/** A care team role and the token role of the practitioner who holds it. */
export interface TeamRole { team: string; token: Role }
export const COORDINATOR: TeamRole = { team: 'CARE_COORDINATOR', token: Role.CARE_COORDINATOR };
/** The other members a team has; every one of them may subscribe to the team's care plans (docs/access.md: CARE_PLANS R). */
export const MEMBER_ROLES: readonly TeamRole[] = [
  { team: 'NURSE_CASE_MANAGER', token: Role.NURSE },
  { team: 'PRIMARY_CARE_PHYSICIAN', token: Role.PHYSICIAN },
  { team: 'SOCIAL_WORKER', token: Role.SOCIAL_WORKER },
  { team: 'PHARMACIST', token: Role.PHARMACIST },
  { team: 'DIETITIAN', token: Role.DIETITIAN },
  { team: 'COMMUNITY_HEALTH_WORKER', token: Role.COMMUNITY_HEALTH_WORKER },
];

/**
 * Operations on one patient's care plan changes, as different screens would select
 * them: each is its own subscription group at the gateway (per role, too), so an
 * event costs one execution per operation and role, not one for everyone. Every one
 * selects `cursor`, which is how a delivery is matched to its commit.
 */
export const OPERATIONS: readonly { name: string; query: string }[] = [
  { name: 'plan title', query: 'subscription($p: ID) { carePlanChanged(patientId: $p) { cursor changeKind carePlan { title version } patient { familyName } } }' },
  { name: 'console care plan', query: `subscription($p: ID) { carePlanChanged(patientId: $p) { cursor changeKind changedFields actor occurredAt
    revision { version changes { field before after } } carePlan { title status version goals { description } } patient { familyName risk { tier } } } }` },
  { name: 'event only', query: 'subscription($p: ID) { carePlanChanged(patientId: $p) { cursor changeKind version occurredAt } }' },
  { name: 'my plans, activities', query: 'subscription { myCarePlanChanges { cursor version carePlan { id status activities { description status } } } }' },
  { name: 'my plans, patient', query: 'subscription { myCarePlanChanges { cursor changeKind patient { givenName familyName birthDate } carePlan { title careTeam { name } } } }' },
];

export interface Member { sub: string; role: TeamRole; token: string }
export interface SeededTeam { patientId: string; careTeamId: string; members: Member[] }

/** Teams to seed, each a list of (subject, role); patient i of the demo population is team i's patient. */
export type TeamPlan = { sub: string; role: TeamRole }[];

async function seedTeams(databaseUrl: string, plans: TeamPlan[]): Promise<SeededTeam[]> {
  const patients = plans.map((members, i) => ({
    ...demoPatient(i),
    careTeam: { id: stableUuid(`bench-team:${i}`), carePlanId: stableUuid(`bench-plan:${i}`), planStatus: 'active', members: members.map((m) => ({ practitionerId: m.sub, role: m.role.team })) },
  }));
  const dataSources = {} as Record<SubgraphName, DataSource>;
  try {
    for (const n of SUBGRAPH_NAMES) dataSources[n] = await openSubgraphDatabase(SUBGRAPHS[n], databaseUrl);
    for (let i = 0; i < patients.length; i += 500) {
      const batch = patients.slice(i, i + 500);
      for (const n of SUBGRAPH_NAMES) await SUBGRAPHS[n].seed?.(dataSources[n], { patients: batch, first: i === 0 });
    }
  } finally {
    for (const ds of Object.values(dataSources)) await ds.destroy();
  }
  const tokens = await Promise.all(plans.flat().map((m) => mintDevToken({ sub: m.sub, roles: [m.role.token] })));
  let k = 0;
  return patients.map((p, i) => ({ patientId: p.id, careTeamId: p.careTeam.id, members: plans[i].map((m) => ({ ...m, token: tokens[k++] })) }));
}

export interface LiveHub {
  db: ScratchDatabase;
  url: string;
  wsUrl: string;
  gateway: ChildProcess;
  subgraphs: ChildProcess[];
  teams: SeededTeam[];
  /** Commit time of each event position (its NOTIFY, stamped by the commit clock). */
  commits: Map<number, number>;
  sql<T = Record<string, string>>(text: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

/**
 * The hub as it ships: each subgraph its own `node dist/scripts/start-service.js` process
 * (bench/hub-processes.ts; NODE_ENV=production unless set, as the Dockerfile has it), the
 * gateway forked alone; seeded first, measured once every event consumer caught up.
 */
export async function startLiveHub(prefix: string, plans: TeamPlan[]): Promise<LiveHub> {
  process.env.JWT_SECRET ??= crypto.randomBytes(32).toString('base64url');
  process.env.HUB_INTERNAL_KEY ??= crypto.randomBytes(32).toString('base64url');
  process.env.LOG_LEVEL ??= 'warn';
  const db = await createScratchDatabase(await resolveDatabaseUrl(), prefix);
  const sql = new Client({ connectionString: db.url });
  let gateway: ChildProcess | undefined;
  let clock: ChildProcess | undefined;
  const stop = async () => {
    if (clock && clock.exitCode === null) clock.kill();
    if (gateway && gateway.exitCode === null) {
      gateway.send({ cmd: 'stop' });
      await Promise.race([new Promise((r) => gateway!.once('exit', r)), sleep(10_000)]);
      gateway.kill();
    }
    await stopChildren();
    await sql.end().catch(() => undefined);
    await db.drop();
  };
  try {
    const t0 = performance.now();
    const teams = await seedTeams(db.url, plans);
    console.log(`seeded ${teams.length} patients with their care teams (${plans.reduce((a, p) => a + p.length, 0)} members) through the seed hooks in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'live-bench-'));
    const env = { DATABASE_URL: db.url, JWT_SECRET: process.env.JWT_SECRET!, HUB_INTERNAL_KEY: process.env.HUB_INTERNAL_KEY!, LOG_LEVEL: process.env.LOG_LEVEL! };
    const { urls, children } = await startSubgraphProcesses({ env, logDir });
    // Every subgraph's projections (memberships above all) applied before anyone subscribes.
    await waitForConsumers(db.url);
    const supergraphFile = path.join(logDir, 'supergraph.graphql');
    await writeSupergraph(supergraphFile, urls);
    gateway = fork(path.join(__dirname, 'live-gateway.js'), [], {
      // BENCH_CPU_PROF=dir profiles the gateway too (bench/hub-processes.ts profiles the subgraphs).
      execArgv: ['--expose-gc', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
      env: { NODE_ENV: 'production', ...process.env, ...env, SUPERGRAPH_PATH: supergraphFile },
    });
    if (process.env.BENCH_CPU_PROF) fs.appendFileSync(path.join(logDir, 'pids'), `${gateway.pid} gateway\n`);
    const { url } = await request(gateway, {}, 'listening');
    clock = fork(path.join(__dirname, 'live-clients.js'));
    const commits = new Map<number, number>();
    clock.on('message', (m: { type: string; commits?: [number, number][] }) => {
      if (m.type === 'commits') for (const [position, at] of m.commits!) commits.set(position, at);
    });
    await request(clock, { cmd: 'commits', databaseUrl: db.url } satisfies ClientCommand, 'ready');
    await sql.connect();
    return {
      db, url, wsUrl: url.replace(/^http/, 'ws'), gateway, subgraphs: Object.values(children), teams, commits, stop,
      sql: async (text, params) => (await sql.query(text, params)).rows,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** What one event's deliveries looked like, merged over every client process. */
interface Arrivals { n: number; first: number; last: number; times: number[] }

/** Client processes and what reached them. */
export class ClientPool {
  readonly arrivals = new Map<number, Arrivals>();
  duplicates = 0;
  errors = 0;
  closed = 0;
  firstError: string | undefined;

  private constructor(readonly processes: ChildProcess[]) {
    for (const p of processes) p.on('message', (m: ArrivalReport) => m.type === 'arrivals' && this.take(m));
  }

  static start(count: number): ClientPool {
    return new ClientPool(Array.from({ length: count }, () => fork(path.join(__dirname, 'live-clients.js'), [], { execArgv: ['--max-old-space-size=4096'] })));
  }

  private take(m: ArrivalReport): void {
    this.duplicates += m.duplicates;
    this.errors += m.errors;
    this.closed += m.closed;
    this.firstError ??= m.firstError;
    for (const [position, n, first, last, times] of m.events) {
      const a = this.arrivals.get(position);
      if (!a) this.arrivals.set(position, { n, first, last, times: times ?? [] });
      else {
        a.n += n;
        a.first = Math.min(a.first, first);
        a.last = Math.max(a.last, last);
        if (times) a.times.push(...times);
      }
    }
  }

  /** Spreads the subscriptions over the processes; fails when any could not be opened. */
  async subscribe(wsUrl: string, specs: SubscriptionSpec[], keepTimes: boolean): Promise<void> {
    const shares = this.processes.map((_, i) => specs.filter((__, k) => k % this.processes.length === i));
    const replies = await Promise.all(this.processes.map((p, i) =>
      request(p, { cmd: 'subscribe', url: wsUrl, subscriptions: shares[i], keepTimes } satisfies ClientCommand, 'ready')));
    const failed = replies.reduce((a, r) => a + r.failed, 0);
    if (failed) throw new Error(`${failed} of ${specs.length} subscriber sockets could not be opened`);
  }

  /**
   * Waits until every expected delivery arrived; gives up once nothing new arrived for
   * `quietSeconds` (a backlog still draining is waited for, up to `maxSeconds`), or a socket closed.
   * Returns the seconds it waited.
   */
  async drained(expect: Expectation[], quietSeconds: number, maxSeconds = 300): Promise<number> {
    const t0 = Date.now();
    let seen = -1;
    let lastProgress = t0;
    for (;;) {
      await sleep(150); // one report interval, so what arrived is counted
      let received = 0;
      for (const e of expect) received += Math.min(e.expected, this.arrivals.get(e.position)?.n ?? 0);
      const now = Date.now();
      if (received !== seen) [seen, lastProgress] = [received, now];
      if (expect.every((e) => (this.arrivals.get(e.position)?.n ?? 0) >= e.expected)) return (now - t0) / 1000;
      if (now - lastProgress > quietSeconds * 1000 || now - t0 > maxSeconds * 1000 || this.closed) return (now - t0) / 1000;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.processes.map(async (p) => {
      if (p.exitCode !== null) return;
      p.send({ cmd: 'close' } satisfies ClientCommand);
      await Promise.race([new Promise((r) => p.once('exit', r)), sleep(10_000)]);
      p.kill();
    }));
  }
}

/** How many deliveries one committed change should have. */
export interface Expectation { position: number; expected: number }

/** Care plan changes committed after `from`, each expecting as many deliveries as its patient has subscribers. */
export async function changesSince(hub: LiveHub, from: number, subscribersOf: (patientId: string) => number): Promise<Expectation[]> {
  const rows = await hub.sql<{ id: string; patient_id: string }>(
    `SELECT id::text, patient_id FROM hub_events.event_log WHERE id > $1 AND type = 'CarePlanChanged' ORDER BY id`, [from]);
  return rows.map((r) => ({ position: Number(r.id), expected: subscribersOf(r.patient_id) }));
}

export async function latestPosition(hub: LiveHub): Promise<number> {
  const [{ id }] = await hub.sql(`SELECT COALESCE(MAX(id), 0)::text AS id FROM hub_events.event_log`);
  return Number(id);
}

export interface Tally {
  changes: number;
  expected: number;
  received: number;
  lost: number;
  /** Commit → the last subscriber of each change. */
  toLast: Summary;
  /** Commit → every delivery (when the clients kept every arrival). */
  every: Summary | undefined;
  /** Changes whose NOTIFY the commit clock never saw (not measured). */
  unclocked: number;
}

export function tally(expect: Expectation[], commits: Map<number, number>, pool: ClientPool): Tally {
  const toLast: number[] = [];
  const every: number[] = [];
  let received = 0;
  let expected = 0;
  let unclocked = 0;
  for (const e of expect) {
    expected += e.expected;
    const a = pool.arrivals.get(e.position);
    received += Math.min(e.expected, a?.n ?? 0);
    const committed = commits.get(e.position);
    if (committed === undefined) unclocked += 1;
    else if (a) {
      toLast.push(a.last - committed);
      for (const t of a.times) every.push(t - committed);
    }
  }
  return { changes: expect.length, expected, received, lost: expected - received, toLast: summarize(toLast), every: every.length ? summarize(every) : undefined, unclocked };
}

export interface RateResult { asked: number; issued: number; committed: number; failed: number; seconds: number; skipped: number; latency: Summary; firstError?: string }

/**
 * Starts write `i` at i / rate seconds (open loop: a slow reply does not slow the
 * schedule), for `seconds`; a write that would exceed `maxInFlight` is skipped and
 * counted, so "committed" says what the hub actually took.
 */
export async function atRate(rate: number, seconds: number, write: (i: number) => Promise<void>, maxInFlight = 256): Promise<RateResult> {
  const latencies: number[] = [];
  let issued = 0;
  let committed = 0;
  let failed = 0;
  let skipped = 0;
  let inFlight = 0;
  let firstError: string | undefined;
  const pending = new Set<Promise<void>>();
  const t0 = performance.now();
  for (;;) {
    const elapsed = (performance.now() - t0) / 1000;
    if (elapsed >= seconds) break;
    const due = Math.floor(elapsed * rate);
    while (issued + skipped < due) {
      if (inFlight >= maxInFlight) {
        skipped += 1;
        continue;
      }
      const started = performance.now();
      inFlight += 1;
      const p: Promise<void> = write(issued++).then(
        () => { committed += 1; latencies.push(performance.now() - started); },
        (err) => { failed += 1; firstError ??= String((err as Error).message ?? err).slice(0, 300); },
      ).finally(() => { inFlight -= 1; pending.delete(p); });
      pending.add(p);
    }
    await sleep(2);
  }
  await Promise.all(pending);
  return { asked: rate, issued, committed, failed, seconds, skipped, latency: summarize(latencies), firstError };
}

/** Runs `write` for each item, `concurrency` at a time (unmeasured warm-up). */
export async function inParallel<T>(items: T[], concurrency: number, write: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await write(items[next++]);
  }));
}

/** One care plan change: a new plan for the team, written by `token` (a member of it). */
export async function createPlan(hub: LiveHub, token: string, careTeamId: string, title: string): Promise<void> {
  const res = await timedGraphQL(hub.url, token, `mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId, title } });
  if (res.body.errors || !res.body.data) throw new Error(JSON.stringify(res.body.errors ?? res.body));
}

/** CPU ticks of every PostgreSQL process on this machine (the server may serve others too: then it says so by being high). */
function postgresTicks(): number {
  let ticks = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') ticks += cpuTicks(Number(pid));
    } catch { /* gone meanwhile */ }
  }
  return ticks;
}

/** CPU ticks (1/100 s) of the gateway, the client processes, the subgraph processes and PostgreSQL; the gateway's groups and executions. */
export async function cpuNow(hub: LiveHub, pool: ClientPool): Promise<{ gateway: number; clients: number; subgraphs: number; postgres: number; at: number; groups: number; executions: number }> {
  const g = await request(hub.gateway, { cmd: 'live' }, 'live');
  const sum = (ps: ChildProcess[]) => ps.reduce((a, p) => a + (p.exitCode === null ? cpuTicks(p.pid!) : 0), 0);
  return { gateway: cpuTicks(hub.gateway.pid!), clients: sum(pool.processes), subgraphs: sum(hub.subgraphs), postgres: postgresTicks(), at: performance.now(), groups: g.groups, executions: g.executions };
}

/** "gw 85% cl 40% sg 30% pg 50%" of one core between two readings (the subgraphs summed over their four processes). */
export function cpuShares(a: Awaited<ReturnType<typeof cpuNow>>, b: Awaited<ReturnType<typeof cpuNow>>): string {
  const wallTicks = (b.at - a.at) / 10;
  const pct = (ticks: number) => `${Math.round((ticks / wallTicks) * 100)}%`;
  return `gw ${pct(b.gateway - a.gateway)} cl ${pct(b.clients - a.clients)} sg ${pct(b.subgraphs - a.subgraphs)} pg ${pct(b.postgres - a.postgres)}`;
}

export { formatSummary, ms };
