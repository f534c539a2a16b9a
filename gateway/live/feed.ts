/**
 * One upstream feed per gateway instance: a single reader tails the shared event log
 * (woken by the configured transport) and hands every committed event, strictly in
 * position order, to the in-process listeners. Clients never open their own feed.
 */
import type { Pool } from 'pg';
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

  constructor(private readonly pool: Pool, private readonly transport: EventTransport, private readonly pollMs = 1000) {}

  async start(): Promise<void> {
    this.head = BigInt(await latestEventPosition(this.pool));
    this.unsubscribe = await this.transport.subscribe(() => void this.pump());
    // A fallback poll, for a wake-up lost while a transport reconnects.
    this.timer = setInterval(() => void this.pump(), this.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
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
