/**
 * Turns a type-graphql schema into an Apollo Federation 2 subgraph schema, and
 * batches entity references per request so the gateway's `_entities` calls cost a
 * constant number of SQL queries, not one per representation. Every Query and
 * Mutation field gets the shared input layer (shared/input-validation.ts) before its
 * resolver, so no subgraph can forget it.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import DataLoader from 'dataloader';
import { type GraphQLSchema, parse } from 'graphql';
import { buildSchema, createResolversMap, type NonEmptyArray } from 'type-graphql';
import type { AuditCollector } from './audit';
import { assertCleanArguments } from './input-validation';
import { requestScope } from './request-scope';

export const FEDERATION_VERSION = 'v2.7';
const FEDERATION_IMPORTS = ['@key', '@shareable', '@external', '@requires', '@provides', '@tag', '@inaccessible'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ReferenceResolver = (reference: any, context: any) => unknown;

export interface FederatedSchemaOptions {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  resolvers: NonEmptyArray<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  orphanedTypes?: Function[];
  /** `__resolveReference` per entity type name. */
  referenceResolvers?: Record<string, ReferenceResolver>;
}

export async function buildFederatedSchema(o: FederatedSchemaOptions): Promise<GraphQLSchema> {
  const schema = await buildSchema({ resolvers: o.resolvers, orphanedTypes: o.orphanedTypes, skipCheck: true, validate: false });
  const typeDefs = parse(`extend schema @link(url: "https://specs.apollo.dev/federation/${FEDERATION_VERSION}", import: ${JSON.stringify(FEDERATION_IMPORTS)})\n\n${printSchemaWithDirectives(schema)}`);
  const resolvers = createResolversMap(schema) as GraphQLResolverMap<unknown>;
  inRequestScope(resolvers);
  withCleanArguments(resolvers);
  for (const [typeName, resolveReference] of Object.entries(o.referenceResolvers ?? {})) {
    resolvers[typeName] = { ...(resolvers[typeName] as object), __resolveReference: resolveReference } as never;
  }
  // Nothing may transform the schema after this: it would drop `resolveReference`.
  return buildSubgraphSchema({ typeDefs, resolvers });
}

/**
 * Every mutation runs inside its request's scope, so the outbox can append the
 * write's audit record in the write's own transaction (shared/request-scope.ts).
 */
function inRequestScope(resolvers: GraphQLResolverMap<unknown>): void {
  const mutation = resolvers.Mutation as Record<string, unknown> | undefined;
  for (const [name, field] of Object.entries(mutation ?? {})) {
    const resolve = typeof field === 'function' ? field : (field as { resolve?: unknown }).resolve;
    if (typeof resolve !== 'function') continue;
    const scoped = (root: unknown, args: unknown, ctx: { audit?: AuditCollector }, info: unknown) =>
      ctx?.audit ? requestScope.run({ audit: { ...ctx.audit.request, operation: name } }, () => resolve(root, args, ctx, info)) : resolve(root, args, ctx, info);
    if (typeof field === 'function') mutation![name] = scoped;
    else (field as { resolve: unknown }).resolve = scoped;
  }
}

/**
 * Every Query and Mutation field refuses NUL bytes, lone surrogates and over-long
 * strings in its arguments (BAD_USER_INPUT naming the argument) before it runs.
 */
function withCleanArguments(resolvers: GraphQLResolverMap<unknown>): void {
  for (const root of ['Query', 'Mutation'] as const) {
    const fields = resolvers[root] as Record<string, unknown> | undefined;
    for (const [name, field] of Object.entries(fields ?? {})) {
      const resolve = typeof field === 'function' ? field : (field as { resolve?: unknown }).resolve;
      if (typeof resolve !== 'function') continue;
      const checked = (parent: unknown, args: unknown, ctx: unknown, info: unknown) => {
        assertCleanArguments(args);
        return resolve(parent, args, ctx, info);
      };
      if (typeof field === 'function') fields![name] = checked;
      else (field as { resolve: unknown }).resolve = checked;
    }
  }
}

/** Per-request DataLoaders, keyed by name, created on first use. */
export class Loaders {
  private readonly loaders = new Map<string, DataLoader<unknown, unknown>>();

  get<K, V>(name: string, batch: (keys: readonly K[]) => Promise<readonly (V | Error)[]>): DataLoader<K, V> {
    let loader = this.loaders.get(name);
    if (!loader) {
      loader = new DataLoader<K, V>(batch, { maxBatchSize: 1000 }) as DataLoader<unknown, unknown>;
      this.loaders.set(name, loader);
    }
    return loader as DataLoader<K, V>;
  }
}

/** Orders rows to match `keys`, with null where a key has no row (DataLoader's contract). */
export function alignByKey<T, K>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): (T | null)[] {
  const byKey = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => byKey.get(k) ?? null);
}

/** Groups rows per key, with [] where a key has none (for one-to-many loaders). */
export function groupByKey<T, K>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): T[][] {
  const groups = new Map<K, T[]>(keys.map((k) => [k, []]));
  for (const r of rows) groups.get(keyOf(r))?.push(r);
  return keys.map((k) => groups.get(k) ?? []);
}

/** Entity ids are UUIDs; anything else cannot exist, so it is "not found" without a query. */
export const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
