/**
 * The transactional outbox: atomic with the change, ordered, and lossless across
 * consumer restarts — and across lost database sessions: the LISTEN transport, a
 * consumer and the Redis relay survive sessions terminated under them (a failover, a
 * pooler restart) and resume from their cursors.
 */
import net from 'node:net';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createServiceDataSource, migrate } from '../shared/database';
import {
  CreateEventCursors1732300000001, PgNotifyTransport, migrateEventLog, readEventsAfter, recordEvent, startConsumer, type DomainEvent,
} from '../shared/events';
import { RedisStreamTransport } from '../shared/events-redis';
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

it('two instances of one consumer (one cursor) apply each event once, in order, whichever takes it', async () => {
  const from = BigInt(await ds.query('SELECT coalesce(max(id), 0)::text AS id FROM hub_events.event_log').then((r: { id: string }[]) => r[0].id));
  const applied: { by: string; id: bigint }[] = [];
  const instance = (by: string) => startConsumer({
    ds, transport: new PgNotifyTransport(db.url), name: 'shared-cursor-test', types: ['ThingMade'], pollMs: 50, catchUpInBackground: true,
    handle: async (e) => {
      if (BigInt(e.id) <= from) return;
      applied.push({ by, id: BigInt(e.id) });
      await new Promise((r) => setTimeout(r, 2)); // long enough for the other instance to read the same batch meanwhile
    },
  });
  const [a, b] = await Promise.all([instance('a'), instance('b')]);
  for (let i = 0; i < 40; i++) await makeThing(`shared-${i}`);
  await Promise.all([a.caughtUp(), b.caughtUp()]);
  await Promise.all([a.stop(), b.stop()]);
  const ids = applied.map((x) => x.id);
  expect(ids).toHaveLength(40);
  expect(ids).toEqual([...ids].sort((x, y) => (x < y ? -1 : 1)));
  expect(new Set(ids).size).toBe(40);
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

/** Terminates this database's sessions (all, or those of one application_name); returns how many. */
async function terminate(applicationName?: string): Promise<number> {
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid() AND ($2::text IS NULL OR application_name = $2)`,
      [new URL(db.url).pathname.slice(1), applicationName ?? null]);
    return rows[0].n;
  } finally {
    await admin.end();
  }
}

async function sessionCount(applicationName: string): Promise<number> {
  const [{ n }] = await ds.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [applicationName]);
  return n;
}

it('the LISTEN transport reopens a terminated session, wakes its readers to catch up, then delivers notifications again', async () => {
  const wakes: (string | undefined)[] = [];
  const unsubscribe = await new PgNotifyTransport(db.url).subscribe((position) => wakes.push(position));
  try {
    // A burst, as a failover does it: the session is killed again as soon as it is back.
    for (let i = 0; i < 10; i++) {
      await terminate('care-team-hub:listen');
      await new Promise((r) => setTimeout(r, 50));
    }
    await until(async () => (await sessionCount('care-team-hub:listen')) === 1, 15_000);
    expect(wakes).toContain(undefined); // each reconnect says "read from your cursor": notifications meanwhile are gone
    await makeThing('after-listen-storm');
    const [position] = (await readEventsAfter(ds, '0', 10_000)).filter((e) => names([e])[0] === 'after-listen-storm').map((e) => e.id);
    await waitFor(() => wakes.includes(position), 5_000);
  } finally {
    await unsubscribe();
  }
  await until(async () => (await sessionCount('care-team-hub:listen')) === 0);
});

/** A TCP proxy to the test PostgreSQL that can be cut (every connection dropped, new ones refused) and restored on the same port. */
async function startProxy(target: URL) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const [a, b] of [[client, upstream], [upstream, client]]) {
      sockets.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => { sockets.delete(a); b.destroy(); });
    }
  });
  const listen = (port: number) => new Promise<number>((resolve) => server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  const port = await listen(0);
  return {
    url: Object.assign(new URL(db.url), { hostname: '127.0.0.1', port: String(port) }).toString(),
    cut: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => server.close(r));
    },
    restore: () => listen(port),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise((r) => server.close(r));
    },
  };
}

it('the LISTEN transport waits out an unreachable database, however long, and listens again when it is back', async () => {
  const proxy = await startProxy(new URL(db.url));
  const wakes: (string | undefined)[] = [];
  const unsubscribe = await new PgNotifyTransport(proxy.url).subscribe((position) => wakes.push(position));
  try {
    await proxy.cut(); // the server is gone: the session drops and every reconnect is refused
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await sessionCount('care-team-hub:listen')).toBe(0);
    await proxy.restore();
    await until(async () => (await sessionCount('care-team-hub:listen')) === 1, 15_000);
    await makeThing('after-outage');
    const [position] = (await readEventsAfter(ds, '0', 10_000)).filter((e) => names([e])[0] === 'after-outage').map((e) => e.id);
    await waitFor(() => wakes.includes(position), 5_000);
  } finally {
    await unsubscribe();
    await proxy.close();
  }
});

it('a consumer of some types reads past the others without a transaction per event, and its cursor reaches the head', async () => {
  const start = (await readEventsAfter(ds, '0', 100_000)).at(-1)?.id ?? '0';
  await ds.query("INSERT INTO outbox_test.event_cursor (consumer, position) VALUES ('typed-test', $1)", [start]);
  // 450 events it does not handle around 3 it does: a backlog of more than two reads.
  await ds.transaction(async (m) => {
    for (let i = 0; i < 450; i++) {
      if (i === 10 || i === 250 || i === 449) await recordEvent(m, 'test', { ...event(`wanted-${i}`), type: 'ThingWanted' });
      await recordEvent(m, 'test', event(`other-${i}`));
    }
  });
  const head = (await readEventsAfter(ds, start, 10_000)).at(-1)!.id;
  const seen: string[] = [];
  const transactions = jest.spyOn(ds, 'transaction');
  const consumer = await startConsumer({
    ds, transport: new PgNotifyTransport(db.url), name: 'typed-test', pollMs: 60_000, types: ['ThingWanted'],
    handle: async (e) => { seen.push((e.payload as { name: string }).name); },
  });
  try {
    await consumer.caughtUp();
    expect(seen).toEqual(['wanted-10', 'wanted-250', 'wanted-449']);
    const [{ position }] = await ds.query("SELECT position::text FROM outbox_test.event_cursor WHERE consumer = 'typed-test'");
    expect(position).toBe(head);
    // One per handled event (eventsPerTransaction 1), none for the 450 skipped.
    expect(transactions.mock.calls.length).toBeLessThanOrEqual(3);
  } finally {
    transactions.mockRestore();
    await consumer.stop();
  }
});

it('a consumer survives every session of its database being terminated and applies each committed event exactly once', async () => {
  const start = (await readEventsAfter(ds, '0', 10_000)).at(-1)!.id;
  await ds.query("INSERT INTO outbox_test.event_cursor (consumer, position) VALUES ('storm-test', $1)", [start]);
  const consumer = await startConsumer({
    // No fallback poll within the test: after the storm, only a reopened LISTEN (or a retry) brings events in.
    ds, transport: new PgNotifyTransport(db.url), name: 'storm-test', pollMs: 60_000,
    handle: async (e, m) => { await m.query('INSERT INTO outbox_test.thing (name) VALUES ($1)', [`storm-handled:${(e.payload as { name: string }).name}`]); },
  });
  try {
    let stopping = false;
    const writes = (async () => {
      // Writes that fail (their session was killed) or whose commit is ambiguous are fine: the log says what committed.
      for (let i = 0; !stopping; i++) await makeThing(`storm-${i}`).catch(() => undefined);
    })();
    let terminated = 0;
    for (const until = Date.now() + 2_000; Date.now() < until;) {
      terminated += await terminate();
      await new Promise((r) => setTimeout(r, 50));
    }
    stopping = true;
    await writes;
    expect(terminated).toBeGreaterThan(10);

    await makeThing('after-storm');
    await consumer.caughtUp();
    const committed = names(await readEventsAfter(ds, start, 100_000));
    expect(committed).toContain('after-storm');
    const handled: { name: string }[] = await ds.query("SELECT name FROM outbox_test.thing WHERE name LIKE 'storm-handled:%' ORDER BY id");
    expect(handled.map((r) => r.name.slice('storm-handled:'.length))).toEqual(committed);
  } finally {
    await consumer.stop();
  }
});

const redisUrl = process.env.REDIS_URL;
const itWithRedis = redisUrl ? it : it.skip; // reason: the Redis transport needs a Redis (CI sets REDIS_URL)

itWithRedis('the Redis relay stands for election again when its session is terminated and resumes from the stream', async () => {
  const wakes: (string | undefined)[] = [];
  const unsubscribe = await new RedisStreamTransport(redisUrl!, db.url).subscribe((position) => wakes.push(position));
  const positionOf = async (name: string) => (await readEventsAfter(ds, '0', 100_000)).find((e) => names([e])[0] === name)!.id;
  try {
    await until(async () => (await sessionCount('care-team-hub:redis-relay')) === 1, 10_000);
    await makeThing('relayed-before');
    const before = await positionOf('relayed-before');
    await waitFor(() => wakes.includes(before), 5_000);

    let terminated = 0;
    for (let i = 0; i < 5; i++) {
      terminated += await terminate('care-team-hub:redis-relay');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(terminated).toBeGreaterThan(0);
    // Committed while no relay held the lock: the next relay resumes from the stream's last entry, so it is not skipped.
    await makeThing('relayed-between');
    const between = await positionOf('relayed-between');
    await waitFor(() => wakes.includes(between), 15_000);
    await makeThing('relayed-after');
    const after = await positionOf('relayed-after');
    await waitFor(() => wakes.includes(after), 5_000);
    expect(await sessionCount('care-team-hub:redis-relay')).toBe(1);
  } finally {
    await unsubscribe();
  }
  await until(async () => (await sessionCount('care-team-hub:redis-relay')) === 0);
});

async function until(cond: () => Promise<boolean>, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitFor(cond: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
