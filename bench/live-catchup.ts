/**
 * `npm run bench:live-catchup [-- --subscribers 200 --cursors 10 --missed 55 --live 10]`
 *
 * Issue 12's catch-up storm: subscribers come back at once, resuming from different
 * cursors (they left at different moments), each having missed the same changes to
 * one patient's care plans. The hub, the gateway and the clients run in this process
 * (real graphql-ws sockets, one event loop: client work counts against the hub). Prints:
 * - catch-up time: from the first subscribe to every subscriber holding every missed
 *   change, with the executions, authorization questions and replay reads it cost —
 *   issue 17 target <= 2 s;
 * - mutation latency while they catch up, against the same mutations before;
 * - executions per live event once everyone is caught up: one per group (the resumed
 *   subscribers share one group, whatever their `after`).
 * Figures are ratios within one run on a shared machine: compare them, do not trust the third digit.
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { mintDevToken, Role } from '../shared/auth';
import { SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import { resolveDatabaseUrl } from '../shared/database';
import { startSubgraph, type RunningSubgraph } from '../shared/subgraph';
import { composeSupergraph, subgraphSdls } from '../gateway/compose';
import { encodeCursor } from '../gateway/live/cursor';
import { startGateway, type RunningGateway } from '../gateway/server';
import { SUBGRAPHS } from '../subgraphs';
import { createScratchDatabase, formatSummary, runBenchmark, summarize, timedGraphQL } from './support';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FOLLOW = `subscription($p: ID, $after: String) { carePlanChanged(patientId: $p, after: $after) {
  cursor changeKind revision { changes { field after } } carePlan { title version } patient { familyName } } }`;

/** What a subscriber received that it should not have: the run fails with it. */
const problems: string[] = [];

async function waitUntil(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (problems.length) throw new Error(`a subscriber received ${problems[0]}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    subscribers: { type: 'string', default: '200' }, cursors: { type: 'string', default: '10' },
    missed: { type: 'string', default: '55' }, live: { type: 'string', default: '10' },
  } });
  const nSubscribers = Number(values.subscribers);
  const nCursors = Number(values.cursors);
  const nMissed = Number(values.missed);
  const nLive = Number(values.live);
  process.env.JWT_SECRET ??= crypto.randomBytes(32).toString('base64url');
  process.env.HUB_INTERNAL_KEY ??= crypto.randomBytes(32).toString('base64url');
  process.env.LOG_LEVEL ??= 'warn';

  const db = await createScratchDatabase(await resolveDatabaseUrl(), 'live_catchup');
  const subgraphs = {} as Record<SubgraphName, RunningSubgraph>;
  let gateway: RunningGateway | undefined;
  const clients: Client[] = [];
  try {
    for (const n of SUBGRAPH_NAMES) subgraphs[n] = await startSubgraph(SUBGRAPHS[n], { databaseUrl: db.url, port: 0 });
    const supergraphSdl = composeSupergraph(await subgraphSdls(SUBGRAPHS, Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, subgraphs[n].url]))));
    gateway = await startGateway({ supergraphSdl, port: 0, databaseUrl: db.url, redisUrl: null });
    const url = gateway.url;
    const manager = gateway.subscriptions();

    const admin = await mintDevToken({ sub: 'bench-admin', roles: [Role.ADMIN] });
    const coordinator = await mintDevToken({ sub: 'bench-coordinator', roles: [Role.CARE_COORDINATOR] });
    const members = Array.from({ length: nSubscribers }, (_, i) => `catchup-member-${i}`);
    const tokens = await Promise.all(members.map((sub) => mintDevToken({ sub, roles: [Role.NURSE] })));
    const enroll = async (mrn: string, familyName: string, withMembers: boolean) => {
      const p = await timedGraphQL(url, admin, `mutation($mrn: String!, $familyName: String!) {
        registerPatient(input: { mrn: $mrn, givenName: "Bench", familyName: $familyName, birthDate: "1950-05-05", administrativeSex: FEMALE }) { id } }`, { mrn, familyName });
      if (p.body.errors) throw new Error(JSON.stringify(p.body.errors));
      const patientId = p.body.data.registerPatient.id as string;
      const t = await timedGraphQL(url, admin, `mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, { i: {
        patientId, name: `${familyName} team`,
        members: [{ practitionerId: 'bench-coordinator', role: 'CARE_COORDINATOR' }, ...(withMembers ? members.map((m) => ({ practitionerId: m, role: 'NURSE_CASE_MANAGER' })) : [])],
      } });
      if (t.body.errors) throw new Error(JSON.stringify(t.body.errors));
      return { patientId, careTeamId: t.body.data.formCareTeam.id as string };
    };
    const followed = await enroll('CATCHUP-1', 'Nakamura', true);
    const elsewhere = await enroll('CATCHUP-2', 'Elsewhere', false);
    for (const sg of Object.values(subgraphs)) for (const w of sg.workers) await w.caughtUp?.(); // memberships projected everywhere
    const change = async (careTeamId: string, title: string) => {
      const res = await timedGraphQL(url, coordinator, `mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId, title } });
      if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
      return res.ms;
    };
    const latestPosition = async () => String((await subgraphs['care-teams'].ds.query(`SELECT MAX(id)::text AS id FROM hub_events.event_log`))[0].id);

    // They left at different moments (other patients' changes in between), then missed the same changes to this patient.
    const cursors: string[] = [];
    for (let i = 0; i < nCursors; i++) {
      await change(elsewhere.careTeamId, `elsewhere ${i}`);
      cursors.push(encodeCursor(await latestPosition()));
    }
    for (let i = 0; i < nMissed; i++) await change(followed.careTeamId, `missed ${i}`);
    const baseline: number[] = [];
    for (let i = 0; i < 20; i++) baseline.push(await change(elsewhere.careTeamId, `baseline ${i}`));

    const received = new Array<number>(nSubscribers).fill(0);
    const liveTitles: Map<string, number> = new Map();
    const wsUrl = url.replace(/^http/, 'ws');
    const before = { ...manager.stats };
    const t0 = performance.now();
    const opening = (async () => {
      for (let i = 0; i < nSubscribers; i += 50) {
        await Promise.all(tokens.slice(i, i + 50).map(async (token, j) => {
          const k = i + j;
          let connected!: () => void;
          const ready = new Promise<void>((r) => (connected = r));
          const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, lazy: false, retryAttempts: 0, on: { connected: () => connected() } });
          clients.push(client);
          client.subscribe<{ carePlanChanged: { carePlan: { title: string } } }>({ query: FOLLOW, variables: { p: followed.patientId, after: cursors[k % nCursors] } }, {
            next: (r) => {
              const title = r.data?.carePlanChanged.carePlan.title;
              if (!title || r.errors) problems.push(JSON.stringify(r));
              else if (title.startsWith('missed ')) received[k] += 1;
              else liveTitles.set(title, (liveTitles.get(title) ?? 0) + 1);
            },
            error: (e) => void problems.push(JSON.stringify(e)),
            complete: () => undefined,
          });
          await ready;
        }));
      }
    })();
    // A writer keeps working meanwhile (another patient's plans): what the storm costs everyone else.
    const during: number[] = [];
    let catchingUp = true;
    const writer = (async () => {
      for (let i = 0; catchingUp; i++) during.push(await change(elsewhere.careTeamId, `during ${i}`));
    })();
    await opening;
    const openedMs = performance.now() - t0;
    await waitUntil('every subscriber to catch up', () => received.every((n) => n >= nMissed), 120_000);
    const catchUpMs = performance.now() - t0;
    catchingUp = false;
    await writer;
    const cost = { executions: manager.stats.executions - before.executions, authorizations: manager.stats.authorizations - before.authorizations, replayReads: manager.stats.replayReads - before.replayReads };
    await waitUntil('every subscriber to go live', () => manager.catchingUpCount === 0, 60_000);

    console.log(`${nSubscribers} subscribers resuming from ${nCursors} different cursors after ${nMissed} missed changes:`);
    console.log(`  all ${nSubscribers} sockets open and subscribed after ${(openedMs / 1000).toFixed(2)} s (in batches of 50)`);
    console.log(`  caught up in ${(catchUpMs / 1000).toFixed(2)} s (${((nSubscribers * nMissed) / (catchUpMs / 1000)).toFixed(0)} deliveries/s), exactly ${nMissed} each: ${received.every((n) => n === nMissed) ? 'yes' : `NO (${Math.min(...received)}..${Math.max(...received)})`}`);
    console.log(`  target (issue 17): catch-up <= 2 s: ${catchUpMs <= 2000 ? 'met' : 'NOT met'} (${(catchUpMs / 1000).toFixed(2)} s)`);
    console.log(`  cost: ${cost.executions} executions (${(cost.executions / nMissed).toFixed(2)} per missed change), ${cost.authorizations} authorization questions, ${cost.replayReads} replay reads`);
    console.log(`  mutations meanwhile (another patient, ${during.length}): ${formatSummary(summarize(during))}`);
    console.log(`  the same mutations before:            ${formatSummary(summarize(baseline))}`);

    // Live: every subscriber in one group, so one execution serves all of them.
    const perEvent: number[] = [];
    for (let i = 0; i < nLive; i++) {
      const title = `live ${i}`;
      const executions = manager.stats.executions;
      await change(followed.careTeamId, title);
      await waitUntil(`${title} to reach everyone`, () => (liveTitles.get(title) ?? 0) >= nSubscribers, 30_000);
      perEvent.push(manager.stats.executions - executions);
    }
    console.log(`\nonce caught up: ${manager.groupCount} group(s) for ${manager.subscriberCount} subscribers; executions per live event: ${perEvent.join(', ')} (mean ${(perEvent.reduce((a, b) => a + b, 0) / perEvent.length).toFixed(2)}; one per group: ${perEvent.every((n) => n === manager.groupCount) ? 'yes' : 'NO'})`);
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    await gateway?.stop();
    for (const n of SUBGRAPH_NAMES) await subgraphs[n]?.stop();
    await db.drop();
  }
}

runBenchmark(main);
