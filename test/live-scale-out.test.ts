/**
 * Scale-out: two gateway processes on one database and one Redis. A change made
 * through one reaches a subscriber on the other, carried by the Redis transport.
 * Needs Redis: CI sets REDIS_URL (127.0.0.1:6379); without it this file is skipped,
 * because there is nothing to test against.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { Role } from '../shared/auth';
import { streamKeyFor } from '../shared/events-redis';
import { composeSupergraph, subgraphSdls } from '../gateway/compose';
import { SUBGRAPHS } from '../subgraphs';
import { postGraphQL, startHub, type TestHub } from './support/hub';
import { subscribe } from './support/live';

const redisUrl = process.env.REDIS_URL;
const describeWithRedis = redisUrl ? describe : describe.skip; // reason: no Redis to scale out over

interface GatewayProcess { url: string; child: ChildProcess }

async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const entry = path.resolve(__dirname, '../dist/scripts/start-service.js');
  if (!fs.existsSync(entry)) throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test');
  const child = spawn(process.execPath, [entry, 'gateway'], { env: { ...process.env, ...env, PORT: '0', LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${out}`)), 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = out.match(/"url":"(http:\/\/[^"]+)","msg":"gateway listening"/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`gateway exited (${code}):\n${out}`)));
  });
  return { url, child };
}

const stopProcess = (p?: GatewayProcess) =>
  new Promise<void>((resolve) => {
    if (!p || p.child.exitCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGTERM');
  });

describeWithRedis('two gateway instances over Redis', () => {
  let hub: TestHub;
  let a: GatewayProcess | undefined;
  let b: GatewayProcess | undefined;
  let supergraphFile: string;

  beforeAll(async () => {
    hub = await startHub();
    const urls = Object.fromEntries(Object.entries(hub.subgraphs).map(([n, sg]) => [n, sg.url]));
    supergraphFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hub-')), 'supergraph.graphql');
    fs.writeFileSync(supergraphFile, composeSupergraph(await subgraphSdls(SUBGRAPHS, urls)));
    const env = { DATABASE_URL: hub.databaseUrl, REDIS_URL: redisUrl!, SUPERGRAPH_PATH: supergraphFile };
    [a, b] = await Promise.all([startGatewayProcess(env), startGatewayProcess(env)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([stopProcess(a), stopProcess(b)]);
    await hub?.stop();
  });

  it('delivers a change made through one instance to a subscriber on the other', async () => {
    for (const g of [a!, b!]) {
      const health = await (await fetch(g.url.replace('/graphql', '/health'))).json();
      expect(health).toMatchObject({ status: 'ok', transport: 'redis' });
    }
    const admin = await hub.token({ roles: [Role.ADMIN] });
    const coordinator = await hub.token({ sub: 'coord-redis', roles: [Role.CARE_COORDINATOR] });
    const p = await postGraphQL<any>(a!.url, `mutation { registerPatient(input: { mrn: "REDIS-1", givenName: "Ivo", familyName: "Silva", birthDate: "1949-09-09", administrativeSex: MALE }) { id } }`, {}, admin);
    const patientId = p.data.registerPatient.id;
    const t = await postGraphQL<any>(a!.url, `mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
      i: { patientId, name: 'Scale-out team', members: [{ practitionerId: 'coord-redis', role: 'CARE_COORDINATOR' }] },
    }, admin);

    const onB = subscribe(b!.url, coordinator, `subscription($p: ID) { carePlanChanged(patientId: $p) { cursor carePlan { title } patient { familyName } } }`, { p: patientId });
    await new Promise((r) => setTimeout(r, 500));
    const plan = await postGraphQL<any>(a!.url, `mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId: t.data.formCareTeam.id, title: 'Across instances' } }, coordinator);
    expect(plan.errors).toBeUndefined();
    await onB.waitFor(1, 10_000);
    expect(onB.results[0].data!.carePlanChanged).toMatchObject({ carePlan: { title: 'Across instances' }, patient: { familyName: 'Silva' } });

    // The position travelled through the Redis stream (the relay's work), not only through PostgreSQL.
    const redis = new Redis(redisUrl!);
    const entries = (await redis.xrevrange(streamKeyFor(hub.databaseUrl), '+', '-', 'COUNT', 20)) as [string, string[]][];
    redis.disconnect();
    const cursorPosition = Buffer.from(onB.results[0].data!.carePlanChanged.cursor, 'base64url').toString().slice(3);
    expect(entries.map(([, f]) => f[f.indexOf('position') + 1])).toContain(cursorPosition);
    await onB.dispose();
  });
});
