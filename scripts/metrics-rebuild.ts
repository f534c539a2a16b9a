/**
 * `npm run metrics:rebuild`: empties the metrics read model and replays the whole
 * event log into it from position 0 (subgraphs/metrics/data/read-model.ts), in one
 * transaction: the figures stay readable, unchanged, until the rebuilt ones commit.
 * Safe while the metrics service runs (its consumer waits, then carries on).
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { resolveDatabaseUrl, stopEmbeddedPostgres } from '../shared/database';
import { logger } from '../shared/logger';
import { openSubgraphDatabase } from '../shared/subgraph';
import { rebuildReadModel } from '../subgraphs/metrics/data/read-model';
import { metricsSubgraph } from '../subgraphs/metrics/main';

async function main(): Promise<void> {
  const ds = await openSubgraphDatabase(metricsSubgraph, await resolveDatabaseUrl());
  try {
    const started = performance.now();
    const { events, position } = await rebuildReadModel(ds, logger('metrics-rebuild'), (n, at) => process.stdout.write(`\rreplayed ${n} events (position ${at})`));
    const seconds = (performance.now() - started) / 1000;
    console.log(`\nrebuilt the metrics read model from ${events} events up to position ${position} in ${seconds.toFixed(1)} s`);
  } finally {
    await ds.destroy();
    await stopEmbeddedPostgres();
  }
}

main().catch(async (err) => {
  console.error(err);
  await stopEmbeddedPostgres().catch(() => undefined);
  process.exit(1);
});
