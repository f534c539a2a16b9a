/**
 * One upstream feed per gateway instance: a single reader tails the shared event log
 * (woken by the configured transport) and hands every committed event, strictly in
 * position order, to the in-process listeners. Clients never open their own feed.
 *
 * Only subscriptions need it, so the gateway never waits for it: start() returns at
 * once and keeps trying, with backoff, while the database is unreachable (`too many
 * clients`, not started yet) or its event log is not migrated yet; queries are served
 * meanwhile, subscriptions get a retryable SERVICE_UNAVAILABLE (assertLive) and /ready
 * names what is missing (status).
 */
import type { Pool } from 'pg';
import { serviceUnavailable } from '../../shared/errors';
import { latestEventPosition, readEventsAfter, type DomainEvent, type EventTransport } from '../../shared/events';
import { rootLogger } from '../../shared/logger';

export type FeedListener = (event: DomainEvent) => void;

export class EventFeed {
  /** The last position dispatched to listeners. */
  head = 0n;
  private readonly listeners = new Set<FeedListener>();
  private pumping: Promise<void> | undefined;
  private again = false;
  private unsubscribe: (() => Promise<void>) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly log = rootLogger.child({ component: 'event-feed' });
  /** Wakes callers waiting for the feed to reach a position (tests, replay hand-over). */
  private readonly waiters: { position: bigint; resolve: () => void }[] = [];

  /** Why the feed is not live yet; null once it is. */
  private missing: string | null = 'starting';
  private stopped = false;
  private retry: { timer: NodeJS.Timeout; wake: () => void } | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly transport: EventTransport,
    private readonly pollMs = 1000,
    private readonly retryMs = { min: 250, max: 5_000 },
  ) {}

  private firstAttempt: Promise<void> | undefined;
  private firstAttemptDone: (() => void) | undefined;

  /**
   * Resolves after the first attempt: with the database up the feed is live when the
   * gateway starts listening, as before; otherwise it keeps trying in the background
   * (`live()` resolves once it is up). Never throws.
   */
  start(): Promise<void> {
    this.firstAttempt ??= new Promise<void>((resolve) => (this.firstAttemptDone = resolve));
    this.starting ??= this.connect().finally(() => this.firstAttemptDone?.());
    return this.firstAttempt;
  }

  /** Resolves once the feed dispatches events (tests, scripts that need it). */
  live(): Promise<void> {
    return this.starting ?? this.start().then(() => this.starting);
  }

  /** 'ok', or what the feed is waiting for (for /ready). */
  status(): string {
    return this.missing ?? 'ok';
  }

  /** Throws a retryable SERVICE_UNAVAILABLE while the feed is not up: a subscription could not be served. */
  assertLive(): void {
    // What exactly is missing is for /ready (operators), not for clients.
    if (this.missing) throw serviceUnavailable('Live updates are not available yet: the gateway is still connecting to its event log. Subscribe again in a few seconds.', 'EVENT_FEED_UNAVAILABLE');
  }

  private async connect(): Promise<void> {
    for (let delay = this.retryMs.min, attempt = 1; !this.stopped; delay = Math.min(delay * 2, this.retryMs.max), attempt++) {
      try {
        this.head = BigInt(await latestEventPosition(this.pool));
        if (this.stopped) return;
        this.unsubscribe = await this.transport.subscribe(() => void this.pump());
        if (this.stopped) return void (await this.unsubscribe());
        // A fallback poll, for a wake-up lost while a transport reconnects.
        this.timer = setInterval(() => void this.pump(), this.pollMs);
        this.timer.unref();
        if (attempt > 1) this.log.info({ attempts: attempt }, 'event feed started');
        this.missing = null;
        return;
      } catch (err) {
        // 42P01: hub_events.event_log does not exist yet (nobody has run the migrations).
        const code = (err as { code?: string }).code;
        this.missing = code === '42P01' ? 'the event log is not migrated yet' : `the event log is unreachable (${(err as Error).message})`;
        if (attempt === 1) this.log.warn({ err: (err as Error).message, code }, 'event feed not started; queries are served, subscriptions wait; retrying with backoff');
        this.firstAttemptDone?.();
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        timer.unref();
        this.retry = { timer, wake: resolve };
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) {
      clearTimeout(this.retry.timer);
      this.retry.wake();
    }
    await this.starting;
    clearInterval(this.timer);
    await this.unsubscribe?.();
    await this.pumping;
  }

  onEvent(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the feed has dispatched everything up to `position`. */
  reached(position: bigint): Promise<void> {
    if (this.head >= position) return Promise.resolve();
    void this.pump();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  pump(): Promise<void> {
    // Before the start, the head is not known: nothing may be dispatched.
    if (this.missing) return Promise.resolve();
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        try {
          for (;;) {
            const batch = await readEventsAfter(this.pool, this.head.toString(), 500);
            if (batch.length === 0) break;
            for (const event of batch) {
              this.head = BigInt(event.id);
              for (const listener of this.listeners) {
                try {
                  listener(event);
                } catch (err) {
                  this.log.error({ err }, 'feed listener failed');
                }
              }
            }
            this.settleWaiters();
          }
        } catch (err) {
          this.log.warn({ err: (err as Error).message }, 'reading the event log failed; retrying on the next wake-up');
        }
        this.settleWaiters();
      } while (this.again);
    })().finally(() => {
      this.pumping = undefined;
    });
    return this.pumping;
  }

  private settleWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.head >= this.waiters[i].position) this.waiters.splice(i, 1)[0].resolve();
    }
  }
}
