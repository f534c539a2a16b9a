/**
 * The access table (shared/access-policy.ts) applied by the patients subgraph, walked
 * through the gateway: every role × relationship (MEMBER, NOT_MEMBER, NO_TEAM,
 * BREAK_THE_GLASS) × the subgraph's data (worklist, demographics, conditions,
 * encounters, social needs, consents), reads and writes. The expected outcome of each
 * cell is `decide` itself, so the table drives the test; a few hard-coded cells below
 * keep the test from passing by mirroring a broken table.
 */
import crypto from 'node:crypto';
import { Client } from 'pg';
import { decide, PatientData, Relationship, RELATIONSHIPS } from '../shared/access-policy';
import { Role, type Principal } from '../shared/auth';
import { startHub, type GraphQLResponse, type TestHub } from './support/hub';

const ROLES = [
  Role.CARE_COORDINATOR, Role.NURSE, Role.PHYSICIAN, Role.SOCIAL_WORKER, Role.PHARMACIST, Role.COMMUNITY_HEALTH_WORKER,
  Role.ADMIN, Role.INTEGRATION, Role.ANALYST, Role.PRIVACY_OFFICER,
];
const subOf = (role: Role) => `acc-${role}`;
const principalOf = (role: Role): Principal => ({ sub: subOf(role), roles: [role] });

let hub: TestHub;
let db: Client;
const tokens = new Map<Role, string>();
/** One patient per relationship, standing in that relationship to every role's practitioner. */
const patients = new Map<Relationship, string>();
const mrns = new Map<Relationship, string>();

const READ_FIELDS: [PatientData, string][] = [
  [PatientData.CONDITIONS, 'conditions'], [PatientData.ENCOUNTERS, 'encounters'], [PatientData.SOCIAL_NEEDS, 'socialNeeds'], [PatientData.CONSENTS, 'consents'],
  [PatientData.MEDICATIONS, 'medications'], [PatientData.ASSESSMENTS, 'assessments'],
];
const CHART = `query($id: ID!) { patient(id: $id) { id familyName ${READ_FIELDS.map(([, f]) => `${f} { id }`).join(' ')} } }`;
const WORKLIST = `query($mrn: String!) { patients(filter: { search: $mrn }) { totalCount edges { node { id careManaged } } } }`;
const now = () => new Date(Date.now() - 3600_000).toISOString();
const WRITES: [PatientData, string, (patientId: string) => Record<string, unknown>][] = [
  [PatientData.DEMOGRAPHICS, `mutation($i: UpdatePatientInput!) { updatePatient(input: $i) { id } }`, (id) => ({ i: { id, phone: `+1-617-555-${Math.floor(Math.random() * 9000 + 1000)}` } })],
  [PatientData.CONDITIONS, `mutation($i: RecordConditionInput!) { recordCondition(input: $i) { id } }`, (patientId) => ({ i: { patientId, code: 'I10' } })],
  [PatientData.ENCOUNTERS, `mutation($i: RecordEncounterInput!) { recordEncounter(input: $i) { id } }`, (patientId) => ({ i: { patientId, kind: 'OUTPATIENT', startedAt: now() } })],
  [PatientData.SOCIAL_NEEDS, `mutation($i: RecordSocialNeedInput!) { recordSocialNeed(input: $i) { id } }`, (patientId) => ({ i: { patientId, category: 'FOOD_INSECURITY' } })],
  [PatientData.CONSENTS, `mutation($i: RecordConsentInput!) { recordConsent(input: $i) { id } }`, (patientId) => ({ i: { patientId, kind: 'CCM_SERVICES' } })],
  [PatientData.MEDICATIONS, `mutation($i: RecordMedicationInput!) { recordMedication(input: $i) { id } }`, (patientId) => ({ i: { patientId, code: '314076', display: 'Lisinopril 10 mg oral tablet', source: 'PATIENT_REPORTED' } })],
  [PatientData.ASSESSMENTS, `mutation($i: RecordAssessmentInput!) { recordAssessment(input: $i) { id } }`, (patientId) => ({
    i: { patientId, instrument: 'GAD-7', answers: Array.from({ length: 7 }, (_, n) => ({ linkId: `gad7-${n + 1}`, answerCode: 'not-at-all' })) },
  })],
];

async function register(label: string): Promise<{ id: string; mrn: string }> {
  const mrn = `ACC-${label}-${crypto.randomUUID()}`;
  const res = await hub.query(`mutation($i: RegisterPatientInput!) { registerPatient(input: $i) { id } }`, {
    i: { mrn, givenName: 'Test', familyName: label, birthDate: '1950-01-01', administrativeSex: 'UNKNOWN' },
  });
  expect(res.errors).toBeUndefined();
  return { id: res.data!.registerPatient.id, mrn };
}
async function formTeam(patientId: string, members: { practitionerId: string; role: string }[]): Promise<void> {
  const res = await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, { i: { patientId, name: 'Team', members } });
  expect(res.errors).toBeUndefined();
}

beforeAll(async () => {
  hub = await startHub();
  db = new Client({ connectionString: hub.databaseUrl });
  await db.connect();
  for (const role of ROLES) tokens.set(role, await hub.token({ sub: subOf(role), roles: [role] }));
  for (const rel of RELATIONSHIPS) {
    const { id, mrn } = await register(rel);
    patients.set(rel, id);
    mrns.set(rel, mrn);
  }
  // MEMBER: every role's practitioner is on the team; NOT_MEMBER and BREAK_THE_GLASS: a team of others; NO_TEAM: none.
  await formTeam(patients.get(Relationship.MEMBER)!, [
    { practitionerId: subOf(Role.CARE_COORDINATOR), role: 'CARE_COORDINATOR' },
    ...ROLES.filter((r) => r !== Role.CARE_COORDINATOR).map((r) => ({ practitionerId: subOf(r), role: 'NURSE_CASE_MANAGER' })),
  ]);
  await formTeam(patients.get(Relationship.NOT_MEMBER)!, [{ practitionerId: 'someone-else', role: 'CARE_COORDINATOR' }]);
  await formTeam(patients.get(Relationship.BREAK_THE_GLASS)!, [{ practitionerId: 'someone-else', role: 'CARE_COORDINATOR' }]);
  // A grant for every role (only clinicians can obtain one: breakTheGlass is tested in break-the-glass.test.ts); the table decides what it opens.
  for (const role of ROLES) {
    await db.query(`INSERT INTO patients.access_grant (grant_id, patient_id, practitioner_id, reason, granted_at, expires_at)
      VALUES ($1, $2, $3, 'access table test grant', now(), now() + interval '1 hour')`, [crypto.randomUUID(), patients.get(Relationship.BREAK_THE_GLASS), subOf(role)]);
  }
  await hub.settle();
});
afterAll(async () => {
  await db?.end();
  await hub?.stop();
});

const errorAt = (res: GraphQLResponse, path: (string | number)[]) => res.errors?.find((e) => JSON.stringify(e.path) === JSON.stringify(path));
const cells = ROLES.flatMap((role) => RELATIONSHIPS.map((rel) => [role, rel] as const));

describe.each(cells)('%s, %s', (role, rel) => {
  const p = principalOf(role);

  it('reads the chart as the table says: the worklist entry, then each clinical record field, FORBIDDEN where refused', async () => {
    const id = patients.get(rel)!;
    const res = await hub.query(CHART, { id }, tokens.get(role));
    const entry = decide(p, PatientData.WORKLIST, 'read', rel);
    if (!entry.allowed) {
      expect(res.data?.patient ?? null).toBeNull();
      expect(errorAt(res, ['patient'])?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: entry.reason, patientId: id });
      return;
    }
    expect(res.data!.patient).toMatchObject({ id, familyName: rel });
    for (const [data, field] of READ_FIELDS) {
      const d = decide(p, data, 'read', rel);
      if (d.allowed) {
        expect(Array.isArray(res.data!.patient[field])).toBe(true);
        expect(errorAt(res, ['patient', field])).toBeUndefined();
      } else {
        expect(res.data!.patient[field]).toBeNull();
        expect(errorAt(res, ['patient', field])?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: d.reason, patientId: id });
      }
    }
  });

  it('finds the patient on the worklist when the table shows it the population, or its own panel', async () => {
    const res = await hub.query(WORKLIST, { mrn: mrns.get(rel) }, tokens.get(role));
    const asMember = decide(p, PatientData.WORKLIST, 'read', Relationship.MEMBER);
    if (!asMember.allowed) {
      expect(errorAt(res, ['patients'])?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: asMember.reason });
      return;
    }
    const population = decide(p, PatientData.WORKLIST, 'read', Relationship.NOT_MEMBER).allowed && decide(p, PatientData.WORKLIST, 'read', Relationship.NO_TEAM).allowed;
    const visible = population || rel === Relationship.MEMBER;
    expect(res.errors).toBeUndefined();
    expect(res.data!.patients.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(visible ? [patients.get(rel)] : []);
    if (visible) expect(res.data!.patients.edges[0].node.careManaged).toBe(rel !== Relationship.NO_TEAM);
  });

  it.each(WRITES.map(([data, q, vars]) => [data, q, vars] as const))('writes %s as the table says (nothing written when refused)', async (data, q, vars) => {
    const id = patients.get(rel)!;
    const before = (await db.query(`SELECT count(*)::int AS n FROM hub_events.event_log WHERE patient_id = $1`, [id])).rows[0].n;
    const res = await hub.query(q, vars(id), tokens.get(role));
    const d = decide(p, data, 'write', rel);
    const after = (await db.query(`SELECT count(*)::int AS n FROM hub_events.event_log WHERE patient_id = $1`, [id])).rows[0].n;
    if (d.allowed) {
      expect(res.errors).toBeUndefined();
      expect(after).toBeGreaterThan(before);
    } else {
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: d.reason, patientId: id });
      expect(after).toBe(before);
    }
  });
});

describe('hard-coded cells (the test must not pass by mirroring a broken table)', () => {
  const read = async (role: Role, rel: Relationship) => hub.query(CHART, { id: patients.get(rel) }, tokens.get(role));
  const write = async (role: Role, rel: Relationship, data: PatientData) => {
    const [, q, vars] = WRITES.find(([d]) => d === data)!;
    return hub.query(q, vars(patients.get(rel)!), tokens.get(role));
  };

  it('a member nurse reads the whole chart and records a diagnosis; a member social worker may not diagnose', async () => {
    const chart = await read(Role.NURSE, Relationship.MEMBER);
    expect(chart.errors).toBeUndefined();
    expect((await write(Role.NURSE, Relationship.MEMBER, PatientData.CONDITIONS)).errors).toBeUndefined();
    expect((await write(Role.SOCIAL_WORKER, Relationship.MEMBER, PatientData.CONDITIONS)).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_NOT_ALLOWED' });
    expect((await write(Role.SOCIAL_WORKER, Relationship.MEMBER, PatientData.SOCIAL_NEEDS)).errors).toBeUndefined();
  });

  it('a coordinator off the team sees the worklist entry but not the clinical record; a nurse off the team sees neither', async () => {
    const coordinator = await read(Role.CARE_COORDINATOR, Relationship.NOT_MEMBER);
    expect(coordinator.data!.patient.familyName).toBe('NOT_MEMBER');
    expect(coordinator.data!.patient.conditions).toBeNull();
    expect(errorAt(coordinator, ['patient', 'conditions'])?.extensions?.reason).toBe('NOT_ON_CARE_TEAM');
    const nurse = await read(Role.NURSE, Relationship.NOT_MEMBER);
    expect(nurse.data?.patient ?? null).toBeNull();
    expect(errorAt(nurse, ['patient'])?.extensions?.reason).toBe('NOT_ON_CARE_TEAM');
  });

  it('the integration records encounters and conditions for any patient, but no social needs; admins do everything; analysts nothing', async () => {
    expect((await write(Role.INTEGRATION, Relationship.NO_TEAM, PatientData.ENCOUNTERS)).errors).toBeUndefined();
    expect((await write(Role.INTEGRATION, Relationship.NOT_MEMBER, PatientData.CONDITIONS)).errors).toBeUndefined();
    expect((await write(Role.INTEGRATION, Relationship.NO_TEAM, PatientData.SOCIAL_NEEDS)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await read(Role.ADMIN, Relationship.NO_TEAM)).errors).toBeUndefined();
    expect((await write(Role.ADMIN, Relationship.NOT_MEMBER, PatientData.CONSENTS)).errors).toBeUndefined();
    expect((await read(Role.ANALYST, Relationship.MEMBER)).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_NOT_ALLOWED' });
  });

  it('break-the-glass opens the record read only', async () => {
    expect((await read(Role.NURSE, Relationship.BREAK_THE_GLASS)).errors).toBeUndefined();
    expect((await write(Role.NURSE, Relationship.BREAK_THE_GLASS, PatientData.CONDITIONS)).errors?.[0]?.extensions?.reason).toBe('BREAK_THE_GLASS_READ_ONLY');
  });

  it('registration: care coordinators, integrations and admins register; other clinicians do not', async () => {
    const input = () => ({ i: { mrn: `REG-${crypto.randomUUID()}`, givenName: 'A', familyName: 'B', birthDate: '1950-01-01', administrativeSex: 'MALE' } });
    const REGISTER = `mutation($i: RegisterPatientInput!) { registerPatient(input: $i) { id careManaged } }`;
    for (const role of [Role.CARE_COORDINATOR, Role.INTEGRATION, Role.ADMIN]) {
      const res = await hub.query(REGISTER, input(), tokens.get(role));
      expect(res.errors).toBeUndefined();
      expect(res.data!.registerPatient.careManaged).toBe(false);
    }
    for (const role of [Role.NURSE, Role.PHYSICIAN, Role.SOCIAL_WORKER, Role.ANALYST, Role.PRIVACY_OFFICER]) {
      expect((await hub.query(REGISTER, input(), tokens.get(role))).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});
