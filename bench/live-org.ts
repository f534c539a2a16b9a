/**
 * `node dist/bench/live-org.js [-- --quick | --teams 2000 --team-size 5 --rate 100 --org-seconds 60 --org-warm-up yes --org-operations topic|all --client-processes 2]`
 * (also run by `npm run bench:live`, after the one-topic steps)
 *
 * Issue 17's organization: 10,000 subscribers over 2,000 teams of 5 (coordinator,
 * nurse, physician, social worker, and a pharmacist, dietitian or community health
 * worker), each subscribed to its own team's patient with one of the carePlanChanged
 * operations of bench/live-harness.ts (`--org-operations all` adds myCarePlanChanges); 100 care plan changes a second spread over the teams (each
 * written by a member of that team), for 60 s. Prints:
 * - commit → delivery over every delivery (p50/p99/max), and to the last of each team;
 * - deliveries expected (for each committed change, its team's subscribers: counted
 *   from the event log, not from the writes), received, lost — must be 0 — and
 *   duplicates or out-of-order deliveries;
 * - a warm-up first (not with --quick): one change per team, each subscriber's first
 *   authorization question to care-teams (cached afterwards), measured apart.
 * "Commit" is when the event's NOTIFY reached the commit clock, an otherwise idle
 * process (bench/live-harness.ts). Transport: PostgreSQL LISTEN/NOTIFY.
 * Figures are ratios within one run on a shared machine: compare them, do not trust the third digit.
 */
import { parseArgs } from 'node:util';
import {
  changesSince, ClientPool, COORDINATOR, cpuNow, cpuShares, createPlan, formatSummary, inParallel, latestPosition, MEMBER_ROLES,
  OPERATIONS, startLiveHub, tally, atRate, type LiveHub, type SeededTeam, type TeamPlan,
} from './live-harness';
import { runBenchmark } from './support';

/**
 * `topic`: the three carePlanChanged(patientId) operations — each subscriber on its own team's topic.
 * `all`: myCarePlanChanges too, whose groups span teams, so every change is authorized for each of their members.
 */
export type OrgOperations = 'topic' | 'all';
export interface OrgOptions { rate: number; seconds: number; clientProcesses: number; drainSeconds: number; warmUp: boolean; operations: OrgOperations }

export const ORG_DEFAULTS = { teams: 2000, teamSize: 5, rate: 100, seconds: 60, clientProcesses: 2 };

/** `teams` teams of `size`: the coordinator, then nurse, physician, social worker, and a rotating fifth and more. */
export function organizationPlans(teams: number, size: number): TeamPlan[] {
  return Array.from({ length: teams }, (_, t) => Array.from({ length: size }, (__, k) => ({
    sub: `org-t${t}-m${k}`,
    role: k === 0 ? COORDINATOR : k < 4 ? MEMBER_ROLES[k - 1] : MEMBER_ROLES[3 + ((t + k) % 3)],
  })));
}

/** A fixed shuffle of the teams (Fisher–Yates on a small LCG): changes visit every team, in no team order. */
function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let x = 17;
  for (let i = n - 1; i > 0; i--) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = x % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

export async function runOrganization(hub: LiveHub, teams: SeededTeam[], o: OrgOptions): Promise<void> {
  const subscribers = teams.reduce((a, t) => a + t.members.length, 0);
  const perPatient = new Map(teams.map((t) => [t.patientId, t.members.length]));
  const pool = ClientPool.start(o.clientProcesses);
  try {
    const opened = Date.now();
    const operations = OPERATIONS.filter((op) => o.operations === 'all' || op.query.includes('carePlanChanged('));
    await pool.subscribe(hub.wsUrl, teams.flatMap((t, ti) => t.members.map((m, k) => ({
      token: m.token, query: operations[(ti + k) % operations.length].query, variables: { p: t.patientId },
    }))), true);
    const after = await cpuNow(hub, pool);
    console.log(`\norganization: ${subscribers} subscribers over ${teams.length} teams (each on its own team's topic, ${operations.length} operations), ${after.groups} subscription groups, sockets over ${o.clientProcesses} client process(es), opened in ${((Date.now() - opened) / 1000).toFixed(1)} s`);

    const expectedOf = (patientId: string) => perPatient.get(patientId) ?? 0;
    const writer = (t: SeededTeam, i: number) => t.members[i % t.members.length].token;
    if (o.warmUp) {
      const from = await latestPosition(hub);
      const warmStart = Date.now();
      await inParallel(teams.map((t, i) => ({ t, i })), 16, ({ t, i }) => createPlan(hub, writer(t, i), t.careTeamId, `warm-up ${i}`));
      const expect = await changesSince(hub, from, expectedOf);
      await pool.drained(expect, o.drainSeconds);
      const warm = tally(expect, hub.commits, pool);
      console.log(`  warm-up, one change per team as fast as 16 writers go (${((Date.now() - warmStart) / 1000).toFixed(1)} s; each subscriber's first authorization asked, then cached): commit → delivery p50 ${warm.every!.p50.toFixed(1)} ms  p99 ${warm.every!.p99.toFixed(1)} ms  max ${warm.every!.max.toFixed(1)} ms, lost ${warm.lost}`);
    } else console.log('  no warm-up: each subscriber\'s first authorization question to care-teams falls in the measured run');

    const order = shuffled(teams.length);
    const from = await latestPosition(hub);
    const c0 = await cpuNow(hub, pool);
    const writes = await atRate(o.rate, o.seconds, (i) => {
      const t = teams[order[i % teams.length]];
      return createPlan(hub, writer(t, Math.floor(i / teams.length) + 1), t.careTeamId, `org ${i}`);
    });
    const c1 = await cpuNow(hub, pool);
    const expect = await changesSince(hub, from, expectedOf);
    const drain = await pool.drained(expect, o.drainSeconds);
    const r = tally(expect, hub.commits, pool);
    console.log(`  ${o.rate} changes/s asked for ${o.seconds} s: ${writes.committed} committed (${(writes.committed / o.seconds).toFixed(1)}/s, ${writes.failed} failed, ${writes.skipped} skipped), mutation ${formatSummary(writes.latency)}`);
    if (writes.firstError) console.log(`  first failed write: ${writes.firstError}`);
    console.log(`  commit → every delivery:      ${formatSummary(r.every!)}`);
    console.log(`  commit → last of its team:    ${formatSummary(r.toLast)}`);
    console.log(`  deliveries expected ${r.expected} (${r.changes} changes x their team's subscribers), received ${r.received}, lost ${r.lost} (${r.lost ? `still missing when the backlog stopped moving for ${o.drainSeconds} s, ` : 'the last '}${drain.toFixed(1)} s after the last write); duplicates/out of order ${pool.duplicates}, results with errors ${pool.errors}, sockets closed ${pool.closed}${r.unclocked ? `; ${r.unclocked} changes without a commit time` : ''}`);
    if (pool.firstError) console.log(`  first error: ${pool.firstError}`);
    console.log(`  cpu (of one core) while writing: ${cpuShares(c0, c1)}; ${c1.executions - c0.executions} executions`);
    const met = r.every!.p99 <= 100 && r.lost === 0 && pool.duplicates === 0;
    console.log(`  target: p99 commit → delivery <= 100 ms with 0 lost: ${met ? 'met' : 'NOT met'} (p99 ${r.every!.p99.toFixed(1)} ms, lost ${r.lost})`);
  } finally {
    await pool.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: {
    teams: { type: 'string', default: String(ORG_DEFAULTS.teams) }, 'team-size': { type: 'string', default: String(ORG_DEFAULTS.teamSize) },
    rate: { type: 'string', default: String(ORG_DEFAULTS.rate) }, 'org-seconds': { type: 'string' },
    'client-processes': { type: 'string', default: String(ORG_DEFAULTS.clientProcesses) }, quick: { type: 'boolean', default: false },
    'org-warm-up': { type: 'string' }, 'org-operations': { type: 'string', default: 'topic' },
  } });
  const hub = await startLiveHub('live_org', organizationPlans(Number(values.teams), Number(values['team-size'])));
  try {
    await runOrganization(hub, hub.teams, {
      rate: Number(values.rate), seconds: Number(values['org-seconds'] ?? (values.quick ? 15 : ORG_DEFAULTS.seconds)),
      clientProcesses: Number(values['client-processes']), drainSeconds: 5, warmUp: (values['org-warm-up'] ?? (values.quick ? 'no' : 'yes')) === 'yes',
      operations: values['org-operations'] as OrgOperations,
    });
  } finally {
    await hub.stop();
  }
}

if (require.main === module) runBenchmark(main);
