/**
 * Processes for the benchmarks that run the hub as it ships (bench/gateways.ts,
 * bench/audit-overhead.ts, bench/hub-compare.ts): each service as its own `node dist/...`
 * process, with NODE_ENV=production unless the caller's environment says otherwise (the
 * Dockerfile's setting; graphql-js checks more in development), pinned to
 * a core when taskset exists, its output in a log file; waiting until it is ready (or
 * failing with its log); CPU time read from /proc; and the seed's event consumers
 * caught up before anything is measured.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { PROJECT_ROOT, SUBGRAPH_NAMES, subgraphUrlVariable, type SubgraphName } from '../shared/config';
import { openSubgraphDatabase } from '../shared/subgraph';
import { composeSupergraph, subgraphSdls } from '../gateway/compose';
import { SUBGRAPHS } from '../subgraphs';
import { seedDemoPopulation } from '../scripts/seed/index';

const children: { name: string; child: ChildProcess; log: string }[] = [];

export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `node <root>/dist/<script> ...args` as its own process, pinned to `core` when taskset
 * exists; output goes to a log file. `root` is another checkout's (bench/hub-compare.ts runs a baseline's).
 */
export function startProcess(name: string, core: number | undefined, script: string, args: string[], env: Record<string, string>, logDir: string, root = PROJECT_ROOT): ChildProcess {
  const log = path.join(logDir, `${name}.log`);
  const out = fs.openSync(log, 'a');
  // BENCH_CPU_PROF=dir: every process writes a V8 CPU profile there when it exits (named by its pid; the log names the pid).
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const node = [process.execPath, ...profile, path.join(root, 'dist', script), ...args];
  const [cmd, ...rest] = core === undefined ? node : ['taskset', '-c', String(core), ...node];
  const child = spawn(cmd, rest, { cwd: root, env: { NODE_ENV: 'production', ...process.env, ...env }, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  if (profile.length) fs.appendFileSync(path.join(logDir, 'pids'), `${child.pid} ${name}\n`);
  children.push({ name, child, log });
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`${name} exited (${signal ?? code}); its log: ${log}\n${tail(log)}`);
  });
  return child;
}

/** The last lines of a log file, for failure messages. */
export const tail = (file: string) => {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
};

let stopping = false;
export async function stopChildren(): Promise<void> {
  stopping = true;
  const running = children.filter((c) => c.child.exitCode === null && c.child.signalCode === null);
  await Promise.all(running.map(({ child }) => new Promise<void>((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  })));
}

/** Waits until `check` holds, failing with the process's log if it exits first or the time runs out. */
export async function waitFor(name: string, child: ChildProcess, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited before it was ready: ${tail(children.find((c) => c.child === child)!.log)}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${name} was not ready within ${timeoutMs / 1000} s: ${tail(children.find((c) => c.child === child)!.log)}`);
}

export const answers = (url: string) => fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.status < 500);
export const readyAt = (url: string) => fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200);

/** utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15). */
export function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Every event consumer (each subgraph's `event_cursor`) has applied the whole event log: the seed's read models are built. */
export async function waitForConsumers(databaseUrl: string, timeoutMs = 300_000): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const until = Date.now() + timeoutMs;
    const [{ head }] = (await db.query('SELECT coalesce(max(id), 0)::bigint AS head FROM hub_events.event_log')).rows;
    const schemas = (await db.query(`SELECT table_schema FROM information_schema.tables WHERE table_name = 'event_cursor'`)).rows.map((r) => r.table_schema as string);
    for (;;) {
      const behind: string[] = [];
      for (const s of schemas) {
        const { rows } = await db.query(`SELECT consumer, position FROM "${s}".event_cursor`);
        for (const r of rows) if (BigInt(r.position) < BigInt(head)) behind.push(`${s}.${r.consumer} at ${r.position}/${head}`);
      }
      if (behind.length === 0) return;
      if (Date.now() > until) {
        console.warn(`event consumers still behind after ${timeoutMs / 1000} s (${behind.join(', ')}): measuring anyway`);
        return;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await db.end();
  }
}


/** The demo population, every subgraph's part (what `npm run seed` does), into a scratch database. */
export async function seedDemo(databaseUrl: string, count: number): Promise<void> {
  const dataSources = {} as Record<SubgraphName, Awaited<ReturnType<typeof openSubgraphDatabase>>>;
  for (const name of SUBGRAPH_NAMES) dataSources[name] = await openSubgraphDatabase(SUBGRAPHS[name], databaseUrl);
  try {
    await seedDemoPopulation(SUBGRAPHS, dataSources, count, () => undefined);
  } finally {
    for (const ds of Object.values(dataSources)) await ds.destroy();
  }
}

export interface SubgraphProcesses {
  urls: Record<SubgraphName, string>;
  children: Record<SubgraphName, ChildProcess>;
}

/**
 * The four subgraphs, each as `node dist/scripts/start-service.js <name>` of `root` (this
 * checkout by default; `prefix` names their logs), ready once their event consumers have
 * caught up with the seed's events (minutes for 2,000 patients on a busy machine).
 */
export async function startSubgraphProcesses(o: { prefix?: string; env: Record<string, string>; core?: number; logDir: string; root?: string }): Promise<SubgraphProcesses> {
  const urls = {} as Record<SubgraphName, string>;
  const started = {} as Record<SubgraphName, ChildProcess>;
  for (const name of SUBGRAPH_NAMES) {
    const port = await freePort();
    urls[name] = `http://127.0.0.1:${port}/graphql`;
    started[name] = startProcess(`${o.prefix ?? ''}${name}`, o.core, 'scripts/start-service.js', [name], { HOST: '127.0.0.1', ...o.env, PORT: String(port) }, o.logDir, o.root);
  }
  for (const name of SUBGRAPH_NAMES) await waitFor(`${o.prefix ?? ''}${name}`, started[name], () => readyAt(urls[name].replace(/\/graphql$/, '/ready')), 1_200_000);
  return { urls, children: started };
}

/** The supergraph of running subgraphs, written to `file`, for gateways to load. */
export async function writeSupergraph(file: string, urls: Record<SubgraphName, string>): Promise<void> {
  fs.writeFileSync(file, composeSupergraph(await subgraphSdls(SUBGRAPHS, urls)));
}

/** What every gateway process in front of `urls` is given: the supergraph, the database (audit of deliveries, limits), the subgraphs' addresses. */
export function gatewayEnvironment(supergraphPath: string, databaseUrl: string, urls: Record<SubgraphName, string>): Record<string, string> {
  return {
    SUPERGRAPH_PATH: supergraphPath,
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    // The limiter still runs (its cost is the project's), but benchmark users at full speed stay under it.
    RATE_LIMIT_PER_MINUTE: '100000000',
    ...Object.fromEntries(SUBGRAPH_NAMES.map((n) => [subgraphUrlVariable(n), urls[n]])),
  };
}

/** Ctrl-C or SIGTERM during a run stops the processes and drops the scratch database; the returned function takes the handlers off again. */
export function stopOnSignal(scratch: { drop(): Promise<void> }): () => void {
  const onSignal = () => {
    console.error('interrupted: stopping');
    void stopChildren().then(() => scratch.drop()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}

/** Clock ticks per second, the unit of /proc CPU times. */
export const clockTicksPerSecond = (): number => Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
