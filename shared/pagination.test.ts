/**
 * Keyset cursors and conditions (shared/pagination.ts): the SQL each keyset makes,
 * strict decoding, and — on a temporary table in the real PostgreSQL — that walking
 * with those conditions and printed keys gives every row once, in ORDER BY order,
 * for same-direction (row comparison) and mixed (expanded) keysets, microsecond
 * timestamps and infinities included.
 */
import { Client } from 'pg';
import {
  connectionOf, decodeKeysetCursor, encodeKeysetCursor, keysetCondition, keysetOrder, keyText, pageSize, toConnection,
  type Keyset,
} from './pagination';

const BY_TIME_DESC: Keyset = {
  list: 'test.desc',
  columns: [
    { expr: "coalesce(t.at, '-infinity'::timestamptz)", direction: 'DESC', type: 'timestamptz' },
    { expr: 't.id', direction: 'DESC', type: 'uuid' },
  ],
};
const MIXED: Keyset = {
  list: 'test.mixed',
  columns: [
    { expr: 't.score', direction: 'DESC', type: 'int' },
    { expr: 'lower(t.name)', direction: 'ASC', type: 'text' },
    { expr: 't.id', direction: 'ASC', type: 'uuid' },
  ],
};
const U1 = '00000000-0000-4000-8000-000000000001';

describe('keysetCondition', () => {
  it('is one row comparison when every column sorts the same way', () => {
    expect(keysetCondition(BY_TIME_DESC, ['2026-01-01T00:00:00.000001Z', U1])).toEqual({
      sql: "(coalesce(t.at, '-infinity'::timestamptz), t.id) < (CAST(:keyset0 AS timestamptz), CAST(:keyset1 AS uuid))",
      params: { keyset0: '2026-01-01T00:00:00.000001Z', keyset1: U1 },
    });
    const asc: Keyset = { list: 'a', columns: [{ expr: 'v.version', direction: 'ASC', type: 'int' }] };
    expect(keysetCondition(asc, ['3'], 'k').sql).toBe('(v.version) > (CAST(:k0 AS integer))');
  });

  it('expands to OR terms when directions differ', () => {
    expect(keysetCondition(MIXED, ['7', 'ab', U1]).sql).toBe(
      '((t.score < CAST(:keyset0 AS integer)) OR (t.score = CAST(:keyset0 AS integer) AND lower(t.name) > CAST(:keyset1 AS text))'
      + ' OR (t.score = CAST(:keyset0 AS integer) AND lower(t.name) = CAST(:keyset1 AS text) AND t.id > CAST(:keyset2 AS uuid)))',
    );
  });

  it('orders by the same expressions', () => {
    expect(keysetOrder(MIXED)).toBe('t.score DESC, lower(t.name) ASC, t.id ASC');
  });

  it('refuses a value count that does not match the columns (a programming error, not input)', () => {
    expect(() => keysetCondition(MIXED, ['1'])).toThrow(/1 values for 3 columns/);
  });
});

describe('cursors', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      const ext = (e as { extensions?: { code?: string; field?: string } }).extensions;
      return `${ext?.code}:${ext?.field}`;
    }
    return 'accepted';
  };

  it('round-trip the key values and are opaque base64url', () => {
    const c = encodeKeysetCursor(MIXED, ['12', 'o\'brien "x"', U1]);
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeKeysetCursor(MIXED, c)).toEqual(['12', 'o\'brien "x"', U1]);
    expect(decodeKeysetCursor(MIXED, null)).toBeNull();
    expect(decodeKeysetCursor(MIXED, undefined)).toBeNull();
  });

  it.each([
    ['empty', MIXED, ''],
    ['not base64url', MIXED, 'a+b/c='],
    ['padded', MIXED, `${encodeKeysetCursor(MIXED, ['1', 'a', U1])}=`],
    ['not JSON', MIXED, Buffer.from('nope').toString('base64url')],
    ['an object', MIXED, Buffer.from('{"list":"test.mixed"}').toString('base64url')],
    ['another list', MIXED, encodeKeysetCursor(BY_TIME_DESC, ['infinity', U1])],
    ['too few values', MIXED, Buffer.from('["test.mixed","1","a"]').toString('base64url')],
    ['a number, not a string', MIXED, Buffer.from(`["test.mixed",1,"a","${U1}"]`).toString('base64url')],
    ['an int that is not one', MIXED, Buffer.from(`["test.mixed","1 OR 1=1","a","${U1}"]`).toString('base64url')],
    ['a uuid that is not one', MIXED, Buffer.from('["test.mixed","1","a","x"]').toString('base64url')],
    ['a timestamp in another format', BY_TIME_DESC, Buffer.from(`["test.desc","2026-01-01 00:00:00+00","${U1}"]`).toString('base64url')],
    ['too long', MIXED, 'A'.repeat(5000)],
    ['a text value over 1,000 characters', MIXED, encodeKeysetCursor(MIXED, ['1', 'a'.repeat(1001), U1])],
  ] as [string, Keyset, string][])('refuse %s with BAD_USER_INPUT on after', (_what, ks, cursor) => {
    expect(code(() => decodeKeysetCursor(ks, cursor))).toBe('BAD_USER_INPUT:after');
  });

  it('accept the timestamp forms keyText prints', () => {
    for (const t of ['2026-12-01T13:22:00.123456Z', 'infinity', '-infinity']) {
      expect(decodeKeysetCursor(BY_TIME_DESC, encodeKeysetCursor(BY_TIME_DESC, [t, U1]))).toEqual([t, U1]);
    }
  });
});

describe('pageSize and pages', () => {
  it('bounds first to 1..200 with a default of 50', () => {
    expect(pageSize(undefined)).toBe(50);
    expect(pageSize(200)).toBe(200);
    for (const n of [0, -1, 201, 1.5]) expect(() => pageSize(n)).toThrow(/between 1 and 200/);
  });

  it('reads first + 1 rows to know hasNextPage and counts only when totalCount is read', async () => {
    let counted = 0;
    const count = async () => ++counted;
    const rows = ['1', '2', '3'].map((v) => ({ node: v, key: [v] }));
    const asc: Keyset = { list: 'n', columns: [{ expr: 'n', direction: 'ASC', type: 'int' }] };
    const page = toConnection(asc, rows, 2, null, count);
    expect(page.edges.map((e) => e.node)).toEqual(['1', '2']);
    expect(page.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: page.edges[0].cursor, endCursor: page.edges[1].cursor });
    expect(decodeKeysetCursor(asc, page.pageInfo.endCursor)).toEqual(['2']);
    expect(counted).toBe(0);
    expect(await page.totalCount).toBe(1);
    expect(await page.totalCount).toBe(1); // once per page
    const last = toConnection(asc, rows.slice(2), 2, ['2'], count);
    expect(last.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(connectionOf(asc, [], false, null, count).pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null });
  });
});

describe('keysets on PostgreSQL', () => {
  const client = new Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
  beforeAll(async () => {
    await client.connect();
    await client.query(`CREATE TEMP TABLE t (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), at timestamptz, score int NOT NULL, name text NOT NULL)`);
    // Ties on every column but the id, microsecond times, nulls (coalesced to -infinity) and +infinity.
    await client.query(`INSERT INTO t (at, score, name)
      SELECT (ARRAY['2026-01-01T00:00:00.000001Z', '2026-01-01T00:00:00.000002Z', NULL, 'infinity', '2026-01-01T00:00:00.000001Z'])[1 + i % 5]::timestamptz,
             i % 3, (ARRAY['Ana', 'ana', 'Bea', 'Zoe'])[1 + i % 4]
        FROM generate_series(1, 37) i`);
  });
  afterAll(async () => { await client.end(); });

  /** Rewrites TypeORM's :named parameters to $n for the plain client. */
  function run(sql: string, params: Record<string, unknown>) {
    const values: unknown[] = [];
    const text = sql.replace(/:(keyset\d+)/g, (_, name: string) => {
      values.push(params[name]);
      return `$${values.length}`;
    });
    return client.query(text, values);
  }

  it.each([['same direction (row comparison)', BY_TIME_DESC], ['mixed directions (expanded)', MIXED]])('%s: every row once, in ORDER BY order', async (_what, ks) => {
    const order = keysetOrder(ks);
    const expected = (await client.query(`SELECT t.id FROM t t ORDER BY ${order}`)).rows.map((r) => r.id);
    const seen: string[] = [];
    let after: string[] | null = null;
    for (let i = 0; i < 100; i++) {
      const cond = after ? keysetCondition(ks, after) : null;
      const keys = ks.columns.map((c, j) => `${keyText(c)} AS k${j}`).join(', ');
      const { rows } = await run(`SELECT t.id, ${keys} FROM t t ${cond ? `WHERE ${cond.sql}` : ''} ORDER BY ${order} LIMIT 4`, cond?.params ?? {});
      if (rows.length === 0) break;
      seen.push(...rows.map((r) => r.id));
      // Through the cursor and back, as a client would send it.
      const last = rows.at(-1)!;
      after = decodeKeysetCursor(ks, encodeKeysetCursor(ks, ks.columns.map((_, j) => last[`k${j}`])));
    }
    expect(seen).toEqual(expected);
  });
});
