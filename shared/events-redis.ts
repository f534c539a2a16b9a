/**
 * The Redis event transport, for running several gateway instances (or for
 * deployments where LISTEN is not available to them, e.g. behind pgbouncer).
 *
 * One relay per database — whichever instance holds a PostgreSQL advisory lock —
 * tails the event log in order and appends each position to a Redis Stream; every
 * instance reads the stream (XREAD BLOCK) and wakes its readers. Payloads stay in
 * PostgreSQL, the source of truth; the stream only says "position N is committed".
 * If the relay's instance dies, another takes the lock and resumes from the stream's
 * last entry, so no position is skipped.
 */
import crypto from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { EVENT_CHANNEL, latestEventPosition, readEventsAfter, type EventTransport } from './events';
import { rootLogger } from './logger';

const RELAY_LOCK = 0x0c7e_4ed1;
const STREAM_MAX_LENGTH = 10_000;

/** One stream per database, so instances of different hubs sharing a Redis never mix. */
export function streamKeyFor(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  const id = crypto.createHash('sha1').update(`${u.hostname}:${u.port}${u.pathname}`).digest('hex').slice(0, 12);
  return `care-team-hub:events:${id}`;
}

export class RedisStreamTransport implements EventTransport {
  private readonly log = rootLogger.child({ component: 'redis-transport' });
  readonly streamKey: string;

  constructor(private readonly redisUrl: string, private readonly databaseUrl: string) {
    this.streamKey = streamKeyFor(databaseUrl);
  }

  async subscribe(onWake: (position?: string) => void): Promise<() => Promise<void>> {
    let stopped = false;
    const reader = new Redis(this.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
    await reader.connect();
    const relay = this.startRelayCandidate(() => stopped);

    let lastId = '$';
    const readLoop = (async () => {
      while (!stopped) {
        try {
          const res = (await reader.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', this.streamKey, lastId)) as [string, [string, string[]][]][] | null;
          for (const [, entries] of res ?? []) {
            for (const [id, fields] of entries) {
              lastId = id;
              onWake(fields[fields.indexOf('position') + 1]);
            }
          }
        } catch (err) {
          if (stopped) break;
          this.log.warn({ err: (err as Error).message }, 'reading the Redis stream failed; retrying');
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })();

    return async () => {
      stopped = true;
      reader.disconnect();
      await readLoop;
      await relay();
    };
  }

  /** Position of the last event relayed into the stream, if any. */
  async lastRelayedPosition(redis: Redis): Promise<string | null> {
    const last = (await redis.xrevrange(this.streamKey, '+', '-', 'COUNT', 1)) as [string, string[]][];
    if (!last.length) return null;
    const fields = last[0][1];
    return fields[fields.indexOf('position') + 1] ?? null;
  }

  /** Tries to become the relay every couple of seconds; returns a stop function. */
  private startRelayCandidate(isStopped: () => boolean): () => Promise<void> {
    let pg: Client | undefined;
    let writer: Redis | undefined;
    let timer: NodeJS.Timeout | undefined;
    let leading = false;
    let relaying: Promise<void> | undefined;
    let again = false;
    let cursor = '0';

    const relayOnce = async () => {
      for (;;) {
        const batch = await readEventsAfter(pg!, cursor, 1000);
        if (!batch.length) return;
        const pipeline = writer!.pipeline();
        for (const e of batch) pipeline.xadd(this.streamKey, 'MAXLEN', '~', STREAM_MAX_LENGTH, '*', 'position', e.id, 'type', e.type);
        await pipeline.exec();
        cursor = batch[batch.length - 1].id;
      }
    };
    const relay = () => {
      if (relaying) {
        again = true;
        return;
      }
      relaying = (async () => {
        do {
          again = false;
          try {
            await relayOnce();
          } catch (err) {
            this.log.warn({ err: (err as Error).message }, 'relaying to Redis failed; retrying');
          }
        } while (again && !isStopped());
      })().finally(() => (relaying = undefined));
    };

    const tryLead = async () => {
      if (isStopped() || leading) return;
      try {
        const candidate = new Client({ connectionString: this.databaseUrl, application_name: 'care-team-hub:redis-relay' });
        await candidate.connect();
        const { rows } = await candidate.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [RELAY_LOCK]);
        if (!rows[0].ok || isStopped()) {
          await candidate.end();
          return;
        }
        pg = candidate;
        leading = true;
        candidate.on('error', (err) => {
          this.log.warn({ err: err.message }, 'relay connection lost; standing for election again');
          leading = false;
          pg = undefined;
          writer?.disconnect();
          void candidate.end().catch(() => undefined);
        });
        writer = new Redis(this.redisUrl, { maxRetriesPerRequest: 3 });
        cursor = (await this.lastRelayedPosition(writer)) ?? (await latestEventPosition(pg));
        pg.on('notification', () => relay());
        await pg.query(`LISTEN ${EVENT_CHANNEL}`);
        this.log.info({ stream: this.streamKey, from: cursor }, 'relaying the event log to Redis');
        relay();
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'relay election failed; retrying');
        leading = false;
        await pg?.end().catch(() => undefined);
        pg = undefined;
      }
    };
    void tryLead();
    timer = setInterval(() => {
      if (leading) relay(); // a fallback for a missed notification
      else void tryLead();
    }, 1000);
    timer.unref();

    return async () => {
      clearInterval(timer);
      timer = undefined;
      await relaying;
      writer?.disconnect();
      await pg?.end().catch(() => undefined); // ending the session releases the relay lock
    };
  }
}
