/**
 * A small typed graphql-ws client: follows every change to the care plans of my
 * patients, and after any disconnect (network, gateway restart, schema change, a
 * full queue) resumes from the last cursor it saw, so it misses nothing.
 *
 *   npm run build && node dist/examples/live-care-plans.js --token "$(npm run -s token -- --role care_coordinator --sub demo-coordinator)"
 *
 * Options: --url ws://127.0.0.1:4000/graphql, --after <cursor> to start from a known point.
 */
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

interface CarePlanChange {
  cursor: string;
  changeKind: string;
  changedFields: string[];
  actor: string | null;
  occurredAt: string;
  carePlan: { id: string; title: string; status: string; version: number } | null;
  patient: { id: string; givenName: string; familyName: string } | null;
}

const SUBSCRIPTION = `subscription MyCarePlanChanges($after: String) {
  myCarePlanChanges(after: $after) {
    cursor changeKind changedFields actor occurredAt
    carePlan { id title status version }
    patient { id givenName familyName }
  }
}`;

/** Close codes after which reconnecting cannot help. */
const FATAL_CLOSE_CODES = new Set([4400, 4401, 4403]);

export async function followCarePlans(options: {
  url: string; token: string; after?: string; onChange(change: CarePlanChange): void; signal?: AbortSignal;
  /** Where reconnects are reported (stderr by default). */
  log?: (message: string) => void;
}): Promise<void> {
  const log = options.log ?? ((m: string) => console.error(m));
  let after = options.after;
  let fatal: Error | undefined;
  while (!options.signal?.aborted && !fatal) {
    const client: Client = createClient({
      url: options.url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${options.token}` },
      retryAttempts: 0,
      on: {
        closed: (e) => {
          const { code, reason } = e as { code: number; reason: string };
          if (FATAL_CLOSE_CODES.has(code)) fatal = new Error(`The gateway closed the connection: ${code} ${reason}`);
        },
      },
    });
    try {
      for await (const result of client.iterate<{ myCarePlanChanges: CarePlanChange }>({ query: SUBSCRIPTION, variables: { after } })) {
        const change = result.data?.myCarePlanChanges;
        if (change) {
          after = change.cursor;
          options.onChange(change);
        }
        const ended = result.errors?.find((e) => e.extensions?.code === 'SUBSCRIPTION_ENDED');
        if (ended) log(`subscription ended (${String(ended.extensions?.reason)}); resuming after ${after ?? 'the start'}`);
        else if (result.errors?.some((e) => e.extensions?.reason === 'CURSOR_EXPIRED')) {
          log('the cursor is older than the replay window: refetch your worklist, then follow live changes');
          after = undefined;
        }
      }
    } catch (err) {
      if (!fatal) log(`disconnected (${(err as Error).message ?? 'closed'}); reconnecting`);
    } finally {
      await client.dispose();
    }
    if (!fatal && !options.signal?.aborted) await new Promise((r) => setTimeout(r, 1000));
  }
  if (fatal) throw fatal;
}

if (require.main === module) {
  const { values } = parseArgs({ options: { url: { type: 'string', default: 'ws://127.0.0.1:4000/graphql' }, token: { type: 'string' }, after: { type: 'string' } } });
  if (!values.token) {
    console.error('usage: node dist/examples/live-care-plans.js --token <jwt> [--url ws://127.0.0.1:4000/graphql] [--after <cursor>]');
    process.exit(2);
  }
  followCarePlans({
    url: values.url!,
    token: values.token,
    after: values.after,
    onChange: (c) => console.log(`${c.occurredAt} ${c.changeKind} "${c.carePlan?.title}" v${c.carePlan?.version} for ${c.patient?.givenName} ${c.patient?.familyName} by ${c.actor} (cursor ${c.cursor})`),
  }).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
