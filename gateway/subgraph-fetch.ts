/**
 * How the gateway calls a subgraph. Each fetch carries the caller as an internal
 * token only the gateway can sign (shared/internal-token.ts), naming the endpoint
 * the request came through, plus the request id; the user's own token never leaves
 * the gateway. Each fetch has a timeout (SUBGRAPH_TIMEOUT_MS) and goes through Node's
 * own fetch (undici, pooled keep-alive) instead of make-fetch-happen.
 *
 * A subgraph that cannot be reached or does not answer in time becomes an error on
 * the fields it owns — `SUBGRAPH_UNAVAILABLE` with `serviceName` and the path —
 * instead of an anonymous failure of the whole query; the rest of the answer stands
 * wherever the schema lets those fields be null (docs/access.md, "Degrade").
 * Errors a subgraph answers with a non-2xx status (a variable it could not coerce:
 * BAD_USER_INPUT) pass through with their codes.
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { Principal, TokenVerifier } from '../shared/auth';
import { bearerToken } from '../shared/auth';
import { config } from '../shared/config';
import type { Caller, Endpoint } from '../shared/internal-token';

/** What a gateway request context may carry (HTTP requests have the principal; live events the subscriber's header). */
export interface FetchContext {
  principal?: Principal;
  authorization?: string;
  requestId?: string;
  endpoint?: Endpoint;
}

export interface SubgraphFetchOptions {
  name: string;
  url: string;
  /** Which endpoint this data source serves requests of. */
  endpoint: Endpoint;
  sign: (caller: Caller) => Promise<string>;
  verify: TokenVerifier;
}

const fetchWithTimeout = (url: string, init?: RequestInit) => fetch(url, { ...init, signal: AbortSignal.timeout(config.subgraphTimeoutMs) });

type GraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

export class SubgraphDataSource extends RemoteGraphQLDataSource<FetchContext> {
  constructor(private readonly o: SubgraphFetchOptions) {
    super({ url: o.url, fetcher: fetchWithTimeout as never });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<FetchContext>): Promise<void> {
    const live = !context?.principal;
    // A live event carries the subscriber's bearer header; verification is cached per token.
    const principal = context?.principal ?? (await this.o.verify(bearerToken(context?.authorization)));
    const token = await this.o.sign({ principal, endpoint: context?.endpoint ?? this.o.endpoint, channel: live ? 'subscription' : 'http' });
    request.http?.headers.set('authorization', `Bearer ${token}`);
    if (context?.requestId) request.http?.headers.set('x-request-id', context.requestId);
  }

  override async process(options: GraphQLDataSourceProcessOptions<FetchContext>): Promise<GraphQLResponse> {
    try {
      return await super.process(options);
    } catch (e) {
      // The subgraph answered, with a status the data source throws on: keep its own errors and codes.
      const body = (e as { extensions?: { response?: { body?: unknown } } }).extensions?.response?.body as { errors?: unknown[] } | undefined;
      if (body && Array.isArray(body.errors) && body.errors.length > 0) return { errors: body.errors } as GraphQLResponse;
      const timedOut = (e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError';
      return {
        errors: [{
          message: timedOut
            ? `The ${this.o.name} service did not answer within ${config.subgraphTimeoutMs} ms`
            : `The ${this.o.name} service is unavailable`,
          extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: this.o.name, retryable: true },
        }],
      } as unknown as GraphQLResponse;
    }
  }
}
