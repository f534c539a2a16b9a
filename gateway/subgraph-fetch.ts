/**
 * How the gateway calls a subgraph. Each fetch carries the caller as an internal
 * token only the gateway can sign (shared/internal-token.ts), naming the endpoint
 * the request came through, plus the request id; the user's own token never leaves
 * the gateway. Each fetch has a timeout (SUBGRAPH_TIMEOUT_MS) and goes through undici's
 * `request` on one pooled keep-alive agent instead of make-fetch-happen.
 *
 * A subgraph that cannot be reached or does not answer in time becomes an error on
 * the fields it owns — `SUBGRAPH_UNAVAILABLE` with `serviceName` and the path —
 * instead of an anonymous failure of the whole query; the rest of the answer stands
 * wherever the schema lets those fields be null (docs/access.md, "Degrade").
 * Errors a subgraph answers with a non-2xx status (a variable it could not coerce:
 * BAD_USER_INPUT) pass through with their codes.
 *
 * In-flight de-duplication (issue 17, GATEWAY_DEDUP, on by default). While a fetch is
 * in flight, an identical one waits for it and shares its answer — data and errors
 * alike — instead of sending its own; once it settles the next one fetches anew
 * (nothing is cached beyond the flight). Identical means the same data source
 * (subgraph, endpoint), the same caller (sub, roles, org, name: everything the internal
 * token says, channel `http`), the same fetch document, operation name, variables and
 * extensions. Only queries inside query operations are shared: never a mutation, never
 * an `_entities` fetch that follows a mutation in its plan (it must read its own write),
 * and never a live delivery (those share executions per group in gateway/live, and
 * the gateway audits each delivery itself). Each waiter gets its own copy of the answer
 * (the gateway merges answers in place), and its own request deadline: a waiter whose
 * deadline passes stops waiting, and the shared fetch is aborted only when every
 * waiter has left (or SUBGRAPH_TIMEOUT_MS passes).
 *
 * The audit trail. A subgraph writes one read record per request it receives, under
 * the request id it was sent (shared/subgraph.ts, shared/audit.ts). A shared fetch is
 * one subgraph request, so its records name only the first request's id; a second
 * answer would leave a request whose id appears nowhere in the trail ("nothing served
 * unrecorded" broken, and a partner disclosure accounted once for two answers). The
 * follower's id cannot ride on the shared request (it was sent before the follower
 * arrived). So a fetch that may be shared asks the subgraph (`x-hub-audit-echo`) to
 * echo what its records say was read — patients, entities, purpose, reason — in
 * `extensions.hubAudit` (the gateway never forwards subgraph extensions to clients),
 * and before a follower from another request is answered the gateway appends the same
 * reads under the follower's own request id, caller and operation (service `gateway`,
 * the reason naming the request that fetched). If they cannot be written, the
 * follower fetches on its own instead (and the subgraph records it, or refuses). A
 * fetch that read no patient data echoes nothing and needs no record; a follower of
 * its own request (the same request id) needs none either.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { STATUS_CODES } from 'node:http';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLDataSourceRequestKind } from '@apollo/gateway/dist/datasources/types';
import { context as otelContext, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { GraphQLError, Kind, parse, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { AUDIT_ECHO_HEADER, OPERATION_HEADER, operationLabel, type AuditedRead, type AuditRecord, type AuditWriter } from '../shared/audit';
import type { Principal, TokenVerifier } from '../shared/auth';
import { bearerToken } from '../shared/auth';
import { config } from '../shared/config';
import { requestSignal } from '../shared/limits';
import type { Caller, Endpoint } from '../shared/internal-token';
import { subgraphFetchDuration, subgraphFetchesMerged } from '../shared/metrics';
import { tracer } from '../shared/telemetry';
import { Agent, request as undiciRequest } from 'undici';

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
  /** Share identical in-flight queries of one caller (GATEWAY_DEDUP); `audit` records each follower's read (see above). Off when unset. */
  dedup?: { audit: AuditWriter };
}

/** A shared fetch's own signal, aborted when every waiter has left: it replaces the first waiter's request deadline. */
const flightSignal = new AsyncLocalStorage<AbortSignal>();

/** Each fetch ends at SUBGRAPH_TIMEOUT_MS, or sooner when its HTTP request's deadline passes (GATEWAY_REQUEST_TIMEOUT_MS), freeing the socket at once. */
const fetchSignal = () => {
  const timeout = AbortSignal.timeout(config.subgraphTimeoutMs);
  const deadline = flightSignal.getStore() ?? requestSignal();
  return deadline ? AbortSignal.any([timeout, deadline]) : timeout;
};

/**
 * Keep-alive connections to the subgraphs, pooled per origin, for the whole process.
 * undici's `request` rather than `fetch` (issue 17): no WHATWG Request/Response and
 * stream objects per fetch, the body read as one string and parsed once.
 */
const subgraphAgent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });

/** The data source's fetcher: one POST on the pooled agent, read whole; the data source parses it and throws on a non-2xx status (fetchOnce reads that). */
async function subgraphFetch(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }) {
  const res = await undiciRequest(url, { method: (init.method ?? 'POST') as 'POST', headers: init.headers, body: init.body, dispatcher: subgraphAgent, signal: fetchSignal() });
  return responseOf(url, res.statusCode, res.headers, await res.body.text());
}

/** What the data source reads of a response (status, a header, the body), over an undici answer already read. */
function responseOf(url: string, status: number, headers: Record<string, string | string[] | undefined>, text: string) {
  const header = (name: string) => {
    const v = headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v ?? null;
  };
  return {
    url, status, ok: status >= 200 && status < 300, statusText: STATUS_CODES[status] ?? '',
    headers: { get: header },
    json: async () => JSON.parse(text) as unknown,
    text: async () => text,
  };
}

type GraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

/** One fetch in flight and who waits for it. */
interface Flight {
  result: Promise<GraphQLResponse>;
  /** The request id the subgraph records the shared fetch under. */
  requestId: string | null;
  controller: AbortController;
  /** Waiters still waiting; `joined` counts every one, and is final once the flight has settled. */
  waiting: number;
  joined: number;
}

const LEFT = Symbol('left');

/** The promise's outcome, or LEFT as soon as the signal aborts. */
function until<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T | typeof LEFT> {
  if (!signal) return p;
  if (signal.aborted) return Promise.resolve(LEFT);
  return new Promise((resolve, reject) => {
    const leave = () => resolve(LEFT);
    signal.addEventListener('abort', leave, { once: true });
    p.then((v) => { signal.removeEventListener('abort', leave); resolve(v); }, (e) => { signal.removeEventListener('abort', leave); reject(e); });
  });
}

/** A waiter's own copy of a shared answer: the gateway merges answers into its result in place. The fetch Response is shared (only its headers are read). */
function copyOf(result: GraphQLResponse): GraphQLResponse {
  const { http, ...body } = result as GraphQLResponse & { http?: unknown };
  return { ...structuredClone(body), ...(http ? { http } : {}) } as GraphQLResponse;
}

/** The operation type of a fetch: the plan's document when passed, else the text's first word (an anonymous `{…}` is a query). */
function fetchOperationType(options: GraphQLDataSourceProcessOptions<FetchContext>): string | undefined {
  if ('document' in options && options.document) return operationOf(options.document)?.operation;
  const word = options.request.query?.match(/^\s*(\{|query\b|mutation\b|subscription\b)/)?.[1];
  return word === '{' ? 'query' : word;
}

export class SubgraphDataSource extends RemoteGraphQLDataSource<FetchContext> {
  constructor(private readonly o: SubgraphFetchOptions) {
    super({ url: o.url, fetcher: subgraphFetch as never });
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<FetchContext>): Promise<void> {
    const { request, context } = options;
    const live = !context?.principal;
    // A live event carries the subscriber's bearer header; verification is cached per token.
    const principal = context?.principal ?? (await this.o.verify(bearerToken(context?.authorization)));
    const token = await this.o.sign({ principal, endpoint: context?.endpoint ?? this.o.endpoint, channel: live ? 'subscription' : 'http' });
    request.http?.headers.set('authorization', `Bearer ${token}`);
    if (context?.requestId) request.http?.headers.set('x-request-id', context.requestId);
    // The client's operation, for the subgraph's audit records (the planner names this fetch its own way).
    const incoming = options.kind === GraphQLDataSourceRequestKind.INCOMING_OPERATION ? options.incomingRequestContext : undefined;
    const operation = operationLabel(incoming?.operation ?? undefined, incoming?.operationName ?? incoming?.request.operationName);
    if (operation) request.http?.headers.set(OPERATION_HEADER, operation);
    else request.http?.headers.delete(OPERATION_HEADER);
    // A fetch that may be shared: the subgraph echoes what its records say was read, so another requester's record can say the same.
    if (this.o.dedup && !live) request.http?.headers.set(AUDIT_ECHO_HEADER, '1');
    // W3C traceparent of this fetch's span (process below), so the subgraph's spans join the request's trace.
    const headers = request.http?.headers;
    if (headers) propagation.inject(otelContext.active(), headers, { set: (h, k, v) => h.set(k, v) });
  }

  /** One client span and one latency sample per query-plan fetch, named by the subgraph it calls (a shared one too, marked `hub.shared`). */
  override async process(options: GraphQLDataSourceProcessOptions<FetchContext>): Promise<GraphQLResponse> {
    const started = process.hrtime.bigint();
    const key = this.o.dedup ? this.dedupKey(options) : undefined;
    return tracer.startActiveSpan(`fetch ${this.o.name}`, { kind: SpanKind.CLIENT, attributes: { 'hub.subgraph': this.o.name, 'url.full': this.o.url } }, async (span) => {
      const result = key ? await this.shared(key, options, span) : await this.fetchOnce(options);
      const outcome = result.errors?.some((e) => e.extensions?.code === 'SUBGRAPH_UNAVAILABLE') ? 'unavailable' : result.errors?.length ? 'error' : 'ok';
      subgraphFetchDuration.observe({ subgraph: this.o.name, outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      if (outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
      span.end();
      return result;
    });
  }

  /** Fetches in flight, by dedupKey. */
  private readonly flights = new Map<string, Flight>();

  /** What makes two fetches identical, or undefined when this one must not be shared (see the header). */
  private dedupKey(options: GraphQLDataSourceProcessOptions<FetchContext>): string | undefined {
    if (options.kind !== GraphQLDataSourceRequestKind.INCOMING_OPERATION) return undefined;
    const p = options.context?.principal;
    if (!p) return undefined; // a live delivery
    if (options.incomingRequestContext.operation?.operation !== 'query' || fetchOperationType(options) !== 'query') return undefined;
    const { query, operationName, variables, extensions } = options.request;
    if (!query) return undefined;
    // Plain JSON, keys in the order they come: equal keys mean identical fetches; the planner builds a plan's variables
    // (50 representations for a worklist page) in one order, and a miss only costs sharing. Sorting keys cost 1–2 % of the gateway's CPU.
    return JSON.stringify([options.context.endpoint ?? this.o.endpoint, 'http', p.sub, [...p.roles].sort(), p.org ?? null, p.name ?? null, operationName ?? null, query, variables ?? {}, extensions ?? {}]);
  }

  /** Joins the identical fetch in flight, or starts one others may join. */
  private async shared(key: string, options: GraphQLDataSourceProcessOptions<FetchContext>, span: { setAttribute(k: string, v: boolean): unknown }): Promise<GraphQLResponse> {
    const requestId = options.context?.requestId ?? null;
    let flight = this.flights.get(key);
    const follower = flight !== undefined;
    if (!flight) {
      const controller = new AbortController();
      const started: Flight = { requestId, controller, waiting: 0, joined: 0, result: undefined as never };
      started.result = flightSignal.run(controller.signal, async () => {
        try {
          return await this.fetchOnce(options);
        } finally {
          // Settled: the next identical fetch starts anew (before anyone sees this answer).
          if (this.flights.get(key) === started) this.flights.delete(key);
        }
      });
      this.flights.set(key, started);
      flight = started;
    } else {
      subgraphFetchesMerged.inc({ subgraph: this.o.name });
      span.setAttribute('hub.shared', true);
    }
    flight.waiting += 1;
    flight.joined += 1;
    const deadline = requestSignal();
    const answer = await until(flight.result, deadline).finally(() => { flight.waiting -= 1; });
    if (answer === LEFT) {
      // This request's deadline passed: it stops waiting; the fetch goes on while another waiter still waits.
      if (flight.waiting === 0) flight.controller.abort(deadline?.reason);
      return { errors: fieldErrors(options, `The ${this.o.name} service did not answer within the request's deadline`, { code: 'SUBGRAPH_UNAVAILABLE', serviceName: this.o.name, retryable: true }) } as unknown as GraphQLResponse;
    }
    if (follower && flight.requestId !== requestId) {
      // Nothing served unrecorded: this request's own read records — the patients, entities and purposes the subgraph recorded for the fetch.
      const reads = (answer.extensions as { hubAudit?: AuditedRead[] } | undefined)?.hubAudit ?? [];
      try {
        await this.o.dedup!.audit.append(reads.map((read) => this.followerRecord(options, flight.requestId, read)));
      } catch {
        return this.fetchOnce(options);
      }
    }
    return flight.joined > 1 ? copyOf(answer) : answer;
  }

  private followerRecord(options: GraphQLDataSourceProcessOptions<FetchContext>, fetchedBy: string | null, read: AuditedRead): AuditRecord {
    const context = options.context!;
    const incoming = options.kind === GraphQLDataSourceRequestKind.INCOMING_OPERATION ? options.incomingRequestContext : undefined;
    const shared = `answered from the ${this.o.name} fetch of request ${fetchedBy ?? '(none)'}`;
    return {
      requestId: context.requestId ?? null,
      service: 'gateway',
      endpoint: context.endpoint ?? this.o.endpoint,
      channel: 'http',
      principal: context.principal!,
      action: 'read',
      operation: operationLabel(incoming?.operation ?? undefined, incoming?.operationName),
      entities: read.entities,
      patientIds: read.patientIds,
      purpose: read.purpose,
      reason: read.reason ? `${read.reason}; ${shared}` : shared,
    };
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
