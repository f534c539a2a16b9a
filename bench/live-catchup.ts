/**
 * `npm run bench:live-catchup [-- --subscribers 200 --cursors 10 --missed 55 --live 10 --client-processes 2]`
 *
 * Issue 12's catch-up storm, on the hub as it ships (bench/live-harness.ts: each subgraph
 * its own process, the gateway forked alone, clients in processes of their own):
 * subscribers come back at once, resuming from different cursors (they left at
 * different moments), each having missed the same changes to one patient's care plans.
 * Prints:
 * - catch-up time: from the first subscribe to every subscriber holding every missed
 *   change (the clients report arrivals every 100 ms, so it is known to a tenth of a
 *   second), with the executions, authorization questions and replay reads it cost —
 *   issue 17 target <= 2 s;
 * - mutation latency while they catch up (another patient's plans), against the same
 *   mutations before;
 * - executions per live event once everyone is caught up: one per group (the resumed
 *   subscribers share one group, whatever their `after`);
 * - the CPU each process kind spent during catch-up.
 * Figures are ratios within one run on a shared machine: compare them, do not trust the third digit.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { encodeCursor } from '../gateway/live/cursor';
import { ClientPool, COORDINATOR, cpuNow, cpuShares, createPlan, latestPosition, MEMBER_ROLES, request, sleep, startLiveHub, type LiveHub } from './live-harness';
import { formatSummary, runBenchmark, summarize } from './support';

const FOLLOW = `subscription($p: ID, $after: String) { carePlanChanged(patientId: $p, after: $after) {
  cursor changeKind revision { changes { field after } } carePlan { title version } patient { familyName } } }`;

type LiveCounters = { groups: number; subscribers: number; executions: number; authorizations: number; replayReads: number; catchingUp: number };
const live = (hub: LiveHub): Promise<LiveCounters> => request(hub.gateway, { cmd: 'live' }, 'live');

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    subscribers: { type: 'string', default: '200' }, cursors: { type: 'string', default: '10' },
    missed: { type: 'string', default: '55' }, live: { type: 'string', default: '10' },
    'client-processes': { type: 'string', default: '2' },
  } });
  const nSubscribers = Number(values.subscribers);
  const nCursors = Number(values.cursors);
  const nMissed = Number(values.missed);
  const nLive = Number(values.live);

  // The followed patient's team: a coordinator (who writes) and the nurses who resume; another patient's team writes meanwhile.
  const nurse = MEMBER_ROLES[0];
  const followedPlan = [{ sub: 'catchup-coordinator', role: COORDINATOR }, ...Array.from({ length: nSubscribers }, (_, i) => ({ sub: `catchup-member-${i}`, role: nurse }))];
  const hub = await startLiveHub('live_catchup', [followedPlan, [{ sub: 'elsewhere-coordinator', role: COORDINATOR }]]);
  const pool = ClientPool.start(Number(values['client-processes']));
  try {
    const [followed, elsewhere] = hub.teams;
    const change = async (team: typeof followed, title: string) => {
      const t0 = performance.now();
      await createPlan(hub, team.members[0].token, team.careTeamId, title);
      return performance.now() - t0;
    };

    // They left at different moments (other patients' changes in between), then missed the same changes to this patient.
    const cursors: string[] = [];
    for (let i = 0; i < nCursors; i++) {
      await change(elsewhere, `elsewhere ${i}`);
      cursors.push(encodeCursor(String(await latestPosition(hub))));
    }
    const firstMissed = await latestPosition(hub);
    for (let i = 0; i < nMissed; i++) await change(followed, `missed ${i}`);
    const missed = (await hub.sql<{ id: string }>(`SELECT id::text FROM hub_events.event_log WHERE id > $1 AND type = 'CarePlanChanged' AND patient_id = $2 ORDER BY id`, [firstMissed, followed.patientId])).map((r) => Number(r.id));
    if (missed.length !== nMissed) throw new Error(`expected ${nMissed} missed changes in the log, found ${missed.length}`);
    const baseline: number[] = [];
    for (let i = 0; i < 20; i++) baseline.push(await change(elsewhere, `baseline ${i}`));

    const specs = followed.members.slice(1).map((m, k) => ({ token: m.token, query: FOLLOW, variables: { p: followed.patientId, after: cursors[k % nCursors] } }));
    const before = await live(hub);
    const cpuBefore = await cpuNow(hub, pool);
    // A writer keeps working meanwhile (another patient's plans): what the storm costs everyone else.
    const during: number[] = [];
    let catchingUp = true;
    const t0 = performance.now();
    const writer = (async () => {
      for (let i = 0; catchingUp; i++) during.push(await change(elsewhere, `during ${i}`));
    })();
    await pool.subscribe(hub.wsUrl, specs, false);
    const openedMs = performance.now() - t0;
    const caughtUp = () => missed.every((p) => (pool.arrivals.get(p)?.n ?? 0) >= nSubscribers);
    const deadline = t0 + 120_000;
    while (!caughtUp() && !pool.closed && !pool.errors && performance.now() < deadline) await sleep(10);
    const catchUpMs = performance.now() - t0;
    const cpuAfter = await cpuNow(hub, pool);
    catchingUp = false;
    await writer;
    if (!caughtUp()) throw new Error(`catch-up did not complete: ${pool.errors} errors (${pool.firstError ?? 'none'}), ${pool.closed} sockets closed, ${missed.filter((p) => (pool.arrivals.get(p)?.n ?? 0) < nSubscribers).length} changes short`);
    const after = await live(hub);
    const exact = missed.every((p) => pool.arrivals.get(p)!.n === nSubscribers) && pool.duplicates === 0;

    console.log(`\n${nSubscribers} subscribers resuming from ${nCursors} different cursors after ${nMissed} missed changes (clients in ${pool.processes.length} processes):`);
    console.log(`  all ${nSubscribers} sockets open and subscribed after ${(openedMs / 1000).toFixed(2)} s`);
    console.log(`  caught up in ${(catchUpMs / 1000).toFixed(2)} s (${((nSubscribers * nMissed) / (catchUpMs / 1000)).toFixed(0)} deliveries/s), exactly ${nMissed} each, no duplicate: ${exact ? 'yes' : `NO (${pool.duplicates} duplicates)`}`);
    const epoch = performance.timeOrigin + t0;
    const at = (p: number, k: 'first' | 'last') => ((pool.arrivals.get(p)![k] - epoch) / 1000).toFixed(2);
    console.log(`  timeline (s after the first subscribe): first delivery ${at(missed[0], 'first')}; the first missed change reached everyone at ${at(missed[0], 'last')}, the middle one at ${at(missed[missed.length >> 1], 'last')}, the last at ${at(missed[missed.length - 1], 'last')}`);
    console.log(`  target (issue 17): catch-up <= 2 s: ${catchUpMs <= 2000 ? 'met' : 'NOT met'} (${(catchUpMs / 1000).toFixed(2)} s)`);
    console.log(`  cost: ${after.executions - before.executions} executions (${((after.executions - before.executions) / nMissed).toFixed(2)} per missed change), ${after.authorizations - before.authorizations} authorization questions, ${after.replayReads - before.replayReads} replay reads`);
    console.log(`  CPU during catch-up, of one core: ${cpuShares(cpuBefore, cpuAfter)}`);
    console.log(`  mutations meanwhile (another patient, ${during.length}): ${formatSummary(summarize(during))}`);
    console.log(`  the same mutations before:            ${formatSummary(summarize(baseline))}`);

    // Live: every subscriber in one group, so one execution serves all of them.
    for (let wait = 0; (await live(hub)).catchingUp > 0; wait++) {
      if (wait > 600) throw new Error('subscribers did not all go live');
      await sleep(100);
    }
    const perEvent: number[] = [];
    for (let i = 0; i < nLive; i++) {
      const executions = (await live(hub)).executions;
      const position = (await latestPosition(hub)) + 1;
      await change(followed, `live ${i}`);
      const last = await latestPosition(hub);
      const until = performance.now() + 30_000;
      const reached = () => { for (let p = position; p <= last; p++) if ((pool.arrivals.get(p)?.n ?? 0) >= nSubscribers) return true; return false; };
      while (!reached()) {
        if (performance.now() > until) throw new Error(`live ${i} did not reach everyone`);
        await sleep(10);
      }
      perEvent.push((await live(hub)).executions - executions);
    }
    const { groups, subscribers } = await live(hub);
    console.log(`\nonce caught up: ${groups} group(s) for ${subscribers} subscribers; executions per live event: ${perEvent.join(', ')} (mean ${(perEvent.reduce((a, b) => a + b, 0) / perEvent.length).toFixed(2)}; one per group: ${perEvent.every((n) => n === groups) ? 'yes' : 'NO'})`);
  } finally {
    await pool.close();
    await hub.stop();
  }
}

runBenchmark(main);
