/**
 * The live executor's two decisions, on a small supergraph (the live subgraph plus two
 * stand-in subgraphs whose answers each test scripts): what counts as "a subgraph could
 * not answer" (retry the event) against "an answer a retry would not change" (deliver
 * it with its errors), for every shape an error reaches it in; and that `after` never
 * splits plans or group keys.
 */
import { composeServices } from '@apollo/composition';
import type { GraphQLDataSource } from '@apollo/gateway';
import { GraphQLError, parse } from 'graphql';
import { LIVE_SDL, LIVE_SUBGRAPH, LIVE_SUBGRAPH_URL } from './schema';
import { LiveExecutor, UpstreamUnavailable, upstreamFailure } from './executor';

const CARE_TEAMS = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type CarePlan @key(fields: "id") { id: ID! title: String! }
type Patient @key(fields: "id") { id: ID! careTeams: [ID!]! }
type Query { carePlanTitle(id: ID!): String }`;
const PATIENTS = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
type Patient @key(fields: "id") { id: ID! familyName: String }
type Query { patientName(id: ID!): String }`;

type Answer = (request: { query?: string; variables?: Record<string, unknown> }) => Promise<unknown> | unknown;
const answers: Record<string, Answer> = {};
const source = (name: string): GraphQLDataSource => ({ process: async (o) => (await answers[name](o.request)) as never });

const supergraph = (() => {
  const composed = composeServices([
    { name: LIVE_SUBGRAPH, url: LIVE_SUBGRAPH_URL, typeDefs: parse(LIVE_SDL) },
    { name: 'care-teams', url: 'http://care-teams.test/graphql', typeDefs: parse(CARE_TEAMS) },
    { name: 'patients', url: 'http://patients.test/graphql', typeDefs: parse(PATIENTS) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return composed.supergraphSdl;
})();
const executor = new LiveExecutor(supergraph, (name) => source(name));

const FOLLOW = parse(`subscription($p: ID, $after: String) { carePlanChanged(patientId: $p, after: $after) { cursor carePlan { title } patient { familyName } } }`);
const root = {
  cursor: 'ev:7', changeKind: 'UPDATED', changedFields: [], version: 2, actor: 'nurse', occurredAt: new Date(0),
  carePlan: { __typename: 'CarePlan', id: 'plan-1' }, patient: { __typename: 'Patient', id: 'patient-1' },
};
const entities = (...list: unknown[]) => ({ data: { _entities: list } });
const resolveFollow = () => executor.resolve(executor.prepare(FOLLOW, undefined, { p: 'patient-1' }), root, 'Bearer x');

beforeEach(() => {
  answers['care-teams'] = () => entities({ title: 'Breathe easier' });
  answers.patients = () => entities({ familyName: 'Okafor' });
});

describe('upstreamFailure: retry, or deliver', () => {
  it.each([
    ['a fetch that threw', new Error('connect ECONNREFUSED 127.0.0.1:4001')],
    ['SUBGRAPH_UNAVAILABLE', { message: 'The patients service is unavailable', extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'patients' } }],
    ['INTERNAL_SERVER_ERROR (a database hiccup, masked)', { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    ['an error marked retryable', { message: 'busy', extensions: { code: 'SOMETHING_ELSE', retryable: true } }],
    ['HTTP 503 without a body', new GraphQLError('503: Service Unavailable', { extensions: { response: { status: 503 } } })],
    ['an error nobody coded', { message: 'boom' }],
  ])('retries %s', (_what, error) => expect(upstreamFailure(error)).not.toBeNull());

  it.each([
    ['FORBIDDEN', { message: 'no', extensions: { code: 'FORBIDDEN' } }],
    ['NOT_FOUND', { message: 'gone', extensions: { code: 'NOT_FOUND' } }],
    ['UNAUTHENTICATED (HTTP 401)', new GraphQLError('401: Unauthorized', { extensions: { code: 'UNAUTHENTICATED', response: { status: 401 } } })],
    ['BAD_USER_INPUT (HTTP 400)', { message: 'bad', extensions: { code: 'BAD_USER_INPUT', response: { status: 400 } } }],
    ["the live subgraph's own error", { message: 'x', extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: LIVE_SUBGRAPH } }],
  ])('delivers %s', (_what, error) => expect(upstreamFailure(error)).toBeNull());
});

describe('resolve', () => {
  it('resolves an event with fields from two subgraphs', async () => {
    expect(await resolveFollow()).toEqual({ kind: 'resolved', result: { data: { carePlanChanged: { cursor: 'ev:7', carePlan: { title: 'Breathe easier' }, patient: { familyName: 'Okafor' } } } } });
  });

  it('is unavailable, not a bare null, when a subgraph fetch throws (the old `e.toJSON is not a function`)', async () => {
    answers.patients = () => { throw new Error('connect ECONNREFUSED'); };
    expect(await resolveFollow()).toMatchObject({ kind: 'unavailable' });
  });

  it('is unavailable when a subgraph answers SUBGRAPH_UNAVAILABLE or INTERNAL_SERVER_ERROR', async () => {
    answers.patients = () => ({ errors: [{ message: 'The patients service is unavailable', extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }] });
    expect(await resolveFollow()).toMatchObject({ kind: 'unavailable' });
    answers.patients = () => entities({ familyName: 'Okafor' });
    answers['care-teams'] = () => ({ data: { _entities: [null] }, errors: [{ message: 'Internal server error', path: ['_entities', 0, 'title'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    expect(await resolveFollow()).toMatchObject({ kind: 'unavailable' });
  });

  it('delivers a partial result whose errors a retry would not change, as GraphQLErrors', async () => {
    answers.patients = () => ({ data: { _entities: [{ familyName: null }] }, errors: [{ message: 'Not for you', path: ['_entities', 0, 'familyName'], extensions: { code: 'FORBIDDEN' } }] });
    const r = await resolveFollow();
    expect(r.kind).toBe('resolved');
    if (r.kind !== 'resolved') return;
    expect(r.result.data).toEqual({ carePlanChanged: { cursor: 'ev:7', carePlan: { title: 'Breathe easier' }, patient: { familyName: null } } });
    expect(r.result.errors).toHaveLength(1);
    expect(r.result.errors![0]).toBeInstanceOf(GraphQLError);
    expect(r.result.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('says NOT_FOUND when a non-null field came back null without an error', async () => {
    answers['care-teams'] = () => entities(null);
    const r = await resolveFollow();
    expect(r).toMatchObject({ kind: 'resolved', result: { data: null } });
    if (r.kind === 'resolved') expect(r.result.errors?.map((e) => e.extensions.code)).toEqual(['NOT_FOUND']);
  });
});

describe('prepare', () => {
  it('plans and keys an operation the same whatever `after` is, as a variable or inline', () => {
    const a = executor.prepare(FOLLOW, undefined, { p: 'patient-1', after: 'ev:1' });
    const b = executor.prepare(FOLLOW, undefined, { p: 'patient-1', after: 'ev:9' });
    const c = executor.prepare(FOLLOW, undefined, { p: 'patient-1' });
    const inline = executor.prepare(parse(`subscription($p: ID) { carePlanChanged(patientId: $p, after: "ev:3") { cursor carePlan { title } patient { familyName } } }`), undefined, { p: 'patient-1' });
    expect(new Set([a.key, b.key, c.key, inline.key]).size).toBe(1);
    expect(a.plan).toBe(b.plan);
    expect(a.args.after).toBe('ev:1');
    expect(a.query).not.toMatch(/after/);
    expect(a.key).not.toBe(executor.prepare(FOLLOW, undefined, { p: 'patient-2' }).key);
  });
});

describe('subgraphRequest (authorization questions)', () => {
  const ask = () => executor.subgraphRequest('care-teams', '{ carePlanTitle(id: "x") }', {}, 'Bearer x');

  it('throws UpstreamUnavailable when the subgraph cannot answer, so "unknown" is never read as "no"', async () => {
    answers['care-teams'] = () => { throw new Error('socket hang up'); };
    await expect(ask()).rejects.toBeInstanceOf(UpstreamUnavailable);
    answers['care-teams'] = () => ({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    await expect(ask()).rejects.toBeInstanceOf(UpstreamUnavailable);
  });

  it('returns a refusal as an answer', async () => {
    answers['care-teams'] = () => ({ data: null, errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }] });
    expect(await ask()).toMatchObject({ errors: [{ extensions: { code: 'FORBIDDEN' } }] });
  });
});
