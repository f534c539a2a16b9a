/**
 * `npm run bench:abuse [-- --patients 200 --runs 200 --abusers 4 --keep]`
 *
 * Issue 11: while abusive requests are refused in a loop, a normal query's latency
 * stays within 2× of its idle latency. Starts the whole hub in-process on a scratch
 * database with a small demo population, times the README sample query idle, then
 * again while `--abusers` clients send, back to back, the measured attacks: the
 * 95 KB POST of 1,000 aliased `patients(first: 200) { conditions encounters }`
 * (refused TOO_MANY_TOKENS), 1,000 aliases of `myReferrals` on the partner endpoint,
 * and a within-token-limit query over the cost limit (QUERY_TOO_COMPLEX). Prints
 * idle and under-abuse p50/p95, their ratio, and how long a refusal takes (the
 * "under 50 ms, before planning" figure). The rate limit is off here: it would
 * refuse the abusers even sooner (429), hiding what the query limits cost.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { mintDevToken, Role } from '../shared/auth';
import { SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import { resolveDatabaseUrl } from '../shared/database';
import { startSubgraph, type RunningSubgraph } from '../shared/subgraph';
import { composeSupergraph, subgraphSdls } from '../gateway/compose';
import { startGateway } from '../gateway/server';
import { SAMPLE_QUERY } from '../scripts/demo';
import { DEMO_PARTNERS } from '../scripts/seed/population';
import { seedDemoPopulation } from '../scripts/seed/index';
import { SUBGRAPHS } from '../subgraphs';
import { createScratchDatabase, formatSummary, releaseScratchDatabase, runBenchmark, summarize, timedGraphQL } from './support';

const { values: args } = parseArgs({
  options: {
    patients: { type: 'string', default: '200' },
    runs: { type: 'string', default: '200' },
    abusers: { type: 'string', default: '4' },
    keep: { type: 'boolean', default: false },
  },
});

const ALIAS_ATTACK = `{ ${Array.from({ length: 1000 }, (_, i) => `p${i}: patients(first: 200) { edges { node { id conditions { code } encounters { id } } } }`).join(' ')} }`;
const PARTNER_ATTACK = `{ ${Array.from({ length: 1000 }, (_, i) => `r${i}: myReferrals { totalCount }`).join(' ')} }`;
const COST_ATTACK = `{ ${Array.from({ length: 12 }, (_, i) => `p${i}: patients(first: 200) { edges { node { id conditions { code } encounters { id } careTeams { members { edges { node { role } } } } } } }`).join(' ')} }`;

async function post(url: string, token: string, query: string): Promise<{ ms: number; status: number; code?: string }> {
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
  return { ms: performance.now() - t0, status: res.status, code: body.errors?.[0]?.extensions?.code };
}

async function timeNormal(url: string, token: string, runs: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await timedGraphQL(url, token, SAMPLE_QUERY);
    if (r.body.errors) throw new Error(`the normal query failed: ${JSON.stringify(r.body.errors)}`);
    samples.push(r.ms);
  }
  return samples;
}

async function main(): Promise<void> {
  process.env.RATE_LIMIT_PER_MINUTE = '0';
  const runs = Number(args.runs);
  const scratch = await createScratchDatabase(await resolveDatabaseUrl(), 'bench_abuse');
  const subgraphs = {} as Record<SubgraphName, RunningSubgraph>;
  for (const name of SUBGRAPH_NAMES) subgraphs[name] = await startSubgraph(SUBGRAPHS[name], { databaseUrl: scratch.url, port: 0 });
  const dataSources = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, subgraphs[n].ds])) as Record<SubgraphName, RunningSubgraph['ds']>;
  await seedDemoPopulation(SUBGRAPHS, dataSources, Number(args.patients));
  const urls = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, subgraphs[n].url])) as Record<SubgraphName, string>;
  const gateway = await startGateway({ supergraphSdl: composeSupergraph(await subgraphSdls(SUBGRAPHS, urls)), port: 0, databaseUrl: scratch.url, redisUrl: null });
  const partnerUrl = gateway.url.replace(/\/graphql$/, '/partner/graphql');
  const admin = await mintDevToken({ sub: 'bench-admin', roles: [Role.ADMIN] });
  const partner = await mintDevToken({ sub: 'bench-partner', roles: [Role.PARTNER_STAFF], org: DEMO_PARTNERS[0].id });
  const abuser = await mintDevToken({ sub: 'bench-abuser', roles: [Role.ADMIN] });

  try {
    await timeNormal(gateway.url, admin, 20); // warm-up: plans cached, pools open
    const idle = summarize(await timeNormal(gateway.url, admin, runs));

    const attacks = [
      { name: '1,000 aliases of patients(first: 200), 95 KB', url: gateway.url, token: abuser, query: ALIAS_ATTACK },
      { name: '1,000 aliases of myReferrals (partner)', url: partnerUrl, token: partner, query: PARTNER_ATTACK },
      { name: '12 aliases of patients(first: 200) with lists (cost)', url: gateway.url, token: abuser, query: COST_ATTACK },
    ];
    const refusals = new Map<string, { ms: number[]; codes: Set<string> }>(attacks.map((a) => [a.name, { ms: [], codes: new Set() }]));
    let abusing = true;
    const abusers = Array.from({ length: Number(args.abusers) }, async (_, i) => {
      for (let n = i; abusing; n++) {
        const a = attacks[n % attacks.length];
        const r = await post(a.url, a.token, a.query);
        const seen = refusals.get(a.name)!;
        seen.ms.push(r.ms);
        seen.codes.add(`${r.status} ${r.code}`);
      }
    });
    await new Promise((r) => setTimeout(r, 500)); // let the abuse reach full speed
    const underAbuse = summarize(await timeNormal(gateway.url, admin, runs));
    abusing = false;
    await Promise.all(abusers);

    console.log(`\nREADME sample query through the gateway, ${args.patients} patients, ${runs} sequential runs`);
    console.log(`  idle         ${formatSummary(idle)}`);
    console.log(`  under abuse  ${formatSummary(underAbuse)}   (${args.abusers} abusive clients, back to back)`);
    console.log(`  ratio        p50 ${(underAbuse.p50 / idle.p50).toFixed(2)}×   p95 ${(underAbuse.p95 / idle.p95).toFixed(2)}×   (target: within 2×)`);
    console.log('\nRefusals, as the abusers saw them (round trip, including the 95 KB upload):');
    for (const [name, r] of refusals) console.log(`  ${name}: ${[...r.codes].join(', ')}\n    ${formatSummary(summarize(r.ms))}`);
  } finally {
    await gateway.stop();
    for (const name of SUBGRAPH_NAMES) await subgraphs[name].stop();
    await releaseScratchDatabase(scratch, args.keep!);
  }
}

runBenchmark(main);
