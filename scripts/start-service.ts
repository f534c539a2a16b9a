/**
 * Starts one service on its own: `node dist/scripts/start-service.js <name>` with
 * name = gateway | patients | care-teams | community-partners | metrics. This is
 * what each docker-compose service runs; configuration comes from the environment.
 */
import 'reflect-metadata';
import { SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import { resolveDatabaseUrl, stopEmbeddedPostgres } from '../shared/database';
import { stopOnSignals } from '../shared/http';
import { logger } from '../shared/logger';
import { startSubgraph } from '../shared/subgraph';
import { startGateway } from '../gateway/server';
import { SUBGRAPHS } from '../subgraphs';

async function main(): Promise<void> {
  const name = process.argv[2];
  const log = logger(name ?? 'service');
  if (name === 'gateway') {
    const gateway = await startGateway();
    stopOnSignals(() => gateway.stop(), log);
    return;
  }
  if (!SUBGRAPH_NAMES.includes(name as SubgraphName)) {
    console.error(`usage: start-service <gateway|${SUBGRAPH_NAMES.join('|')}>`);
    process.exit(2);
  }
  const service = await startSubgraph(SUBGRAPHS[name as SubgraphName], { databaseUrl: await resolveDatabaseUrl() });
  stopOnSignals(async () => {
    await service.stop();
    await stopEmbeddedPostgres();
  }, log);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
