/**
 * `npm run bench:live [-- --subscribers 1000 --idle 5000 --changes 30 --seconds 10]`
 *
 * One gateway process (forked, measured alone), the four subgraphs in this process,
 * clients in a third process. Prints, for one care plan's team topic:
 * - commit-to-delivery latency of single changes to all subscribers (p50, p99 over every
 *   delivery, and the time to the LAST of them), measured from the mutation's reply
 *   (the commit happened before it) — issue 5 target: p99 < 100 ms to the last of 1,000;
 * - events per second sustained, every event delivered to every subscriber;
 * - resident memory per idle connection (and per idle subscriber) after a full GC —
 *   target < 16 KB per idle connection.
 * Figures are ratios within one run on a shared machine: compare them, do not trust the third digit.
 */
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { mintDevToken, Role } from '../shared/auth';
import { EVENT_CHANNEL } from '../shared/events';
import { SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import { resolveDatabaseUrl } from '../shared/database';
import { startSubgraph, type RunningSubgraph } from '../shared/subgraph';
import { composeSupergraph, subgraphSdls } from '../gateway/compose';
import { SUBGRAPHS } from '../subgraphs';
import { createScratchDatabase, formatSummary, runBenchmark, summarize, timedGraphQL } from './support';

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function request(child: ChildProcess, message: object, reply: string): Promise<any> {
  return new Promise((resolve) => {
    const on = (m: { type: string }) => {
      if (m.type === reply) {
        child.off('message', on);
        resolve(m);
      }
    };
    child.on('message', on);
    child.send(message);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    subscribers: { type: 'string', default: '1000' }, idle: { type: 'string', default: '5000' },
    changes: { type: 'string', default: '30' }, seconds: { type: 'string', default: '10' },
  } });
  const nSubscribers = Number(values.subscribers);
  const nIdle = Number(values.idle);
  process.env.JWT_SECRET ??= crypto.randomBytes(32).toString('base64url');
  process.env.LOG_LEVEL ??= 'warn';

  const db = await createScratchDatabase(await resolveDatabaseUrl(), 'live_bench');
  const subgraphs = {} as Record<SubgraphName, RunningSubgraph>;
  let gatewayProcess: ChildProcess | undefined;
  let clients: ChildProcess | undefined;
  try {
    for (const n of SUBGRAPH_NAMES) subgraphs[n] = await startSubgraph(SUBGRAPHS[n], { databaseUrl: db.url, port: 0 });
    const supergraphFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'live-bench-')), 'supergraph.graphql');
    fs.writeFileSync(supergraphFile, composeSupergraph(await subgraphSdls(SUBGRAPHS, Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, subgraphs[n].url])))));

    gatewayProcess = fork(path.join(__dirname, 'live-gateway.js'), [], { execArgv: ['--expose-gc'], env: { ...process.env, DATABASE_URL: db.url, SUPERGRAPH_PATH: supergraphFile } });
    const { url } = await request(gatewayProcess, {}, 'listening');
    const wsUrl = url.replace(/^http/, 'ws');
    clients = fork(path.join(__dirname, 'live-clients.js'), [], { execArgv: ['--max-old-space-size=4096'] });

    // A patient whose care team counts the coordinator and 1,000 subscribing members.
    const admin = await mintDevToken({ sub: 'bench-admin', roles: [Role.ADMIN] });
    const coordinator = await mintDevToken({ sub: 'bench-coordinator', roles: [Role.CARE_COORDINATOR] });
    const p = await timedGraphQL(url, admin, `mutation { registerPatient(input: { mrn: "BENCH-LIVE", givenName: "Bea", familyName: "Nakamura", birthDate: "1950-05-05", administrativeSex: FEMALE }) { id } }`);
    const patientId = p.body.data.registerPatient.id;
    const t = await timedGraphQL(url, admin, `mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, { i: { patientId, name: 'Bench team', members: [{ practitionerId: 'bench-coordinator', role: 'CARE_COORDINATOR' }] } });
    const careTeamId = t.body.data.formCareTeam.id;
    const members = Array.from({ length: nSubscribers }, (_, i) => `bench-member-${i}`);
    await subgraphs['care-teams'].ds.query(
      `INSERT INTO care_teams.care_team_member (care_team_id, practitioner_id, role, period_start) SELECT $1, unnest($2::text[]), 'NURSE_CASE_MANAGER', now()`,
      [careTeamId, members],
    );
    const tokens = await Promise.all(members.map((sub) => mintDevToken({ sub, roles: [Role.NURSE] })));

    const baseline = await request(gatewayProcess, { cmd: 'memory' }, 'memory');
    let opened = performance.now();
    await request(clients, { cmd: 'subscribers', url: wsUrl, tokens, patientId }, 'ready');
    console.log(`${nSubscribers} subscribers on one plan's team topic connected in ${((performance.now() - opened) / 1000).toFixed(1)} s`);

    const arrivals = new Map<string, number[]>();
    clients.on('message', (m: { type: string; arrivals?: [string, number][] }) => {
      if (m.type !== 'arrivals') return;
      for (const [title, at] of m.arrivals!) {
        const list = arrivals.get(title) ?? [];
        list.push(at);
        arrivals.set(title, list);
      }
    });
    // The commit instant: PostgreSQL delivers the log's NOTIFY at commit; this process LISTENs for it.
    const committedAt = new Map<string, number>();
    const listener = new Client({ connectionString: db.url });
    await listener.connect();
    listener.on('notification', (n) => committedAt.set(n.payload!, now()));
    await listener.query(`LISTEN ${EVENT_CHANNEL}`);
    const planTitles = new Map<string, string>();
    const change = async (title: string) => {
      const sent = now();
      const res = await timedGraphQL(url, coordinator, `mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId, title } });
      if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
      planTitles.set(res.body.data.createCarePlan.id, title);
      return { sent, acked: now() };
    };
    /** When the change's event committed (its NOTIFY reached this process). */
    const commitTime = async (title: string): Promise<number> => {
      const planId = [...planTitles].find(([, t]) => t === title)![0];
      const [event]: { id: string }[] = await subgraphs['care-teams'].ds.query(
        `SELECT id::text FROM hub_events.event_log WHERE type = 'CarePlanChanged' AND payload->>'carePlanId' = $1`, [planId]);
      return committedAt.get(event.id)!;
    };
    const delivered = async (title: string, timeoutMs = 10_000) => {
      const until = Date.now() + timeoutMs;
      while ((arrivals.get(title)?.length ?? 0) < nSubscribers) {
        if (Date.now() > until) throw new Error(`${title}: ${arrivals.get(title)?.length ?? 0}/${nSubscribers} delivered`);
        await sleep(5);
      }
      return arrivals.get(title)!;
    };

    // Warm-up: the first event asks care-teams once per subscriber (then cached until access changes).
    for (let i = 0; i < 3; i++) {
      await change(`warm-up ${i}`);
      await delivered(`warm-up ${i}`);
    }

    const all: number[] = [];
    const toLast: number[] = [];
    const toLastFromSend: number[] = [];
    for (let i = 0; i < Number(values.changes); i++) {
      const title = `single ${i}`;
      const { sent } = await change(title);
      const times = await delivered(title);
      const committed = await commitTime(title);
      for (const at of times) all.push(at - committed);
      toLast.push(Math.max(...times) - committed);
      toLastFromSend.push(Math.max(...times) - sent);
      await sleep(100);
    }
    await listener.end();
    console.log(`\ncommit-to-delivery, ${values.changes} single changes x ${nSubscribers} subscribers (from the commit's NOTIFY):`);
    console.log(`  every delivery:          ${formatSummary(summarize(all))}`);
    console.log(`  to the last subscriber:  ${formatSummary(summarize(toLast))}`);
    console.log(`  to the last, from the mutation request: ${formatSummary(summarize(toLastFromSend))}`);
    const p99Last = summarize(toLast).p99;
    console.log(`  target p99 < 100 ms to the last of ${nSubscribers}: ${p99Last < 100 ? 'met' : 'NOT met'} (${p99Last.toFixed(1)} ms)`);

    // Sustained: changes as fast as four writers can commit them, for N seconds.
    const seconds = Number(values.seconds);
    const end = Date.now() + seconds * 1000;
    const titles: string[] = [];
    let k = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (Date.now() < end) {
        const title = `sustained ${k++}`;
        titles.push(title);
        await change(title);
      }
    }));
    await Promise.all(titles.map((title) => delivered(title, 30_000)));
    const elapsed = (performance.now() - t0) / 1000;
    console.log(`\nsustained: ${titles.length} changes committed in ${seconds} s, all delivered to all ${nSubscribers} subscribers after ${elapsed.toFixed(1)} s`);
    console.log(`  ${(titles.length / elapsed).toFixed(0)} events/s end to end, ${((titles.length * nSubscribers) / elapsed).toFixed(0)} deliveries/s`);

    // Memory per idle connection, measured in the gateway process after a full GC.
    const withSubscribers = await request(gatewayProcess, { cmd: 'memory' }, 'memory');
    await request(clients, { cmd: 'idle', url: wsUrl, token: coordinator, count: nIdle, subscribe: false, patientId }, 'ready');
    await sleep(1000);
    const withIdle = await request(gatewayProcess, { cmd: 'memory' }, 'memory');
    await request(clients, { cmd: 'idle', url: wsUrl, token: coordinator, count: nIdle, subscribe: true, patientId: crypto.randomUUID() }, 'ready');
    await sleep(1000);
    const withIdleSubscribers = await request(gatewayProcess, { cmd: 'memory' }, 'memory');
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    console.log(`\ngateway memory (after full GC): baseline rss ${kb(baseline.rss)}, heap ${kb(baseline.heapUsed)}`);
    console.log(`  per active subscriber (${nSubscribers}): rss ${kb((withSubscribers.rss - baseline.rss) / nSubscribers)}, heap ${kb((withSubscribers.heapUsed - baseline.heapUsed) / nSubscribers)}`);
    console.log(`  per idle connection (${nIdle}, connected, no subscription): rss ${kb((withIdle.rss - withSubscribers.rss) / nIdle)}, heap ${kb((withIdle.heapUsed - withSubscribers.heapUsed) / nIdle)}`);
    console.log(`  per idle subscriber (${nIdle}, one quiet subscription each): rss ${kb((withIdleSubscribers.rss - withIdle.rss) / nIdle)}, heap ${kb((withIdleSubscribers.heapUsed - withIdle.heapUsed) / nIdle)}`);
    const perIdle = (withIdle.rss - withSubscribers.rss) / nIdle;
    console.log(`  target < 16 KB per idle connection: ${perIdle < 16 * 1024 ? 'met' : 'NOT met'}`);
  } finally {
    if (clients && clients.exitCode === null) {
      clients.send({ cmd: 'close' });
      await Promise.race([new Promise((r) => clients!.once('exit', r)), sleep(5000)]);
      clients.kill();
    }
    if (gatewayProcess) {
      gatewayProcess.send({ cmd: 'stop' });
      await new Promise((r) => gatewayProcess!.once('exit', r));
    }
    for (const n of SUBGRAPH_NAMES) await subgraphs[n]?.stop();
    await db.drop();
  }
}

runBenchmark(main);
