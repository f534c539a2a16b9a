/**
 * `npm run audit:verify`: seals what is pending and recomputes the audit trail's seals
 * (shared/audit.ts verifyAuditChain) on DATABASE_URL, or the embedded PostgreSQL like
 * scripts/seed.ts. Prints how many records were checked; exits 0 when the chain is
 * intact, 1 naming the first position where it breaks (a record altered, deleted,
 * relinked or never sealed).
 */
import 'reflect-metadata';
import { Client } from 'pg';
import { AUDIT_SCHEMA, verifyAuditChain, type AuditChainReport } from '../shared/audit';
import { resolveDatabaseUrl, stopEmbeddedPostgres } from '../shared/database';

/** Verifies the chain in the database at `url` (a database without an audit trail has nothing to break). */
export async function verifyAuditTrail(url: string): Promise<AuditChainReport> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const [{ present }] = (await db.query(`SELECT to_regclass('${AUDIT_SCHEMA}.audit_event') IS NOT NULL AS present`)).rows;
    if (!present) return { records: 0, brokenAt: null, problem: null };
    return await verifyAuditChain({ query: async (sql, params) => (await db.query(sql, params as unknown[])).rows });
  } finally {
    await db.end();
  }
}

/** The line the command prints, and its exit code. */
export function describeReport(r: AuditChainReport): { line: string; exitCode: number } {
  return r.brokenAt === null
    ? { line: `audit trail intact: ${r.records} records checked${r.pending ? ` (${r.pending} more committed meanwhile, sealed on the next pass)` : ''}`, exitCode: 0 }
    : { line: `audit trail BROKEN at position ${r.brokenAt}: ${r.problem} (${r.records} records checked before it)`, exitCode: 1 };
}

async function main(): Promise<void> {
  const report = await verifyAuditTrail(await resolveDatabaseUrl());
  const { line, exitCode } = describeReport(report);
  (exitCode === 0 ? console.log : console.error)(line);
  await stopEmbeddedPostgres();
  process.exitCode = exitCode;
}

if (require.main === module) {
  main().catch(async (err) => {
    console.error(err);
    await stopEmbeddedPostgres().catch(() => undefined);
    process.exit(2);
  });
}
