/**
 * `npm start`: the whole hub on one machine with nothing else installed. Embedded
 * PostgreSQL unless DATABASE_URL is set, migrations, the demo population when the
 * database is empty, the four subgraphs and the gateway.
 *
 * Ctrl-C (or SIGTERM) stops it all in order, at any point, start-up included: the
 * gateway first (subscribers get their last message, sockets close with 1001), then
 * the subgraphs (HTTP drained, consumers and pools closed), and PostgreSQL last, once
 * nobody uses it — it runs in its own process group, so the terminal's Ctrl-C does
 * not reach it directly.
 */
// First: OpenTelemetry must patch http, express, graphql and pg before they load (when OTEL_EXPORTER_OTLP_ENDPOINT is set).
import '../shared/telemetry-preload';
import 'reflect-metadata';
import { config, SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import { resolveDatabaseUrl, stopEmbeddedPostgres, waitForDatabase } from '../shared/database';
import { guardProcess, stopOnSignals } from '../shared/http';
import { logger } from '../shared/logger';
import { startSubgraph, type RunningSubgraph } from '../shared/subgraph';
import { stopTelemetry } from '../shared/telemetry';
import { startGateway } from '../gateway/server';
import { SUBGRAPHS } from '../subgraphs';
import { curlExample, demoTokens, SAMPLE_QUERY } from './demo';
import { isHubEmpty, seedDemoPopulation } from './seed/index';

async function main(): Promise<void> {
  const log = logger('hub');
  guardProcess(log);
  const subgraphs = {} as Record<SubgraphName, RunningSubgraph>;
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  const abort = new AbortController();

  const starting = (async () => {
    if (!config.databaseUrl) log.info({ dir: `${config.dataDir}/postgres`, port: config.embeddedPostgresPort }, 'DATABASE_URL is not set: starting embedded PostgreSQL');
    const databaseUrl = await resolveDatabaseUrl();
    await waitForDatabase(databaseUrl, { log, signal: abort.signal });
    for (const name of SUBGRAPH_NAMES) {
      abort.signal.throwIfAborted();
      subgraphs[name] = await startSubgraph(SUBGRAPHS[name], { databaseUrl });
    }
    if (config.seed === 'demo' && (await isHubEmpty(subgraphs.patients.ds))) {
      log.info({ patients: config.seedPatients }, 'empty database: seeding the demo population');
      const dataSources = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, subgraphs[n].ds])) as Record<SubgraphName, RunningSubgraph['ds']>;
      await seedDemoPopulation(SUBGRAPHS, dataSources, config.seedPatients);
    }
    abort.signal.throwIfAborted();
    const urls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, subgraphs[n].url])) as Record<SubgraphName, string>;
    gateway = await startGateway({ subgraphUrls: urls, databaseUrl });
  })();

  stopOnSignals(async () => {
    abort.abort();
    await starting.catch(() => undefined); // whatever started is stopped below
    await gateway?.stop();
    for (const name of [...SUBGRAPH_NAMES].reverse()) await subgraphs[name]?.stop();
    await stopTelemetry();
    await stopEmbeddedPostgres();
  }, log);

  await starting;
  const tokens = await demoTokens();
  const banner = [
    '',
    `Care Team Hub is running: ${gateway!.url}`,
    '',
    'Demo tokens (Authorization: Bearer <token>, valid 12 hours):',
    ...Object.entries(tokens).map(([who, t]) => `  ${who}:\n    ${t}`),
    '',
    'A first query (patients, care teams, plans, referrals and KPI targets from all four subgraphs):',
    SAMPLE_QUERY,
    '',
    'With curl, as the admin:',
    `  ${curlExample(gateway!.url, tokens.admin)}`,
    '',
    'Mint more tokens with: npm run token -- --role nurse --sub my-id',
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(banner.join('\n'));
}

main().catch(async (err) => {
  // Aborted by a signal: stopOnSignals is finishing the stop and sets the exit code.
  if ((err as Error)?.name === 'AbortError') return;
  console.error(err);
  await stopEmbeddedPostgres().catch(() => undefined);
  process.exit(1);
});
