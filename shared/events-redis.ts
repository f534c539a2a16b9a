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
 *
 * Both halves outlive their connections. The relay's PostgreSQL session (which holds
 * the lock) may be terminated at any moment: the relay then resigns, and every
 * instance stands for election again each second, the winner resuming from the
 * stream's last entry. The Redis connections reconnect on their own (ioredis); a
 * reader that recovers wakes its readers, which catch up from their own cursors.
 */
import crypto from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { config } from './config';
import { EVENT_CHANNEL, latestEventPosition, readEventsAfter, type EventTransport } from './events';
import { rootLogger, type Logger } from './logger';

const RELAY_LOCK = 0x0c7e_4ed1;
const STREAM_MAX_LENGTH = 10_000;
/** How often a non-relay instance stands for election, and the relay re-reads the log should a notification be missed. */
const RELAY_TICK_MS = 1_000;

/** One stream per database, so instances of different hubs sharing a Redis never mix. */
export function streamKeyFor(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  const id = crypto.createHash('sha1').update(`${u.hostname}:${u.port}${u.pathname}`).digest('hex').slice(0, 12);
  return `care-team-hub:events:${id}`;
}

/** Logs the first failure of a run at warn and the rest at debug; `recovered` says so once, at info. */
function outageLog(log: Logger, what: string) {
  let failures = 0;
  return {
    failed(err: unknown, message: string) {
      const e = err as { message?: string; code?: string };
      if (failures++ === 0) log.warn({ err: e?.message ?? String(err), code: e?.code }, message);
      else log.debug({ err: e?.message ?? String(err), failures }, message);
    },
    /** True when there was an outage to recover from. */
    recovered(): boolean {
      if (failures === 0) return false;
      log.info({ failures }, `${what} restored`);
      failures = 0;
      return true;
    },
  };
}

interface RelaySession {
  pg: Client;
  writer: Redis;
  /** The last position appended to the stream. */
  cursor: string;
  lost: boolean;
}

export class RedisStreamTransport implements EventTransport {
  private readonly log = rootLogger.child({ component: 'redis-transport' });
  readonly streamKey: string;

  constructor(private readonly redisUrl: string, private readonly databaseUrl: string) {
    this.streamKey = streamKeyFor(databaseUrl);
  }

  async subscribe(onWake: (position?: string) => void): Promise<() => Promise<void>> {
    let stopped = false;
    const reader = new Redis(this.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true, retryStrategy: (times) => Math.min(times * 200, 5_000) });
    const connection = outageLog(this.log, 'Redis stream connection');
    // ioredis reconnects by itself; without a listener it would print every failed attempt to the console.
    reader.on('error', (err) => connection.failed(err, 'Redis stream connection lost; reconnecting'));
    reader.on('ready', () => {
      if (connection.recovered()) onWake(); // positions relayed while away are read from the stream; anything else from the log
    });
    await reader.connect();
    const relay = this.startRelayCandidate(() => stopped);

    let lastId = '$';
    const reads = outageLog(this.log, 'reading the Redis stream');
    const readLoop = (async () => {
      while (!stopped) {
        try {
          const res = (await reader.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', this.streamKey, lastId)) as [string, [string, string[]][]][] | null;
          if (reads.recovered()) onWake();
          for (const [, entries] of res ?? []) {
            for (const [id, fields] of entries) {
              lastId = id;
              onWake(fields[fields.indexOf('position') + 1]);
            }
          }
        } catch (err) {
          if (stopped) break;
          reads.failed(err, 'reading the Redis stream failed; retrying');
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

  /** Stands for election every second until stopped; while elected, relays. Returns a stop function. */
  private startRelayCandidate(isStopped: () => boolean): () => Promise<void> {
    let session: RelaySession | undefined;
    let election: Promise<void> | undefined;
    let relaying: Promise<void> | undefined;
    let again = false;
    const writes = outageLog(this.log, 'relaying to Redis');

    const relayOnce = async (s: RelaySession) => {
      while (!s.lost && !isStopped()) {
        const batch = await readEventsAfter(s.pg, s.cursor, 1000);
        if (!batch.length) return;
        const pipeline = s.writer.pipeline();
        for (const e of batch) pipeline.xadd(this.streamKey, 'MAXLEN', '~', STREAM_MAX_LENGTH, '*', 'position', e.id, 'type', e.type);
        // exec() resolves with one [error, result] per command: a failed append must not advance the cursor.
        const failed = (await pipeline.exec())?.find(([err]) => err);
        if (failed) throw failed[0];
        s.cursor = batch[batch.length - 1].id;
      }
    };
    const relay = () => {
      const s = session;
      if (!s) return;
      if (relaying) {
        again = true;
        return;
      }
      relaying = (async () => {
        do {
          again = false;
          try {
            await relayOnce(s);
            writes.recovered();
          } catch (err) {
            // Not relayed yet: retried from the same cursor on the next notification or tick.
            if (!s.lost) writes.failed(err, 'relaying to Redis failed; retrying');
          }
        } while (again && !isStopped() && !s.lost);
      })().finally(() => (relaying = undefined));
    };

    /** Gives the lock up (ending the session releases it) and lets the next tick stand for election again. */
    const resign = (s: RelaySession, err: Error, quietly = false) => {
      if (s.lost) return;
      s.lost = true;
      if (session === s) session = undefined;
      if (!quietly) this.log.warn({ err: err.message, code: (err as { code?: string }).code }, 'relay connection lost; standing for election again');
      s.writer.disconnect();
      void s.pg.end().catch(() => undefined);
    };

    const tryLead = async () => {
      if (isStopped() || session) return;
      const candidate = new Client({ connectionString: this.databaseUrl, application_name: 'care-team-hub:redis-relay', keepAlive: true, connectionTimeoutMillis: config.dbConnectTimeoutMs });
      let writer: Redis | undefined;
      let s: RelaySession | undefined;
      // Listening from the start: a session terminated while standing, or while relaying, must never be an unhandled 'error'.
      candidate.on('error', (err) => { if (s) resign(s, err); });
      candidate.once('end', () => { if (s) resign(s, new Error('the relay connection ended')); });
      try {
        await candidate.connect();
        const { rows } = await candidate.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [RELAY_LOCK]);
        if (!rows[0].ok || isStopped()) {
          await candidate.end().catch(() => undefined);
          return;
        }
        writer = new Redis(this.redisUrl, { maxRetriesPerRequest: 3 });
        writer.on('error', (err) => writes.failed(err, 'Redis connection of the relay lost; reconnecting'));
        const cursor = (await this.lastRelayedPosition(writer)) ?? (await latestEventPosition(candidate));
        s = { pg: candidate, writer, cursor, lost: false };
        candidate.on('notification', () => relay());
        await candidate.query(`LISTEN ${EVENT_CHANNEL}`);
        if (s.lost) return;
        session = s;
        this.log.info({ stream: this.streamKey, from: cursor }, 'relaying the event log to Redis');
        relay();
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'relay election failed; retrying');
        if (s) resign(s, err as Error, true);
        else {
          writer?.disconnect();
          await candidate.end().catch(() => undefined);
        }
      }
    };
    const stand = () => {
      election ??= tryLead().finally(() => (election = undefined));
    };
    stand();
    const timer = setInterval(() => {
      if (session) relay(); // a fallback for a missed notification
      else stand();
    }, RELAY_TICK_MS);
    timer.unref();

    return async () => {
      clearInterval(timer);
      await election;
      await relaying;
      const s = session;
      session = undefined;
      if (s) {
        s.lost = true;
        s.writer.disconnect();
        await s.pg.end().catch(() => undefined); // ending the session releases the relay lock
      }
    };
  }
}
