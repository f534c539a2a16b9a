/**
 * Each service alone, as docker-compose runs it (dist/scripts/start-service.js):
 * GET /health and GET /ready, and SIGTERM drains HTTP and closes the database.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { SUBGRAPH_NAMES } from '../shared/config';
import { createTestDatabase, startHub, type TestHub } from './support/hub';

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

it('a service started alone stops cleanly on SIGTERM: exit 0, no database session left', async () => {
  const entry = path.resolve(__dirname, '../dist/scripts/start-service.js');
  if (!fs.existsSync(entry)) throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test');
  const db = await createTestDatabase(); // its own database, so its sessions can be counted
  const child = spawn(process.execPath, [entry, 'patients'], {
    env: { ...process.env, DATABASE_URL: db.url, PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start:\n${out}`)), 20_000);
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = out.match(/"url":"(http:\/\/[^"]+)","msg":"patients listening"/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
  expect((await fetch(url.replace(/\/graphql$/, '/ready'))).status).toBe(200);

  const sessions = async () => {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    const { rows } = await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    await c.end();
    return rows[0].n as number;
  };
  expect(await sessions()).toBeGreaterThan(0);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(out).toMatch(/shutting down/);
  expect(await sessions()).toBe(0);
  await db.drop();
});
