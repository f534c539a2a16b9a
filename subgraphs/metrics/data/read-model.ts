/**
 * Running the read model: the event consumer that keeps it current, the
 * rebuild that replays the whole log into empty tables, and how far behind it is.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { latestEventPosition, readEventsAfter, startConsumer, type Consumer, type EventTransport } from '../../../shared/events';
import type { Logger } from '../../../shared/logger';
import { projectEvent, READ_MODEL_TABLES } from './projector';

/** The cursor name in metrics.event_cursor. */
export const READ_MODEL_CONSUMER = 'metrics-read-model';

const consumers = new WeakMap<DataSource, Consumer>();

/** Catching up with a long log (a fresh deployment, the demo seed) applies up to this many events per transaction. */
const EVENTS_PER_TRANSACTION = 100;

export async function startReadModelConsumer(ds: DataSource, transport: EventTransport, log: Logger): Promise<Consumer> {
  const tuned = new WeakSet<EntityManager>();
  const consumer = await startConsumer({
    ds,
    transport,
    name: READ_MODEL_CONSUMER,
    eventsPerTransaction: EVENTS_PER_TRANSACTION,
    // A long backlog (a fresh deployment, a seeded demo) is applied while the service already answers;
    // metricsFreshness says how far behind the figures are.
    catchUpInBackground: true,
    handle: async (event, m) => {
      if (!tuned.has(m)) {
        tuned.add(m);
        // Not waiting for the WAL flush is safe here: a crash loses the effects and the cursor together,
        // and the events are applied again from the log.
        await m.query('SET LOCAL synchronous_commit TO OFF');
      }
      await projectEvent(event, m, log);
    },
  });
  consumers.set(ds, consumer);
  return {
    caughtUp: () => consumer.caughtUp(),
    stop: async () => {
      consumers.delete(ds);
      await consumer.stop();
    },
  };
}

/**
 * Read-your-writes for a caller who has just changed something in another
 * subgraph (formed a team, registered a patient): waits until the read model
 * has applied everything committed so far, at most `timeoutMs`.
 */
export async function awaitReadModel(ds: DataSource, timeoutMs = 2000): Promise<void> {
  const consumer = consumers.get(ds);
  if (!consumer) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([consumer.caughtUp(), new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); })]);
  clearTimeout(timer);
}

/**
 * Replays the event log from position 0 into emptied read-model tables, in one
 * transaction: readers keep the old figures until the new ones commit. A running
 * consumer waits on the tables meanwhile and then re-applies, harmlessly, what
 * the rebuild already applied (handlers are idempotent).
 */
export async function rebuildReadModel(ds: DataSource, log?: Logger, onProgress?: (events: number, position: string) => void): Promise<{ events: number; position: string }> {
  return ds.transaction(async (m) => {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('metrics:rebuild'))`);
    await m.query(`TRUNCATE ${READ_MODEL_TABLES.map((t) => `metrics.${t}`).join(', ')}`);
    let position = '0';
    let events = 0;
    for (;;) {
      const batch = await readEventsAfter(m, position, 1000);
      if (batch.length === 0) break;
      for (const event of batch) await projectEvent(event, m, log);
      position = batch[batch.length - 1].id;
      events += batch.length;
      onProgress?.(events, position);
    }
    await m.query(
      `INSERT INTO metrics.event_cursor (consumer, position) VALUES ($1, $2)
       ON CONFLICT (consumer) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
      [READ_MODEL_CONSUMER, position],
    );
    return { events, position };
  });
}

export interface Freshness {
  lastEventPosition: string;
  appliedPosition: string;
  positionsBehind: number;
  lagSeconds: number;
  appliedAt: Date | null;
}

/** The log's head against the read model's cursor; the lag is the age of the oldest event not yet applied. */
export async function readModelFreshness(ds: DataSource, now: Date): Promise<Freshness> {
  const [cursor] = await ds.query(`SELECT position::text, updated_at FROM metrics.event_cursor WHERE consumer = $1`, [READ_MODEL_CONSUMER]);
  const applied: string = cursor?.position ?? '0';
  const [last, [oldest]] = await Promise.all([latestEventPosition(ds), readEventsAfter(ds, applied, 1)]);
  return {
    lastEventPosition: last,
    appliedPosition: applied,
    positionsBehind: Math.max(0, Number(BigInt(last) - BigInt(applied))),
    lagSeconds: oldest ? Math.max(0, (now.getTime() - oldest.occurredAt.getTime()) / 1000) : 0,
    appliedAt: cursor?.updated_at ? new Date(cursor.updated_at) : null,
  };
}
