/** The transactional outbox: atomic with the change, ordered, and lossless across consumer restarts. */
import type { DataSource } from 'typeorm';
import { createServiceDataSource, migrate } from '../shared/database';
import {
  CreateEventCursors1732300000001, PgNotifyTransport, migrateEventLog, readEventsAfter, recordEvent, startConsumer, type DomainEvent,
} from '../shared/events';
import { createTestDatabase } from './support/hub';

let db: { url: string; drop(): Promise<void> };
let ds: DataSource;

beforeAll(async () => {
  db = await createTestDatabase();
  await migrateEventLog(db.url);
  ds = createServiceDataSource({ url: db.url, schema: 'outbox_test', entities: [], migrations: [CreateEventCursors1732300000001] });
  await ds.initialize();
  await migrate(ds);
  await ds.query('CREATE TABLE outbox_test.thing (id serial PRIMARY KEY, name text NOT NULL)');
});
afterAll(async () => {
  await ds?.destroy();
  await db?.drop();
});

const event = (name: string) => ({ type: 'ThingMade', aggregateType: 'Thing', aggregateId: name, payload: { name } });

async function makeThing(name: string, fail = false): Promise<void> {
  await ds.transaction(async (m) => {
    await m.query('INSERT INTO outbox_test.thing (name) VALUES ($1)', [name]);
    await recordEvent(m, 'test', event(name));
    if (fail) throw new Error('rolled back on purpose');
  });
}

const names = (events: DomainEvent[]) => events.map((e) => (e.payload as { name: string }).name);

it('refuses to record outside a transaction', async () => {
  await expect(recordEvent(ds.manager, 'test', event('x'))).rejects.toThrow(/inside the transaction/);
});

it('a rolled-back change publishes nothing; a committed one is delivered, also after a consumer restart', async () => {
  const seen: string[] = [];
  const consumer = () => startConsumer({
    ds, transport: new PgNotifyTransport(db.url), name: 'restart-test', pollMs: 60_000,
    handle: async (e, m) => {
      seen.push((e.payload as { name: string }).name);
      await m.query('INSERT INTO outbox_test.thing (name) VALUES ($1)', [`handled:${(e.payload as { name: string }).name}`]);
    },
  });

  await expect(makeThing('ghost', true)).rejects.toThrow('rolled back on purpose');
  await makeThing('first');
  const c1 = await consumer();
  await c1.caughtUp();
  expect(seen).toEqual(['first']);

  // Delivered by NOTIFY, not by polling (the poll interval is a minute).
  await makeThing('live');
  await waitFor(() => seen.length === 2);
  expect(seen).toEqual(['first', 'live']);

  await c1.stop();
  await makeThing('while-down-1');
  await expect(makeThing('while-down-2', true)).rejects.toThrow();
  await makeThing('while-down-3');

  const c2 = await consumer();
  await c2.caughtUp();
  await c2.stop();
  expect(seen).toEqual(['first', 'live', 'while-down-1', 'while-down-3']);
  const all = names(await readEventsAfter(ds, '0'));
  expect(all).not.toContain('ghost');
  expect(all).not.toContain('while-down-2');
  const rows: { name: string }[] = await ds.query("SELECT name FROM outbox_test.thing WHERE name LIKE 'handled:%' ORDER BY id");
  expect(rows.map((r) => r.name)).toEqual(['handled:first', 'handled:live', 'handled:while-down-1', 'handled:while-down-3']);
});

it('a failing handler rolls back its own effects and the event is retried, not skipped', async () => {
  let attempts = 0;
  await makeThing('flaky');
  const c = await startConsumer({
    ds, transport: new PgNotifyTransport(db.url), name: 'retry-test', types: ['ThingMade'], pollMs: 200,
    handle: async (e, m) => {
      if ((e.payload as { name: string }).name !== 'flaky') return;
      attempts += 1;
      await m.query('INSERT INTO outbox_test.thing (name) VALUES ($1)', [`attempt-${attempts}`]);
      if (attempts === 1) throw new Error('transient');
    },
  });
  await waitFor(() => attempts >= 2, 5000);
  await c.stop();
  const rows: { name: string }[] = await ds.query("SELECT name FROM outbox_test.thing WHERE name LIKE 'attempt-%'");
  expect(rows.map((r) => r.name)).toEqual(['attempt-2']);
});

it('positions become visible in increasing order even when transactions overlap', async () => {
  const start = (await readEventsAfter(ds, '0', 10_000)).at(-1)!.id;
  let releaseA!: () => void;
  const aHolds = new Promise<void>((r) => (releaseA = r));
  const a = ds.transaction(async (m) => {
    await recordEvent(m, 'test', event('A'));
    await aHolds;
  });
  await new Promise((r) => setTimeout(r, 100));
  const b = ds.transaction(async (m) => { await recordEvent(m, 'test', event('B')); });
  await new Promise((r) => setTimeout(r, 100));
  // B waits for A's position lock, so a reader cannot see B before A.
  expect(names(await readEventsAfter(ds, start))).toEqual([]);
  releaseA();
  await Promise.all([a, b]);
  expect(names(await readEventsAfter(ds, start))).toEqual(['A', 'B']);
});

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
