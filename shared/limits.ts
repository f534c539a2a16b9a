/**
 * Query limits for every GraphQL server of the hub — both gateway endpoints and each
 * subgraph — so no single request can hold a core, a connection or gigabytes of
 * memory (issue 11: one POST of 1,000 aliased `patients(first: 200)` kept a subgraph
 * busy for 264 s). All of it runs before execution, so at the gateway a refused
 * request is never planned and no subgraph sees it:
 *
 * - tokens: graphql-js's own `maxTokens` parse option (the parser stops counting at
 *   the limit, so a 95 KB document costs microseconds);
 * - depth, aliases, directives: @escape.tech/graphql-armor validation rules;
 * - cost: this file's rule, which weighs a list by its page size (`first`, `last`,
 *   `limit` — literal or variable), a list without one by GRAPHQL_ASSUMED_LIST_SIZE,
 *   and a subgraph's `_entities` by the number of representations the gateway sent
 *   (armor's cost limit knows neither page sizes nor variables);
 * - validation stops after GRAPHQL_MAX_VALIDATION_ERRORS errors (ten unknown
 *   directives are not ten errors to compute and send);
 * - field suggestions ("Did you mean …") blocked in production (armor), and
 *   introspection off in production unless GRAPHQL_INTROSPECTION=true.
 *
 * Every refusal is one convention: HTTP 400, a message naming the limit and its
 * value, and `extensions: { code, limit, max, found }` — e.g. `QUERY_TOO_COMPLEX`,
 * `limit: 'GRAPHQL_MAX_COST'`. Apollo forces GRAPHQL_VALIDATION_FAILED /
 * GRAPHQL_PARSE_FAILED on such errors and the hub's error masking keeps only known
 * codes, so refusals travel under those codes and `limitsPlugin` names the specific
 * code just before the answer leaves.
 *
 * Subgraphs answer only the gateway (shared/internal-token.ts); their limits are the
 * gateway's times GRAPHQL_SUBGRAPH_LIMIT_FACTOR, so a legitimate query plan (its
 * `_entities` carries every representation the real lists produced) always passes.
 *
 * Also here: the per-principal rate limit and the request deadline the gateway puts
 * in front of both endpoints.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type express from 'express';
import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isInterfaceType,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { env, isProduction, nodeEnv } from './config';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './pagination';

export type LimitSide = 'gateway' | 'subgraph';

const positiveInt = (name: string, fallback: number): number => {
  const v = env(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return n;
};
const flag = (name: string, fallback: boolean): boolean => {
  const v = env(name);
  return v === undefined ? fallback : v === 'true' || v === '1';
};
const production = isProduction;

/** The documented defaults (README, "Limits"); each has the environment variable of its key. */
export const LIMIT_DEFAULTS = {
  GRAPHQL_MAX_DEPTH: 10,
  GRAPHQL_MAX_ALIASES: 15,
  GRAPHQL_MAX_DIRECTIVES: 20,
  GRAPHQL_MAX_TOKENS: 2_000,
  /** Validation stops after this many errors (graphql-js `maxErrors`): garbage costs little to refuse. */
  GRAPHQL_MAX_VALIDATION_ERRORS: 5,
  GRAPHQL_MAX_COST: 150_000,
  GRAPHQL_ASSUMED_LIST_SIZE: 10,
  GRAPHQL_DEFAULT_PAGE_SIZE: DEFAULT_PAGE_SIZE,
  GRAPHQL_SUBGRAPH_LIMIT_FACTOR: 4,
  GATEWAY_REQUEST_TIMEOUT_MS: 30_000,
  /** 0 = off; off by default under NODE_ENV=test. */
  RATE_LIMIT_PER_MINUTE: 600,
} as const;
type LimitName = 'GRAPHQL_MAX_DEPTH' | 'GRAPHQL_MAX_ALIASES' | 'GRAPHQL_MAX_DIRECTIVES' | 'GRAPHQL_MAX_TOKENS' | 'GRAPHQL_MAX_COST';

export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxTokens: number;
  maxCost: number;
  assumedListSize: number;
  defaultPageSize: number;
}

/** The limits of one side, read from the environment now. */
export function queryLimits(side: LimitSide): QueryLimits {
  const factor = side === 'subgraph' ? positiveInt('GRAPHQL_SUBGRAPH_LIMIT_FACTOR', LIMIT_DEFAULTS.GRAPHQL_SUBGRAPH_LIMIT_FACTOR) : 1;
  const limit = (name: LimitName) => positiveInt(name, LIMIT_DEFAULTS[name]) * factor;
  return {
    maxDepth: limit('GRAPHQL_MAX_DEPTH'),
    maxAliases: limit('GRAPHQL_MAX_ALIASES'),
    maxDirectives: limit('GRAPHQL_MAX_DIRECTIVES'),
    maxTokens: limit('GRAPHQL_MAX_TOKENS'),
    maxCost: limit('GRAPHQL_MAX_COST'),
    assumedListSize: positiveInt('GRAPHQL_ASSUMED_LIST_SIZE', LIMIT_DEFAULTS.GRAPHQL_ASSUMED_LIST_SIZE),
    defaultPageSize: positiveInt('GRAPHQL_DEFAULT_PAGE_SIZE', LIMIT_DEFAULTS.GRAPHQL_DEFAULT_PAGE_SIZE),
  };
}

const CODES: Record<LimitName, string> = {
  GRAPHQL_MAX_DEPTH: 'QUERY_TOO_DEEP',
  GRAPHQL_MAX_ALIASES: 'TOO_MANY_ALIASES',
  GRAPHQL_MAX_DIRECTIVES: 'TOO_MANY_DIRECTIVES',
  GRAPHQL_MAX_TOKENS: 'TOO_MANY_TOKENS',
  GRAPHQL_MAX_COST: 'QUERY_TOO_COMPLEX',
};
const WHAT: Record<LimitName, string> = {
  GRAPHQL_MAX_DEPTH: 'depth',
  GRAPHQL_MAX_ALIASES: 'aliases',
  GRAPHQL_MAX_DIRECTIVES: 'directives',
  GRAPHQL_MAX_TOKENS: 'tokens',
  GRAPHQL_MAX_COST: 'cost',
};

/** A refusal under a limit; `carrier` is the code Apollo's pipeline lets through unmasked. */
function limitError(limit: LimitName, max: number, found: number | undefined, carrier = 'GRAPHQL_VALIDATION_FAILED'): GraphQLError {
  const foundText = found === undefined ? 'more than that' : `found ${found}`;
  const message = `The query exceeds the ${WHAT[limit]} limit of ${max} (${limit}): ${foundText}`;
  return new GraphQLError(message, { extensions: { code: carrier, limitCode: CODES[limit], limit, max, ...(found === undefined ? {} : { found }), http: { status: 400 } } });
}

const foundIn = (message: string): number | undefined => {
  const m = message.match(/found (\d+)/);
  return m ? Number(m[1]) : undefined;
};

// ---------------------------------------------------------------------------
// Cost.

const PAGE_ARGUMENTS = ['first', 'last', 'limit'];

/** A literal or variable integer argument, if the operation gives one. */
function intArgument(value: ValueNode | undefined, variables: Record<string, unknown>): number | undefined {
  if (!value) return undefined;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  }
  return undefined;
}

/**
 * The weight of an operation: every field counts 1 plus its selection, times how
 * many times it can repeat — the page size for a paginated field (when not given:
 * the argument's schema default, else GRAPHQL_DEFAULT_PAGE_SIZE, the hub's usual
 * `pageSize()` fallback; out of range: MAX_PAGE_SIZE, the resolver refuses it anyway),
 * the representations count for `_entities`, GRAPHQL_ASSUMED_LIST_SIZE for another list. `edges`/`nodes` of a connection are already counted by its page
 * size. Introspection fields are not weighed (introspection is off in production).
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown>,
  { assumedListSize, defaultPageSize }: Pick<QueryLimits, 'assumedListSize' | 'defaultPageSize'>,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && (!operationName || d.name?.value === operationName));
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return 0;
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;

  const costOf = (set: SelectionSetNode | undefined, parent: GraphQLNamedType, multiplied: boolean, seen: Set<string>): number => {
    if (!set) return 0;
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.INLINE_FRAGMENT) {
        const on = s.typeCondition ? schema.getType(s.typeCondition.name.value) ?? parent : parent;
        total += costOf(s.selectionSet, on, multiplied, seen);
      } else if (s.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(s.name.value);
        if (!f || seen.has(f.name.value)) continue; // a cycle is a validation error already reported
        const on = schema.getType(f.typeCondition.name.value) ?? parent;
        total += costOf(f.selectionSet, on, multiplied, new Set([...seen, f.name.value]));
      } else {
        if (s.name.value.startsWith('__')) continue;
        const field: GraphQLField<unknown, unknown> | undefined = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[s.name.value] : undefined;
        if (!field) continue;
        const type = getNullableType(field.type);
        let times = 1;
        let pages = false;
        const page = s.arguments?.find((a) => PAGE_ARGUMENTS.includes(a.name.value));
        if (s.name.value === '_entities') {
          const reps = s.arguments?.find((a) => a.name.value === 'representations')?.value;
          const list = reps?.kind === Kind.VARIABLE ? variables[reps.name.value] : reps?.kind === Kind.LIST ? reps.values : undefined;
          times = Array.isArray(list) ? list.length : assumedListSize;
        } else if (page || field.args.some((a) => PAGE_ARGUMENTS.includes(a.name))) {
          const n = intArgument(page?.value, variables);
          const fallback = field.args.find((a) => PAGE_ARGUMENTS.includes(a.name))?.defaultValue;
          const size = n ?? (typeof fallback === 'number' ? fallback : defaultPageSize);
          times = size >= 1 && size <= MAX_PAGE_SIZE ? size : MAX_PAGE_SIZE;
          pages = true;
        } else if (isListType(type) && !(multiplied && (s.name.value === 'edges' || s.name.value === 'nodes'))) {
          times = assumedListSize;
        }
        total += times * (1 + costOf(s.selectionSet, getNamedType(field.type), pages, seen));
      }
    }
    return total;
  };
  return costOf(operation.selectionSet, root, false, new Set());
}

// ---------------------------------------------------------------------------
// The Apollo configuration every server spreads into its options.

const TOKEN_LIMIT_MESSAGE = /Document contains more tha[nt] (\d+) tokens/;

/**
 * Refuses over-cost operations once the operation is known (before the gateway
 * plans it), and gives every limit refusal its own code on the way out.
 */
function limitsPlugin(side: LimitSide): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operationName, request }) {
          const limits = queryLimits(side);
          const cost = operationCost(schema, document, operationName, request.variables ?? {}, limits);
          if (cost > limits.maxCost) throw limitError('GRAPHQL_MAX_COST', limits.maxCost, cost);
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          for (const e of response.body.singleResult.errors ?? []) {
            const ext = e.extensions as Record<string, unknown> | undefined;
            if (!ext) continue;
            if (typeof ext.limitCode === 'string') {
              ext.code = ext.limitCode;
              delete ext.limitCode;
            } else if (ext.code === 'GRAPHQL_PARSE_FAILED' && TOKEN_LIMIT_MESSAGE.test(e.message)) {
              const max = Number(e.message.match(TOKEN_LIMIT_MESSAGE)![1]);
              Object.assign(e, { message: limitError('GRAPHQL_MAX_TOKENS', max, undefined).message });
              Object.assign(ext, { code: CODES.GRAPHQL_MAX_TOKENS, limit: 'GRAPHQL_MAX_TOKENS', max });
            }
          }
        },
      };
    },
  };
}

export interface LimitOptions {
  plugins: ApolloServerPlugin<BaseContext>[];
  validationRules: ValidationRule[];
  parseOptions: { maxTokens: number };
  validationOptions: { maxErrors: number };
  introspection: boolean;
}

/**
 * What a server adds to its ApolloServer options: armor's depth, aliases and
 * directives rules (reported in the hub's convention), field suggestions blocked in
 * production, the token and cost limits, introspection off in production.
 */
export function graphqlLimits(side: LimitSide): LimitOptions {
  const limits = queryLimits(side);
  const report = (limit: LimitName, max: number) => [(ctx: ValidationContext | null, err: GraphQLError) => ctx?.reportError(limitError(limit, max, foundIn(err.message)))];
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true, propagateOnRejection: false, onReject: report('GRAPHQL_MAX_DEPTH', limits.maxDepth) },
    // __typename counts too (armor allows it by default): 101 aliases of it are still 101 fields to answer.
    maxAliases: { n: limits.maxAliases, allowList: [], propagateOnRejection: false, onReject: report('GRAPHQL_MAX_ALIASES', limits.maxAliases) },
    maxDirectives: { n: limits.maxDirectives, propagateOnRejection: false, onReject: report('GRAPHQL_MAX_DIRECTIVES', limits.maxDirectives) },
    blockFieldSuggestion: { enabled: flag('GRAPHQL_BLOCK_FIELD_SUGGESTIONS', production()) },
    // Tokens: graphql-js's parse option (armor's Apollo variant throws out of a hook); cost: page-size aware, above.
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
  }).protect();
  return {
    plugins: [...(armor.plugins as ApolloServerPlugin<BaseContext>[]), limitsPlugin(side)],
    validationRules: armor.validationRules as LimitOptions['validationRules'],
    parseOptions: { maxTokens: limits.maxTokens },
    validationOptions: { maxErrors: positiveInt('GRAPHQL_MAX_VALIDATION_ERRORS', LIMIT_DEFAULTS.GRAPHQL_MAX_VALIDATION_ERRORS) },
    introspection: flag('GRAPHQL_INTROSPECTION', !production()),
  };
}

// ---------------------------------------------------------------------------
// The gateway's front door: request deadline and per-principal rate limit.

/** The deadline of the HTTP request being served, for the gateway's subgraph fetches. */
const deadline = new AsyncLocalStorage<{ signal: AbortSignal; timeoutMs: number }>();
export const requestSignal = (): AbortSignal | undefined => deadline.getStore()?.signal;

export const requestTimeoutMs = () => positiveInt('GATEWAY_REQUEST_TIMEOUT_MS', LIMIT_DEFAULTS.GATEWAY_REQUEST_TIMEOUT_MS);
export const rateLimitPerMinute = () => positiveInt('RATE_LIMIT_PER_MINUTE', nodeEnv() === 'test' ? 0 : LIMIT_DEFAULTS.RATE_LIMIT_PER_MINUTE);

/**
 * Express middleware: the request gets a deadline (GATEWAY_REQUEST_TIMEOUT_MS); when
 * it passes, every subgraph fetch of the request is aborted (so it frees its sockets
 * and the plan ends at once) and `deadlinePlugin` answers REQUEST_TIMEOUT.
 */
export function requestDeadline(): express.RequestHandler {
  return (_req, res, next) => {
    const timeoutMs = requestTimeoutMs();
    if (timeoutMs === 0) return next();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException(`request deadline of ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    deadline.run({ signal: controller.signal, timeoutMs }, next);
  };
}

/** Replaces the answer of a request whose deadline passed with one clear error (HTTP 503). */
export function deadlinePlugin(): ApolloServerPlugin<BaseContext> {
  return {
    async requestDidStart() {
      const store = deadline.getStore();
      return {
        async willSendResponse({ response }) {
          if (!store?.signal.aborted || response.body.kind !== 'single') return;
          response.http.status = 503;
          response.body.singleResult = {
            errors: [{
              message: `The request did not finish within ${store.timeoutMs} ms (GATEWAY_REQUEST_TIMEOUT_MS); it was stopped`,
              extensions: { code: 'REQUEST_TIMEOUT', limit: 'GATEWAY_REQUEST_TIMEOUT_MS', max: store.timeoutMs, retryable: true },
            }],
          };
        },
      };
    },
  };
}

/**
 * A token bucket per principal (`sub`), in memory: RATE_LIMIT_PER_MINUTE requests a
 * minute with bursts of as many, refilled continuously. Over it: HTTP 429,
 * `Retry-After`, code RATE_LIMITED with `retryAfter` seconds. A request whose token
 * does not verify passes through to be answered UNAUTHENTICATED by the endpoint.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private static readonly MAX_PRINCIPALS = 100_000;

  /** Seconds to wait, or 0 when the request may go ahead. */
  take(sub: string, perMinute: number, now = Date.now()): number {
    const b = this.buckets.get(sub) ?? { tokens: perMinute, at: now };
    b.tokens = Math.min(perMinute, b.tokens + ((now - b.at) / 60_000) * perMinute);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(sub, b);
      return Math.max(1, Math.ceil(((1 - b.tokens) / perMinute) * 60));
    }
    b.tokens -= 1;
    if (!this.buckets.has(sub) && this.buckets.size >= RateLimiter.MAX_PRINCIPALS) this.sweep(perMinute, now);
    this.buckets.set(sub, b);
    return 0;
  }

  /** Forgets full buckets (they are what a new principal starts with anyway). */
  private sweep(perMinute: number, now: number): void {
    for (const [sub, b] of this.buckets) if (b.tokens + ((now - b.at) / 60_000) * perMinute >= perMinute) this.buckets.delete(sub);
    if (this.buckets.size >= RateLimiter.MAX_PRINCIPALS) this.buckets.clear();
  }
}

export function rateLimit(limiter: RateLimiter, subjectOf: (authorization: string | undefined) => Promise<string | null>): express.RequestHandler {
  return (req, res, next) => {
    const perMinute = rateLimitPerMinute();
    if (perMinute === 0 || req.method === 'OPTIONS') return next();
    subjectOf(req.headers.authorization).then((sub) => {
      const wait = sub ? limiter.take(sub, perMinute) : 0;
      if (wait === 0) return next();
      res.setHeader('retry-after', String(wait));
      res.status(429).json({
        errors: [{
          message: `Too many requests: at most ${perMinute} a minute per caller (RATE_LIMIT_PER_MINUTE); retry after ${wait} s`,
          extensions: { code: 'RATE_LIMITED', limit: 'RATE_LIMIT_PER_MINUTE', max: perMinute, retryAfter: wait },
        }],
      });
    }, () => next());
  };
}
