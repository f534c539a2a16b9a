/**
 * Runner for `npm run bench:gateways` (bench/gateways.ts): Hive Gateway's runtime
 * (@graphql-hive/gateway-runtime, on Node, served by node:http) on the supergraph at
 * SUPERGRAPH_PATH, listening on PORT. It forwards the client's `authorization` header
 * to every subgraph (propagateHeaders.fromClientToSubgraphs), like the stock gateway
 * runner. HIVE_DEDUP=off turns off its in-flight de-duplication of identical subgraph
 * requests (@graphql-tools/executor-http's `deduplicateInflightRequests`, on by default).
 *
 * The HTTP transport: the runtime loads `@graphql-mesh/transport-http` by name unless
 * given one; that package is not installed here, so this file hands it the same thing
 * in a few lines: an executor-http executor per subgraph, on the runtime's own fetch
 * (the one its plugins, header propagation included, hook into).
 */
import fs from 'node:fs';
import http from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { buildHTTPExecutor } from '@graphql-tools/executor-http';

async function main(): Promise<void> {
  const supergraph = fs.readFileSync(process.env.SUPERGRAPH_PATH!, 'utf8');
  const deduplicateInflightRequests = (process.env.HIVE_DEDUP ?? 'on') !== 'off';
  const gateway = createGatewayRuntime({
    supergraph,
    logging: 'error',
    landingPage: false,
    graphiql: false,
    transports: {
      http: {
        getSubgraphExecutor: ({ transportEntry, fetch }) =>
          buildHTTPExecutor({
            endpoint: transportEntry.location!,
            fetch: fetch as never,
            deduplicateInflightRequests,
            headers: transportEntry.headers ? Object.fromEntries(transportEntry.headers) : undefined,
          }),
      },
    },
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({ authorization: request.headers.get('authorization') }),
    },
  });
  const server = http.createServer(gateway);
  await new Promise<void>((resolve) => server.listen(Number(process.env.PORT), '127.0.0.1', resolve));
  console.log(`Hive Gateway runtime at http://127.0.0.1:${process.env.PORT}/graphql (subgraph de-duplication ${deduplicateInflightRequests ? 'on' : 'off'})`);
  const stop = () => {
    server.close();
    void Promise.resolve(gateway.dispose()).finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
