/**
 * Live subscriptions on the shared event feed: replay from a cursor, then live
 * events, with nothing lost or doubled; per-event authorization; one execution per
 * event for subscribers that share an operation and an access profile; bounded
 * per-connection queues so a slow client never slows the others.
 */
import type { Pool } from 'pg';
import type { ExecutionResult } from 'graphql';
import { GraphQLError } from 'graphql';
import { hasRole, isAdmin, type Principal } from '../../shared/auth';
import { badInput, forbidden } from '../../shared/errors';
import { readEventsAfter, type DomainEvent } from '../../shared/events';
import { rootLogger } from '../../shared/logger';
import { decodeCursor, encodeCursor } from './cursor';
import type { LiveExecutor, PreparedSubscription } from './executor';
import type { EventFeed } from './feed';
import { ACCESS_CHANGING_EVENTS, TOPICS, type Authorizer, type Topic } from './topics';

const log = rootLogger.child({ component: 'subscriptions' });

/** One graphql-ws connection's share of the back-pressure budget. */
export interface ConnectionBudget {
  pending: number;
  readonly limit: number;
  /** Closes the client's socket (it resumes from its last cursor). */
  overflow(): void;
}

export interface SubscribeRequest {
  prepared: PreparedSubscription;
  principal: Principal;
  authorization: string;
  connection: ConnectionBudget;
}

class Subscriber {
  lastDelivered: bigint;
  live = false;
  group: Group | undefined;
  private readonly queue: ExecutionResult[] = [];
  private wake: (() => void) | undefined;
  private finished = false;

  constructor(readonly request: SubscribeRequest, readonly topic: Topic, start: bigint, private readonly onDone: (s: Subscriber) => void) {
    this.lastDelivered = start;
  }

  get args() { return this.request.prepared.args; }
  get closed() { return this.finished; }

  deliver(position: bigint, result: ExecutionResult): void {
    if (this.finished || position <= this.lastDelivered) return;
    this.lastDelivered = position;
    this.enqueue(result);
  }

  private enqueue(result: ExecutionResult): void {
    const budget = this.request.connection;
    if (budget.pending >= budget.limit) {
      log.warn({ sub: this.request.principal.sub, limit: budget.limit }, 'subscriber queue overflow: closing its connection');
      this.finish();
      budget.overflow();
      return;
    }
    budget.pending += 1;
    this.queue.push(result);
    this.wake?.();
  }

  /** Ends the subscription with a last message saying why and where to resume. */
  end(reason: string, message: string): void {
    if (this.finished) return;
    this.enqueue({
      errors: [new GraphQLError(message, { extensions: { code: 'SUBSCRIPTION_ENDED', reason, resumeAfter: encodeCursor(this.lastDelivered.toString()) } })],
    });
    this.finish();
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.onDone(this);
    this.wake?.();
  }

  async *results(): AsyncGenerator<ExecutionResult> {
    try {
      for (;;) {
        while (this.queue.length) {
          this.request.connection.pending -= 1;
          yield this.queue.shift()!;
        }
        if (this.finished) return;
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
      }
    } finally {
      this.request.connection.pending -= this.queue.length;
      this.queue.length = 0;
      this.finish();
    }
  }
}

/** Subscribers with the same operation, variables and access profile share one execution per event. */
class Group {
  readonly subscribers = new Set<Subscriber>();
  private readonly pending: DomainEvent[] = [];
  private running = false;

  constructor(readonly key: string, readonly topic: Topic, private readonly manager: SubscriptionManager) {}

  offer(event: DomainEvent): void {
    this.pending.push(event);
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length) {
        const event = this.pending.shift()!;
        const position = BigInt(event.id);
        const targets = [...this.subscribers].filter((s) => s.live && !s.closed && position > s.lastDelivered && s.topic.matches(event, s.args, s.request.principal));
        if (targets.length === 0) continue;
        const allowed = await this.manager.authorizeAll(targets, event);
        if (allowed.length === 0) continue;
        const result = await this.manager.resolve(allowed[0], event);
        for (const s of allowed) s.deliver(position, result);
      }
    } catch (err) {
      log.error({ err }, 'delivering an event failed');
    } finally {
      this.running = false;
    }
  }
}

interface CachedDecision { allowed: boolean; generation: number }

export class SubscriptionManager {
  private readonly groups = new Map<string, Group>();
  private readonly subscribers = new Set<Subscriber>();
  private readonly decisions = new Map<string, Promise<CachedDecision> | CachedDecision>();
  private readonly generations = new Map<string, number>();
  private readonly stopFeed: () => void;
  private readonly authorizer: Authorizer;

  constructor(
    private executor: LiveExecutor,
    private readonly feed: EventFeed,
    private readonly pool: Pool,
    private readonly retentionDays: number,
  ) {
    this.authorizer = {
      careTeamMember: (principal, authorization, patientId) =>
        this.decide(`team|${principal.sub}|${patientId}`, patientId, () => this.askCareTeams(principal, authorization, patientId)),
      partnerReferral: (principal, authorization, patientId, referralId) =>
        this.decide(`partner|${principal.sub}|${referralId}`, patientId, () => this.askPartners(authorization, referralId)),
    };
    this.stopFeed = feed.onEvent((event) => this.dispatch(event));
  }

  get subscriberCount(): number { return this.subscribers.size; }

  /** A new supergraph: plans and schema change, so every subscription ends (clients resume from their cursor). */
  replaceExecutor(executor: LiveExecutor): void {
    this.executor = executor;
    this.endAll('SCHEMA_CHANGED', 'The schema changed; subscribe again with `after` set to your last cursor');
  }

  endAll(reason: string, message: string): void {
    for (const s of [...this.subscribers]) s.end(reason, message);
  }

  close(): void {
    this.stopFeed();
    this.endAll('SHUTDOWN', 'The gateway is shutting down; reconnect and resume with `after` set to your last cursor');
  }

  async subscribe(request: SubscribeRequest): Promise<AsyncGenerator<ExecutionResult>> {
    const { prepared, principal } = request;
    const topic = TOPICS[prepared.rootField];
    if (!topic) throw badInput(`Unknown subscription ${prepared.rootField}`);
    if (!hasRole(principal, ...topic.roles)) throw forbidden(`Your role may not subscribe to ${topic.field}`);
    topic.validateArgs?.(prepared.args);
    const after = typeof prepared.args.after === 'string' ? BigInt(decodeCursor(prepared.args.after)) : null;
    if (after !== null) await this.assertReplayable(after);

    const subscriber = new Subscriber(request, topic, after ?? this.feed.head, (s) => this.remove(s));
    this.subscribers.add(subscriber);
    const key = `${prepared.key}\u0000${[...principal.roles].sort().join(',')}\u0000${principal.org ?? ''}`;
    let group = this.groups.get(key);
    if (!group) {
      group = new Group(key, topic, this);
      this.groups.set(key, group);
    }
    group.subscribers.add(subscriber);
    subscriber.group = group;
    if (after === null) subscriber.live = true;
    else void this.catchUp(subscriber, after);
    return subscriber.results();
  }

  private remove(s: Subscriber): void {
    this.subscribers.delete(s);
    const group = s.group;
    if (group) {
      group.subscribers.delete(s);
      if (group.subscribers.size === 0) this.groups.delete(group.key);
    }
  }

  private dispatch(event: DomainEvent): void {
    if (ACCESS_CHANGING_EVENTS.has(event.type) && event.patientId) {
      // Cached decisions for this patient carry the old generation and are asked again.
      this.generations.set(event.patientId, (this.generations.get(event.patientId) ?? 0) + 1);
      if (this.decisions.size > 100_000) this.decisions.clear();
    }
    for (const group of this.groups.values()) if (group.topic.eventTypes.includes(event.type)) group.offer(event);
  }

  /** Replays what a resuming subscriber missed, then hands it to the live feed with no gap and no duplicate. */
  private async catchUp(s: Subscriber, after: bigint): Promise<void> {
    let position = after;
    try {
      for (;;) {
        const headBefore = this.feed.head;
        const batch = await readEventsAfter(this.pool, position.toString(), 200, s.topic.eventTypes);
        for (const event of batch) {
          if (s.closed) return;
          const at = BigInt(event.id);
          if (s.topic.matches(event, s.args, s.request.principal) && (await this.authorizeAll([s], event)).length) {
            s.deliver(at, await this.resolve(s, event));
          }
          position = at;
        }
        // Synchronous from here: no feed dispatch can slip between this check and going live.
        if (batch.length === 0 && this.feed.head <= position) {
          if (s.lastDelivered < position) s.lastDelivered = position;
          s.live = true;
          return;
        }
        // The read began after `headBefore` was visible, so nothing of ours lies in (position, headBefore].
        if (batch.length === 0 && headBefore > position) position = headBefore;
      }
    } catch (err) {
      log.error({ err }, 'replay failed');
      s.end('REPLAY_FAILED', 'Replaying missed events failed; resume again from your last cursor');
    }
  }

  private async assertReplayable(after: bigint): Promise<void> {
    // Retention counts from when the log received the event (the seed back-dates occurred_at).
    const { rows } = await this.pool.query<{ recorded_at: Date }>(
      'SELECT recorded_at FROM hub_events.event_log WHERE id > $1 ORDER BY id LIMIT 1', [after.toString()],
    );
    if (after > this.feed.head && rows.length === 0) throw badInput('This cursor is ahead of the event log', 'after');
    const oldest = Date.now() - this.retentionDays * 86_400_000;
    if (rows.length && rows[0].recorded_at.getTime() < oldest) {
      throw badInput(
        `This cursor is older than the ${this.retentionDays}-day replay window: refetch the current state, then subscribe without \`after\``,
        'after',
        { reason: 'CURSOR_EXPIRED' },
      );
    }
  }

  async authorizeAll(subscribers: Subscriber[], event: DomainEvent): Promise<Subscriber[]> {
    const decisions = await Promise.all(
      subscribers.map((s) => s.topic.authorize(this.authorizer, s.request.principal, s.request.authorization, event).catch((err) => {
        log.warn({ err: (err as Error).message }, 'authorization check failed; event withheld');
        return false;
      })),
    );
    return subscribers.filter((_, i) => decisions[i] && !subscribers[i].closed);
  }

  async resolve(s: Subscriber, event: DomainEvent): Promise<ExecutionResult> {
    return this.executor.execute(s.request.prepared, s.topic.root(event), s.request.authorization);
  }

  /** Cached per subscriber and patient; a newer access-changing event for the patient invalidates it. */
  private async decide(key: string, patientId: string, ask: () => Promise<boolean>): Promise<boolean> {
    const generation = this.generations.get(patientId) ?? 0;
    const cached = this.decisions.get(key);
    if (cached) {
      const d = await cached;
      if (d.generation === generation) return d.allowed;
    }
    const pending = ask().then((allowed) => ({ allowed, generation }));
    this.decisions.set(key, pending);
    try {
      const d = await pending;
      if ((this.generations.get(patientId) ?? 0) === generation) this.decisions.set(key, d);
      else this.decisions.delete(key);
      return d.allowed;
    } catch (err) {
      this.decisions.delete(key);
      throw err;
    }
  }

  private async askCareTeams(principal: Principal, authorization: string, patientId: string): Promise<boolean> {
    if (isAdmin(principal)) return true;
    const res = await this.executor.subgraphRequest(
      'care-teams',
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { careTeams { id } } } }',
      { r: [{ __typename: 'Patient', id: patientId }] },
      authorization,
    );
    const entity = (res.data?._entities as { careTeams?: unknown[] }[] | undefined)?.[0];
    return !!entity?.careTeams?.length;
  }

  private async askPartners(authorization: string, referralId: string): Promise<boolean> {
    const res = await this.executor.subgraphRequest(
      'community-partners',
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Referral { id } } }',
      { r: [{ __typename: 'Referral', id: referralId }] },
      authorization,
    );
    return !!(res.data?._entities as ({ id: string } | null)[] | undefined)?.[0]?.id;
  }
}
