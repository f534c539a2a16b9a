/**
 * The client side of bench/live-subscriptions.ts, in its own process so 1,000
 * subscribers and 5,000 idle sockets do not share an event loop with the hub.
 * Commands arrive over IPC; every delivery is reported as (title, arrival time).
 */
import { performance } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

type Command =
  | { cmd: 'subscribers'; url: string; tokens: string[]; patientId: string }
  | { cmd: 'idle'; url: string; token: string; count: number; subscribe: boolean; patientId: string }
  | { cmd: 'close' };

const clients: Client[] = [];
const now = () => performance.timeOrigin + performance.now();
let arrivals: [string, number][] = [];
setInterval(() => {
  if (arrivals.length) {
    process.send!({ type: 'arrivals', arrivals });
    arrivals = [];
  }
}, 50).unref();

async function open(url: string, token: string): Promise<Client> {
  let acked!: () => void;
  const ready = new Promise<void>((r) => (acked = r));
  const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, lazy: false, retryAttempts: 0, keepAlive: 0, on: { connected: () => acked() } });
  clients.push(client);
  await ready;
  return client;
}

process.on('message', async (m: Command) => {
  if (m.cmd === 'subscribers') {
    for (let i = 0; i < m.tokens.length; i += 50) {
      await Promise.all(m.tokens.slice(i, i + 50).map(async (token) => {
        const client = await open(m.url, token);
        client.subscribe<{ carePlanChanged: { carePlan: { title: string } } }>(
          { query: 'subscription($p: ID) { carePlanChanged(patientId: $p) { cursor changeKind carePlan { title version } patient { familyName } } }', variables: { p: m.patientId } },
          { next: (r) => void arrivals.push([r.data!.carePlanChanged.carePlan.title, now()]), error: () => undefined, complete: () => undefined },
        );
      }));
    }
    process.send!({ type: 'ready' });
  } else if (m.cmd === 'idle') {
    for (let i = 0; i < m.count; i += 200) {
      await Promise.all(Array.from({ length: Math.min(200, m.count - i) }, async () => {
        const client = await open(m.url, m.token);
        if (m.subscribe) client.subscribe({ query: 'subscription($p: ID) { carePlanChanged(patientId: $p) { cursor } }', variables: { p: m.patientId } }, { next: () => undefined, error: () => undefined, complete: () => undefined });
      }));
    }
    process.send!({ type: 'ready' });
  } else if (m.cmd === 'close') {
    await Promise.all(clients.map((c) => c.dispose()));
    process.exit(0);
  }
});
