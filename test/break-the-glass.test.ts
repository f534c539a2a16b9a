/**
 * Break-the-glass through the gateway (issue 10): a nurse on no team is refused a
 * patient's clinical record with a clear FORBIDDEN, opens it by stating a reason, reads
 * it (read only) until the grant expires by itself, every such read is flagged in the
 * audit trail with the reason, and the patient's care coordinator sees that it happened.
 */
import crypto from 'node:crypto';
import { Client } from 'pg';
import { Role } from '../shared/auth';
import { startHub, type GraphQLResponse, type TestHub } from './support/hub';

let hub: TestHub;
let db: Client;
let coordinator: string;
let outsideNurse: string;
let patientId: string;

const BTG = `mutation($i: BreakTheGlassInput!) { breakTheGlass(input: $i) { id patientId practitionerId reason grantedAt expiresAt active } }`;
const CHART = `query($id: ID!) { patient(id: $id) { id familyName conditions { code } encounters { kind } socialNeeds { category } consents { kind } } }`;
const ACCESSES = `query($id: ID!) { patient(id: $id) { breakTheGlassAccesses { id practitionerId reason grantedAt expiresAt active } } }`;
const REASON = 'Unresponsive in the ED, no team member reachable: need the problem list';

function ok<T = any>(res: GraphQLResponse<T>): T {
  if (res.errors) throw new Error(`Unexpected errors: ${JSON.stringify(res.errors)}`);
  return res.data as T;
}

beforeAll(async () => {
  hub = await startHub();
  db = new Client({ connectionString: hub.databaseUrl });
  await db.connect();
  coordinator = await hub.token({ sub: 'btg-coordinator', roles: [Role.CARE_COORDINATOR] });
  outsideNurse = await hub.token({ sub: 'btg-nurse', roles: [Role.NURSE] });
  patientId = ok(await hub.query(`mutation($i: RegisterPatientInput!) { registerPatient(input: $i) { id } }`, {
    i: { mrn: `BTG-${crypto.randomUUID()}`, givenName: 'Ada', familyName: 'Quist', birthDate: '1950-03-04', administrativeSex: 'FEMALE' },
  }, coordinator)).registerPatient.id;
  ok(await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
    i: { patientId, name: 'Quist team', members: [{ practitionerId: 'btg-coordinator', role: 'CARE_COORDINATOR' }] },
  }, coordinator));
  ok(await hub.query(`mutation($i: RecordConditionInput!) { recordCondition(input: $i) { id } }`, { i: { patientId, code: 'I50.9' } })); // admin
});
afterAll(async () => {
  await db?.end();
  await hub?.stop();
});

describe('a nurse on no team', () => {
  it('is refused the clinical record of a patient, with a clear FORBIDDEN naming the reason and the patient', async () => {
    const res = await hub.query(CHART, { id: patientId }, outsideNurse);
    expect(res.data?.patient ?? null).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['patient'], extensions: { code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM', patientId } });
    expect(res.errors![0].message).toMatch(/break the glass/);
  });

  it('must state a reason of at least ten characters, for a patient that exists', async () => {
    const short = await hub.query(BTG, { i: { patientId, reason: 'urgent' } }, outsideNurse);
    expect(short.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    const missing = await hub.query(BTG, { i: { patientId: crypto.randomUUID(), reason: REASON } }, outsideNurse);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM patients.access_grant`);
    expect(rows[0].n).toBe(0);
  });

  it('is granted the record for BREAK_THE_GLASS_MINUTES (default 60) after breaking the glass, read only', async () => {
    const before = Date.now();
    const grant = ok(await hub.query(BTG, { i: { patientId, reason: REASON } }, outsideNurse)).breakTheGlass;
    expect(grant).toMatchObject({ patientId, practitionerId: 'btg-nurse', reason: REASON, active: true });
    const minutes = (Date.parse(grant.expiresAt) - Date.parse(grant.grantedAt)) / 60_000;
    expect(minutes).toBe(60);
    expect(Date.parse(grant.grantedAt)).toBeGreaterThanOrEqual(before - 1000);

    const chart = ok(await hub.query(CHART, { id: patientId }, outsideNurse)).patient;
    expect(chart).toMatchObject({ id: patientId, familyName: 'Quist', conditions: [{ code: 'I50.9' }], encounters: [], socialNeeds: [], consents: [] });

    const write = await hub.query(`mutation($i: RecordConditionInput!) { recordCondition(input: $i) { id } }`, { i: { patientId, code: 'I10' } }, outsideNurse);
    expect(write.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'BREAK_THE_GLASS_READ_ONLY', patientId });
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM patients.condition WHERE patient_id = $1`, [patientId]);
    expect(rows[0].n).toBe(1); // nothing written

    // The grant travelled as an event, applied by every subgraph's care-relationship projection.
    const [event] = (await db.query(`SELECT type, aggregate_type, payload FROM hub_events.event_log WHERE type = 'BreakTheGlassGranted'`)).rows;
    expect(event).toMatchObject({ aggregate_type: 'AccessGrant', payload: { grantId: grant.id, practitionerId: 'btg-nurse', reason: REASON, expiresAt: grant.expiresAt } });
    await hub.settle();
    for (const schema of ['care_teams', 'community_partners', 'metrics']) {
      const { rows: grants } = await db.query(`SELECT practitioner_id FROM "${schema}".access_grant WHERE grant_id = $1`, [grant.id]);
      expect(grants).toEqual([{ practitioner_id: 'btg-nurse' }]);
    }
  });

  it('the patient\'s care coordinator sees that it happened; the nurse does not see the team\'s view', async () => {
    const seen = ok(await hub.query(ACCESSES, { id: patientId }, coordinator)).patient.breakTheGlassAccesses;
    expect(seen).toEqual([expect.objectContaining({ practitionerId: 'btg-nurse', reason: REASON, active: true })]);
    const nurseView = await hub.query(ACCESSES, { id: patientId }, outsideNurse);
    expect(nurseView.errors?.[0]).toMatchObject({ path: ['patient', 'breakTheGlassAccesses'], extensions: { code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM' } });
  });

  it('the audit trail flags the grant and every read under it as BREAK_THE_GLASS, with the reason', async () => {
    const { rows } = await db.query(`SELECT action, purpose, reason, entities, patient_ids FROM hub_audit.audit_event WHERE actor_sub = 'btg-nurse' ORDER BY position`);
    const grantRecord = rows.find((r) => r.action === 'write');
    expect(grantRecord).toMatchObject({ purpose: 'BREAK_THE_GLASS', entities: ['AccessGrant:BreakTheGlassGranted'], patient_ids: [patientId] });
    expect(grantRecord.reason).toContain(REASON);
    const reads = rows.filter((r) => r.action === 'read' && r.purpose === 'BREAK_THE_GLASS');
    expect(reads.length).toBeGreaterThan(0);
    for (const r of reads) {
      expect(r.reason).toContain(REASON);
      expect(r.patient_ids).toEqual([patientId]);
    }
    expect(reads.flatMap((r) => r.entities).join(' ')).toMatch(/Condition/);
    // Nothing was served to the nurse before the grant, so nothing of theirs reads as TREATMENT.
    expect(rows.filter((r) => r.action === 'read' && r.purpose !== 'BREAK_THE_GLASS')).toEqual([]);
  });
});

describe('the grant ends by itself', () => {
  it('after it expires the record is refused again, and the coordinator sees it inactive', async () => {
    const nurse = await hub.token({ sub: 'btg-nurse-2', roles: [Role.NURSE] });
    const grant = ok(await hub.query(BTG, { i: { patientId, reason: REASON } }, nurse)).breakTheGlass;
    expect(ok(await hub.query(CHART, { id: patientId }, nurse)).patient.conditions).toEqual([{ code: 'I50.9' }]);
    // Time passes: the grant's end moves into the past (what the clock would do in an hour).
    await db.query(`UPDATE patients.access_grant SET expires_at = now() - interval '1 second' WHERE grant_id = $1`, [grant.id]);
    const after = await hub.query(CHART, { id: patientId }, nurse);
    expect(after.errors?.[0]).toMatchObject({ path: ['patient'], extensions: { code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM' } });
    const seen = ok(await hub.query(ACCESSES, { id: patientId }, coordinator)).patient.breakTheGlassAccesses;
    expect(seen.find((a: { id: string }) => a.id === grant.id)).toMatchObject({ practitionerId: 'btg-nurse-2', active: false });
  });

  it('lasts BREAK_THE_GLASS_MINUTES, read when the grant is made', async () => {
    process.env.BREAK_THE_GLASS_MINUTES = '5';
    try {
      const nurse = await hub.token({ sub: 'btg-nurse-3', roles: [Role.NURSE] });
      const grant = ok(await hub.query(BTG, { i: { patientId, reason: REASON } }, nurse)).breakTheGlass;
      expect((Date.parse(grant.expiresAt) - Date.parse(grant.grantedAt)) / 60_000).toBe(5);
    } finally {
      delete process.env.BREAK_THE_GLASS_MINUTES;
    }
  });
});

describe('who may break the glass', () => {
  it('a member needs no break-the-glass; admins, analysts and partners may not break it', async () => {
    const member = await hub.query(BTG, { i: { patientId, reason: REASON } }, coordinator);
    expect(member.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'ALREADY_ON_CARE_TEAM' });
    for (const roles of [[Role.ADMIN], [Role.ANALYST], [Role.PRIVACY_OFFICER], [Role.INTEGRATION]]) {
      const res = await hub.query(BTG, { i: { patientId, reason: REASON } }, await hub.token({ roles }));
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_NOT_ALLOWED' });
    }
  });
});
