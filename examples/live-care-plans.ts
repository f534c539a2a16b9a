/**
 * A small typed graphql-ws client: follows every change to the care plans of my
 * patients and misses none. It handles every message the gateway may send:
 * - a change, with its cursor: remembered, so a reconnect resumes after it;
 * - a partial change (some fields null, with errors): still a change, with its cursor;
 *   an event whose errors nulled it entirely carries its cursor in `extensions.cursor`;
 * - SUBSCRIPTION_ENDED with `resumeAfter` (schema change, shutdown, or a service the
 *   fields need being unavailable — UPSTREAM_UNAVAILABLE, resumed after a backoff):
 *   subscribe again after `resumeAfter`;
 * - CURSOR_EXPIRED (the cursor is older than the replay window): refetch the current
 *   state, then follow live changes without `after`;
 * - a dropped socket or a full queue (close 1013): resume from the last cursor; a
 *   refused token (4401, 4403) stops it.
 *
 *   npm run build && node dist/examples/live-care-plans.js --token "$(npm run -s token -- --role care_coordinator --sub demo-coordinator)"
 *
 * Options: --url ws://127.0.0.1:4000/graphql, --after <cursor> to start from a known point.
 */
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import type { GraphQLFormattedError } from 'graphql';
import WebSocket from 'ws';

/** The CarePlanChangeKind enum (the same type as CarePlan.history's changeKind). */
export type CarePlanChangeKind = 'CREATED' | 'UPDATED' | 'STATUS_CHANGED' | 'GOAL_ADDED' | 'GOAL_UPDATED' | 'ACTIVITY_ADDED' | 'ACTIVITY_UPDATED';

export interface CarePlanChange {
  cursor: string;
  changeKind: CarePlanChangeKind;
  changedFields: string[];
  actor: string | null;
  occurredAt: string;
  /** What this change did, field by field: its own revision, also when replayed after a reconnect. */
  revision: { version: number; changes: { field: string; before: unknown; after: unknown }[] };
  carePlan: { id: string; title: string; status: string; version: number } | null;
  patient: { id: string; givenName: string; familyName: string } | null;
}

const SUBSCRIPTION = `subscription MyCarePlanChanges($after: String) {
  myCarePlanChanges(after: $after) {
    cursor changeKind changedFields actor occurredAt
    revision { version changes { field before after } }
    carePlan { id title status version }
    patient { id givenName familyName }
  }
}`;

/** Close codes after which reconnecting cannot help. */
const FATAL_CLOSE_CODES = new Set([4400, 4401, 4403]);
/** Waits before resuming after a disconnect, and after UPSTREAM_UNAVAILABLE (doubling to the cap). */
const RECONNECT_MS = 1000;
const UPSTREAM_BACKOFF_CAP_MS = 30_000;

export interface FollowOptions {
  url: string;
  token: string;
  after?: string;
  /** A change; `errors` is set when some of its fields could not be resolved (they are null). */
  onChange(change: CarePlanChange, errors?: readonly GraphQLFormattedError[]): void;
  /** An event whose errors left no change to show: passed by its cursor, so it is not asked for again. */
  onUnresolved?(cursor: string, errors: readonly GraphQLFormattedError[]): void;
  /** The cursor is older than the replay window: fetch the current state; following then continues live. */
  refetch?(): Promise<void>;
  signal?: AbortSignal;
  /** Where reconnects are reported (stderr by default). */
  log?: (message: string) => void;
  /** First wait before resuming after UPSTREAM_UNAVAILABLE (default 1 s, doubling to 30 s). */
  upstreamBackoffMs?: number;
}

type Ending = { kind: 'resume'; delayMs: number } | { kind: 'fatal'; error: Error };

/** Errors graphql-ws hands a subscription it refused (an `error` message), as opposed to a closed socket. */
const refusal = (err: unknown): readonly GraphQLFormattedError[] | undefined =>
  Array.isArray(err) && err.every((e) => typeof e?.message === 'string') ? (err as GraphQLFormattedError[]) : undefined;

export async function followCarePlans(options: FollowOptions): Promise<void> {
  const log = options.log ?? ((m: string) => console.error(m));
  const firstBackoff = options.upstreamBackoffMs ?? RECONNECT_MS;
  let after = options.after;
  let upstreamBackoff = firstBackoff;
  while (!options.signal?.aborted) {
    let closedFatally: Error | undefined;
    const client: Client = createClient({
      url: options.url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${options.token}` },
      retryAttempts: 0,
      on: {
        closed: (e) => {
          const { code, reason } = e as { code: number; reason: string };
          if (FATAL_CLOSE_CODES.has(code)) closedFatally = new Error(`The gateway closed the connection: ${code} ${reason}`);
        },
      },
    });
    const stop = () => void client.dispose();
    options.signal?.addEventListener('abort', stop);
    let ending: Ending = { kind: 'resume', delayMs: RECONNECT_MS };
    try {
      for await (const result of client.iterate<{ myCarePlanChanges: CarePlanChange }>({ query: SUBSCRIPTION, variables: { after } })) {
        const ended = result.errors?.find((e) => e.extensions?.code === 'SUBSCRIPTION_ENDED');
        if (ended) {
          const reason = String(ended.extensions?.reason);
          // resumeAfter is the last position delivered to us: everything after it comes again.
          if (typeof ended.extensions?.resumeAfter === 'string') after = ended.extensions.resumeAfter;
          if (reason === 'UPSTREAM_UNAVAILABLE') {
            ending = { kind: 'resume', delayMs: upstreamBackoff };
            upstreamBackoff = Math.min(UPSTREAM_BACKOFF_CAP_MS, upstreamBackoff * 2);
          } else ending = { kind: 'resume', delayMs: 0 };
          log(`subscription ended (${reason}); resuming after ${after ?? 'the start'} in ${ending.delayMs} ms`);
          continue; // the gateway completes the subscription next
        }
        const change = result.data?.myCarePlanChanges;
        const extensions = result.extensions as { cursor?: unknown } | undefined;
        const cursor = change?.cursor ?? (typeof extensions?.cursor === 'string' ? extensions.cursor : undefined);
        if (cursor) after = cursor;
        upstreamBackoff = firstBackoff;
        if (change) options.onChange(change, result.errors);
        else if (cursor && result.errors) {
          log(`a change could not be shown (${result.errors.map((e) => e.extensions?.code ?? e.message).join(', ')}); continuing after it`);
          options.onUnresolved?.(cursor, result.errors);
        }
      }
    } catch (err) {
      const errors = refusal(err);
      if (errors?.some((e) => e.extensions?.reason === 'CURSOR_EXPIRED')) {
        log('the cursor is older than the replay window: refetching the current state, then following live changes');
        await options.refetch?.();
        after = undefined;
        ending = { kind: 'resume', delayMs: 0 };
      } else if (errors) {
        ending = { kind: 'fatal', error: new Error(`The gateway refused the subscription: ${errors.map((e) => `${e.extensions?.code ?? ''} ${e.message}`).join('; ')}`) };
      } else if (closedFatally) {
        ending = { kind: 'fatal', error: closedFatally };
      } else if (!options.signal?.aborted) {
        log(`disconnected (${(err as Error)?.message ?? 'closed'}); resuming after ${after ?? 'the start'}`);
      }
    } finally {
      options.signal?.removeEventListener('abort', stop);
      await client.dispose();
    }
    if (closedFatally && ending.kind !== 'fatal') ending = { kind: 'fatal', error: closedFatally };
    if (ending.kind === 'fatal') throw ending.error;
    if (ending.delayMs > 0 && !options.signal?.aborted) await new Promise((r) => setTimeout(r, ending.delayMs));
  }
}

/** What the CLI shows after CURSOR_EXPIRED: the current worklist, over HTTP. */
async function printWorklist(wsUrl: string, token: string): Promise<void> {
  const res = await fetch(wsUrl.replace(/^ws/, 'http'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ myWorklist(first: 50) { kind overdue dueAt carePlan { title status version } } }' }),
  });
  const body = (await res.json()) as { data?: { myWorklist: { kind: string; overdue: boolean; dueAt: string | null; carePlan: { title: string; status: string; version: number } | null }[] } };
  for (const item of body.data?.myWorklist ?? []) {
    console.log(`worklist: ${item.kind}${item.overdue ? ' (overdue)' : ''} ${item.carePlan ? `"${item.carePlan.title}" v${item.carePlan.version}` : ''} due ${item.dueAt ?? '-'}`);
  }
}

if (require.main === module) {
  const { values } = parseArgs({ options: { url: { type: 'string', default: 'ws://127.0.0.1:4000/graphql' }, token: { type: 'string' }, after: { type: 'string' } } });
  if (!values.token) {
    console.error('usage: node dist/examples/live-care-plans.js --token <jwt> [--url ws://127.0.0.1:4000/graphql] [--after <cursor>]');
    process.exit(2);
  }
  const token = values.token;
  followCarePlans({
    url: values.url!,
    token,
    after: values.after,
    onChange: (c, errors) => console.log(`${c.occurredAt} ${c.changeKind} "${c.carePlan?.title ?? '?'}" v${c.carePlan?.version ?? '?'} for ${c.patient?.givenName ?? '?'} ${c.patient?.familyName ?? ''} by ${c.actor}: ${(c.revision?.changes ?? []).map((f) => `${f.field} ${JSON.stringify(f.before)} → ${JSON.stringify(f.after)}`).join(', ')} (cursor ${c.cursor})${errors ? ` — partial: ${errors.map((e) => e.message).join('; ')}` : ''}`),
    onUnresolved: (cursor, errors) => console.log(`a change at ${cursor} could not be shown: ${errors.map((e) => e.message).join('; ')}`),
    refetch: () => printWorklist(values.url!, token),
  }).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
