/**
 * Relay-style connections with keyset cursors (issues 11, 15, 17): `first`/`after`,
 * `edges { cursor node }`, `pageInfo` and a lazy `totalCount`. A cursor is the sort
 * key of its row — base64url of `[list, ...values]`, the values as PostgreSQL
 * prints them — so the next page is "rows after this key" (an index range), page
 * 500 costs what page 1 costs, and rows inserted meanwhile never shift what was
 * read. Every ordering ends in a unique column and its expressions are NOT NULL
 * (coalesce a nullable column to a sentinel), so the key order is total.
 * `keysetRows` pages a query builder (the worklist, myReferrals); `childPages` pages a
 * one-to-many field for a whole batch of parents in one query (Patient.referrals).
 */
import type { DataSource, EntityTarget, ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { ClassType, Directive, Field, Int, ObjectType } from 'type-graphql';
import { badInput } from './errors';
import type { Loaders } from './federation';

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 50;
export const FIRST_DESCRIPTION = `How many, ${DEFAULT_PAGE_SIZE} when not given, at most ${MAX_PAGE_SIZE}`;
export const AFTER_DESCRIPTION = 'The endCursor (or an edge cursor) of the page before, from this same list';

/** The partner contract's tag (gateway/partner-contract.ts PARTNER_TAG): paging itself holds no patient data. */
const PARTNER_TAG = '@tag(name: "partner")';

/**
 * Shared by every subgraph's connections, hence @shareable; tagged for the partner
 * contract because metadata is global and `myReferrals` (a partner list) pages too.
 */
@ObjectType()
@Directive('@shareable')
export class PageInfo {
  @Directive(PARTNER_TAG) @Field() hasNextPage: boolean;
  @Directive(PARTNER_TAG) @Field({ description: 'True when the page was asked for with `after`' }) hasPreviousPage: boolean;
  @Directive(PARTNER_TAG) @Field(() => String, { nullable: true }) startCursor: string | null;
  @Directive(PARTNER_TAG) @Field(() => String, { nullable: true }) endCursor: string | null;
}

export function pageSize(first: number | null | undefined, fallback = DEFAULT_PAGE_SIZE): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE) throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first');
  return n;
}

// ---------------------------------------------------------------------------
// Keysets

export type Direction = 'ASC' | 'DESC';
/** How a key value is printed into the cursor, checked when it comes back, and cast in SQL. */
export type KeyType = 'uuid' | 'int' | 'bigint' | 'text' | 'timestamptz';

export interface KeyColumn {
  /** A NOT NULL SQL expression over the query's alias, e.g. `coalesce(p.lace_score, -1)`. */
  expr: string;
  direction: Direction;
  type: KeyType;
}

/** An ordering of one list; `list` names it inside its cursors, so a cursor of another list or order is refused. */
export interface Keyset {
  list: string;
  columns: KeyColumn[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const VALID: Record<KeyType, (v: string) => boolean> = {
  uuid: (v) => UUID.test(v),
  int: (v) => /^-?\d{1,9}$/.test(v),
  bigint: (v) => /^-?\d{1,18}$/.test(v),
  text: (v) => v.length <= 1000,
  // As keyText prints it: UTC with microseconds, or PostgreSQL's infinities.
  timestamptz: (v) => /^(-?infinity|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)$/.test(v),
};
const SQL_TYPE: Record<KeyType, string> = { uuid: 'uuid', int: 'integer', bigint: 'bigint', text: 'text', timestamptz: 'timestamptz' };
/** As shared/input-validation.ts bounds `after`: two 200-character names in any script fit. */
const MAX_CURSOR_LENGTH = 4096;

/** The SQL that prints a key column as the cursor carries it (exact: microseconds, no time-zone dependence). */
export function keyText(c: KeyColumn): string {
  if (c.type !== 'timestamptz') return `(${c.expr})::text`;
  // to_char gives null for ±infinity; those print as themselves.
  return `coalesce(to_char((${c.expr}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), (${c.expr})::text)`;
}

export function encodeKeysetCursor(ks: Keyset, values: readonly string[]): string {
  return Buffer.from(JSON.stringify([ks.list, ...values])).toString('base64url');
}

const invalidCursor = () => badInput('The cursor is not valid for this list', 'after');

/** The key values in `after`, or null without one. BAD_USER_INPUT on `after` for anything this list did not issue. */
export function decodeKeysetCursor(ks: Keyset, cursor: string | null | undefined): string[] | null {
  if (cursor === null || cursor === undefined) return null;
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  const bytes = Buffer.from(cursor, 'base64url');
  if (bytes.toString('base64url') !== cursor) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== ks.columns.length + 1 || parsed[0] !== ks.list) throw invalidCursor();
  const values = parsed.slice(1);
  ks.columns.forEach((c, i) => {
    if (typeof values[i] !== 'string' || !VALID[c.type](values[i])) throw invalidCursor();
  });
  return values as string[];
}

export interface SqlCondition {
  sql: string;
  params: Record<string, unknown>;
}

/**
 * Rows strictly after `values` in the keyset's order. One row-value comparison
 * `(a, b) < (:k0, :k1)` when every column sorts the same way (an index range
 * bound); otherwise the expanded form `a > :k0 OR (a = :k0 AND b < :k1)`.
 */
export function keysetCondition(ks: Keyset, values: readonly string[], prefix = 'keyset'): SqlCondition {
  if (values.length !== ks.columns.length) throw new Error(`keyset ${ks.list}: ${values.length} values for ${ks.columns.length} columns`);
  const params: Record<string, unknown> = {};
  const param = ks.columns.map((c, i) => {
    params[`${prefix}${i}`] = values[i];
    return `CAST(:${prefix}${i} AS ${SQL_TYPE[c.type]})`;
  });
  const op = (d: Direction) => (d === 'ASC' ? '>' : '<');
  const [first] = ks.columns;
  if (ks.columns.every((c) => c.direction === first.direction)) {
    return { sql: `(${ks.columns.map((c) => c.expr).join(', ')}) ${op(first.direction)} (${param.join(', ')})`, params };
  }
  const terms = ks.columns.map((c, i) => {
    const equal = ks.columns.slice(0, i).map((p, j) => `${p.expr} = ${param[j]}`);
    return `(${[...equal, `${c.expr} ${op(c.direction)} ${param[i]}`].join(' AND ')})`;
  });
  return { sql: `(${terms.join(' OR ')})`, params };
}

export const keysetOrder = (ks: Keyset) => ks.columns.map((c) => `${c.expr} ${c.direction}`).join(', ');

/** Orders the builder by the keyset and selects each key's cursor text as `__key<i>`. */
function orderAndSelectKeys<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, ks: Keyset, orderFirstBy?: string): SelectQueryBuilder<T> {
  if (orderFirstBy) qb.orderBy(orderFirstBy, 'ASC');
  ks.columns.forEach((c, i) => {
    if (i === 0 && !orderFirstBy) qb.orderBy(c.expr, c.direction);
    else qb.addOrderBy(c.expr, c.direction);
    qb.addSelect(keyText(c), `__key${i}`);
  });
  return qb;
}

/** Entities with their keys; the builder must have no joins that multiply rows (one raw row per entity). */
async function rowsWithKeys<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, ks: Keyset): Promise<KeyedRow<T>[]> {
  const { raw, entities } = await qb.getRawAndEntities();
  if (raw.length !== entities.length) throw new Error(`keyset ${ks.list}: ${raw.length} rows for ${entities.length} entities (a join multiplies rows)`);
  return entities.map((node, i) => ({ node, key: ks.columns.map((_, j) => String(raw[i][`__key${j}`])) }));
}

export interface KeyedRow<T> {
  node: T;
  key: string[];
}

/**
 * One keyset page of a query builder: its filters stay, the keyset orders it, `after`
 * narrows it and `first + 1` rows are read to know whether there is a next page.
 */
export async function keysetRows<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>, ks: Keyset, first: number, after: readonly string[] | null,
): Promise<KeyedRow<T>[]> {
  if (after) {
    const cond = keysetCondition(ks, after);
    qb.andWhere(cond.sql, cond.params);
  }
  return rowsWithKeys(orderAndSelectKeys(qb, ks).limit(first + 1), ks);
}

/** A keyset over the rows of one parent each (a patient's referrals, a plan's revisions) read for many parents at once. */
export interface ChildKeyset extends Keyset {
  /** The table, schema-qualified, and the alias the expressions use. */
  table: string;
  alias: string;
  /** The parent's column (bare name, on `alias`). */
  parent: string;
  /** Columns (bare names) that identify a row. */
  identity: string[];
}

/**
 * The next `first + 1` rows after `after` of every parent in `parentIds`, in one
 * query: a window numbers each parent's rows in key order. The builder must be over
 * the same table with the same alias, with no joins and no filters of its own (the
 * window numbers every row of the parent).
 */
export async function keysetRowsByParent<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>, ks: ChildKeyset, parentIds: readonly string[], first: number, after: readonly string[] | null,
  parentOf: (row: T) => string,
): Promise<Map<string, KeyedRow<T>[]>> {
  const a = ks.alias;
  const cond = after ? keysetCondition(ks, after) : null;
  const ids = ks.identity.join(', ');
  qb.andWhere(
    `(${ks.identity.map((c) => `${a}.${c}`).join(', ')}) IN (
       SELECT ${ids} FROM (
         SELECT ${ks.identity.map((c) => `${a}.${c}`).join(', ')}, row_number() OVER (PARTITION BY ${a}.${ks.parent} ORDER BY ${keysetOrder(ks)}) AS keyset_n
           FROM ${ks.table} ${a} WHERE ${a}.${ks.parent} IN (:...keysetParents)${cond ? ` AND ${cond.sql}` : ''}) keyset_w
        WHERE keyset_w.keyset_n <= :keysetLimit)`,
    { ...(cond?.params ?? {}), keysetParents: [...parentIds], keysetLimit: first + 1 },
  );
  const rows = await rowsWithKeys(orderAndSelectKeys(qb, ks, `${a}.${ks.parent}`), ks);
  const out = new Map<string, KeyedRow<T>[]>(parentIds.map((id) => [id, []]));
  for (const r of rows) out.get(parentOf(r.node))?.push(r);
  return out;
}

// ---------------------------------------------------------------------------
// Connections

export interface Edge<T> {
  cursor: string;
  node: T;
}
export interface Page<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  /** Lazy: a getter that counts only when the field is selected (once per page). */
  readonly totalCount: Promise<number>;
}

/** The page from `first + 1` keyed rows; `count` runs only if `totalCount` is read. */
export function toConnection<T>(ks: Keyset, rows: KeyedRow<T>[], first: number, after: readonly string[] | null, count: () => Promise<number>): Page<T> {
  return connectionOf(ks, rows.slice(0, first), rows.length > first, after, count);
}

/** The page of exactly these rows (a list that drops some rows after reading them says itself whether more follow). */
export function connectionOf<T>(ks: Keyset, rows: KeyedRow<T>[], hasNextPage: boolean, after: readonly string[] | null, count: () => Promise<number>): Page<T> {
  const edges = rows.map((r) => ({ cursor: encodeKeysetCursor(ks, r.key), node: r.node }));
  let counted: Promise<number> | null = null;
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
    get totalCount() {
      counted ??= count();
      return counted;
    },
  };
}

/**
 * Per-request loader of child connections (a patient's referrals, a team's members):
 * the pages asked for in one tick with the same `first` and `after` cost one query,
 * and each parent's count one grouped query, only when `totalCount` is selected.
 * `stamp` joins the cache key (a plan's version: its history changes with it);
 * `clear()` forgets every page after a write in the same request.
 */
export function childPages<T extends ObjectLiteral>(
  ctx: { loaders: Loaders; db: DataSource }, entity: EntityTarget<T>, ks: ChildKeyset, parentOf: (row: T) => string,
) {
  const counts = ctx.loaders.get<string, number>(`${ks.list}#count`, async (ids) => {
    const rows: { parent: string; n: number }[] = await ctx.db.query(
      `SELECT ${ks.parent} AS parent, count(*)::int AS n FROM ${ks.table} WHERE ${ks.parent} = ANY($1) GROUP BY 1`, [[...ids]]);
    const byParent = new Map(rows.map((r) => [String(r.parent), r.n]));
    return ids.map((id) => byParent.get(id) ?? 0);
  });
  type Key = [parent: string, first: number, after: string[] | null, stamp: string | number | null];
  const pages = ctx.loaders.get<string, Page<T>>(`${ks.list}#pages`, async (keys) => {
    const groups = new Map<string, { first: number; after: string[] | null; parents: Set<string> }>();
    for (const key of keys) {
      const [parent, first, after] = JSON.parse(key) as Key;
      const g = JSON.stringify([first, after]);
      if (!groups.has(g)) groups.set(g, { first, after, parents: new Set() });
      groups.get(g)!.parents.add(parent);
    }
    const byGroup = new Map<string, Map<string, KeyedRow<T>[]>>();
    await Promise.all([...groups].map(async ([g, { first, after, parents }]) => {
      byGroup.set(g, await keysetRowsByParent(ctx.db.getRepository(entity).createQueryBuilder(ks.alias), ks, [...parents], first, after, parentOf));
    }));
    return keys.map((key) => {
      const [parent, first, after] = JSON.parse(key) as Key;
      const rows = byGroup.get(JSON.stringify([first, after]))?.get(parent) ?? [];
      return toConnection(ks, rows, first, after, () => counts.load(parent));
    });
  });
  return {
    load: (parent: string, first: number, after: string[] | null, stamp: string | number | null = null) =>
      pages.load(JSON.stringify([parent, first, after, stamp] satisfies Key)),
    /** The empty page (a parent that cannot have rows, e.g. an id that is not one). */
    empty: (after: string[] | null): Page<T> => connectionOf(ks, [], false, after, async () => 0),
    clear: () => {
      pages.clearAll();
      counts.clearAll();
    },
  };
}

export interface ConnectionOptions {
  /** Directives for every field of the connection and edge types, e.g. the partner contract's tag. */
  fieldDirectives?: string[];
  description?: string;
}

/** Declares `<Name>Edge` and `<Name>Connection` object types for a node type. */
export function Connection<T extends object>(node: ClassType<T>, name: string, options: ConnectionOptions = {}) {
  const tag = (): PropertyDecorator => (target, key) => {
    for (const d of options.fieldDirectives ?? []) Directive(d)(target, key);
  };
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @tag() @Field({ description: 'Pass as `after` to read the rows after this one' }) cursor: string;
    @tag() @Field(() => node) node: T;
  }
  @ObjectType(`${name}Connection`, { description: options.description })
  class ConnectionType {
    @tag() @Field(() => [EdgeType]) edges: EdgeType[];
    @tag() @Field(() => PageInfo) pageInfo: PageInfo;
    @tag() @Field(() => Int, { description: 'All rows of the list (a count query: select it only where a screen shows it)' }) totalCount: number;
  }
  return ConnectionType;
}
