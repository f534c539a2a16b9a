/**
 * Resolves one subscription event with Apollo's own query planner and the gateway's
 * `executeQueryPlan`. The planner builds a subscription plan `{ primary, rest }`:
 * `primary` is the fetch to the live subgraph (answered here, from the event) and
 * `rest` fetches whatever the client selected from the other subgraphs. @apollo/gateway
 * refuses to execute a Subscription node as it is, so each event runs the plan
 * `Sequence[primary, rest]` with a service map whose live entry serves the event.
 *
 * Pinned to @apollo/gateway 2.14.x: `requestContext` is partly hand-built here (the
 * executor reads `logger`, `metrics`, `request.variables` and `context`); the live
 * subscription tests cover it.
 */
import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { operationFromDocument, Supergraph, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type QueryPlan, type PlanNode, type SubscriptionNode } from '@apollo/query-planner';
import {
  execute, getVariableValues, Kind, parse, type DocumentNode, type ExecutionResult, type FieldNode, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import { badInput } from '../../shared/errors';
import { rootLogger } from '../../shared/logger';
import { buildLiveSchema, LIVE_SUBGRAPH } from './schema';

export interface PreparedSubscription {
  rootField: string;
  args: Record<string, unknown>;
  document: DocumentNode;
  operationName?: string | null;
  variables: Record<string, unknown>;
  plan: QueryPlan;
  /** Same operation, variables and key → same prepared plan (and shareable results). */
  key: string;
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

    const planKey = `${operationName ?? ''}\u0000${JSON.stringify(document.loc?.source.body ?? document)}`;
    let plan = this.plans.get(planKey);
    if (!plan) {
      const op = operationFromDocument(this.apiSchema, document, { operationName: operationName ?? undefined });
      const subscriptionPlan = this.planner.buildQueryPlan(op);
      const node = subscriptionPlan.node as SubscriptionNode | PlanNode | undefined;
      if (!node || node.kind !== 'Subscription') throw new Error('Expected a subscription plan');
      plan = { kind: 'QueryPlan', node: node.rest ? { kind: 'Sequence', nodes: [node.primary, node.rest] } : node.primary };
      this.plans.set(planKey, plan);
    }
    return {
      rootField: fieldNode.name.value,
      args,
      document,
      operationName,
      variables: coerced.coerced,
      plan,
      key: `${planKey}\u0000${JSON.stringify(coerced.coerced)}`,
    };
  }

  /** Resolves one event for one subscription, fetching other subgraphs' fields as the caller. */
  async execute(prepared: PreparedSubscription, root: Record<string, unknown>, authorization: string): Promise<ExecutionResult> {
    const context = { authorization, liveRoot: { [prepared.rootField]: root } };
    const operationContext = buildOperationContext({ schema: this.apiGraphQLSchema, operationDocument: prepared.document, operationName: prepared.operationName ?? undefined });
    const requestContext = {
      logger: rootLogger,
      metrics: {},
      request: { query: prepared.document.loc?.source.body, variables: prepared.variables, operationName: prepared.operationName ?? undefined },
      context,
      document: prepared.document,
      operationName: prepared.operationName ?? null,
      operation: operationContext.operation,
      schema: this.apiGraphQLSchema,
      overallCachePolicy: {},
      cache: undefined,
    };
    const result = await executeQueryPlan(prepared.plan, this.services, requestContext as never, operationContext, this.supergraphSchema, this.apiSchema);
    return { data: result.data as ExecutionResult['data'], ...(result.errors?.length ? { errors: result.errors } : {}) };
  }

  /** Sends one operation straight to a subgraph as the caller (used for per-event authorization). */
  async subgraphRequest(subgraph: string, query: string, variables: Record<string, unknown>, authorization: string): Promise<ExecutionResult> {
    const source = this.services[subgraph];
    if (!source) throw new Error(`No subgraph named ${subgraph} in the supergraph`);
    const context = { authorization };
    const response = await source.process({
      kind: 'incoming operation' as never, // GraphQLDataSourceRequestKind.INCOMING_OPERATION (not exported)
      request: { query, variables },
      context,
      incomingRequestContext: { request: { query, variables }, context, logger: rootLogger, metrics: {} } as never,
    });
    return response as ExecutionResult;
  }
}
