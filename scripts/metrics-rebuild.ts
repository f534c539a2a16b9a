/**
 * `npm run metrics:rebuild`: empties the metrics read model and replays the whole
 * event log into it from position 0 (subgraphs/metrics/data/read-model.ts), in one
 * transaction: the figures stay readable, unchanged, until the rebuilt ones commit.
 * Safe while the metrics service runs (its consumer waits, then carries on). Prints
 * its progress (positions replayed, rate, time left) once a second.
 */
import 'reflect-metadata';
import { resolveDatabaseUrl, stopEmbeddedPostgres } from '../shared/database';
import { latestEventPosition } from '../shared/events';
import { logger } from '../shared/logger';
import { startProgress } from '../shared/progress';
import { openSubgraphDatabase } from '../shared/subgraph';
import { rebuildReadModel } from '../subgraphs/metrics/data/read-model';
import { metricsSubgraph } from '../subgraphs/metrics/main';

async function main(): Promise<void> {
  const ds = await openSubgraphDatabase(metricsSubgraph, await resolveDatabaseUrl());
  try {
    // Positions count the log's events, so the head is the total to replay (events appended meanwhile raise it).
    const head = Number(await latestEventPosition(ds));
    const progress = startProgress({ label: 'metrics:rebuild replaying', unit: 'events', total: head, report: (r) => console.log(r.line) });
    const { events, position } = await rebuildReadModel(ds, logger('metrics-rebuild'), (_n, at) => progress.update(Number(at)));
    progress.finish();
    console.log(`rebuilt the metrics read model from ${events} events up to position ${position}`);
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
