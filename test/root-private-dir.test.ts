/**
 * The newcomer path as root in a private directory (issue 16): `scripts/ci-root-private-dir.sh`
 * copies this checkout into a folder inside a fresh mode-700 `mktemp -d` and runs the README's
 * commands there with DATABASE_URL unset (npm ci, npm test on one file, npm start + a query,
 * SIGTERM, npm start again with the data kept). Run as part of `npm test` so CI proves it on
 * every change; as another user there is nothing to prove (PostgreSQL runs as that user).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!root) console.log('test/root-private-dir.test.ts: skipped, not running as root (the case it proves is root in a private directory)');

(root ? it : it.skip)('as root, in a folder inside a mode-700 mktemp -d: npm ci, npm test, npm start and a query work, and a restart keeps the data', () => {
  const script = path.resolve(__dirname, '..', 'scripts', 'ci-root-private-dir.sh');
  const env = { ...process.env };
  // The copy starts its own embedded PostgreSQL and its own key; nothing of this run's may leak in.
  for (const name of ['DATABASE_URL', 'JWT_SECRET', 'HUB_INTERNAL_KEY', 'NODE_ENV', 'JEST_WORKER_ID']) delete env[name];
  const run = spawnSync('bash', [script], { env, encoding: 'utf8', timeout: 15 * 60_000 });
  const out = `${run.stdout}\n${run.stderr}`;
  if (run.status !== 0) throw new Error(`ci-root-private-dir.sh exited ${run.status}:\n${out.slice(-4000)}`);
  expect(out).toMatch(/ci-root-private-dir: ok/);
}, 16 * 60_000);
