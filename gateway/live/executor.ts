/**
 * Resolves one subscription event with Apollo's own query planner and the gateway's
 * `executeQueryPlan`. The planner builds a subscription plan `{ primary, rest }`:
 * `primary` is the fetch to the live subgraph (answered here, from the event) and
 * `rest` fetches whatever the client selected from the other subgraphs. @apollo/gateway
 * refuses to execute a Subscription node as it is, so each event runs the plan
 * `Sequence[primary, rest]` with a service map whose live entry serves the event.
 *
 * Every resolution is classified before anyone sees it: a subgraph that could not
 * answer (unreachable, timed out, INTERNAL_SERVER_ERROR) makes the event
 * `unavailable` — the subscription layer retries it, it is never delivered as a bare
 * `{ data: null }` — while answers a retry cannot change (FORBIDDEN, NOT_FOUND) are
 * `resolved` and delivered with their errors. Where a subscriber resumes from (`after`)
 * does not change what an event resolves to, so it is stripped from the planned
 * operation: subscribers that resumed from different cursors share plans and results.
 *
 * Pinned to @apollo/gateway 2.14.x: `requestContext` is partly hand-built here (the
 * executor reads `logger`, `metrics`, `request.variables` and `context`); the live
 * subscription tests cover it.
 */
import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { operationFromDocument, Supergraph, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type QueryPlan, type PlanNode, type SubscriptionNode } from '@apollo/query-planner';
import {
  execute, getVariableValues, GraphQLError, Kind, parse, print, visit,
  type DocumentNode, type ExecutionResult, type FieldNode, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import { badInput } from '../../shared/errors';
import { rootLogger } from '../../shared/logger';
import { buildLiveSchema, LIVE_SUBGRAPH } from './schema';

/** The argument a subscriber resumes with: it selects where replay starts, never what an event resolves to. */
const RESUME_ARGUMENT = 'after';

export interface PreparedSubscription {
  rootField: string;
  /** The root field's arguments as the client sent them (`after` included). */
  args: Record<string, unknown>;
  /** The operation that is planned and executed per event: the client's, without `after`. */
  document: DocumentNode;
  /** `document`, printed: what plans are keyed by. */
  query: string;
  operationName?: string | null;
  /** The variables the executed operation still uses. */
  variables: Record<string, unknown>;
  plan: QueryPlan;
  /** Same operation and variables, `after` aside → same plan and shareable results. */
  key: string;
}

/** How one event resolved for one subscription. */
export type EventResolution =
  /** Deliver it: complete, or partial with errors a retry would not change (FORBIDDEN, NOT_FOUND). */
  | { kind: 'resolved'; result: ExecutionResult }
  /** A subgraph could not answer: retry later, never deliver this. */
  | { kind: 'unavailable'; reason: string };

/** A subgraph could not answer an authorization question: the answer is unknown, not "no". */
export class UpstreamUnavailable extends Error {
  constructor(readonly service: string, reason: string) {
    super(`${service}: ${reason}`);
    this.name = 'UpstreamUnavailable';
  }
}

/**
 * Codes that mean "the subgraph could not answer now": shared/http.ts answers a lost
 * database SERVICE_UNAVAILABLE and masks anything else as INTERNAL_SERVER_ERROR; the
 * gateway's data source says SUBGRAPH_UNAVAILABLE; federation says DOWNSTREAM_SERVICE_ERROR
 * for a subgraph error without a code.
 */
const RETRYABLE_CODES = new Set(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE', 'SUBGRAPH_UNAVAILABLE', 'DOWNSTREAM_SERVICE_ERROR']);

/**
 * Why an error means the subgraph could not answer (so the event is retried), or null
 * for an answer a retry would not change. Errors come as GraphQLErrors (executeQueryPlan),
 * plain response objects (a data source's `process`) or raw Errors (a fetch that threw).
 */
export function upstreamFailure(error: unknown): string | null {
  if (error instanceof Error && !(error instanceof GraphQLError)) return error.message || error.name;
  const e = (error ?? {}) as { message?: unknown; extensions?: Record<string, unknown> };
  const ext = e.extensions ?? {};
  // The live subgraph is this process answering from the event: its errors are not an outage.
  if (ext.serviceName === LIVE_SUBGRAPH) return null;
  const code = typeof ext.code === 'string' ? ext.code : undefined;
  const what = `${typeof ext.serviceName === 'string' ? ext.serviceName : 'subgraph'} answered ${code ?? String(e.message ?? 'an error')}`;
  if (ext.retryable === true || (code && RETRYABLE_CODES.has(code))) return what;
  const status = (ext.response as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number') return status >= 500 || status === 408 || status === 429 ? `${what} (HTTP ${status})` : null;
  // An error nobody coded is not understood: waiting costs a bounded delay, delivering it could lose the event.
  return code ? null : what;
}

/** Answers the live subgraph's fetch from the current event instead of the network. */
class EventDataSource implements GraphQLDataSource {
  private readonly parsed = new Map<string, DocumentNode>();
  constructor(private readonly schema: GraphQLSchema) {}

  async process(options: Parameters<GraphQLDataSource['process']>[0]) {
    const root = (options.context as { liveRoot?: Record<string, unknown> }).liveRoot;
    if (!root) return { errors: [{ message: 'The live subgraph only serves subscriptions (over graphql-ws)' }] } as never;
    const query = options.request.query!;
    let document = this.parsed.get(query);
    if (!document) {
      document = parse(query);
      this.parsed.set(query, document);
    }
    // graphql-js 16 executes a subscription operation's root fields once, like a query, against rootValue.
    return (await execute({ schema: this.schema, document, rootValue: root, variableValues: options.request.variables })) as never;
  }
}

/**
 * The client's operation without the root field's `after` argument, and without the
 * variable definitions nothing refers to any more (so `$after` does not split keys).
 */
function withoutResumeArgument(document: DocumentNode, rootField: FieldNode): { document: DocumentNode; used: Set<string> } {
  const stripped = visit(document, {
    Field: (node) => (node === rootField ? { ...node, arguments: node.arguments?.filter((a) => a.name.value !== RESUME_ARGUMENT) } : undefined),
  });
  const used = new Set<string>();
  visit(stripped, { VariableDefinition: () => false, Variable: (v) => void used.add(v.name.value) });
  const cleaned = visit(stripped, {
    OperationDefinition: (op) => ({ ...op, variableDefinitions: op.variableDefinitions?.filter((d) => used.has(d.variable.name.value)) }),
  });
  return { document: cleaned, used };
}

export class LiveExecutor {
  readonly supergraphSdl: string;
  private readonly supergraph: Supergraph;
  private readonly apiSchema: Schema;
  readonly apiGraphQLSchema: GraphQLSchema;
  private readonly supergraphSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;
  private readonly services: ServiceMap;
  private readonly plans = new Map<string, QueryPlan>();

  constructor(supergraphSdl: string, remoteSource: (name: string, url: string) => GraphQLDataSource) {
    this.supergraphSdl = supergraphSdl;
    this.supergraph = Supergraph.build(supergraphSdl);
    this.apiSchema = this.supergraph.apiSchema();
    this.apiGraphQLSchema = this.apiSchema.toGraphQLJSSchema();
    this.supergraphSchema = this.supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(this.supergraph);
    this.services = Object.create(null);
    for (const sg of this.supergraph.subgraphs().values()) {
      this.services[sg.name] = sg.name === LIVE_SUBGRAPH ? new EventDataSource(buildLiveSchema()) : remoteSource(sg.name, sg.url);
    }
  }

  /** Plans a validated subscription operation once; the plan is reused for every event. */
  prepare(document: DocumentNode, operationName: string | null | undefined, rawVariables: Record<string, unknown> | null | undefined): PreparedSubscription {
    const operation = document.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName),
    );
    if (!operation || operation.operation !== 'subscription') throw badInput('Only subscription operations are served over graphql-ws; send queries and mutations to POST /graphql');
    const coerced = getVariableValues(this.apiGraphQLSchema, operation.variableDefinitions ?? [], rawVariables ?? {});
    if (coerced.errors) throw badInput(coerced.errors.map((e) => e.message).join('; '), 'variables');
    const fieldNode = operation.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value !== '__typename');
    if (!fieldNode) throw badInput('A subscription selects exactly one root field');
    const fieldDef = this.apiGraphQLSchema.getSubscriptionType()?.getFields()[fieldNode.name.value];
    if (!fieldDef) throw badInput(`Unknown subscription field ${fieldNode.name.value}`);
    const args = getArgumentValues(fieldDef, fieldNode, coerced.coerced);

    const live = withoutResumeArgument(document, fieldNode);
    const variables = Object.fromEntries(Object.entries(coerced.coerced).filter(([name]) => live.used.has(name)));
    const query = print(live.document);
    const planKey = `${operationName ?? ''}\u0000${query}`;
    let plan = this.plans.get(planKey);
    if (!plan) {
      const op = operationFromDocument(this.apiSchema, live.document, { operationName: operationName ?? undefined });
      const subscriptionPlan = this.planner.buildQueryPlan(op);
      const node = subscriptionPlan.node as SubscriptionNode | PlanNode | undefined;
      if (!node || node.kind !== 'Subscription') throw new Error('Expected a subscription plan');
      plan = { kind: 'QueryPlan', node: node.rest ? { kind: 'Sequence', nodes: [node.primary, node.rest] } : node.primary };
      this.plans.set(planKey, plan);
    }
    return {
      rootField: fieldNode.name.value,
      args,
      document: live.document,
      query,
      operationName,
      variables,
      plan,
      key: `${planKey}\u0000${JSON.stringify(variables)}`,
    };
  }

  /** Resolves one event for one subscription, fetching other subgraphs' fields as the caller. */
  async resolve(prepared: PreparedSubscription, root: Record<string, unknown>, authorization: string): Promise<EventResolution> {
    const context = { authorization, liveRoot: { [prepared.rootField]: root } };
    const operationContext = buildOperationContext({ schema: this.apiGraphQLSchema, operationDocument: prepared.document, operationName: prepared.operationName ?? undefined });
    const requestContext = {
      logger: rootLogger,
      metrics: {},
      request: { query: prepared.query, variables: prepared.variables, operationName: prepared.operationName ?? undefined },
      context,
      document: prepared.document,
      operationName: prepared.operationName ?? null,
      operation: operationContext.operation,
      schema: this.apiGraphQLSchema,
      overallCachePolicy: {},
      cache: undefined,
    };
    let result: Awaited<ReturnType<typeof executeQueryPlan>>;
    try {
      result = await executeQueryPlan(prepared.plan, this.services, requestContext as never, operationContext, this.supergraphSchema, this.apiSchema);
    } catch (err) {
      return { kind: 'unavailable', reason: (err as Error).message };
    }
    const errors: readonly unknown[] = result.errors ?? [];
    for (const error of errors) {
      const reason = upstreamFailure(error);
      if (reason) return { kind: 'unavailable', reason };
    }
    // A non-null field that came back null without an error (an entity gone, or no longer
    // visible to this caller) is nulled upwards by the gateway; say why instead of a bare null.
    const completion = ((result.extensions?.valueCompletion ?? []) as GraphQLError[]).map(
      (e) => new GraphQLError(e.message, { path: e.path, extensions: { code: 'NOT_FOUND' } }),
    );
    const all = [...(errors as GraphQLError[]), ...completion];
    return { kind: 'resolved', result: { data: result.data as ExecutionResult['data'], ...(all.length ? { errors: all } : {}) } };
  }

  /**
   * Sends one operation straight to a subgraph as the caller (per-event authorization).
   * Throws UpstreamUnavailable when the subgraph could not answer, so "unknown" is never read as "no".
   */
  async subgraphRequest(subgraph: string, query: string, variables: Record<string, unknown>, authorization: string): Promise<ExecutionResult> {
    const source = this.services[subgraph];
    if (!source) throw new Error(`No subgraph named ${subgraph} in the supergraph`);
    const context = { authorization };
    let response: ExecutionResult;
    try {
      response = (await source.process({
        kind: 'incoming operation' as never, // GraphQLDataSourceRequestKind.INCOMING_OPERATION (not exported)
        request: { query, variables },
        context,
        incomingRequestContext: { request: { query, variables }, context, logger: rootLogger, metrics: {} } as never,
      })) as ExecutionResult;
    } catch (err) {
      const reason = upstreamFailure(err);
      if (reason) throw new UpstreamUnavailable(subgraph, reason);
      // The data source threw an answer (a 401/403 status): a refusal, not an outage.
      return { errors: [err as GraphQLError] };
    }
    for (const error of response.errors ?? []) {
      const reason = upstreamFailure(error);
      if (reason) throw new UpstreamUnavailable(subgraph, reason);
    }
    return response;
  }
}
