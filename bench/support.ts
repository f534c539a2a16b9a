/** What every benchmark needs: a scratch database, latency summaries, timed GraphQL calls. */
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { stopEmbeddedPostgres } from '../shared/database';

export interface ScratchDatabase { name: string; url: string; drop(): Promise<void> }

/** A fresh database on the server of `serverUrl` (DATABASE_URL's, or the embedded one). */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

export interface Summary { n: number; p50: number; p95: number; p99: number; mean: number; min: number; max: number }

export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), mean: s.reduce((a, b) => a + b, 0) / (s.length || 1), min: s[0], max: s[s.length - 1] };
}

export const ms = (n: number) => `${n.toFixed(1)} ms`;
export const formatSummary = (s: Summary) => `p50 ${ms(s.p50)}  p95 ${ms(s.p95)}  p99 ${ms(s.p99)}  mean ${ms(s.mean)}  min ${ms(s.min)}  max ${ms(s.max)}  (n=${s.n})`;

/** POSTs one GraphQL operation; returns its body and how long it took. */
export async function timedGraphQL<T = any>(url: string, token: string, query: string, variables?: Record<string, unknown>): Promise<{ ms: number; body: { data?: T; errors?: unknown[] } }> {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  return { ms: performance.now() - t0, body };
}

/** Drops the scratch database unless asked to keep it (to look at the data afterwards). */
export async function releaseScratchDatabase(scratch: ScratchDatabase, keep: boolean): Promise<void> {
  if (keep) console.log(`kept database ${scratch.name}`);
  else await scratch.drop();
}

/** Runs a benchmark's main: exit 0 when it ends, 1 on failure; the embedded PostgreSQL is stopped either way. */
export function runBenchmark(main: () => Promise<void>): void {
  main()
    .then(() => stopEmbeddedPostgres(), async (err) => {
      console.error(err);
      await stopEmbeddedPostgres().catch(() => undefined);
      process.exit(1);
    })
    .then(() => process.exit(0));
}
