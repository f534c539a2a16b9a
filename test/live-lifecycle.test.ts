/**
 * Subscription lifecycle through the gateway with real graphql-ws clients: a socket
 * that closes (cleanly or not) or a client that completes takes its subscriptions with
 * it at once, with no event needed to notice; subscribers that resumed from different
 * cursors catch up on their own and then share their group's one execution per live
 * event. And the example client against a scripted graphql-ws server, for the messages
 * a healthy hub rarely sends: partial results, an event nulled by its errors,
 * UPSTREAM_UNAVAILABLE, CURSOR_EXPIRED.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, parse, type ExecutionResult } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { Role } from '../shared/auth';
import { followCarePlans, type CarePlanChange } from '../examples/live-care-plans';
import { startHub, type TestHub } from './support/hub';
import { eventually, loggedPositions, positionOf, subscribe } from './support/live';

let hub: TestHub;
let coordinator: string;
let patientId: string;
let careTeamId: string;

const FOLLOW = `subscription($p: ID, $after: String) { carePlanChanged(patientId: $p, after: $after) { cursor carePlan { title } patient { familyName } } }`;

async function createPlan(title: string): Promise<void> {
  const res = await hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId, title } }, coordinator);
  expect(res.errors).toBeUndefined();
}

const health = async () => (await fetch(hub.gatewayUrl.replace(/\/graphql$/, '/health'))).json() as Promise<{ subscriptions: number; connections: number }>;

beforeAll(async () => {
  hub = await startHub();
  coordinator = await hub.token({ sub: 'coord-lifecycle', roles: [Role.CARE_COORDINATOR] });
  const p = await hub.query(`mutation { registerPatient(input: { mrn: "LIFE-1", givenName: "Tomas", familyName: "Berg", birthDate: "1952-03-04", administrativeSex: MALE }) { id } }`);
  patientId = p.data!.registerPatient.id;
  const t = await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
    i: { patientId, name: 'Lifecycle team', members: [{ practitionerId: 'coord-lifecycle', role: 'CARE_COORDINATOR' }] },
  });
  expect(t.errors).toBeUndefined();
  careTeamId = t.data!.formCareTeam.id;
});
afterAll(async () => { await hub?.stop(); });

it('a closed socket, a dropped one and a completed subscription are removed at once, with no event to notice them', async () => {
  const manager = hub.gateway.subscriptions();
  const before = manager.subscriberCount;
  // Topics no event will touch: only the closing itself can remove them.
  const quiet = (p: string) => subscribe(hub.gatewayUrl, coordinator, FOLLOW, { p });
  const closing = [quiet(patientId), quiet('00000000-0000-4000-8000-00000000aaaa')];
  const dropped = quiet('00000000-0000-4000-8000-00000000bbbb');
  const completing = quiet('00000000-0000-4000-8000-00000000cccc');
  await eventually(() => expect(manager.subscriberCount).toBe(before + 4));
  expect((await health()).subscriptions).toBe(before + 4);

  await Promise.all(closing.map((s) => s.dispose())); // close frame
  await eventually(() => expect(manager.subscriberCount).toBe(before + 2));
  dropped.drop(); // no close frame: the connection just goes
  await eventually(() => expect(manager.subscriberCount).toBe(before + 1));
  completing.unsubscribe(); // the socket stays open
  await eventually(() => expect(manager.subscriberCount).toBe(before));
  expect(manager.groupCount).toBe(0);
  await eventually(async () => expect(await health()).toMatchObject({ subscriptions: before, connections: 1 }));
  await completing.dispose();
  await eventually(async () => expect(await health()).toMatchObject({ connections: 0 }));
});

it('subscribers resuming from different cursors catch up on their own, then share one execution per live event', async () => {
  const manager = hub.gateway.subscriptions();
  const since = (await loggedPositions(hub.databaseUrl, 'CarePlanChanged', patientId)).at(-1) ?? '0';
  const first = subscribe(hub.gatewayUrl, coordinator, FOLLOW, { p: patientId });
  await eventually(() => expect(manager.subscriberCount).toBe(1));
  for (let i = 0; i < 6; i++) await createPlan(`Missed ${i}`);
  await first.waitFor(6);
  const cursors = first.results.map((r) => r.data!.carePlanChanged.cursor as string);
  await first.dispose();
  await eventually(() => expect(manager.subscriberCount).toBe(0));

  // Two subscribers each from the first, third and fifth change: three different `after`s, one operation.
  const starts = [0, 0, 2, 2, 4, 4];
  const resumed = starts.map((i) => subscribe(hub.gatewayUrl, coordinator, FOLLOW, { p: patientId, after: cursors[i] }));
  const logged = await loggedPositions(hub.databaseUrl, 'CarePlanChanged', patientId, since);
  expect(logged).toEqual(cursors.map(positionOf));
  await Promise.all(resumed.map((s, k) => s.waitFor(5 - starts[k], 10_000)));
  resumed.forEach((s, k) => expect(s.results.map((r) => positionOf(r.data!.carePlanChanged.cursor))).toEqual(logged.slice(starts[k] + 1)));
  await eventually(() => expect(manager.catchingUpCount).toBe(0));
  expect(manager.groupCount).toBe(1);

  const executions = manager.stats.executions;
  await createPlan('Live for everyone');
  await Promise.all(resumed.map((s, k) => s.waitFor(6 - starts[k])));
  expect(manager.stats.executions - executions).toBe(1);
  for (const s of resumed) expect(s.results.at(-1)!.data!.carePlanChanged.carePlan.title).toBe('Live for everyone');
  await Promise.all(resumed.map((s) => s.dispose()));
});

describe('the example client, against a scripted graphql-ws server', () => {
  const cursor = (n: number) => Buffer.from(`ev:${n}`).toString('base64url');
  const change = (n: number, title: string | null): CarePlanChange => ({
    cursor: cursor(n), changeKind: 'UPDATED', changedFields: [], actor: 'someone', occurredAt: new Date(0).toISOString(), revision: { version: n, changes: [] },
    carePlan: title === null ? null : { id: `plan-${n}`, title, status: 'active', version: n }, patient: { id: 'p', givenName: 'Ana', familyName: 'Lopez' },
  });
  const ended = (reason: string, after: number): ExecutionResult => ({
    errors: [new GraphQLError('ended', { extensions: { code: 'SUBSCRIPTION_ENDED', reason, resumeAfter: cursor(after) } })],
  });

  it('takes every message a subscription may carry, resuming where each one says', async () => {
    // What the server answers each subscription, in order; the client says where it resumes from.
    const script: (ExecutionResult[] | 'expired')[] = [
      [
        { data: { myCarePlanChanges: change(1, 'Complete') } },
        { data: { myCarePlanChanges: change(2, null) }, errors: [new GraphQLError('Forbidden', { path: ['myCarePlanChanges', 'carePlan'], extensions: { code: 'FORBIDDEN' } })] },
        { data: null, errors: [new GraphQLError('Not found', { extensions: { code: 'NOT_FOUND' } })], extensions: { cursor: cursor(3) } },
        ended('UPSTREAM_UNAVAILABLE', 3),
      ],
      [{ data: { myCarePlanChanges: change(4, 'After the outage') } }, ended('SHUTDOWN', 4)],
      'expired',
      [{ data: { myCarePlanChanges: change(5, 'Live after the refetch') } }],
    ];
    const asked: (string | null)[] = [];
    const server = http.createServer();
    const wss = new WebSocketServer({ server, path: '/graphql' });
    const cleanup = useServer({
      schema: undefined as never,
      onSubscribe: (_ctx, _id, payload) => {
        const after = (payload.variables?.after as string | undefined) ?? null;
        asked.push(after);
        const answer = script[asked.length - 1] ?? [];
        if (answer === 'expired') return [new GraphQLError('This cursor is older than the replay window', { extensions: { code: 'BAD_USER_INPUT', reason: 'CURSOR_EXPIRED' } })];
        return { schema: undefined as never, document: parse(payload.query), contextValue: answer };
      },
      subscribe: async function* (args: { contextValue: unknown }) { for (const r of args.contextValue as ExecutionResult[]) yield r; } as never,
    }, wss);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

    const changes: { title: string | null; errors?: string[] }[] = [];
    const unresolved: string[] = [];
    let refetched = 0;
    const abort = new AbortController();
    const following = followCarePlans({
      url, token: 'any', signal: abort.signal, log: () => undefined, upstreamBackoffMs: 10,
      onChange: (c, errors) => changes.push({ title: c.carePlan?.title ?? null, ...(errors ? { errors: errors.map((e) => String(e.extensions?.code)) } : {}) }),
      onUnresolved: (c) => unresolved.push(c),
      refetch: async () => void (refetched += 1),
    });
    await eventually(() => expect(changes).toHaveLength(4));
    abort.abort();
    await following;
    await cleanup.dispose();
    await new Promise((r) => server.close(r));

    expect(changes).toEqual([{ title: 'Complete' }, { title: null, errors: ['FORBIDDEN'] }, { title: 'After the outage' }, { title: 'Live after the refetch' }]);
    expect(unresolved).toEqual([cursor(3)]);
    // Started fresh, resumed after UPSTREAM_UNAVAILABLE and after SHUTDOWN, refetched once and followed live.
    expect(asked.slice(0, 4)).toEqual([null, cursor(3), cursor(4), null]);
    expect(refetched).toBe(1);
  });

  it('refetches and follows live changes when its cursor has expired, against the hub', async () => {
    const first = subscribe(hub.gatewayUrl, coordinator, FOLLOW, { p: patientId });
    await eventually(() => expect(hub.gateway.subscriptions().subscriberCount).toBe(1));
    await createPlan('Long ago');
    await first.waitFor(1);
    const old = first.results[0].data!.carePlanChanged.cursor;
    await first.dispose();
    await createPlan('Also long ago');
    const { Client } = await import('pg');
    const c = new Client({ connectionString: hub.databaseUrl });
    await c.connect();
    await c.query(`UPDATE hub_events.event_log SET recorded_at = now() - interval '8 days' WHERE id > $1`, [positionOf(old)]);
    await c.end();

    const titles: string[] = [];
    let refetched = 0;
    const abort = new AbortController();
    const following = followCarePlans({
      url: hub.gatewayUrl.replace(/^http/, 'ws'), token: coordinator, after: old, signal: abort.signal, log: () => undefined,
      onChange: (ch) => titles.push(ch.carePlan!.title),
      refetch: async () => void (refetched += 1),
    });
    await eventually(() => expect(refetched).toBe(1));
    await eventually(() => expect(hub.gateway.subscriptions().subscriberCount).toBe(1));
    await createPlan('Live after the refetch');
    await eventually(() => expect(titles).toEqual(['Live after the refetch']));
    abort.abort();
    await following;
  });
});
