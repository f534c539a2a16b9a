/** A real graphql-ws client for tests: collects what a subscription receives. */
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
  const client = createClient({
    url: wsUrl(httpUrl),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    on: {
      closed: (e) => {
        const ev = e as { code: number; reason: string };
        sub.closed = { code: ev.code, reason: String(ev.reason) };
        closeResolve?.(sub.closed);
      },
    },
    onNonLazyError: () => undefined,
  });
  sub.client = client;
  client.subscribe<T>({ query, variables }, {
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
