/**
 * Issue 14 through the gateway, conditions and scores: diseases not codes for CCM,
 * RESOLVED needs its abatement date, the ICD-10-CM code list, and an entered-in-error
 * condition that leaves the LACE of a discharge as it was known and moves the current
 * risk. A coordinator registers each patient and forms a team with the nurse (access model).
 */
import { Client } from 'pg';
import { Role } from '../shared/auth';
import { startHub, type GraphQLResponse, type TestHub } from './support/hub';

let hub: TestHub;
let nurse: string;
let coordinator: string;
let db: Client;
beforeAll(async () => {
  hub = await startHub();
  nurse = await hub.token({ sub: 'nurse-1', roles: [Role.NURSE] });
  coordinator = await hub.token({ sub: 'coord-1', roles: [Role.CARE_COORDINATOR] });
  db = new Client({ connectionString: hub.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await hub?.stop();
});

const DAY = 86_400_000;
const daysAgo = (days: number) => {
  const d = new Date(Date.now() - days * DAY);
  d.setUTCHours(10, 0, 0, 0);
  return d.toISOString();
};
async function ok<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, token: string = nurse): Promise<T> {
  const res = await hub.query<T>(query, variables, token);
  if (res.errors) throw new Error(`Unexpected errors: ${JSON.stringify(res.errors)}`);
  return res.data as T;
}
function expectError(res: GraphQLResponse, code: string, field?: string) {
  expect(res.errors?.[0]?.extensions).toMatchObject({ code, ...(field ? { field } : {}) });
}

let mrn = 0;
async function registerPatient(): Promise<string> {
  mrn += 1;
  const input = { mrn: `PR14-${mrn}`, givenName: 'Ada', familyName: 'Lindqvist', birthDate: '1950-03-04', administrativeSex: 'FEMALE', postalCode: '02139' };
  const id = (await ok(`mutation($input: RegisterPatientInput!) { registerPatient(input: $input) { id } }`, { input }, coordinator)).registerPatient.id as string;
  await ok(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
    i: { patientId: id, name: 'Team', members: [{ practitionerId: 'coord-1', role: 'CARE_COORDINATOR' }, { practitionerId: 'nurse-1', role: 'NURSE_CASE_MANAGER' }] },
  }, coordinator);
  return id;
}
const RECORD_CONDITION = `mutation($input: RecordConditionInput!) {
  recordCondition(input: $input) { id code chronic disease verificationStatus codeOutsideList clinicalStatus abatementDate } }`;
const recordCondition = async (patientId: string, code: string, extra: Record<string, unknown> = {}) =>
  (await ok(RECORD_CONDITION, { input: { patientId, code, onsetDate: '2020-01-15', ...extra } })).recordCondition;
const CCM = `query($id: ID!) { patient(id: $id) { chronicConditionCount ccmEligible ccmEligibility { eligible chronicConditionCount reasons } } }`;

describe('CMS CCM counts diseases, not diagnosis codes', () => {
  it('E11.9 and E11.22 are one disease: one chronic condition, not eligible; I10 (chronic by default) makes two', async () => {
    const id = await registerPatient();
    expect(await recordCondition(id, 'E11.9')).toMatchObject({ disease: 'E11', chronic: true });
    expect(await recordCondition(id, 'E11.22')).toMatchObject({ disease: 'E11', chronic: true });
    expect((await ok(CCM, { id })).patient).toEqual({
      chronicConditionCount: 1, ccmEligible: false,
      ccmEligibility: { eligible: false, chronicConditionCount: 1, reasons: ['1 chronic condition', 'CCM needs at least 2 chronic conditions', 'CCM consent not on file'] },
    });
    const hypertension = await recordCondition(id, 'I10');
    expect(hypertension).toMatchObject({ disease: 'I10', chronic: true });
    expect((await ok(CCM, { id })).patient).toMatchObject({ chronicConditionCount: 2, ccmEligible: true });
    // The clinician's call overrides the default.
    await ok(`mutation($id: ID!) { setConditionChronic(input: { id: $id, chronic: false }) { chronic } }`, { id: hypertension.id });
    expect((await ok(CCM, { id })).patient).toMatchObject({ chronicConditionCount: 1, ccmEligible: false });
    const summary = (await db.query(`SELECT payload FROM hub_events.event_log WHERE patient_id = $1 AND type = 'PatientSummaryChanged' ORDER BY id DESC LIMIT 1`, [id])).rows[0].payload;
    expect(summary).toMatchObject({ chronicConditionCount: 1 });
  });
});

describe('clinical status and the code list', () => {
  it('refuses RESOLVED or REMISSION without an abatement date, on record and on update, writing nothing', async () => {
    const id = await registerPatient();
    for (const clinicalStatus of ['RESOLVED', 'REMISSION']) {
      expectError(await hub.query(RECORD_CONDITION, { input: { patientId: id, code: 'J44.9', clinicalStatus } }, nurse), 'BAD_USER_INPUT', 'abatementDate');
    }
    expect((await db.query('SELECT count(*)::int AS n FROM patients.condition WHERE patient_id = $1', [id])).rows[0].n).toBe(0);
    const copd = await recordCondition(id, 'J44.9');
    expectError(await hub.query(`mutation($id: ID!) { updateConditionStatus(input: { id: $id, clinicalStatus: RESOLVED }) { id } }`, { id: copd.id }, nurse), 'BAD_USER_INPUT', 'abatementDate');
    expect((await recordCondition(id, 'J45.40', { clinicalStatus: 'RESOLVED', abatementDate: '2024-01-01' }))).toMatchObject({ clinicalStatus: 'RESOLVED', abatementDate: '2024-01-01' });
  });

  it('refuses a well-formed code not on the list (Z99.99) unless the caller says it is outside the list', async () => {
    const id = await registerPatient();
    expectError(await hub.query(RECORD_CONDITION, { input: { patientId: id, code: 'Z99.99' } }, nurse), 'BAD_USER_INPUT', 'code');
    expect(await recordCondition(id, 'Z99.99', { codeOutsideList: true })).toMatchObject({ code: 'Z99.99', codeOutsideList: true, chronic: false });
    expect(await recordCondition(id, 'Z99.2')).toMatchObject({ codeOutsideList: false });
  });
});

describe('entered in error: the LACE of a discharge stays as known then, the current risk moves', () => {
  it('removes a COPD condition from the current risk and eligibility, not from the discharge it was known at', async () => {
    const id = await registerPatient();
    await recordCondition(id, 'I50.9'); // CHF, Charlson 1
    const copd = await recordCondition(id, 'J44.9'); // COPD, Charlson 1
    const stay = (await ok(`mutation($input: AdmitPatientInput!) { admitPatient(input: $input) { id } }`, {
      input: { patientId: id, kind: 'INPATIENT', admittedAt: daysAgo(10), acuity: 'EMERGENT', facility: 'Mercy', principalDiagnosis: 'I50.9' },
    })).admitPatient.id;
    const discharged = (await ok(`mutation($input: DischargePatientInput!) { dischargePatient(input: $input) { lace { score c calculatedAt } } }`, {
      input: { encounterId: stay, dischargedAt: daysAgo(5), disposition: 'HOME' },
    })).dischargePatient.lace;
    // L 4 (5 days) + A 3 + C 2 (CHF, COPD) + E 0 = 9.
    expect(discharged).toMatchObject({ score: 9, c: 2 });

    const marked = await ok(`mutation($id: ID!) { markConditionEnteredInError(input: { id: $id }) { verificationStatus clinicalStatus } }`, { id: copd.id });
    expect(marked.markConditionEnteredInError.verificationStatus).toBe('ENTERED_IN_ERROR');

    const read = (await ok(`query($id: ID!) { patient(id: $id) {
      chronicConditionCount charlsonScore risk { basis score c encounterId drivers } encounters { id lace { score c calculatedAt } } } }`, { id })).patient;
    expect(read.encounters.find((e: { id: string }) => e.id === stay).lace).toEqual(discharged);
    expect(read.risk).toMatchObject({ basis: 'CURRENT', score: 8, c: 1, encounterId: stay });
    expect(read.risk.drivers).toContain('Charlson 1: CHF');
    expect(read).toMatchObject({ chronicConditionCount: 1, charlsonScore: 1 });
    const events = (await db.query(`SELECT type, payload FROM hub_events.event_log WHERE patient_id = $1 AND type IN ('ConditionVerificationChanged', 'PatientSummaryChanged') ORDER BY id DESC LIMIT 2`, [id])).rows;
    expect(events.map((e) => e.type).sort()).toEqual(['ConditionVerificationChanged', 'PatientSummaryChanged']);
    expect(events.find((e) => e.type === 'PatientSummaryChanged').payload).toMatchObject({ laceScore: 8, chronicConditionCount: 1 });
    // An entered-in-error condition takes no further status change.
    expectError(await hub.query(`mutation($id: ID!) { updateConditionStatus(input: { id: $id, clinicalStatus: INACTIVE }) { id } }`, { id: copd.id }, nurse), 'CONFLICT');
  });
});
