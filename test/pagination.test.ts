/**
 * Relay connections with keyset cursors, through the gateway (issues 11, 15, 17):
 * every list a screen pages through — the worklist (both orders), Patient.referrals,
 * Referral.history, myReferrals on /partner/graphql, CarePlan.history and
 * CareTeam.members — walked two rows at a time must give every row exactly once, in
 * the database's order, ending with hasNextPage false; rows written between two page
 * reads must not duplicate or drop what was already read (the point of keysets over
 * offsets); bad `first`/`after` answer BAD_USER_INPUT naming the argument; and
 * totalCount costs a count query only when it is selected.
 */
import { Role } from '../shared/auth';
import { ok, sql } from './care-teams-fixtures';
import { consentEvent, createReferral, enrollPatient, FOOD_BANK, partnerQuery, registerPatient, seedDirectory } from './partner-fixtures';
import { startHub, type GraphQLResponse, type TestHub } from './support/hub';

interface Conn<N> {
  totalCount?: number;
  edges: { cursor: string; node: N }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}
type Read<N> = (after: string | null) => Promise<Conn<N>>;

/** Follows endCursor to the end (from `from`, or the start); checks each page's pageInfo on the way. */
async function walk<N>(read: Read<N>, from: string | null = null, size = 2): Promise<{ nodes: N[]; pages: number }> {
  const nodes: N[] = [];
  let after: string | null = from;
  for (let pages = 1; pages < 1000; pages++) {
    const page: Conn<N> = await read(after);
    expect(page.edges.length).toBeLessThanOrEqual(size);
    expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
    expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
    expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return { nodes, pages };
    expect(page.edges).toHaveLength(size);
    after = page.pageInfo.endCursor;
  }
  throw new Error('the connection never ended');
}

const ids = (nodes: { id: string }[]) => nodes.map((n) => n.id);
const CONN = (node: string) => `totalCount edges { cursor node { ${node} } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`;

function badInputOn(res: GraphQLResponse, field: string): void {
  expect(res.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field }) })]);
}

describe('Relay connections with keyset cursors, through the gateway', () => {
  let hub: TestHub;
  let patientId: string;
  let socialWorker: string;
  let partner: string;

  beforeAll(async () => {
    hub = await startHub();
    await seedDirectory(hub);
    socialWorker = await hub.token({ sub: 'sw-1', roles: [Role.SOCIAL_WORKER] });
    partner = await hub.token({ sub: 'fb-staff', roles: [Role.PARTNER_STAFF], org: FOOD_BANK.id });
    patientId = await enrollPatient(hub, 'Pagina');
    await consentEvent(hub, { patientId, partnerId: FOOD_BANK.id });
    for (let i = 0; i < 5; i++) ok(await createReferral(hub, socialWorker, { patientId, partnerId: FOOD_BANK.id, category: 'FOOD_INSECURITY', send: true, note: `r${i}` }));
  });
  afterAll(async () => { await hub?.stop(); });

  const referralsOf = (first: number | null, token = socialWorker): Read<{ id: string }> => async (after) =>
    ok(await hub.query(`query($id: ID!, $first: Int, $after: String) { patient(id: $id) { referrals(first: $first, after: $after) { ${CONN('id')} } } }`,
      { id: patientId, first, after }, token)).patient.referrals;

  it('Patient.referrals: newest first, every row once, and a referral made between pages neither repeats nor drops a row', async () => {
    const expected = (await sql<{ id: string }>(hub, `SELECT id FROM community_partners.referral WHERE patient_id = $1 ORDER BY created_at DESC, id DESC`, [patientId])).map((r) => r.id);
    expect(expected).toHaveLength(5);
    const walked = await walk(referralsOf(2));
    expect(ids(walked.nodes)).toEqual(expected);
    expect(walked.pages).toBe(3);

    // Page 1, then a new referral (the newest: it sorts before the cursor), then the rest.
    const page1 = await referralsOf(2)(null);
    expect(page1.totalCount).toBe(5);
    ok(await createReferral(hub, socialWorker, { patientId, partnerId: FOOD_BANK.id, category: 'FOOD_INSECURITY', send: true, note: 'between pages' }));
    const rest = await walk(referralsOf(2), page1.pageInfo.endCursor);
    // An offset cursor would have shown the second row again; the keyset continues after it.
    expect([...ids(page1.edges.map((e) => e.node)), ...ids(rest.nodes)]).toEqual(expected);
    expect((await referralsOf(2)(null)).totalCount).toBe(6);
  });

  it('Referral.history: oldest first, across pages, and a status change made between pages is appended, not shuffled in', async () => {
    const referral = (await sql<{ id: string }>(hub, `SELECT id FROM community_partners.referral WHERE patient_id = $1 AND note = 'r0'`, [patientId]))[0].id;
    for (const step of ['acceptReferral', 'startReferral', 'holdReferral', 'resumeReferral']) {
      expect((await partnerQuery(hub, `mutation($id: ID!) { ${step}(input: { id: $id }) { id } }`, { id: referral }, partner)).errors).toBeUndefined();
    }
    const read: Read<{ status: string; changedAt: string }> = async (after) =>
      ok(await hub.query(`query($id: ID!, $after: String) { referral(id: $id) { history(first: 2, after: $after) { ${CONN('status changedAt')} } } }`, { id: referral, after }, socialWorker)).referral.history;
    const walked = await walk(read);
    expect(walked.nodes.map((h) => h.status)).toEqual(['REQUESTED', 'ACCEPTED', 'IN_PROGRESS', 'ON_HOLD', 'IN_PROGRESS']);

    const page1 = await read(null);
    expect(page1.totalCount).toBe(5);
    expect((await partnerQuery(hub, `mutation($id: ID!) { holdReferral(input: { id: $id, reason: "between pages" }) { id } }`, { id: referral }, partner)).errors).toBeUndefined();
    const rest = await walk(read, page1.pageInfo.endCursor);
    expect([...page1.edges, ...rest.nodes.map((node) => ({ node }))].map((e) => e.node.status)).toEqual(['REQUESTED', 'ACCEPTED', 'IN_PROGRESS', 'ON_HOLD', 'IN_PROGRESS', 'ON_HOLD']);
  });

  it('myReferrals on /partner/graphql: the partner walks its referrals, most recently sent first', async () => {
    const read: Read<{ id: string; status: string }> = async (after) => {
      const res = await partnerQuery(hub, `query($after: String) { myReferrals(first: 2, after: $after) { ${CONN('id status')} } }`, { after }, partner);
      expect(res.errors).toBeUndefined();
      return res.data!.myReferrals;
    };
    const expected = (await sql<{ id: string }>(hub, `SELECT id FROM community_partners.referral WHERE partner_id = $1 AND status <> 'draft'
      ORDER BY coalesce(requested_at, '-infinity') DESC, id DESC`, [FOOD_BANK.id])).map((r) => r.id);
    expect(expected.length).toBeGreaterThanOrEqual(6);
    const walked = await walk(read);
    expect(ids(walked.nodes)).toEqual(expected);
    expect((await read(null)).totalCount).toBe(expected.length);
    // The clinical list's cursor is not this list's.
    const clinicalCursor = (await referralsOf(1)(null)).pageInfo.endCursor;
    const foreign = await partnerQuery(hub, `query($after: String) { myReferrals(after: $after) { edges { cursor } } }`, { after: clinicalCursor }, partner);
    badInputOn(foreign, 'after');
  });

  it('CarePlan.history and CareTeam.members page the same way', async () => {
    const team = (await sql<{ id: string }>(hub, `SELECT id FROM care_teams.care_team WHERE patient_id = $1`, [patientId]))[0].id;
    const plan = ok(await hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id version } }`, { i: { careTeamId: team, title: 'Paging plan' } })).createCarePlan;
    for (let v = 1; v <= 4; v++) ok(await hub.query(`mutation($i: UpdateCarePlanInput!) { updateCarePlan(input: $i) { version } }`, { i: { carePlanId: plan.id, expectedVersion: v, description: `v${v + 1}` } }));
    const revisions: Read<{ version: number }> = async (after) =>
      ok(await hub.query(`query($id: ID!, $after: String) { carePlan(id: $id) { history(first: 2, after: $after) { ${CONN('version')} } } }`, { id: plan.id, after })).carePlan.history;
    expect((await walk(revisions)).nodes.map((r) => r.version)).toEqual([1, 2, 3, 4, 5]);
    const firstPage = await revisions(null);
    expect(firstPage.totalCount).toBe(5);
    ok(await hub.query(`mutation($i: UpdateCarePlanInput!) { updateCarePlan(input: $i) { version } }`, { i: { carePlanId: plan.id, expectedVersion: 5, description: 'v6' } }));
    const rest = await walk(revisions, firstPage.pageInfo.endCursor);
    expect([...firstPage.edges.map((e) => e.node), ...rest.nodes].map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6]);

    for (const p of ['pg-sw-2', 'pg-chw', 'pg-rn-2']) {
      ok(await hub.query(`mutation($i: AddCareTeamMemberInput!) { addCareTeamMember(input: $i) { id } }`, { i: { careTeamId: team, practitionerId: p, role: p === 'pg-chw' ? 'COMMUNITY_HEALTH_WORKER' : 'SOCIAL_WORKER' } }));
    }
    const members: Read<{ id: string; practitionerId: string }> = async (after) =>
      ok(await hub.query(`query($id: ID!, $after: String) { careTeam(id: $id) { members(first: 2, after: $after) { ${CONN('id practitionerId')} } } }`, { id: team, after })).careTeam.members;
    const expected = (await sql<{ id: string }>(hub, `SELECT id FROM care_teams.care_team_member WHERE care_team_id = $1 ORDER BY period_start, id`, [team])).map((r) => r.id);
    expect(expected).toHaveLength(6); // coordinator, sw-1, nurse-1 and the three added
    expect(ids((await walk(members)).nodes)).toEqual(expected);
  });

  it('the worklist: both orders walk every patient once, in order, and a patient registered between pages does not shift them', async () => {
    // Risk facts straight in the table (this test is about order, not scoring): ties on the score, on the date, and patients with none.
    const extra: string[] = [];
    // A 181-character name mid-list: its cursor is longer than an id (shared/input-validation.ts bounds `after` apart).
    for (const name of ['Avila', 'Avila', 'Baxter', 'Chen', 'Duarte', 'Eze', `B${'a'.repeat(180)}`]) extra.push(await registerPatient(hub, name));
    await hub.subgraphs.patients.ds.query(`UPDATE patients.patient SET lace_score = v.score, risk_discharged_at = v.at::timestamptz
      FROM (VALUES ($1::uuid, 12, '2026-11-01T10:00:00.123456Z'), ($2::uuid, 12, '2026-11-01T10:00:00.123456Z'), ($3::uuid, 12, '2026-11-20T10:00:00Z'),
                   ($4::uuid, 5, '2026-10-01T00:00:00Z')) v(id, score, at) WHERE patients.patient.id = v.id`, extra.slice(0, 4));
    const worklist = (orderBy: string): Read<{ id: string }> => async (after) =>
      ok(await hub.query(`query($after: String) { patients(orderBy: ${orderBy}, first: 2, after: $after) { ${CONN('id')} } }`, { after })).patients;

    const byRisk = (await sql<{ id: string }>(hub, `SELECT id FROM patients.patient
      ORDER BY lace_score DESC NULLS LAST, risk_discharged_at DESC NULLS LAST, id DESC`)).map((r) => r.id);
    const byName = (await sql<{ id: string }>(hub, `SELECT id FROM patients.patient ORDER BY lower(family_name), lower(given_name), id`)).map((r) => r.id);
    expect(byRisk.length).toBeGreaterThanOrEqual(7);
    expect(ids((await walk(worklist('RISK_DESC'))).nodes)).toEqual(byRisk);
    expect(ids((await walk(worklist('NAME'))).nodes)).toEqual(byName);

    const page1 = await worklist('NAME')(null);
    await registerPatient(hub, 'Aaronson'); // sorts first: an offset would repeat page 1's last row
    const rest = await walk(worklist('NAME'), page1.pageInfo.endCursor);
    expect([...ids(page1.edges.map((e) => e.node)), ...ids(rest.nodes)]).toEqual(byName);

    // The long name's cursor (over 128 characters) is taken as `after` like any other.
    const all = ok(await hub.query(`{ patients(orderBy: NAME, first: 200) { edges { cursor node { id familyName } } } }`)).patients.edges;
    const at = all.findIndex((e: { node: { familyName: string } }) => e.node.familyName.length > 100);
    expect(all[at].cursor.length).toBeGreaterThan(128);
    const next = ok(await hub.query(`query($after: String) { patients(orderBy: NAME, first: 1, after: $after) { edges { node { id } } } }`, { after: all[at].cursor })).patients;
    expect(next.edges[0].node.id).toBe(all[at + 1].node.id);

    // A cursor of one order is refused by the other.
    const nameCursor = page1.pageInfo.endCursor;
    badInputOn(await hub.query(`query($after: String) { patients(orderBy: RISK_DESC, after: $after) { totalCount } }`, { after: nameCursor }), 'after');
  });

  it('bad first and after answer BAD_USER_INPUT naming the argument, on every connection', async () => {
    const referral = (await sql<{ id: string }>(hub, `SELECT id FROM community_partners.referral WHERE patient_id = $1 LIMIT 1`, [patientId]))[0].id;
    const team = (await sql<{ id: string }>(hub, `SELECT id FROM care_teams.care_team WHERE patient_id = $1`, [patientId]))[0].id;
    const plan = (await sql<{ id: string }>(hub, `SELECT id FROM care_teams.care_plan WHERE patient_id = $1 LIMIT 1`, [patientId]))[0].id;
    const lists: [string, string, Record<string, unknown>][] = [
      ['patients', `query($first: Int, $after: String) { patients(first: $first, after: $after) { totalCount } }`, {}],
      ['Patient.referrals', `query($id: ID!, $first: Int, $after: String) { patient(id: $id) { referrals(first: $first, after: $after) { totalCount } } }`, { id: patientId }],
      ['Referral.history', `query($id: ID!, $first: Int, $after: String) { referral(id: $id) { history(first: $first, after: $after) { totalCount } } }`, { id: referral }],
      ['CarePlan.history', `query($id: ID!, $first: Int, $after: String) { carePlan(id: $id) { history(first: $first, after: $after) { totalCount } } }`, { id: plan }],
      ['CareTeam.members', `query($id: ID!, $first: Int, $after: String) { careTeam(id: $id) { members(first: $first, after: $after) { totalCount } } }`, { id: team }],
    ];
    const forged = (json: string) => Buffer.from(json).toString('base64url');
    const badCursors = [
      'not a cursor!', 'bm9wZQ', forged('{"a":1}'), forged('["patients:RISK_DESC"]'), forged('["Patient.referrals","x","y"]'),
      forged('["CareTeam.members","2026-01-01T00:00:00.000000Z","not-a-uuid"]'), forged('["CarePlan.history","1; DROP TABLE x"]'), `${forged('["CarePlan.history","1"]')}=`,
    ];
    for (const [name, query, vars] of lists) {
      for (const first of [0, 201, -1]) badInputOn(await hub.query(query, { ...vars, first }), 'first');
      for (const after of badCursors) {
        const res = await hub.query(query, { ...vars, after });
        if (res.errors?.[0]?.extensions?.code !== 'BAD_USER_INPUT') throw new Error(`${name} took the cursor ${after}: ${JSON.stringify(res)}`);
        badInputOn(res, 'after');
      }
    }
    const partnerLists = `query($first: Int, $after: String) { myReferrals(first: $first, after: $after) { totalCount } }`;
    badInputOn(await partnerQuery(hub, partnerLists, { first: 201 }, partner), 'first');
    badInputOn(await partnerQuery(hub, partnerLists, { after: 'bm9wZQ' }, partner), 'after');
    // The edges stand for 200, the maximum.
    expect((await hub.query(lists[0][1], { first: 200 })).errors).toBeUndefined();
  });

  it('totalCount is counted only when selected', async () => {
    // The fewest of three: a background poll of the subgraph's consumers can land inside one measurement.
    const sqlFor = async (query: string) => {
      const counts: number[] = [];
      for (let i = 0; i < 3; i++) {
        const before = hub.counters.patients.count;
        ok(await hub.query(query));
        counts.push(hub.counters.patients.count - before);
      }
      return Math.min(...counts);
    };
    const without = await sqlFor(`{ patients(first: 2) { edges { node { id } } } }`);
    const withCount = await sqlFor(`{ patients(first: 2) { totalCount edges { node { id } } } }`);
    expect(withCount).toBe(without + 1);
  });
});
