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
import { context as otelContext, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { GraphQLError, Kind, parse, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Principal, TokenVerifier } from '../shared/auth';
import { bearerToken } from '../shared/auth';
import { config } from '../shared/config';
import { requestSignal } from '../shared/limits';
import type { Caller, Endpoint } from '../shared/internal-token';
import { subgraphFetchDuration } from '../shared/metrics';
import { tracer } from '../shared/telemetry';

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

/** Each fetch ends at SUBGRAPH_TIMEOUT_MS, or sooner when its HTTP request's deadline passes (GATEWAY_REQUEST_TIMEOUT_MS), freeing the socket at once. */
const fetchWithTimeout = (url: string, init?: RequestInit) => {
  const timeout = AbortSignal.timeout(config.subgraphTimeoutMs);
  const deadline = requestSignal();
  return fetch(url, { ...init, signal: deadline ? AbortSignal.any([timeout, deadline]) : timeout });
};

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
    // W3C traceparent of this fetch's span (process below), so the subgraph's spans join the request's trace.
    const headers = request.http?.headers;
    if (headers) propagation.inject(otelContext.active(), headers, { set: (h, k, v) => h.set(k, v) });
  }

  /** One client span and one latency sample per query-plan fetch, named by the subgraph it calls. */
  override async process(options: GraphQLDataSourceProcessOptions<FetchContext>): Promise<GraphQLResponse> {
    const started = process.hrtime.bigint();
    return tracer.startActiveSpan(`fetch ${this.o.name}`, { kind: SpanKind.CLIENT, attributes: { 'hub.subgraph': this.o.name, 'url.full': this.o.url } }, async (span) => {
      const result = await this.fetchOnce(options);
      const outcome = result.errors?.some((e) => e.extensions?.code === 'SUBGRAPH_UNAVAILABLE') ? 'unavailable' : result.errors?.length ? 'error' : 'ok';
      subgraphFetchDuration.observe({ subgraph: this.o.name, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      span.end();
      return result;
    });
  }

  private async fetchOnce(options: GraphQLDataSourceProcessOptions<FetchContext>): Promise<GraphQLResponse> {
    try {
      return await super.process(options);
    } catch (e) {
      // The subgraph answered, with a status the data source throws on: keep its own errors and codes.
      const body = (e as { extensions?: { response?: { body?: unknown } } }).extensions?.response?.body as { errors?: unknown[] } | undefined;
      if (body && Array.isArray(body.errors) && body.errors.length > 0) return { errors: body.errors } as GraphQLResponse;
      // A live subscriber's token that no longer verifies (expired mid-stream) is the caller's problem, not the subgraph's.
      const code = e instanceof GraphQLError ? e.extensions?.code : undefined;
      if (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN') {
        return { errors: fieldErrors(options, (e as Error).message, { code }) } as unknown as GraphQLResponse;
      }
      const timedOut = (e as Error).name === 'TimeoutError' || (e as Error).name === 'AbortError';
      const message = timedOut
        ? `The ${this.o.name} service did not answer within ${config.subgraphTimeoutMs} ms`
        : `The ${this.o.name} service is unavailable`;
      return { errors: fieldErrors(options, message, { code: 'SUBGRAPH_UNAVAILABLE', serviceName: this.o.name, retryable: true }) } as unknown as GraphQLResponse;
    }
  }
}

/** Enough errors to name every path a screen lost, not one per cell of a long page. */
const MAX_PATHED_ERRORS = 50;

/**
 * One error per field the failed fetch would have filled, each with its path, so a
 * client can tell which part of its screen is missing. The gateway prefixes these
 * paths with where the fetch sits in the plan and maps `_entities` indexes to the
 * entities' real positions (executeQueryPlan's error path generator).
 */
function fieldErrors(options: GraphQLDataSourceProcessOptions<FetchContext>, message: string, extensions: Record<string, unknown>) {
  const document = fetchDocument(options);
  const keys = topLevelKeys(document);
  if (keys.length === 0) return [{ message, extensions }];
  const representations = options.request.variables?.representations;
  const paths: (string | number)[][] = keys[0] === '_entities' && Array.isArray(representations)
    ? representations.flatMap((_, i) => entityKeys(document).map((k) => ['_entities', i, k]))
    : keys.map((k) => [k]);
  const named = paths.slice(0, MAX_PATHED_ERRORS).map((path) => ({ message, path, extensions }));
  return paths.length > MAX_PATHED_ERRORS ? [...named, { message: `${message} (${paths.length - MAX_PATHED_ERRORS} more fields)`, extensions }] : named;
}

/** The plan's fetch document when the gateway passes it, else the query text parsed (only on this failure path). */
function fetchDocument(options: GraphQLDataSourceProcessOptions<FetchContext>): DocumentNode | undefined {
  if ('document' in options && options.document) return options.document;
  try {
    return options.request.query ? parse(options.request.query) : undefined;
  } catch {
    return undefined;
  }
}

function operationOf(document: DocumentNode | undefined): OperationDefinitionNode | undefined {
  return document?.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
}

const responseKeys = (set: SelectionSetNode | undefined): string[] =>
  (set?.selections ?? []).flatMap((s) =>
    s.kind === Kind.FIELD ? (s.name.value === '__typename' ? [] : [s.alias?.value ?? s.name.value]) : s.kind === Kind.INLINE_FRAGMENT ? responseKeys(s.selectionSet) : []);

const topLevelKeys = (document: DocumentNode | undefined) => responseKeys(operationOf(document)?.selectionSet);

/** The fields an `_entities` fetch asks of each entity (inside its `... on T` fragments), once each. */
function entityKeys(document: DocumentNode | undefined): string[] {
  const entities = operationOf(document)?.selectionSet.selections.find((s) => s.kind === Kind.FIELD && s.name.value === '_entities');
  return [...new Set(responseKeys(entities?.kind === Kind.FIELD ? entities.selectionSet : undefined))];
}
