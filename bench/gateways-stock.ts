/**
 * Runner for `npm run bench:gateways` (bench/gateways.ts): stock @apollo/gateway in
 * Apollo Server 5's standalone server, on the supergraph at SUPERGRAPH_PATH, listening
 * on PORT. Nothing of the project's gateway: no token verification, no internal token
 * signing, no limits; a RemoteGraphQLDataSource that copies the incoming
 * `authorization` header onto every subgraph fetch (the load generator sends each
 * user's internal caller token, which is what the subgraphs accept).
 */
import fs from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

interface Context { authorization?: string }

class ForwardingDataSource extends RemoteGraphQLDataSource<Context> {
  override willSendRequest({ request, context }: Parameters<NonNullable<RemoteGraphQLDataSource<Context>['willSendRequest']>>[0]): void {
    if (context?.authorization) request.http?.headers.set('authorization', context.authorization);
  }
}

async function main(): Promise<void> {
  const supergraphSdl = fs.readFileSync(process.env.SUPERGRAPH_PATH!, 'utf8');
  const gateway = new ApolloGateway({ supergraphSdl, buildService: ({ url }) => new ForwardingDataSource({ url }) });
  const server = new ApolloServer<Context>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { host: '127.0.0.1', port: Number(process.env.PORT) },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });
  console.log(`stock @apollo/gateway at ${url}`);
  const stop = () => server.stop().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
