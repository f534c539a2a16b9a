/**
 * The database storm: what a failover or a pooler restart does to the services.
 * The four subgraphs and the gateway run as real processes (dist/scripts/start-service.js,
 * NODE_ENV=production) on their own database; under a light query load (reads through
 * the gateway, writes whose events consumers apply), every session of that database
 * is terminated every 50 ms for 3 s. Every process must stay alive, every failed
 * request must carry a retryable code (never INTERNAL), each /ready must go 503 and
 * back to 200, the gateway must serve again within seconds, and every event consumer
 * must resume from its cursor until it has applied the whole log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { mintDevToken, Role } from '../shared/auth';
import { SUBGRAPH_NAMES } from '../shared/config';
import { composeSupergraph, subgraphSdls } from '../gateway/compose';
import { SUBGRAPHS } from '../subgraphs';
import { createTestDatabase, postGraphQL, type GraphQLResponse } from './support/hub';
import { eventually } from './support/live';

jest.setTimeout(180_000);

const ENTRY = path.resolve(__dirname, '../dist/scripts/start-service.js');
const STORM_MS = 3_000;
const STORM_EVERY_MS = 50;
/** "Serves again within a few seconds": generous, for a shared 2-core machine. */
const RECOVERY_MS = 20_000;

interface ServiceProcess {
  name: string;
  url: string;
  base: string;
  child: ChildProcess;
  output: () => string;
}

/** One service as docker-compose runs it; resolves once it logs its URL. */
function startService(name: string, env: Record<string, string>): Promise<ServiceProcess> {
  if (!fs.existsSync(ENTRY)) throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test');
  const child = spawn(process.execPath, [ENTRY, name], {
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'info', PORT: '0', DB_POOL_SIZE: '3', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${out}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = out.match(new RegExp(`"url":"(http://[^"]+)","msg":"${name} listening"`));
      if (m) {
        clearTimeout(timer);
        resolve({ name, url: m[1], base: m[1].replace(/\/graphql$/, ''), child, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) while starting:\n${out}`)));
  });
}

const stopService = (p?: ServiceProcess) =>
  new Promise<void>((resolve) => {
    if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGTERM');
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let db: { url: string; drop(): Promise<void> };
let services: ServiceProcess[] = [];
let gateway: ServiceProcess;
let supergraphDir: string;
let admin: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const env = { DATABASE_URL: db.url };
  // One at a time: the migrations take an advisory lock anyway, and the machine has two cores.
  for (const name of SUBGRAPH_NAMES) services.push(await startService(name, env));
  const urls = Object.fromEntries(services.map((s) => [s.name, s.url]));
  supergraphDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-storm-'));
  const supergraph = path.join(supergraphDir, 'supergraph.graphql');
  fs.writeFileSync(supergraph, composeSupergraph(await subgraphSdls(SUBGRAPHS, urls)));
  gateway = await startService('gateway', { ...env, SUPERGRAPH_PATH: supergraph });
  services.push(gateway);
  admin = await mintDevToken({ sub: 'storm-admin', roles: [Role.ADMIN] });
});

afterAll(async () => {
  await Promise.all(services.map(stopService));
  await db?.drop();
  if (supergraphDir) fs.rmSync(supergraphDir, { recursive: true, force: true });
});

/** One read answered by all four subgraphs' databases. */
const READ = '{ patients(first: 3) { totalCount } practitioners { id } partners { id } kpiTargets { key } }';
let mrn = 0;
const write = () => postGraphQL<{ registerPatient: { id: string } }>(gateway.url,
  'mutation($i: RegisterPatientInput!) { registerPatient(input: $i) { id } }',
  { i: { mrn: `STORM-${++mrn}`, givenName: 'Rosa', familyName: 'Garcia', birthDate: '1948-05-02', administrativeSex: 'FEMALE', postalCode: '02139' } },
  admin);

interface Observed { ok: number; failed: number; errors: NonNullable<GraphQLResponse['errors']>; networkErrors: string[] }

/** Sends `send` in a loop until `until()`, recording every answer. */
async function load(send: () => Promise<GraphQLResponse & { status: number }>, seen: Observed, until: () => boolean): Promise<void> {
  while (!until()) {
    try {
      const r = await send();
      if (r.errors?.length) {
        seen.failed += 1;
        seen.errors.push(...r.errors);
      } else seen.ok += 1;
    } catch (err) {
      seen.networkErrors.push(String((err as Error & { cause?: Error }).cause?.message ?? err));
      await sleep(100);
    }
  }
}

/** Polls every service's /ready until each has answered 503 and then 200 again, or the deadline passes; /health alongside. */
async function watchReadiness(until: number): Promise<{ statuses: Record<string, number[]>; unhealthy: string[] }> {
  const statuses: Record<string, number[]> = Object.fromEntries(services.map((s) => [s.name, []]));
  const unhealthy: string[] = [];
  const recovered = (name: string) => {
    const seen = statuses[name];
    const down = seen.indexOf(503);
    return down >= 0 && seen.slice(down).includes(200);
  };
  while (Date.now() < until && !services.every((s) => recovered(s.name))) {
    await Promise.all(services.map(async (s) => {
      const [ready, health] = await Promise.all(['ready', 'health'].map((path) =>
        fetch(`${s.base}/${path}`, { signal: AbortSignal.timeout(8_000) }).then((r) => r.status, () => 0)));
      statuses[s.name].push(ready);
      if (health !== 200) unhealthy.push(`${s.name}: ${health}`);
    }));
    await sleep(100);
  }
  return { statuses, unhealthy };
}

it('every process survives a burst of terminated sessions, answers retryable errors meanwhile, and serves again', async () => {
  // Before: everything answers.
  const before = await postGraphQL(gateway.url, READ, undefined, admin);
  expect(before.errors).toBeUndefined();
  expect((await write()).errors).toBeUndefined();

  const seen: Observed = { ok: 0, failed: 0, errors: [], networkErrors: [] };
  let storming = true;
  const loads = [
    load(() => postGraphQL(gateway.url, READ, undefined, admin), seen, () => !storming),
    load(() => postGraphQL(gateway.url, READ, undefined, admin), seen, () => !storming),
    load(write, seen, () => !storming),
  ];
  const readiness = watchReadiness(Date.now() + STORM_MS + RECOVERY_MS);

  const killer = new Client({ connectionString: process.env.DATABASE_URL });
  await killer.connect();
  const database = new URL(db.url).pathname.slice(1);
  let terminated = 0;
  const stormEnds = Date.now() + STORM_MS;
  while (Date.now() < stormEnds) {
    const { rows } = await killer.query<{ n: number }>(
      'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
    terminated += rows[0].n;
    await sleep(STORM_EVERY_MS);
  }
  await killer.end();
  storming = false;
  await Promise.all(loads);
  expect(terminated).toBeGreaterThan(20); // the storm did hit the services' sessions, again and again

  // Nobody died, and nobody was saved only by the process-level guard (the pools must handle it themselves).
  for (const s of services) {
    expect({ service: s.name, exitCode: s.child.exitCode, signal: s.child.signalCode }).toEqual({ service: s.name, exitCode: null, signal: null });
    expect(s.output()).not.toMatch(/Unhandled 'error' event|caught by the process guard/);
  }

  // Failed requests said so clearly and retryably: never INTERNAL, never SQL or driver messages.
  expect(seen.networkErrors).toEqual([]);
  expect(seen.failed).toBeGreaterThan(0);
  for (const e of seen.errors) {
    expect({ code: e.extensions?.code, retryable: e.extensions?.retryable }).toEqual({
      code: expect.stringMatching(/^(SERVICE_UNAVAILABLE|SUBGRAPH_UNAVAILABLE)$/),
      retryable: true,
    });
    expect(e.message).not.toMatch(/terminat|SELECT|INSERT|QueryFailed|Connection|ECONN|57P01/i);
    expect(e.extensions).not.toHaveProperty('stacktrace');
  }

  // /ready said "not now" during the storm and "ready" again afterwards, on every service; /health never wavered.
  const { statuses, unhealthy } = await readiness;
  expect(unhealthy).toEqual([]);
  for (const s of services) {
    const seenStatuses = statuses[s.name];
    const down = seenStatuses.indexOf(503);
    expect({ service: s.name, wentDown: down >= 0 }).toEqual({ service: s.name, wentDown: true });
    expect({ service: s.name, cameBack: seenStatuses.slice(down).includes(200) }).toEqual({ service: s.name, cameBack: true });
  }

  // The gateway serves again, reads and writes, within a few seconds.
  await eventually(async () => {
    const r = await postGraphQL(gateway.url, READ, undefined, admin);
    expect(r.errors).toBeUndefined();
  }, RECOVERY_MS);
  await eventually(async () => expect((await write()).errors).toBeUndefined(), RECOVERY_MS);

  // Every consumer resumed from its cursor and applied the whole log, the storm's events included.
  const check = new Client({ connectionString: db.url });
  await check.connect();
  try {
    const { rows: [{ head }] } = await check.query<{ head: string }>('SELECT max(id)::text AS head FROM hub_events.event_log');
    const { rows: schemas } = await check.query<{ schema: string }>("SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'event_cursor'");
    expect(schemas.length).toBeGreaterThan(0);
    await eventually(async () => {
      for (const { schema } of schemas) {
        const { rows } = await check.query<{ consumer: string; position: string }>(`SELECT consumer, position::text FROM "${schema}".event_cursor`);
        for (const r of rows) expect({ consumer: `${schema}.${r.consumer}`, behind: BigInt(r.position) < BigInt(head) }).toEqual({ consumer: `${schema}.${r.consumer}`, behind: false });
      }
    }, RECOVERY_MS);
  } finally {
    await check.end();
  }
});
