/**
 * The subscription manager's ordering, retry and lane rules with the outside world
 * scripted: an in-memory event log and feed, and an executor whose answers (resolved,
 * unavailable, partial; authorization yes, no, unknown) each test decides. What the
 * end-to-end tests (test/live-*.test.ts) cannot force on cue: an event failing exactly
 * N times, the bound elapsing, cursors more than a lane apart.
 */
import type { ExecutionResult } from 'graphql';
import type { Pool } from 'pg';
import { Role, type Principal } from '../../shared/auth';
import type { DomainEvent } from '../../shared/events';
import { encodeCursor } from './cursor';
import { UpstreamUnavailable, type EventResolution, type LiveExecutor, type PreparedSubscription } from './executor';
import type { EventFeed } from './feed';
import { SubscriptionManager, type ConnectionBudget } from './subscriptions';
import { TOPICS } from './topics';

const PATIENT = 'patient-1';
const OTHER = 'patient-2';

/** The log, the feed that tails it, and a pool that answers the manager's two queries from it. */
class World {
  readonly log: DomainEvent[] = [];
  private readonly listeners = new Set<(e: DomainEvent) => void>();
  readonly feed = {
    head: 0n,
    onEvent: (listener: (e: DomainEvent) => void) => {
      this.listeners.add(listener);
      return () => this.listeners.delete(listener);
    },
  };
  readonly pool = {
    query: async (sql: string, params: unknown[]) => {
      const after = BigInt(params[0] as string);
      const later = this.log.filter((e) => BigInt(e.id) > after);
      if (sql.includes('recorded_at')) return { rows: later.slice(0, 1).map(() => ({ recorded_at: new Date() })) };
      const types = params[2] as string[] | undefined;
      return {
        rows: later.filter((e) => !types || types.includes(e.type)).slice(0, params[1] as number).map((e) => ({
          id: e.id, type: e.type, source: 'care-teams', aggregate_type: 'CarePlan', aggregate_id: e.aggregateId,
          patient_id: e.patientId, actor: null, occurred_at: e.occurredAt, payload: e.payload,
        })),
      };
    },
  };

  /** Commits a plan change; `live` also dispatches it through the feed (as the hub would, at once). */
  commit(patientId = PATIENT, live = true): DomainEvent {
    const id = String(this.log.length + 1);
    const event: DomainEvent = { id, type: 'CarePlanChanged', source: 'care-teams', aggregateType: 'CarePlan', aggregateId: `plan-${id}`, patientId, actor: null, occurredAt: new Date(0), payload: { carePlanId: `plan-${id}` } };
    this.log.push(event);
    if (live) this.dispatchUpTo(id);
    return event;
  }

  dispatchUpTo(id: string): void {
    for (const e of this.log) {
      if (BigInt(e.id) <= this.feed.head || BigInt(e.id) > BigInt(id)) continue;
      this.feed.head = BigInt(e.id);
      for (const l of this.listeners) l(e);
    }
  }
}

/** Answers per event position: a function of how many times that position was asked. */
type Script = (position: string, attempt: number) => EventResolution | Promise<EventResolution>;

function fakeExecutor(script: { resolve: Script }) {
  const attempts = new Map<string, number>();
  return {
    resolve: async (_p: PreparedSubscription, root: Record<string, unknown>) => {
      const position = Buffer.from(root.cursor as string, 'base64url').toString().slice(3);
      const n = attempts.get(position) ?? 0;
      attempts.set(position, n + 1);
      return script.resolve(position, n);
    },
  } as unknown as LiveExecutor;
}

const ok = (position: string): EventResolution => ({ kind: 'resolved', result: { data: { carePlanChanged: { cursor: encodeCursor(position) } } } });
const down: EventResolution = { kind: 'unavailable', reason: 'patients answered SUBGRAPH_UNAVAILABLE' };

const nurse: Principal = { sub: 'nurse-1', roles: [Role.NURSE] };
const prepared = (after?: string): PreparedSubscription => ({
  rootField: 'carePlanChanged', args: { patientId: PATIENT, ...(after ? { after: encodeCursor(after) } : {}) },
  document: { kind: 'Document', definitions: [] } as never, query: 'subscription', variables: {}, plan: {} as never, key: 'follow-patient-1',
});
const budget = (): ConnectionBudget => ({ pending: 0, limit: 10_000, overflow: () => undefined });

/** A subscription's received messages, read as graphql-ws would. */
function collect(stream: AsyncIterableIterator<ExecutionResult>) {
  const results: ExecutionResult[] = [];
  const done = (async () => { for await (const r of stream) results.push(r); })();
  const positions = () => results.filter((r) => r.data).map((r) => Buffer.from((r.data as any).carePlanChanged.cursor, 'base64url').toString().slice(3));
  return { results, done, positions, stream };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Care relationships as scripted: `member` says who is on the patient's team (everyone, unless a test says otherwise). */
function managerFor(world: World, executor: LiveExecutor, upstreamRetryMs = 5000, member: (p: Principal) => boolean = () => true) {
  const relationships = { mayReadCarePlans: async (p: Principal) => ({ allowed: member(p), remember: true, breakTheGlass: null }) };
  return new SubscriptionManager(executor, world.feed as unknown as EventFeed, world.pool as unknown as Pool, 7, { upstreamRetryMs, relationships });
}
const follow = (m: SubscriptionManager, after?: string, principal = nurse, authorization = 'Bearer x') =>
  m.subscribe({ prepared: prepared(after), principal, authorization, connection: budget() }).then(collect);

it('replays from a cursor, then delivers live events: each once, in order', async () => {
  const world = new World();
  for (let i = 0; i < 5; i++) world.commit();
  const m = managerFor(world, fakeExecutor({ resolve: ok }));
  const s = await follow(m, '2');
  await until(() => s.positions().length === 3);
  world.commit();
  world.commit(OTHER);
  world.commit();
  await until(() => s.positions().length === 5);
  expect(s.positions()).toEqual(['3', '4', '5', '6', '8']);
  await s.stream.return!();
});

it('retries an event a subgraph cannot resolve and delivers it, in order, when it answers', async () => {
  const world = new World();
  const m = managerFor(world, fakeExecutor({ resolve: (p, n) => (p === '2' && n < 3 ? down : ok(p)) }));
  const s = await follow(m);
  world.commit();
  world.commit(); // fails three times
  world.commit();
  await until(() => s.positions().length === 3);
  expect(s.positions()).toEqual(['1', '2', '3']);
  expect(s.results.every((r) => !r.errors)).toBe(true);
  expect(m.stats.upstreamRetries).toBeGreaterThan(0);
  await until(() => m.catchingUpCount === 0);
  await s.stream.return!();
});

it('ends with UPSTREAM_UNAVAILABLE and resumeAfter = the last position delivered once the bound has passed', async () => {
  const world = new World();
  const m = managerFor(world, fakeExecutor({ resolve: (p) => (p === '1' ? ok(p) : down) }), 300);
  const s = await follow(m);
  world.commit();
  world.commit();
  world.commit();
  await s.done;
  expect(s.positions()).toEqual(['1']);
  expect(s.results).toHaveLength(2);
  expect(s.results[1].errors![0].extensions).toMatchObject({ code: 'SUBSCRIPTION_ENDED', reason: 'UPSTREAM_UNAVAILABLE', resumeAfter: encodeCursor('1') });
  expect(m.subscriberCount).toBe(0);
  expect(m.stats.upstreamEndings).toBe(1);
});

it('waits for an authorization that cannot be decided instead of reading it as a refusal', async () => {
  const world = new World();
  for (let i = 0; i < 3; i++) world.commit();
  let failures = 2;
  // The gateway's copy of the relationships cannot be read twice (its database is away), then answers.
  const m = managerFor(world, fakeExecutor({ resolve: ok }), 5000, () => {
    if (failures-- > 0) throw new Error('relationship copy unreadable');
    return true;
  });
  const s = await follow(m, '0');
  await until(() => s.positions().length === 3);
  expect(s.positions()).toEqual(['1', '2', '3']);
  await s.stream.return!();
});

it('takes a refusal as a refusal: nothing for a non-member, and no retry', async () => {
  const world = new World();
  const m = managerFor(world, fakeExecutor({ resolve: ok }), 5000, (p) => p.sub === nurse.sub);
  const outsider = await follow(m, undefined, { sub: 'nurse-2', roles: [Role.NURSE] }, 'Bearer outsider');
  const member = await follow(m, undefined, nurse, 'Bearer member');
  world.commit();
  world.commit();
  // Same group, same pipeline: once the member has both, the outsider's turn for both has passed.
  await until(() => member.positions().length === 2);
  expect(outsider.results).toEqual([]);
  expect(m.stats.upstreamRetries).toBe(0);
  expect(m.catchingUpCount).toBe(0);
  await Promise.all([outsider.stream.return!(), member.stream.return!()]);
});

it("asks again, event by event, an answer a break-the-glass grant gave: the grant ends by itself, with no event", async () => {
  const world = new World();
  let grantOpen = true;
  let asked = 0;
  const relationships = { mayReadCarePlans: async () => ({ allowed: (asked++, grantOpen), remember: false, breakTheGlass: grantOpen ? "break-the-glass g-1: unresponsive in the ED" : null }) };
  const m = new SubscriptionManager(fakeExecutor({ resolve: ok }), world.feed as unknown as EventFeed, world.pool as unknown as Pool, 7, { relationships });
  const s = await follow(m);
  world.commit();
  await until(() => s.positions().length === 1);
  grantOpen = false;
  world.commit();
  await until(() => asked === 2);
  await new Promise((r) => setTimeout(r, 50));
  expect(s.positions()).toEqual(['1']);
  expect(m.catchingUpCount).toBe(0);
  await s.stream.return!();
});

it("never answers one token with another's decision: the same subject as an admin and as a nurse off the team", async () => {
  const world = new World();
  const m = managerFor(world, fakeExecutor({ resolve: ok }), 5000, (p) => p.roles.includes(Role.ADMIN));
  const asAdmin = await follow(m, undefined, { sub: 'dual-1', roles: [Role.ADMIN] });
  world.commit();
  await until(() => asAdmin.positions().length === 1);
  const asNurse = await follow(m, undefined, { sub: 'dual-1', roles: [Role.NURSE] });
  world.commit();
  await until(() => asAdmin.positions().length === 2);
  await new Promise((r) => setTimeout(r, 50));
  expect(asNurse.results).toEqual([]);
  await Promise.all([asAdmin.stream.return!(), asNurse.stream.return!()]);
});

it('delivers a partial result, and an event its errors nulled, with the cursor in extensions', async () => {
  const world = new World();
  const forbidden = { message: 'Not for you', extensions: { code: 'FORBIDDEN' } } as never;
  const m = managerFor(world, fakeExecutor({
    resolve: (p) => (p === '1'
      ? { kind: 'resolved', result: { data: { carePlanChanged: { cursor: encodeCursor(p), carePlan: null } }, errors: [forbidden] } }
      : { kind: 'resolved', result: { data: null, errors: [forbidden] } }),
  }));
  const s = await follow(m);
  world.commit();
  world.commit();
  await until(() => s.results.length === 2);
  expect(s.results.map((r) => r.extensions?.cursor)).toEqual([encodeCursor('1'), encodeCursor('2')]);
  await s.stream.return!();
});

it('serves cursors far apart from separate lanes: the recent one is not held up by the old one; both then share one live execution', async () => {
  const world = new World();
  for (let i = 0; i < 300; i++) world.commit();
  for (let i = 0; i < 2000; i++) world.commit(OTHER);
  for (let i = 0; i < 3; i++) world.commit();
  const order: string[] = [];
  const m = managerFor(world, fakeExecutor({ resolve: async (p) => { await new Promise((r) => setTimeout(r, 1)); return ok(p); } }));
  const old = await follow(m, '0');
  const recent = await follow(m, '2200');
  void until(() => recent.positions().length === 3, 20_000).then(() => order.push('recent'));
  void until(() => old.positions().length === 303, 20_000).then(() => order.push('old'));
  await until(() => order.length === 2, 20_000);
  expect(order).toEqual(['recent', 'old']);
  expect(recent.positions()).toEqual(['2301', '2302', '2303']);
  expect(old.positions()).toEqual([...world.log.filter((e) => e.patientId === PATIENT).map((e) => e.id)]);

  await until(() => m.catchingUpCount === 0);
  expect(m.groupCount).toBe(1);
  const executions = m.stats.executions;
  world.commit();
  await until(() => old.positions().length === 304 && recent.positions().length === 4);
  expect(m.stats.executions - executions).toBe(1);
  await Promise.all([old.stream.return!(), recent.stream.return!()]);
});

it('removes a subscription the moment graphql-ws returns its iterator, even while it waits for events', async () => {
  const world = new World();
  const m = managerFor(world, fakeExecutor({ resolve: ok }));
  const s = await follow(m);
  expect(m.subscriberCount).toBe(1);
  await s.stream.return!();
  await s.done;
  expect(m.subscriberCount).toBe(0);
  expect(m.groupCount).toBe(0);
});

it("offers a patient's event only to the groups following that patient, and to those following no one patient", async () => {
  const world = new World();
  const m = managerFor(world, fakeExecutor({ resolve: (p) => ok(p) }));
  const patients = Array.from({ length: 200 }, (_, i) => `patient-${i + 100}`);
  const followers = await Promise.all(patients.map((patientId) => m.subscribe({
    prepared: { ...prepared(), args: { patientId }, key: `follow-${patientId}` }, principal: nurse, authorization: 'Bearer x', connection: budget(),
  }).then(collect)));
  const everyone = await m.subscribe({
    prepared: { ...prepared(), rootField: 'myCarePlanChanges', args: {}, key: 'my-plans' }, principal: nurse, authorization: 'Bearer x', connection: budget(),
  }).then((s) => collect(s));
  expect(m.groupCount).toBe(201);
  const matches = jest.spyOn(TOPICS.carePlanChanged, 'matches');
  try {
    world.commit('patient-107');
    await until(() => followers[7].results.length === 1 && everyone.results.length === 1);
    // Only the one group that follows patient-107 was asked whether the event is its.
    expect(matches).toHaveBeenCalledTimes(1);
    expect(followers.filter((f) => f.results.length > 0)).toHaveLength(1);
  } finally {
    matches.mockRestore();
  }
  for (const f of [...followers, everyone]) await f.stream.return?.(undefined);
  expect(m.groupCount).toBe(0);
  m.close();
});

it('serves clinicians who read alike from one execution per event, a care coordinator from its own', async () => {
  const world = new World();
  const m = managerFor(world, fakeExecutor({ resolve: (p) => ok(p) }));
  const team = [nurse, { sub: 'physician-1', roles: [Role.PHYSICIAN] }, { sub: 'pharmacist-1', roles: [Role.PHARMACIST] }, { sub: 'coordinator-1', roles: [Role.CARE_COORDINATOR] }];
  const followers = await Promise.all(team.map((p) => follow(m, undefined, p)));
  expect(m.groupCount).toBe(2);
  const executions = m.stats.executions;
  world.commit();
  await until(() => followers.every((f) => f.results.length === 1));
  expect(m.stats.executions - executions).toBe(2);
  for (const f of followers) await f.stream.return?.(undefined);
  m.close();
});

it('works ahead while catching up: later events execute while an earlier one waits, and delivery stays in order', async () => {
  const world = new World();
  for (let i = 0; i < 12; i++) world.commit();
  // Event 2 answers only on its second try (after a backoff); every execution is held a moment, so overlapping ones are seen together.
  let inFlight = 0;
  let most = 0;
  const executed: string[] = [];
  const m = managerFor(world, fakeExecutor({
    resolve: async (p, n) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      executed.push(p);
      await new Promise((r) => setTimeout(r, 20));
      inFlight -= 1;
      return p === '2' && n === 0 ? down : ok(p);
    },
  }));
  const s = await follow(m, '0');
  await until(() => s.positions().length === 12);
  expect(s.positions()).toEqual(Array.from({ length: 12 }, (_, i) => String(i + 1)));
  expect(s.results.every((r) => !r.errors)).toBe(true);
  // Several executions were in flight at once, and events after 2 were executed before 2's retry delivered it.
  expect(most).toBeGreaterThan(1);
  expect(executed.indexOf('5')).toBeLessThan(executed.lastIndexOf('2'));
  // Each event executed once, event 2 twice (its retry): staging ahead never executes an event again.
  expect(executed.filter((p) => p !== '2').sort()).toEqual(['1', '10', '11', '12', '3', '4', '5', '6', '7', '8', '9']);
  await until(() => m.catchingUpCount === 0);
  await s.stream.return!();
  m.close();
});

it('lets a subscriber that resumes while a lane is mid-batch in at once, instead of after the whole batch', async () => {
  const world = new World();
  for (let i = 0; i < 60; i++) world.commit();
  const m = managerFor(world, fakeExecutor({ resolve: async (p) => { await new Promise((r) => setTimeout(r, 15)); return ok(p); } }));
  const first = await follow(m, '0', nurse, 'Bearer first');
  await until(() => first.positions().length >= 10);
  const second = await follow(m, '0', { sub: 'nurse-2', roles: [Role.NURSE] }, 'Bearer second');
  await until(() => second.positions().length >= 1);
  // The first subscriber's pass ended after what it had staged; both then went on together (the old lane made the newcomer wait for all 60).
  expect(first.positions().length).toBeLessThan(60);
  await until(() => first.positions().length === 60 && second.positions().length === 60);
  const all = Array.from({ length: 60 }, (_, i) => String(i + 1));
  expect(first.positions()).toEqual(all);
  expect(second.positions()).toEqual(all);
  // One execution per event for both (the group keeps results while it has lanes).
  expect(m.stats.executions).toBe(60);
  await until(() => m.catchingUpCount === 0);
  await first.stream.return!();
  await second.stream.return!();
  m.close();
});
