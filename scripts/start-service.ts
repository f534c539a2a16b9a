/**
 * Starts one service on its own: `node dist/scripts/start-service.js <name>` with
 * name = gateway | patients | care-teams | community-partners | metrics. This is
 * what each docker-compose service runs; configuration comes from the environment.
 *
 * It waits for its database rather than exiting when it is not there yet (compose
 * starts everything at once; a failover may be under way), and SIGTERM or Ctrl-C
 * stops it cleanly at any moment, during start-up too: drain HTTP, end live
 * subscriptions, stop consumers and pools, exit 0.
 */
// First: OpenTelemetry must patch http, express, graphql and pg before they load (when OTEL_EXPORTER_OTLP_ENDPOINT is set).
import '../shared/telemetry-preload';
import 'reflect-metadata';
import { SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import { resolveDatabaseUrl, stopEmbeddedPostgres, waitForDatabase } from '../shared/database';
import { guardProcess, stopOnSignals } from '../shared/http';
import { logger } from '../shared/logger';
import { startSubgraph } from '../shared/subgraph';
import { stopTelemetry } from '../shared/telemetry';
import { startGateway } from '../gateway/server';
import { SUBGRAPHS } from '../subgraphs';

async function main(): Promise<void> {
  const name = process.argv[2];
  if (name !== 'gateway' && !SUBGRAPH_NAMES.includes(name as SubgraphName)) {
    console.error(`usage: start-service <gateway|${SUBGRAPH_NAMES.join('|')}>`);
    process.exit(2);
  }
  const log = logger(name);
  guardProcess(log);

  const abort = new AbortController();
  let service: { stop(): Promise<void> } | undefined;
  const starting = (async () => {
    const databaseUrl = await resolveDatabaseUrl();
    await waitForDatabase(databaseUrl, { log, signal: abort.signal });
    service = name === 'gateway'
      ? await startGateway({ databaseUrl })
      : await startSubgraph(SUBGRAPHS[name as SubgraphName], { databaseUrl });
  })();
  stopOnSignals(async () => {
    abort.abort();
    await starting.catch(() => undefined); // a start that fails or is aborted leaves nothing to stop
    await service?.stop();
    await stopTelemetry(); // the last spans are exported before exit
    await stopEmbeddedPostgres();
  }, log);
  await starting;
}

main().catch((err) => {
  // Aborted by a signal: stopOnSignals is finishing the stop and sets the exit code.
  if ((err as Error)?.name === 'AbortError') return;
  console.error(err);
  process.exit(1);
});
