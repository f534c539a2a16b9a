/**
 * Real graphql-ws clients for tests, and the faults live-update tests inflict: a
 * subgraph whose HTTP server stops answering (and comes back on the same port), and
 * the event log read back to count what subscribers should have received.
 */
import type http from 'node:http';
import { Client as PgClient } from 'pg';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface LiveSubscription<T = Record<string, any>> {
  results: { data?: T; errors?: { message: string; extensions?: Record<string, any> }[] }[];
  errors: unknown[];
  completed: boolean;
  closed?: { code: number; reason: string };
  /** Resolves when `n` results have arrived (or rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<void>;
  waitForClose(ms?: number): Promise<{ code: number; reason: string }>;
  /** Completes this subscription and keeps the socket open. */
  unsubscribe(): void;
  /** Cuts the TCP connection with no close frame, like a client that vanished. */
  drop(): void;
  dispose(): Promise<void>;
  client: Client;
}

export function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws');
}

export function subscribe<T = Record<string, any>>(httpUrl: string, token: string | null, query: string, variables: Record<string, unknown> = {}): LiveSubscription<T> {
  const sub = { results: [], errors: [], completed: false } as unknown as LiveSubscription<T>;
  let closeResolve: ((c: { code: number; reason: string }) => void) | undefined;
  const closed = new Promise<{ code: number; reason: string }>((r) => (closeResolve = r));
  let opened: WebSocket | undefined;
  const client = createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    on: {
      opened: (socket) => void (opened = socket as WebSocket),
      closed: (e) => {
        const ev = e as { code: number; reason: string };
        sub.closed = { code: ev.code, reason: String(ev.reason) };
        closeResolve?.(sub.closed);
      },
    },
    onNonLazyError: () => undefined,
  });
  sub.client = client;
  sub.unsubscribe = client.subscribe<T>({ query, variables }, {
    next: (r) => void sub.results.push(r as never),
    error: (e) => void sub.errors.push(e),
    complete: () => void (sub.completed = true),
  });
  sub.waitFor = async (n, ms = 5000) => {
    const until = Date.now() + ms;
    while (sub.results.length < n) {
      if (Date.now() > until) throw new Error(`expected ${n} results, got ${sub.results.length}: ${JSON.stringify(sub.results)} errors: ${JSON.stringify(sub.errors)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  sub.waitForClose = async (ms = 5000) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([closed, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error('socket did not close')), ms)))]);
    } finally {
      clearTimeout(timer);
    }
  };
  sub.drop = () => opened?.terminate();
  sub.dispose = async () => {
    await client.dispose();
  };
  return sub;
}

/** Waits until `check` passes (for asynchronous effects such as event consumers). */
export async function eventually(check: () => Promise<void> | void, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Waits until the gateway at `gatewayUrl` holds at least `n` subscriptions (its /health
 * counts both endpoints'): a change made after this reaches them, where a fixed sleep
 * only usually does.
 */
export async function subscribed(gatewayUrl: string, n: number, ms = 10_000): Promise<void> {
  const health = new URL('/health', gatewayUrl).toString();
  await eventually(async () => {
    const body = (await (await fetch(health)).json()) as { subscriptions?: number };
    expect(body.subscriptions ?? 0).toBeGreaterThanOrEqual(n);
  }, ms);
}

/** The log position a cursor stands for. */
export function positionOf(cursor: string): string {
  const m = Buffer.from(cursor, 'base64url').toString().match(/^ev:(\d+)$/);
  if (!m) throw new Error(`not a cursor: ${cursor}`);
  return m[1];
}

/** Positions of the committed events of `type` for a patient after `after`, in log order: what each subscriber must receive. */
export async function loggedPositions(databaseUrl: string, type: string, patientId: string, after = '0'): Promise<string[]> {
  const c = new PgClient({ connectionString: databaseUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ id: string }>(
      'SELECT id::text FROM hub_events.event_log WHERE type = $1 AND patient_id = $2 AND id > $3 ORDER BY id', [type, patientId, after]);
    return rows.map((r) => r.id);
  } finally {
    await c.end();
  }
}

/** A service's HTTP server that can stop answering: connections refused, open ones cut. */
export interface Outage {
  /** Listens again on the same address and port. */
  end(): Promise<void>;
}

export async function stopAnswering(service: { httpServer: http.Server; url: string; port: number }): Promise<Outage> {
  const { hostname } = new URL(service.url);
  const closed = new Promise<void>((resolve) => service.httpServer.close(() => resolve()));
  service.httpServer.closeAllConnections(); // keep-alive sockets the gateway would reuse
  await closed;
  let ended = false;
  return {
    end: async () => {
      if (ended) return;
      ended = true;
      await new Promise<void>((resolve, reject) => {
        service.httpServer.once('error', reject);
        service.httpServer.listen(service.port, hostname, () => resolve());
      });
    },
  };
}
