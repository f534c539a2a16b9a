/**
 * The client side of the live benchmarks (bench/live-harness.ts), in processes of
 * their own so thousands of sockets do not share an event loop with the hub.
 * Commands arrive over IPC:
 * - `subscribe`: one graphql-ws socket per subscription; every delivery is tallied by
 *   its event position (from its cursor) and reported every 100 ms as
 *   [position, deliveries, first arrival, last arrival, every arrival (when asked)];
 *   a position a subscriber already had (a duplicate or out of order), a result with
 *   errors and a socket that closes are counted and reported too;
 * - `idle`: sockets that only connect (or hold one quiet subscription each);
 * - `commits`: the commit clock, run alone in its process: LISTENs to the event log's
 *   NOTIFY (sent at commit) and reports [position, time], so commit times are not
 *   skewed by a busy event loop.
 */
import { performance } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import { Client as PgClient } from 'pg';
import WebSocket from 'ws';
import { EVENT_CHANNEL } from '../shared/events';
import { decodeCursor } from '../gateway/live/cursor';

export interface SubscriptionSpec { token: string; query: string; variables: Record<string, unknown> }

export type ClientCommand =
  | { cmd: 'subscribe'; url: string; subscriptions: SubscriptionSpec[]; keepTimes: boolean }
  | { cmd: 'idle'; url: string; token: string; count: number; subscribe: boolean; patientId: string }
  | { cmd: 'commits'; databaseUrl: string; channel?: string }
  | { cmd: 'close' };

/** One report: per position [position, deliveries, first, last, arrivals?]; counters since the last report. */
export interface ArrivalReport {
  type: 'arrivals';
  events: [number, number, number, number, number[]?][];
  duplicates: number;
  errors: number;
  closed: number;
  firstError?: string;
}

const clients: Client[] = [];
const now = () => performance.timeOrigin + performance.now();
let events = new Map<number, [number, number, number, number, number[]?]>();
let counters = { duplicates: 0, errors: 0, closed: 0 };
let firstError: string | undefined;
let commits: [number, number][] = [];
/** Set by `close`: sockets closing after it are not counted as lost. */
let closing = false;

setInterval(() => {
  if (events.size || counters.duplicates || counters.errors || counters.closed) {
    const report: ArrivalReport = { type: 'arrivals', events: [...events.values()], ...counters, firstError };
    process.send!(report);
    events = new Map();
    counters = { duplicates: 0, errors: 0, closed: 0 };
  }
  if (commits.length) {
    process.send!({ type: 'commits', commits });
    commits = [];
  }
}, 100).unref();

function arrived(position: number, at: number, keepTime: boolean): void {
  const e = events.get(position);
  if (!e) events.set(position, [position, 1, at, at, keepTime ? [at] : undefined]);
  else {
    e[1] += 1;
    if (at < e[2]) e[2] = at;
    if (at > e[3]) e[3] = at;
    e[4]?.push(at);
  }
}

async function open(url: string, token: string, onClosed?: () => void): Promise<Client> {
  let acked!: () => void;
  let failed!: (e: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => { acked = resolve; failed = reject; });
  const client = createClient({
    url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, lazy: false, retryAttempts: 0, keepAlive: 0,
    on: { connected: () => acked(), closed: (e) => { failed(e); onClosed?.(); } },
  });
  clients.push(client);
  await ready;
  return client;
}

function subscribe(url: string, spec: SubscriptionSpec, keepTimes: boolean): Promise<void> {
  // The highest position this subscriber holds: anything at or below it again is a duplicate (or out of order).
  let through = 0;
  return open(url, spec.token, () => { if (!closing) counters.closed += 1; }).then((client) => {
    client.subscribe<Record<string, { cursor?: string }>>({ query: spec.query, variables: spec.variables }, {
      next: (r) => {
        const at = now();
        const event = r.data ? (Object.values(r.data)[0] as { cursor?: string } | null) : undefined;
        const cursor = event?.cursor ?? (r.extensions as { cursor?: string } | undefined)?.cursor;
        if (r.errors?.length || !cursor) {
          counters.errors += 1;
          firstError ??= JSON.stringify(r.errors ?? r).slice(0, 400);
          if (!cursor) return;
        }
        const position = Number(decodeCursor(cursor));
        if (position <= through) counters.duplicates += 1;
        else {
          through = position;
          arrived(position, at, keepTimes);
        }
      },
      error: (e) => {
        counters.errors += 1;
        firstError ??= JSON.stringify(e).slice(0, 400);
      },
      complete: () => undefined,
    });
  });
}

/** Opens `count` sockets `batch` at a time (a burst of handshakes would time out on a busy gateway). */
async function inBatches(count: number, batch: number, openOne: (i: number) => Promise<void>): Promise<number> {
  let failed = 0;
  for (let i = 0; i < count; i += batch) {
    const results = await Promise.allSettled(Array.from({ length: Math.min(batch, count - i) }, (_, j) => openOne(i + j)));
    failed += results.filter((r) => r.status === 'rejected').length;
  }
  return failed;
}

process.on('message', async (m: ClientCommand) => {
  if (m.cmd === 'subscribe') {
    const failed = await inBatches(m.subscriptions.length, 100, (i) => subscribe(m.url, m.subscriptions[i], m.keepTimes));
    process.send!({ type: 'ready', failed });
  } else if (m.cmd === 'idle') {
    const failed = await inBatches(m.count, 200, async () => {
      const client = await open(m.url, m.token);
      if (m.subscribe) client.subscribe({ query: 'subscription($p: ID) { carePlanChanged(patientId: $p) { cursor } }', variables: { p: m.patientId } }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    });
    process.send!({ type: 'ready', failed });
  } else if (m.cmd === 'commits') {
    const listener = new PgClient({ connectionString: m.databaseUrl });
    await listener.connect();
    listener.on('notification', (n) => void commits.push([Number(n.payload), now()]));
    await listener.query(`LISTEN ${m.channel ?? EVENT_CHANNEL}`);
    process.send!({ type: 'ready', failed: 0 });
  } else if (m.cmd === 'close') {
    closing = true;
    await Promise.all(clients.map((c) => c.dispose()));
    process.exit(0);
  }
});
