/**
 * The gateway: @apollo/gateway inside Apollo Server 5 at `/graphql`, on the
 * supergraph the project composes itself. It verifies the caller's bearer token,
 * then forwards it to every subgraph, which verify it again.
 */
import fs from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { bearerToken, createTokenVerifier, type Principal } from '../shared/auth';
import { config, SUBGRAPH_NAMES, subgraphUrlVariable, type SubgraphName } from '../shared/config';
import { startHttpService, type RunningHttpService } from '../shared/http';
import { logger } from '../shared/logger';

export interface GatewayContext {
  principal: Principal;
  authorization: string;
}

/** Forwards the caller's Authorization header to the subgraph. */
class AuthenticatedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (context && 'authorization' in context && context.authorization) request.http?.headers.set('authorization', context.authorization);
  }
}

export interface GatewayOptions {
  supergraphSdl?: string;
  /** Overrides the URLs recorded in the supergraph (PATIENTS_URL, ... by default). */
  subgraphUrls?: Partial<Record<SubgraphName, string>>;
  port?: number;
  host?: string;
}

export interface RunningGateway extends RunningHttpService {
  gateway: ApolloGateway;
}

/** The supergraph from SUPERGRAPH_PATH (default: the composed ./supergraph.graphql). */
export function readSupergraph(): string {
  const file = config.supergraphPath;
  if (!fs.existsSync(file)) throw new Error(`No supergraph at ${file}: run \`npm run build\` (or set SUPERGRAPH_PATH)`);
  return fs.readFileSync(file, 'utf8');
}

/** Subgraph URLs from the environment, where set (docker-compose sets them). */
function urlsFromEnvironment(): Partial<Record<SubgraphName, string>> {
  return Object.fromEntries(
    SUBGRAPH_NAMES.filter((n) => process.env[subgraphUrlVariable(n)]).map((n) => [n, config.subgraphUrl(n)]),
  );
}

export async function startGateway(o: GatewayOptions = {}): Promise<RunningGateway> {
  const log = logger('gateway');
  const urls = { ...urlsFromEnvironment(), ...o.subgraphUrls };
  const gateway = new ApolloGateway({
    supergraphSdl: o.supergraphSdl ?? readSupergraph(),
    buildService: ({ name, url }) => new AuthenticatedDataSource({ url: urls[name as SubgraphName] ?? url }),
    logger: log,
  });
  const verify = createTokenVerifier();
  const http = await startHttpService<GatewayContext>(
    {
      name: 'gateway',
      log,
      apollo: { gateway },
      context: async (req) => {
        const token = bearerToken(req.headers.authorization);
        return { principal: await verify(token), authorization: `Bearer ${token}` };
      },
      ready: async () => true,
    },
    { host: o.host ?? config.host, port: o.port ?? config.port('gateway') },
  );
  return { ...http, gateway };
}
