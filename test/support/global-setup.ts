/**
 * Once per `npm test`: a real PostgreSQL for every test file — DATABASE_URL when set,
 * otherwise an embedded one kept in .data/test-postgres — and a fresh JWT secret.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../shared/embedded-postgres';
import { freePort } from './net';

export default async function globalSetup(): Promise<void> {
  process.env.NODE_ENV = 'test';
  process.env.JWT_SECRET ??= crypto.randomBytes(32).toString('base64url');
  process.env.HUB_INTERNAL_KEY ??= crypto.randomBytes(32).toString('base64url');
  if (!process.env.DATABASE_URL) {
    const db: EmbeddedDatabase = await startEmbeddedPostgres({
      dir: path.resolve(__dirname, '../../.data/test-postgres'),
      port: await freePort(),
    });
    (globalThis as { __hubTestPostgres?: EmbeddedDatabase }).__hubTestPostgres = db;
    process.env.DATABASE_URL = db.url;
  }
}
