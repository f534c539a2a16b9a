/**
 * How a failed subgraph fetch reads to the client (issue 12): errors on the fields the
 * fetch would have filled, with their paths, naming the service; a live subscriber
 * whose token no longer verifies gets UNAUTHENTICATED, not "service unavailable".
 */
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { parse } from 'graphql';
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
