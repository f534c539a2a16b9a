/**
 * `npm start`: the whole hub on one machine with nothing else installed. Embedded
 * PostgreSQL unless DATABASE_URL is set, migrations, the demo population when the
 * database is empty, the four subgraphs and the gateway. Ctrl-C stops it all.
 */
import 'reflect-metadata';
import { config, SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import { resolveDatabaseUrl, stopEmbeddedPostgres } from '../shared/database';
import { stopOnSignals } from '../shared/http';
import { logger } from '../shared/logger';
import { startSubgraph, type RunningSubgraph } from '../shared/subgraph';
import { startGateway } from '../gateway/server';
import { SUBGRAPHS } from '../subgraphs';
import { curlExample, demoTokens, SAMPLE_QUERY } from './demo';
import { isHubEmpty, seedDemoPopulation } from './seed/index';

async function main(): Promise<void> {
  const log = logger('hub');
  if (!config.databaseUrl) log.info({ dir: `${config.dataDir}/postgres`, port: config.embeddedPostgresPort }, 'DATABASE_URL is not set: starting embedded PostgreSQL');
  const databaseUrl = await resolveDatabaseUrl();

  const subgraphs = {} as Record<SubgraphName, RunningSubgraph>;
  const stopAll = async () => {
    await gateway?.stop();
    for (const name of [...SUBGRAPH_NAMES].reverse()) await subgraphs[name]?.stop();
    await stopEmbeddedPostgres();
  };
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  stopOnSignals(stopAll, log);

  for (const name of SUBGRAPH_NAMES) subgraphs[name] = await startSubgraph(SUBGRAPHS[name], { databaseUrl });

  if (config.seed === 'demo' && (await isHubEmpty(subgraphs.patients.ds))) {
    log.info({ patients: config.seedPatients }, 'empty database: seeding the demo population');
    const dataSources = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, subgraphs[n].ds])) as Record<SubgraphName, RunningSubgraph['ds']>;
    await seedDemoPopulation(SUBGRAPHS, dataSources, config.seedPatients);
  }

  const urls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, subgraphs[n].url])) as Record<SubgraphName, string>;
  gateway = await startGateway({ subgraphUrls: urls });

  const tokens = await demoTokens();
  const banner = [
    '',
    `Care Team Hub is running: ${gateway.url}`,
    '',
    'Demo tokens (Authorization: Bearer <token>, valid 12 hours):',
    ...Object.entries(tokens).map(([who, t]) => `  ${who}:\n    ${t}`),
    '',
    'A first query (patients, care teams, plans, referrals and KPI targets from all four subgraphs):',
    SAMPLE_QUERY,
    '',
    'With curl, as the admin:',
    `  ${curlExample(gateway.url, tokens.admin)}`,
    '',
    'Mint more tokens with: npm run token -- --role nurse --sub my-id',
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(banner.join('\n'));
}

main().catch(async (err) => {
  console.error(err);
  await stopEmbeddedPostgres().catch(() => undefined);
  process.exit(1);
});
