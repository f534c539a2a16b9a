/**
 * `npm run seed [-- --patients N]`: migrates every subgraph and seeds the demo
 * population into an empty database (docker-compose runs it once before the services),
 * printing its progress (patients, rate, time left) once a second.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { config, SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import { resolveDatabaseUrl, stopEmbeddedPostgres } from '../shared/database';
import { startProgress } from '../shared/progress';
import { openSubgraphDatabase } from '../shared/subgraph';
import { SUBGRAPHS } from '../subgraphs';
import { isHubEmpty, seedDemoPopulation } from './seed/index';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { patients: { type: 'string' }, force: { type: 'boolean' } } });
  const count = values.patients ? Number(values.patients) : config.seedPatients;
  const url = await resolveDatabaseUrl();
  const dataSources = {} as Record<SubgraphName, Awaited<ReturnType<typeof openSubgraphDatabase>>>;
  for (const name of SUBGRAPH_NAMES) dataSources[name] = await openSubgraphDatabase(SUBGRAPHS[name], url);
  try {
    if (config.seed === 'none') console.log('SEED=none: migrations applied, nothing seeded');
    else if (!(await isHubEmpty(dataSources.patients))) console.log('The database already holds patients: nothing seeded');
    else {
      // One line a second (docker logs keep every line): patients so far, rate, time left.
      const progress = startProgress({ label: 'seeding', unit: 'patients', total: count, report: (r) => console.log(r.line) });
      await seedDemoPopulation(SUBGRAPHS, dataSources, count, (n) => progress.update(n));
      progress.finish();
    }
  } finally {
    for (const ds of Object.values(dataSources)) await ds.destroy();
    await stopEmbeddedPostgres();
  }
}

main().catch(async (err) => {
  console.error(err);
  await stopEmbeddedPostgres().catch(() => undefined);
  process.exit(1);
});
