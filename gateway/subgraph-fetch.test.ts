/**
 * How a failed subgraph fetch reads to the client (issue 12): errors on the fields the
 * fetch would have filled, with their paths, naming the service; a live subscriber
 * whose token no longer verifies gets UNAUTHENTICATED, not "service unavailable".
 */
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { parse } from 'graphql';
import { Pool } from 'pg';
import { AuditWriter } from '../shared/audit';
import { subgraphFetchesMerged } from '../shared/metrics';
import { unauthenticated } from '../shared/errors';
import { SubgraphDataSource } from './subgraph-fetch';

const unreachable = 'http://127.0.0.1:9/graphql'; // the discard port: nothing answers

function source(verify: () => Promise<never>) {
  return new SubgraphDataSource({ name: 'community-partners', url: unreachable, endpoint: 'clinical', sign: async () => 'internal', verify: verify as never });
}

const entitiesFetch = (query: string, representations: unknown[]) => ({
  kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
  request: { query, variables: { representations }, http: { method: 'POST', url: unreachable, headers: new Map() as never } },
  context: { authorization: 'Bearer expired' },
  incomingRequestContext: {} as never,
  document: parse(query),
}) as never;

const QUERY = 'query($representations:[_Any!]!){_entities(representations:$representations){...on Patient{referrals{edges{node{status}}} __typename}}}';

describe('SubgraphDataSource errors', () => {
  it('a subscriber token that no longer verifies answers UNAUTHENTICATED on each field, not SUBGRAPH_UNAVAILABLE', async () => {
    const res = await source(() => Promise.reject(unauthenticated('The token has expired'))).process(entitiesFetch(QUERY, [{ __typename: 'Patient', id: 'a' }, { __typename: 'Patient', id: 'b' }]));
    expect(res.errors).toEqual([
      expect.objectContaining({ message: 'The token has expired', path: ['_entities', 0, 'referrals'], extensions: { code: 'UNAUTHENTICATED' } }),
      expect.objectContaining({ message: 'The token has expired', path: ['_entities', 1, 'referrals'], extensions: { code: 'UNAUTHENTICATED' } }),
    ]);
  });

  it('an unreachable subgraph names itself on every field it owns, capped for long pages', async () => {
    const ds = new SubgraphDataSource({ name: 'metrics', url: unreachable, endpoint: 'clinical', sign: async () => 'internal', verify: (async () => ({ sub: 's', roles: ['ADMIN'] })) as never });
    const res = await ds.process(entitiesFetch(QUERY, Array.from({ length: 60 }, (_, i) => ({ __typename: 'Patient', id: String(i) }))));
    expect(res.errors).toHaveLength(51);
    expect(res.errors![0]).toMatchObject({ path: ['_entities', 0, 'referrals'], extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'metrics', retryable: true } });
    expect(res.errors![50]).toMatchObject({ message: expect.stringContaining('10 more fields'), extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
    expect(res.errors![50].path).toBeUndefined();
  });
});

describe('SubgraphDataSource in-flight de-duplication', () => {
  // A real HTTP subgraph stand-in that counts the fetches it receives and answers only when told to.
  let server: import('node:http').Server;
  let url = '';
  let fetches = 0;
  let waiting: (() => void)[] = [];
  let status = 200;
  beforeAll(async () => {
    const http = await import('node:http');
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        fetches += 1;
        waiting.push(() => {
          res.writeHead(status, { 'content-type': 'application/json' });
          // As a subgraph does when asked (x-hub-audit-echo): what its read records say, for a follower's record.
          const echo = req.headers['x-hub-audit-echo'] === '1' ? { extensions: { hubAudit: [{ patientIds: ['p-1'], entities: ['KpiTarget{key}'], purpose: 'OPERATIONS', reason: null }] } } : {};
          res.end(JSON.stringify(status === 200 ? { data: { kpiTargets: [{ key: 'k', n: fetches }] }, ...echo } : { errors: [{ message: 'bad variable', extensions: { code: 'BAD_USER_INPUT' } }], ...echo }));
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => { fetches = 0; waiting = []; status = 200; });

  const until = async (ok: () => boolean) => { while (!ok()) await new Promise((r) => setTimeout(r, 5)); };
  const principal = { sub: 'dedup-unit', roles: ['admin'] };
  const op = (requestId: string, operation: 'query' | 'mutation' = 'query', query = 'query Q__metrics__0{kpiTargets{key}}') => ({
    kind: GraphQLDataSourceRequestKind.INCOMING_OPERATION,
    request: { query, operationName: 'Q__metrics__0', variables: { b: 1, a: 2 }, http: { method: 'POST', url, headers: new Map() as never } },
    context: { principal, requestId, endpoint: 'clinical' },
    incomingRequestContext: { operation: { operation }, operationName: 'Q' } as never,
    document: parse(query),
  }) as never;
  // The audit trail on a database nobody answers at (the discard port): a follower's record cannot be written.
  const unreachableDb = new Pool({ connectionString: 'postgres://nobody@127.0.0.1:9/none', connectionTimeoutMillis: 500 });
  afterAll(() => unreachableDb.end());
  const noDatabase = () => new AuditWriter(unreachableDb);
  const dedupSource = () => new SubgraphDataSource({ name: 'metrics', url, endpoint: 'clinical', sign: async () => 'internal', verify: (async () => principal) as never, dedup: { audit: noDatabase() } });
  /** One request's fetch starts; an identical one joins it at once (before any I/O); then the stand-in answers both. */
  const fetchedOnceByTwo = async (ds: SubgraphDataSource) => {
    const a = ds.process(op('r1'));
    await until(() => fetches === 1);
    const before = await merged();
    const b = ds.process(op('r1'));
    expect((await merged()) - before).toBe(1);
    for (const answer of waiting.splice(0)) answer();
    return Promise.all([a, b]);
  };
  const merged = async () => (await subgraphFetchesMerged.get()).values.find((v) => v.labels.subgraph === 'metrics')?.value ?? 0;

  it('shares one fetch between identical queries of one request, each answer its own copy; the next one fetches anew', async () => {
    const ds = dedupSource();
    const [ra, rb] = await fetchedOnceByTwo(ds);
    expect(fetches).toBe(1);
    expect(ra.data).toEqual({ kpiTargets: [{ key: 'k', n: 1 }] });
    expect(rb.data).toEqual(ra.data);
    expect(rb.data).not.toBe(ra.data);
    const c = ds.process(op('r1'));
    await until(() => fetches === 2);
    for (const answer of waiting.splice(0)) answer();
    expect((await c).data).toEqual({ kpiTargets: [{ key: 'k', n: 2 }] });
  });

  it('shares errors the same way', async () => {
    status = 400;
    const ds = dedupSource();
    const answers = await fetchedOnceByTwo(ds);
    expect(fetches).toBe(1);
    for (const r of answers) expect(r.errors).toEqual([expect.objectContaining({ message: 'bad variable', extensions: { code: 'BAD_USER_INPUT' } })]);
  });

  it("a follower from another request whose audit record cannot be written is not served the shared answer: it fetches on its own", async () => {
    const ds = dedupSource();
    const a = ds.process(op('r1'));
    await until(() => fetches === 1);
    const before = await merged();
    const b = ds.process(op('r2'));
    expect((await merged()) - before).toBe(1); // b joined a
    expect(fetches).toBe(1);
    for (const answer of waiting.splice(0)) answer();
    await a;
    await until(() => fetches === 2); // the audit insert failed: b sends its own fetch
    for (const answer of waiting.splice(0)) answer();
    expect((await b).data).toEqual({ kpiTargets: [{ key: 'k', n: 2 }] });
  });

  it('never shares a mutation, nor a query fetch of a mutation operation', async () => {
    const ds = dedupSource();
    const m = 'mutation M__metrics__0{kpiTargets{key}}';
    const runs = [ds.process(op('r1', 'mutation', m)), ds.process(op('r1', 'mutation', m)), ds.process(op('r1', 'mutation')), ds.process(op('r1', 'mutation'))];
    await until(() => fetches === 4);
    for (const answer of waiting.splice(0)) answer();
    await Promise.all(runs);
    expect(fetches).toBe(4);
  });
});
