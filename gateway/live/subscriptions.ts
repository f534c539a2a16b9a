/**
 * Live subscriptions on the shared event feed: replay from a cursor, then live
 * events, with nothing lost or doubled; per-event authorization; one execution per
 * event for subscribers that share an operation and an access profile; bounded
 * per-connection queues so a slow client never slows the others.
 *
 * A subscriber is either live (served by its group's shared execution of each feed
 * event) or catching up in a replay lane (reading the event log from its own
 * position; subscribers near each other share one read and one execution per event).
 * An event a subgraph cannot resolve — or whose authorization cannot be decided —
 * is never delivered as a gap: its subscribers drop back into a lane at that event,
 * which retries it with backoff and delivers it, in order, once the subgraph answers;
 * after SUBSCRIPTION_UPSTREAM_RETRY_MS without an answer the subscription ends with
 * SUBSCRIPTION_ENDED, reason UPSTREAM_UNAVAILABLE and resumeAfter = the last position
 * delivered. A caught-up lane member joins its group's live execution again.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { ExecutionResult } from 'graphql';
import { AuditPurpose, describeSelection, type AuditRecord, type AuditWriter } from '../../shared/audit';
import type { Endpoint } from '../../shared/internal-token';
import { GraphQLError } from 'graphql';
import { readProfile } from '../../shared/access-policy';
import { hasRole, isAdmin, Role, type Principal } from '../../shared/auth';
import { config } from '../../shared/config';
import { badInput, forbidden } from '../../shared/errors';
import { readEventsAfter, type DomainEvent } from '../../shared/events';
import { rootLogger } from '../../shared/logger';
import { liveEventsDelivered } from '../../shared/metrics';
import { decodeCursor, encodeCursor } from './cursor';
import type { EventResolution, LiveExecutor, PreparedSubscription } from './executor';
import type { EventFeed } from './feed';
import type { CareRelationshipsView, LiveDecision } from './relationships';
import { ACCESS_CHANGING_EVENTS, TOPICS, type Authorizer, type LiveAccess, type Topic } from './topics';

const log = rootLogger.child({ component: 'subscriptions' });

/** Replay reads this many events at a time. */
const REPLAY_BATCH = 200;
/**
 * A catching-up subscriber joins a replay lane within this many log positions of it
 * (one behind it makes the lane re-read from it); farther away it gets a lane of its
 * own, so a subscriber resuming from days ago never holds up one that missed a minute.
 */
const LANE_WINDOW = 1_000n;
/**
 * A lane stages this many events ahead of the one it delivers: their authorization,
 * execution and delivery records run while earlier ones are delivered (delivery stays
 * in order, and each event's records are durable before it is sent), so catching up
 * costs about one execution and one commit, not one of each per event, and the
 * records of several events share an INSERT. A member that closes, or ends waiting
 * for an earlier event, within the window keeps the records of what was staged for it.
 */
const LOOK_AHEAD = 8;
/** Retry delays for an event a subgraph could not resolve: doubling from the first to the cap, jittered. */
const RETRY_FIRST_MS = 100;
const RETRY_CAP_MS = 2_000;
/** Results a group keeps while it has lanes, so lanes re-reading an event do not execute it again. */
const RESULT_CACHE_SIZE = 512;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
const backoff = (attempt: number) => Math.min(RETRY_CAP_MS, RETRY_FIRST_MS * 2 ** attempt) * (0.75 + Math.random() * 0.5);
const lowest = (values: bigint[]) => values.reduce((a, b) => (b < a ? b : a));
const distance = (a: bigint, b: bigint) => (a > b ? a - b : b - a);

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

/** Counters for tests and benchmarks: what the live layer cost so far. */
export interface LiveStats {
  /** Executions of a subscription operation for an event (one serves every subscriber it is shared by). */
  executions: number;
  /** Authorization questions sent to a subgraph (cached answers are not counted). */
  authorizations: number;
  /** Reads of the event log by replay lanes. */
  replayReads: number;
  /** Rounds of waiting for a subgraph that could not resolve an event or decide an authorization. */
  upstreamRetries: number;
  /** Subscriptions ended with UPSTREAM_UNAVAILABLE. */
  upstreamEndings: number;
}


/** Where the gateway writes its delivery records, and which endpoint this manager serves. */
export interface DeliveryAudit {
  writer: AuditWriter;
  endpoint: Endpoint;
}

/** The purpose of use a delivery is recorded under, as the access table names them (shared/access-policy.ts). */
function deliveryPurpose(endpoint: Endpoint, p: Principal): AuditPurpose {
  if (endpoint === 'partner') return AuditPurpose.PARTNER_DISCLOSURE;
  if (p.roles.includes(Role.ADMIN)) return AuditPurpose.OPERATIONS;
  if (p.roles.includes(Role.INTEGRATION)) return AuditPurpose.INTEGRATION;
  return AuditPurpose.TREATMENT;
}

/**
 * One subscription, and the async iterator graphql-ws reads it through. Hand-written
 * rather than an async generator: a generator parked on an `await` cannot run
 * `return()` until its next event, so a gone client's subscription stayed registered
 * until an event matched it; here `return()` removes it at once.
 */
class Subscriber implements AsyncIterableIterator<ExecutionResult> {
  /** Every event up to this position is settled for this subscriber: delivered, not matching, or not authorized. */
  through: bigint;
  /** The last position actually delivered: where `resumeAfter` points. */
  lastDelivered: bigint;
  /** When an event first could not be resolved for this subscriber; cleared once it is settled. */
  stalledSince: number | undefined;
  live = false;
  lane: Lane | undefined;
  /** Names this subscription in the audit trail: every delivery to it carries this request id. */
  readonly id = randomUUID();
  /** What its deliveries show, `Type{fields}` (computed at the first delivery). */
  shows: string[] | undefined;
  private readonly queue: ExecutionResult[] = [];
  private waiting: ((r: IteratorResult<ExecutionResult>) => void) | undefined;
  private finished = false;

  constructor(readonly request: SubscribeRequest, readonly topic: Topic, readonly group: Group, start: bigint, private readonly onDone: (s: Subscriber) => void) {
    this.through = start;
    this.lastDelivered = start;
  }

  get args() { return this.request.prepared.args; }
  get principal() { return this.request.principal; }
  get closed() { return this.finished; }

  /** The event at `position` needs nothing delivered to this subscriber. */
  settle(position: bigint): void {
    if (position > this.through) this.through = position;
    this.stalledSince = undefined;
  }

  stall(now: number): void {
    this.stalledSince ??= now;
  }

  deliver(position: bigint, result: ExecutionResult): void {
    if (this.finished || position <= this.through) return;
    this.through = position;
    this.lastDelivered = position;
    this.stalledSince = undefined;
    this.enqueue(result);
    liveEventsDelivered.inc();
  }

  private enqueue(result: ExecutionResult, last = false): void {
    if (this.waiting) {
      const reader = this.waiting;
      this.waiting = undefined;
      reader({ value: result, done: false });
      return;
    }
    const budget = this.request.connection;
    if (!last && budget.pending >= budget.limit) {
      log.warn({ sub: this.principal.sub, limit: budget.limit }, 'subscriber queue overflow: closing its connection');
      this.finish();
      budget.overflow();
      return;
    }
    budget.pending += 1;
    this.queue.push(result);
  }

  /** Ends the subscription with a last message saying why and where to resume. */
  end(reason: string, message: string): void {
    if (this.finished) return;
    this.enqueue({
      errors: [new GraphQLError(message, { extensions: { code: 'SUBSCRIPTION_ENDED', reason, resumeAfter: encodeCursor(this.lastDelivered.toString()) } })],
    }, true);
    this.finish();
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.onDone(this);
    if (this.waiting && this.queue.length === 0) {
      const reader = this.waiting;
      this.waiting = undefined;
      reader({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (this.queue.length) {
      this.request.connection.pending -= 1;
      return Promise.resolve({ value: this.queue.shift()!, done: false });
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** graphql-ws calls this when the client completes the subscription or its socket closes. */
  return(): Promise<IteratorResult<ExecutionResult>> {
    this.request.connection.pending -= this.queue.length;
    this.queue.length = 0;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<ExecutionResult>> {
    return this.return();
  }

  [Symbol.asyncIterator]() { return this; }
}

/**
 * Subscribers with the same operation (`after` aside), variables and access profile.
 * Live members share one execution per feed event; members behind the feed catch up
 * in the group's replay lanes and join the live ones when they reach the feed's head.
 */
class Group {
  readonly subscribers = new Set<Subscriber>();
  readonly live = new Set<Subscriber>();
  readonly lanes = new Set<Lane>();
  private readonly pending: DomainEvent[] = [];
  private running = false;
  /** Resolutions by position, kept only while lanes may ask for the same events again. */
  private readonly results = new Map<string, Promise<EventResolution>>();

  /** `patientId`: the one patient the group's subscription follows (Topic.patientOf), or null. */
  constructor(readonly key: string, readonly topic: Topic, private readonly manager: SubscriptionManager, readonly patientId: string | null = null) {}

  offer(event: DomainEvent): void {
    // Members behind the feed read the log themselves; they are past this event when they join.
    if (this.live.size === 0) return;
    this.pending.push(event);
    if (!this.running) void this.run();
  }

  goLive(s: Subscriber): void {
    s.lane = undefined;
    s.live = true;
    this.live.add(s);
  }

  /** Puts a member that is behind the feed into the replay lane nearest its position (a new one if none is near). */
  catchUp(s: Subscriber): void {
    s.live = false;
    this.live.delete(s);
    let nearest: Lane | undefined;
    for (const lane of this.lanes) {
      const d = distance(lane.position, s.through);
      if (d <= LANE_WINDOW && (!nearest || d < distance(nearest.position, s.through))) nearest = lane;
    }
    if (nearest) return nearest.add(s);
    const lane = new Lane(this, this.manager, s.through);
    this.lanes.add(lane);
    lane.add(s);
    void lane.run();
  }

  remove(s: Subscriber): void {
    this.subscribers.delete(s);
    this.live.delete(s);
    s.lane?.members.delete(s);
  }

  laneDone(lane: Lane): void {
    this.lanes.delete(lane);
    if (this.lanes.size === 0) this.results.clear();
  }

  /** One execution per event for the whole group (`s` lends its token; members share an access profile). */
  resolve(s: Subscriber, event: DomainEvent): Promise<EventResolution> {
    const known = this.results.get(event.id);
    if (known) return known;
    const resolution = this.manager.execute(s, event);
    if (this.lanes.size > 0) {
      if (this.results.size >= RESULT_CACHE_SIZE) this.results.delete(this.results.keys().next().value!);
      this.results.set(event.id, resolution);
      void resolution.then((r) => {
        if (r.kind !== 'resolved' && this.results.get(event.id) === resolution) this.results.delete(event.id);
      });
    }
    return resolution;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length) {
        const event = this.pending.shift()!;
        const position = BigInt(event.id);
        const targets = [...this.live].filter((s) => !s.closed && position > s.through);
        if (targets.length === 0) continue;
        const failed = await this.manager.serve(this, targets, event);
        // They wait for this event in a lane (which retries it); the live ones move on.
        for (const s of failed) if (!s.closed && s.live) this.catchUp(s);
      }
    } catch (err) {
      log.error({ err }, 'delivering an event failed');
    } finally {
      this.running = false;
    }
  }
}

/**
 * Members of one group catching up from nearby positions: one replay read per batch
 * (from the lowest position among them), one execution per event for all of them,
 * each delivered only what lies beyond its own position. An event that cannot be
 * resolved is retried in place, so nobody in the lane gets a later one first.
 */
class Lane {
  readonly members = new Set<Subscriber>();
  /** A member joined after this pass began: the pass ends once what it staged is delivered, and the next reads from the newcomer's position. */
  private joined = false;

  constructor(private readonly group: Group, private readonly manager: SubscriptionManager, public position: bigint) {}

  add(s: Subscriber): void {
    this.members.add(s);
    s.lane = this;
    this.joined = true;
    if (s.through < this.position) this.position = s.through;
  }

  async run(): Promise<void> {
    let readFailures = 0;
    try {
      while (this.members.size > 0) {
        // Members added while a batch is being served end that pass early (what it staged is delivered first, so
        // no record is written twice); the next read starts low enough for them, and nobody waits out a whole batch.
        this.joined = false;
        const participants = [...this.members].filter((s) => !s.closed);
        if (participants.length === 0) break;
        const from = lowest(participants.map((s) => s.through));
        this.position = from;
        const headBefore = this.manager.feedHead;
        let batch: DomainEvent[];
        try {
          batch = await this.manager.readReplay(from, this.group.topic);
          readFailures = 0;
        } catch (err) {
          // The event log itself is unreachable: the same bounded wait as for a subgraph.
          const reason = `reading the event log failed: ${(err as Error).message}`;
          const now = Date.now();
          for (const s of participants) s.stall(now);
          await this.manager.outwait(participants, readFailures++, reason);
          continue;
        }
        const staged: Promise<Staged>[] = [];
        const stageThrough = (last: number) => {
          for (let j = staged.length; j <= Math.min(last, batch.length - 1); j++) {
            const position = BigInt(batch[j].id);
            const next = this.manager.stage(this.group, participants.filter((s) => !s.closed && position > s.through), batch[j]);
            next.catch(() => undefined); // awaited in turn below (a failure there ends the lane's members, as before)
            staged.push(next);
          }
        };
        let served = 0;
        for (const [i, event] of batch.entries()) {
          // The first window is always staged, so a stream of newcomers cannot stop the lane's progress.
          if (!this.joined || i === 0) stageThrough(i + LOOK_AHEAD);
          if (i >= staged.length) break;
          served = i + 1;
          const position = BigInt(event.id);
          let failed = this.manager.finish(await staged[i]);
          for (let attempt = 0; failed.length > 0; attempt++) {
            const waiting = await this.manager.outwait(failed, attempt, `event ${event.id} could not be resolved`);
            failed = waiting.length ? await this.manager.serve(this.group, waiting, event) : [];
          }
          this.position = position;
        }
        // Every event of the batch is settled for every participant left (no stall outlives it). A short read
        // saw everything up to the head it began after: nothing else of ours lies at or below that head.
        const settledTo = served === batch.length && batch.length < REPLAY_BATCH ? headBefore : 0n;
        for (const s of participants) if (!s.closed) s.settle(settledTo);
        // Synchronous from the check to joining: no feed dispatch can slip between.
        const head = this.manager.feedHead;
        for (const s of [...this.members]) {
          if (!s.closed && s.through >= head) {
            this.members.delete(s);
            this.group.goLive(s);
          }
        }
      }
    } catch (err) {
      log.error({ err }, 'replay failed');
      for (const s of [...this.members]) s.end('REPLAY_FAILED', 'Replaying missed events failed; resume again from your last cursor');
    } finally {
      this.group.laneDone(this);
    }
  }
}

interface CachedDecision extends LiveDecision { generation: number }

/** An event staged for delivery (SubscriptionManager.stage): who it concerns and how, its execution, and whether its delivery records are durable. */
interface Staged {
  event: DomainEvent;
  position: bigint;
  unconcerned: Subscriber[];
  denied: Subscriber[];
  undecided: Subscriber[];
  allowed: Subscriber[];
  /** Those of `allowed` a break-the-glass grant lets through, with the grant's audit reason. */
  breakTheGlass: Map<Subscriber, string>;
  resolution: EventResolution | undefined;
  recorded: boolean;
}

export class SubscriptionManager {
  readonly stats: LiveStats = { executions: 0, authorizations: 0, replayReads: 0, upstreamRetries: 0, upstreamEndings: 0 };
  private readonly groups = new Map<string, Group>();
  /** Groups whose subscription names one patient (Topic.patientOf), by that patient; the rest are offered every event of their types. */
  private readonly groupsByPatient = new Map<string, Set<Group>>();
  private readonly unroutedGroups = new Set<Group>();
  private readonly subscribers = new Set<Subscriber>();
  private readonly decisions = new Map<string, Promise<CachedDecision> | CachedDecision>();
  private readonly generations = new Map<string, number>();
  /** Who asks, as a cached answer's key: the subject with its roles and organization (one sub may hold tokens of different roles). */
  private readonly askers = new WeakMap<Principal, string>();
  private readonly stopFeed: () => void;
  private readonly authorizer: Authorizer;
  /** How long an event may wait for a subgraph before its subscription ends (SUBSCRIPTION_UPSTREAM_RETRY_MS). */
  readonly upstreamRetryMs: number;
  private readonly audit: DeliveryAudit | undefined;
  /** Care-team questions are answered from the gateway's own projection (gateway/live/relationships.ts). */
  private readonly relationships: CareRelationshipsView;

  constructor(
    private executor: LiveExecutor,
    private readonly feed: EventFeed,
    private readonly pool: Pool,
    private readonly retentionDays: number,
    options: { relationships: CareRelationshipsView; upstreamRetryMs?: number; audit?: DeliveryAudit },
  ) {
    this.upstreamRetryMs = options.upstreamRetryMs ?? config.subscriptionUpstreamRetryMs;
    this.audit = options.audit;
    this.relationships = options.relationships;
    this.authorizer = {
      careTeamMember: (principal, patientId, position) =>
        this.decide(`team|${this.asker(principal)}|${patientId}`, patientId, () => {
          this.stats.authorizations += 1;
          return this.relationships.mayReadCarePlans(principal, patientId, position);
        }),
      partnerReferral: (principal, authorization, patientId, referralId) =>
        // Not remembered: a consent's period ends by itself, with no event to say so.
        this.decide(`partner|${this.asker(principal)}|${referralId}`, patientId, async () => ({ allowed: await this.askPartners(authorization, referralId), remember: false, breakTheGlass: null })),
    };
    this.stopFeed = feed.onEvent((event) => this.dispatch(event));
  }

  get subscriberCount(): number { return this.subscribers.size; }
  get groupCount(): number { return this.groups.size; }
  /** Subscribers still replaying from the log (not yet served by their group's live execution). */
  get catchingUpCount(): number {
    let n = 0;
    for (const s of this.subscribers) if (!s.live) n += 1;
    return n;
  }
  get feedHead(): bigint { return this.feed.head; }

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

  async subscribe(request: SubscribeRequest): Promise<AsyncIterableIterator<ExecutionResult>> {
    const { prepared, principal } = request;
    const topic = TOPICS[prepared.rootField];
    if (!topic) throw badInput(`Unknown subscription ${prepared.rootField}`);
    if (!hasRole(principal, ...topic.roles)) throw forbidden(`Your role may not subscribe to ${topic.field}`);
    topic.validateArgs?.(prepared.args);
    const after = typeof prepared.args.after === 'string' ? BigInt(decodeCursor(prepared.args.after)) : null;
    if (after !== null) await this.assertReplayable(after);

    // `after` is not in the key (the executor strips it): resumed subscribers share their group's execution once caught up.
    // Members read alike (shared/access-policy.ts readProfile): a nurse and a physician of one team share an execution.
    const key = `${prepared.key}\u0000${readProfile(principal)}\u0000${principal.org ?? ''}`;
    let group = this.groups.get(key);
    if (!group) {
      // Members share the operation and its variables (the key), so the patient they follow is the group's.
      group = new Group(key, topic, this, topic.patientOf?.(prepared.args) ?? null);
      this.groups.set(key, group);
      if (group.patientId === null) this.unroutedGroups.add(group);
      else {
        let routed = this.groupsByPatient.get(group.patientId);
        if (!routed) this.groupsByPatient.set(group.patientId, (routed = new Set()));
        routed.add(group);
      }
    }
    const start = after ?? this.feed.head;
    const subscriber = new Subscriber(request, topic, group, start, (s) => this.remove(s));
    this.subscribers.add(subscriber);
    group.subscribers.add(subscriber);
    if (start >= this.feed.head) group.goLive(subscriber);
    else group.catchUp(subscriber);
    return subscriber;
  }

  private remove(s: Subscriber): void {
    this.subscribers.delete(s);
    s.group.remove(s);
    if (s.group.subscribers.size === 0 && this.groups.get(s.group.key) === s.group) this.dropGroup(s.group);
  }

  private dropGroup(group: Group): void {
    this.groups.delete(group.key);
    if (group.patientId === null) return void this.unroutedGroups.delete(group);
    const routed = this.groupsByPatient.get(group.patientId);
    routed?.delete(group);
    if (routed?.size === 0) this.groupsByPatient.delete(group.patientId);
  }

  private dispatch(event: DomainEvent): void {
    if (ACCESS_CHANGING_EVENTS.has(event.type) && event.patientId) {
      // Cached decisions for this patient carry the old generation and are asked again.
      this.generations.set(event.patientId, (this.generations.get(event.patientId) ?? 0) + 1);
      if (this.decisions.size > 100_000) this.decisions.clear();
    }
    const offer = (group: Group) => {
      if (group.topic.eventTypes.includes(event.type)) group.offer(event);
    };
    this.unroutedGroups.forEach(offer);
    if (event.patientId) this.groupsByPatient.get(event.patientId)?.forEach(offer);
  }

  readReplay(after: bigint, topic: Topic): Promise<DomainEvent[]> {
    this.stats.replayReads += 1;
    return readEventsAfter(this.pool, after.toString(), REPLAY_BATCH, topic.eventTypes);
  }

  /** Serves one event to subscribers of one group; returns those it could not be served to yet (a subgraph did not answer), marked as stalled. */
  async serve(group: Group, targets: Subscriber[], event: DomainEvent): Promise<Subscriber[]> {
    return this.finish(await this.stage(group, targets, event));
  }

  /**
   * What serving an event takes, short of delivering it (no subscriber's position
   * moves, so events can be staged ahead of the one delivered): which targets it
   * concerns, their authorization, one execution for the group, and the delivery
   * records, durable once `recorded` settles.
   */
  async stage(group: Group, targets: Subscriber[], event: DomainEvent): Promise<Staged> {
    const position = BigInt(event.id);
    const matching: Subscriber[] = [];
    const unconcerned: Subscriber[] = [];
    for (const s of targets) (s.topic.matches(event, s.args, s.principal) ? matching : unconcerned).push(s);
    const decisions = await Promise.all(matching.map((s) => this.authorize(s, event)));
    const staged: Staged = { event, position, unconcerned, denied: [], undecided: [], allowed: [], breakTheGlass: new Map(), resolution: undefined, recorded: false };
    matching.forEach((s, i) => {
      const d = decisions[i];
      if (d === 'unknown') staged.undecided.push(s);
      else if (!d.allowed) staged.denied.push(s);
      else if (!s.closed) {
        staged.allowed.push(s);
        if (d.breakTheGlass) staged.breakTheGlass.set(s, d.breakTheGlass);
      }
    });
    if (staged.allowed.length) {
      staged.resolution = await group.resolve(staged.allowed[0], event);
      if (staged.resolution.kind === 'resolved') staged.recorded = await this.recordDeliveries(staged.allowed, event, staged.breakTheGlass);
    }
    return staged;
  }

  /**
   * Delivers a staged event: settles the subscribers it does not concern or may not
   * reach, delivers it to the rest when it resolved and its records are durable.
   * Returns the subscribers it could not be served to yet, marked as stalled.
   */
  finish(st: Staged): Subscriber[] {
    for (const s of st.unconcerned) s.settle(st.position);
    for (const s of st.denied) s.settle(st.position);
    const failed = st.undecided.filter((s) => !s.closed);
    if (st.allowed.length) {
      if (st.resolution?.kind === 'resolved' && st.recorded) {
        for (const s of st.allowed) s.deliver(st.position, st.resolution.result);
      } else {
        if (st.resolution && st.resolution.kind !== 'resolved') log.warn({ position: st.event.id, reason: st.resolution.reason }, 'an event could not be resolved; its subscribers retry it');
        failed.push(...st.allowed);
      }
    }
    const now = Date.now();
    for (const s of failed) s.stall(now);
    return failed.filter((s) => !s.closed);
  }

  /**
   * Waits before the next try for subscribers an event could not be served to; ends,
   * with UPSTREAM_UNAVAILABLE, those that have waited the whole bound. Returns the rest.
   */
  async outwait(failed: Subscriber[], attempt: number, reason: string): Promise<Subscriber[]> {
    const now = Date.now();
    const remaining: Subscriber[] = [];
    for (const s of failed) {
      if (s.closed) continue;
      if (now - (s.stalledSince ?? now) >= this.upstreamRetryMs) {
        log.warn({ sub: s.principal.sub, reason, waitedMs: now - s.stalledSince! }, 'ending a subscription: a service it needs did not answer');
        this.stats.upstreamEndings += 1;
        s.end('UPSTREAM_UNAVAILABLE', `A service this subscription needs did not answer for ${Math.round(this.upstreamRetryMs / 1000)} s; resume with \`after\` set to resumeAfter (nothing after it was delivered)`);
      } else remaining.push(s);
    }
    if (remaining.length === 0) return remaining;
    this.stats.upstreamRetries += 1;
    const deadline = Math.min(...remaining.map((s) => (s.stalledSince ?? now) + this.upstreamRetryMs));
    await sleep(Math.max(0, Math.min(backoff(attempt), deadline - now)));
    return remaining.filter((s) => !s.closed);
  }

  /** Executes the subscriber's operation for one event; the result carries its cursor whenever it has errors. */
  async execute(s: Subscriber, event: DomainEvent): Promise<EventResolution> {
    this.stats.executions += 1;
    let resolution: EventResolution;
    try {
      resolution = await this.executor.resolve(s.request.prepared, s.topic.root(event), s.request.authorization);
    } catch (err) {
      return { kind: 'unavailable', reason: (err as Error).message };
    }
    if (resolution.kind !== 'resolved') return resolution;
    const { result } = resolution;
    const root = (result.data as Record<string, unknown> | null | undefined)?.[s.request.prepared.rootField];
    // Even when errors nulled the whole event, the client learns where it stands.
    if (!result.errors?.length && root != null) return resolution;
    return { kind: 'resolved', result: { ...result, extensions: { ...result.extensions, cursor: encodeCursor(event.id) } } };
  }

  /**
   * The audit records of a delivery, durable before it is sent (shared/audit.ts): a
   * shared execution fetched once for the group and may have been answered from the
   * event alone, so the subgraphs' records do not say who received it. One record per
   * purpose of use names every subscriber it reached alike as a recipient (one subscriber:
   * the record's actor); a delivery a break-the-glass grant let through is recorded under
   * that purpose, with its grant's reason. False when they could not be written: the
   * event is then retried like an unavailable subgraph.
   */
  private async recordDeliveries(subscribers: Subscriber[], event: DomainEvent, breakTheGlass: Map<Subscriber, string>): Promise<boolean> {
    if (!this.audit || !event.patientId) return true;
    const { writer, endpoint } = this.audit;
    const alike = new Map<string, { purpose: AuditPurpose; reason: string | null; to: Subscriber[] }>();
    for (const s of subscribers) {
      if (s.closed) continue;
      const reason = breakTheGlass.get(s) ?? null;
      const purpose = reason !== null ? AuditPurpose.BREAK_THE_GLASS : deliveryPurpose(endpoint, s.principal);
      const key = `${purpose}|${reason ?? ''}`;
      const bucket = alike.get(key);
      if (bucket) bucket.to.push(s);
      else alike.set(key, { purpose, reason, to: [s] });
    }
    const records = [...alike.values()].map(({ purpose, reason, to }): AuditRecord => {
      const [first] = to; // members of one group: one operation, so one selection
      first.shows ??= describeSelection(first.request.prepared.document, this.executor.apiGraphQLSchema);
      const delivered = {
        service: 'gateway', endpoint, channel: 'subscription' as const, action: 'read' as const,
        operation: first.request.prepared.operationName ?? first.request.prepared.rootField,
        entities: [`${first.request.prepared.rootField}:${event.type}`, ...first.shows], patientIds: [event.patientId!], purpose, reason,
      };
      return to.length === 1
        ? { ...delivered, requestId: first.id, principal: first.principal }
        : { ...delivered, requestId: null, principal: null, recipients: to.map((s) => ({ principal: s.principal, requestId: s.id })) };
    });
    try {
      await writer.append(records);
      return true;
    } catch (err) {
      log.error({ err, position: event.id }, 'delivery audit records could not be written; the event is retried');
      return false;
    }
  }

  private async authorize(s: Subscriber, event: DomainEvent): Promise<LiveAccess | 'unknown'> {
    try {
      return await s.topic.authorize(this.authorizer, s.principal, s.request.authorization, event);
    } catch (err) {
      // The check could not be made (a subgraph is down): unknown, retried — never read as "not authorized".
      log.warn({ err: (err as Error).message }, 'authorization could not be decided; retrying');
      return 'unknown';
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

  private asker(p: Principal): string {
    let key = this.askers.get(p);
    if (key === undefined) this.askers.set(p, (key = JSON.stringify([p.sub, [...p.roles].sort(), p.org ?? null])));
    return key;
  }

  /**
   * Cached per subscriber and patient; a newer access-changing event for the patient
   * invalidates it. An answer not to be remembered (a break-the-glass grant's, which
   * ends by itself) serves only the questions that waited for it, and is asked again after.
   */
  private async decide(key: string, patientId: string, ask: () => Promise<LiveDecision>): Promise<LiveAccess> {
    const generation = this.generations.get(patientId) ?? 0;
    const cached = this.decisions.get(key);
    if (cached) {
      const d = await cached; // a question still being asked that fails fails here too: unknown, retried
      if (d.generation === generation) return d;
    }
    const pending = ask().then((d) => ({ ...d, generation }));
    this.decisions.set(key, pending);
    try {
      const d = await pending;
      if ((this.generations.get(patientId) ?? 0) === generation && d.remember) this.decisions.set(key, d);
      else if (this.decisions.get(key) === pending) this.decisions.delete(key);
      return d;
    } catch (err) {
      if (this.decisions.get(key) === pending) this.decisions.delete(key);
      throw err;
    }
  }

  private async askPartners(authorization: string, referralId: string): Promise<boolean> {
    this.stats.authorizations += 1;
    const res = await this.executor.subgraphRequest(
      'community-partners',
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Referral { id } } }',
      { r: [{ __typename: 'Referral', id: referralId }] },
      authorization,
    );
    return !!(res.data?._entities as ({ id: string } | null)[] | undefined)?.[0]?.id;
  }
}
