/**
 * The GraphQL client: Apollo Client over HTTP for queries and mutations and over
 * graphql-ws for subscriptions, on /graphql for clinicians or /partner/graphql for
 * partner staff (the gateway accepts each token only on its own endpoint). The token
 * travels as `Authorization: Bearer` and, on the socket, in connectionParams.
 */
import { ApolloClient, HttpLink, InMemoryCache, split } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import { isPartner, type Session } from './session';

export function createApolloClient(session: Session): ApolloClient<unknown> {
  const path = isPartner(session) ? '/partner/graphql' : '/graphql';
  const authorization = `Bearer ${session.token}`;
  const http = new HttpLink({ uri: path, headers: { authorization } });
  const wsUrl = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${path}`;
  const ws = new GraphQLWsLink(createClient({ url: wsUrl, connectionParams: { authorization }, retryAttempts: 20, shouldRetry: () => true }));
  const link = split(({ query }) => {
    const d = getMainDefinition(query);
    return d.kind === 'OperationDefinition' && d.operation === 'subscription';
  }, ws, http);
  return new ApolloClient({
    link,
    cache: new InMemoryCache({
      typePolicies: {
        // Lists are replaced by the server's answer, never merged: the answer is the truth.
        CarePlan: { fields: { goals: { merge: false }, activities: { merge: false }, history: { merge: false } } },
      },
    }),
    defaultOptions: { watchQuery: { fetchPolicy: 'cache-and-network' } },
  });
}
