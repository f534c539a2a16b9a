/**
 * Must show, through the gateway with the other subgraphs' real mutations:
 * discharges and readmissions inside and outside 30 days move the readmission
 * numerator and denominator exactly as HEDIS PCR says; the same for TCM
 * timeliness, 7-day follow-up, referral closure and satisfaction; utilization,
 * team performance, suppression, the partner contract and access.
 */
import { Role } from '../shared/auth';
import { SUBGRAPH_NAMES } from '../shared/config';
import type { Consumer } from '../shared/events';
import { FOOD_BANK, partnerUrl, seedDirectory } from './partner-fixtures';
import { startHub, type TestHub } from './support/hub';

let hub: TestHub;
const t: Record<string, string> = {};

beforeAll(async () => {
  process.env.MIN_COHORT_SIZE = '1'; // the steps below move small counts; suppression has its own test at the default
  hub = await startHub();
  await seedDirectory(hub);
  t.nurse = await hub.token({ sub: 'nurse-m', roles: [Role.NURSE] });
  // Registration, admissions and discharges arrive from the ADT feed: an integration service account (the access table).
  t.adt = await hub.token({ sub: 'adt-feed', roles: [Role.INTEGRATION] });
  t.coordinator = await hub.token({ sub: 'coord-m', roles: [Role.CARE_COORDINATOR] });
  t.socialWorker = await hub.token({ sub: 'sw-m', roles: [Role.SOCIAL_WORKER] });
  t.outsider = await hub.token({ sub: 'nurse-elsewhere', roles: [Role.NURSE] });
  t.analyst = await hub.token({ sub: 'analyst-m', roles: [Role.ANALYST] });
  t.foodBank = await hub.token({ sub: 'fb-m', roles: [Role.PARTNER_STAFF], org: FOOD_BANK.id });
});
afterAll(async () => {
  delete process.env.MIN_COHORT_SIZE;
  await hub?.stop();
});

/** Waits until every consumer has applied what was committed (patients → care-teams → metrics is two hops). */
async function settle(): Promise<void> {
  for (let hop = 0; hop < 3; hop++) {
    for (const name of SUBGRAPH_NAMES) {
      for (const w of hub.subgraphs[name].workers) if ('caughtUp' in w) await (w as Consumer).caughtUp();
    }
  }
}

async function ok(query: string, variables: Record<string, unknown> = {}, token?: string, url?: string) {
  const res = await hub.query(query, variables, token, url);
  expect(res.errors).toBeUndefined();
  return res.data!;
}

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

async function registerPatient(name: string): Promise<string> {
  const d = await ok(`mutation($i: RegisterPatientInput!) { registerPatient(input: $i) { id } }`, {
    i: { mrn: `M-${name}-${Math.random().toString(36).slice(2, 8)}`, givenName: 'Ada', familyName: name, birthDate: '1950-03-01', administrativeSex: 'FEMALE', postalCode: '02139' },
  }, t.adt);
  return d.registerPatient.id;
}

async function admit(patientId: string, admittedAt: string, over: Record<string, unknown> = {}): Promise<string> {
  const d = await ok(`mutation($i: AdmitPatientInput!) { admitPatient(input: $i) { id } }`, {
    i: { patientId, kind: 'INPATIENT', admittedAt, acuity: 'EMERGENT', planned: false, facility: 'Mercy General Hospital', principalDiagnosis: 'I50.9', ...over },
  }, t.adt);
  return d.admitPatient.id;
}

const discharge = (encounterId: string, dischargedAt: string, disposition = 'HOME') =>
  ok(`mutation($i: DischargePatientInput!) { dischargePatient(input: $i) { id } }`, { i: { encounterId, dischargedAt, disposition, cost: 9000 } }, t.adt);

async function stay(patientId: string, admittedAt: string, dischargedAt: string, over: Record<string, unknown> = {}, disposition = 'HOME') {
  await discharge(await admit(patientId, admittedAt, over), dischargedAt, disposition);
}

async function formTeam(patientId: string): Promise<string> {
  const d = await ok(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
    i: { patientId, name: 'Heart failure team', members: [{ practitionerId: 'coord-m', role: 'CARE_COORDINATOR' }, { practitionerId: 'nurse-m', role: 'NURSE_CASE_MANAGER' }, { practitionerId: 'sw-m', role: 'SOCIAL_WORKER' }] },
  }, t.coordinator);
  return d.formCareTeam.id;
}

async function figure(key: string, from: string, to: string, token = t.analyst) {
  await settle();
  const d = await ok(`query($key: KpiKey!, $f: KpiFilter) { kpi(key: $key, filter: $f) { numerator denominator value targetMet suppressed } }`,
    { key, f: { from, to } }, token);
  return d.kpi;
}
const counts = async (key: string, from: string, to: string) => {
  const f = await figure(key, from, to);
  return [f.numerator, f.denominator];
};

describe('30-day readmissions through the gateway', () => {
  const JAN = ['2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z'] as const;
  const readmissions = () => counts('READMISSION_30_DAY', ...JAN);

  it('moves exactly as the HEDIS PCR rules say', async () => {
    const p1 = await registerPatient('Readmit');
    await stay(p1, '2025-01-02T08:00:00Z', '2025-01-06T12:00:00Z');
    expect(await readmissions()).toEqual([0, 1]); // one index stay, no readmission yet

    const back = await admit(p1, '2025-01-20T09:00:00Z'); // 14 days after discharge, unplanned
    expect(await readmissions()).toEqual([1, 1]); // a readmission from the moment of admission
    await discharge(back, '2025-01-23T10:00:00Z');
    expect(await readmissions()).toEqual([1, 2]); // and an index stay of its own once discharged

    const p2 = await registerPatient('Outside');
    await stay(p2, '2025-01-03T08:00:00Z', '2025-01-08T12:00:00Z');
    await stay(p2, '2025-02-10T08:00:00Z', '2025-02-12T12:00:00Z'); // 33 days later: outside the window
    expect(await readmissions()).toEqual([1, 3]);
    expect(await counts('READMISSION_30_DAY', '2025-02-01T00:00:00Z', '2025-03-01T00:00:00Z')).toEqual([0, 1]);

    const p3 = await registerPatient('Planned');
    await stay(p3, '2025-01-10T08:00:00Z', '2025-01-12T12:00:00Z');
    await stay(p3, '2025-01-25T08:00:00Z', '2025-01-27T12:00:00Z', { planned: true, acuity: 'ELECTIVE' }); // planned: not a readmission
    expect(await readmissions()).toEqual([1, 5]);

    const p4 = await registerPatient('Died');
    await stay(p4, '2025-01-14T08:00:00Z', '2025-01-16T12:00:00Z', {}, 'EXPIRED'); // death during the stay: excluded
    const p5 = await registerPatient('SameDay');
    await stay(p5, '2025-01-15T08:00:00Z', '2025-01-15T18:00:00Z'); // same-day admit and discharge: excluded
    expect(await readmissions()).toEqual([1, 5]);

    const p6 = await registerPatient('Transfer');
    await stay(p6, '2025-01-17T08:00:00Z', '2025-01-19T09:00:00Z', {}, 'TRANSFERRED');
    await stay(p6, '2025-01-19T11:00:00Z', '2025-01-24T12:00:00Z'); // a direct transfer: one stay
    expect(await readmissions()).toEqual([1, 6]);

    const series = await ok(`query($f: KpiFilter) { kpiSeries(key: READMISSION_30_DAY, filter: $f) { month numerator denominator } }`,
      { f: { from: '2025-01-01T00:00:00Z', to: '2025-03-01T00:00:00Z' } }, t.analyst);
    expect(series.kpiSeries).toEqual([{ month: '2025-01', numerator: 1, denominator: 6 }, { month: '2025-02', numerator: 0, denominator: 1 }]);
  });

  it('is suppressed below MIN_COHORT_SIZE (default 11)', async () => {
    delete process.env.MIN_COHORT_SIZE;
    try {
      expect(await figure('READMISSION_30_DAY', ...JAN)).toMatchObject({ numerator: null, denominator: null, value: null, suppressed: true });
    } finally {
      process.env.MIN_COHORT_SIZE = '1';
    }
  });
});

describe('transitional care, follow-up, satisfaction and the patient\'s view', () => {
  const window = () => [ago(30), ago(-1)] as const;
  let fresh: string;
  let stale: string;
  let staleTeam: string;

  const episodes = async (patientId: string) => {
    await settle();
    const d = await ok(`query($id: ID!) { patient(id: $id) { transitionalCareEpisodes { id steps { kind completedAt } } } }`, { id: patientId }, t.coordinator);
    return d.patient.transitionalCareEpisodes as { id: string }[];
  };
  const complete = (episodeId: string, step: string, completedAt?: string) =>
    ok(`mutation($i: CompleteTransitionalCareStepInput!) { completeTransitionalCareStep(input: $i) { id } }`, { i: { episodeId, step, completedAt } }, t.coordinator);

  beforeAll(async () => {
    fresh = await registerPatient('JustHome');
    await formTeam(fresh);
    await stay(fresh, ago(3), new Date(Date.now() - 3_600_000).toISOString()); // discharged an hour ago
    stale = await registerPatient('LongHome');
    staleTeam = await formTeam(stale);
    await stay(stale, ago(20), ago(15)); // discharged 15 days ago: every TCM deadline has passed
  });

  it('TCM: contact within 2 business days, face-to-face as due', async () => {
    const [freshEpisode] = await episodes(fresh);
    expect(freshEpisode).toBeDefined();
    expect(await counts('TCM_INTERACTIVE_CONTACT', ...window())).toEqual([0, 1]); // stale: missed; fresh: still pending
    await complete(freshEpisode.id, 'INTERACTIVE_CONTACT');
    expect(await counts('TCM_INTERACTIVE_CONTACT', ...window())).toEqual([1, 2]);
    const [staleEpisode] = await episodes(stale);
    await complete(staleEpisode.id, 'INTERACTIVE_CONTACT'); // done late: stays missed
    expect(await counts('TCM_INTERACTIVE_CONTACT', ...window())).toEqual([1, 2]);

    expect(await counts('TCM_FACE_TO_FACE', ...window())).toEqual([0, 1]);
    await complete(freshEpisode.id, 'FACE_TO_FACE_VISIT');
    expect(await counts('TCM_FACE_TO_FACE', ...window())).toEqual([1, 2]);
  });

  it('follow-up within 7 days: a visit on days 1–7 after a discharge home', async () => {
    expect(await counts('FOLLOW_UP_7_DAY', ...window())).toEqual([0, 1]); // stale: window over; fresh: pending
    await ok(`mutation($i: RecordEncounterInput!) { recordEncounter(input: $i) { id } }`, {
      i: { patientId: stale, kind: 'TELEHEALTH', startedAt: ago(12), endedAt: ago(12), cost: 150 },
    }, t.adt);
    expect(await counts('FOLLOW_UP_7_DAY', ...window())).toEqual([1, 1]);
  });

  it('satisfaction: recorded by the care team, 4 and 5 count as satisfied', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const month = [`${today.slice(0, 7)}-01T00:00:00Z`, ago(-1)] as const;
    const before = await counts('PATIENT_SATISFACTION', ...month);
    const record = (score: number, token = t.nurse) => hub.query(`mutation($i: RecordSatisfactionSurveyInput!) { recordSatisfactionSurvey(input: $i) { id score } }`,
      { i: { patientId: fresh, score, respondedOn: today, comment: score < 4 ? 'Hard to reach the nurse line' : null } }, token);
    expect((await record(5)).errors).toBeUndefined();
    expect(await counts('PATIENT_SATISFACTION', ...month)).toEqual([before[0] + 1, before[1] + 1]);
    expect((await record(2)).errors).toBeUndefined();
    expect(await counts('PATIENT_SATISFACTION', ...month)).toEqual([before[0] + 1, before[1] + 2]);
    expect((await record(4, t.outsider)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await record(7)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'score' });
  });

  it('Patient.utilization for the care team, FORBIDDEN to others', async () => {
    await ok(`mutation($i: RecordEncounterInput!) { recordEncounter(input: $i) { id } }`, { i: { patientId: stale, kind: 'EMERGENCY', startedAt: ago(40), cost: 1800 } }, t.adt);
    await settle();
    const Q = `query($id: ID!) { patient(id: $id) { familyName utilization { admissions12Months edVisits6Months readmissions30Day } } }`;
    expect((await ok(Q, { id: stale }, t.nurse)).patient).toEqual({ familyName: 'LongHome', utilization: { admissions12Months: 1, edVisits6Months: 1, readmissions30Day: 0 } });
    // A coordinator outside the team sees the patient on the worklist, not their figures: FORBIDDEN at the field, the rest stands.
    const otherCoordinator = await hub.token({ sub: 'coord-elsewhere', roles: [Role.CARE_COORDINATOR] });
    const outsider = await hub.query(Q, { id: stale }, otherCoordinator);
    expect(outsider.data?.patient).toEqual({ familyName: 'LongHome', utilization: null });
    expect(outsider.errors?.[0]).toMatchObject({ path: ['patient', 'utilization'], extensions: { code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM', patientId: stale } });
  });

  it('CareTeam.performance: the team\'s own figures', async () => {
    await settle();
    const d = await ok(`query($id: ID!, $from: DateTimeISO) { careTeam(id: $id) { name performance(from: $from) { tcmInteractiveContact { numerator denominator } followUp7Day { numerator denominator } } } }`,
      { id: staleTeam, from: ago(30) }, t.coordinator);
    expect(d.careTeam.performance).toEqual({ tcmInteractiveContact: { numerator: 0, denominator: 1 }, followUp7Day: { numerator: 1, denominator: 1 } });
  });

  it('a care team member sees their own panel', async () => {
    await settle();
    const mine = await ok(`query($f: KpiFilter) { kpi(key: TCM_INTERACTIVE_CONTACT, filter: $f) { numerator denominator } }`, { f: { from: ago(30), to: ago(-1) } }, t.nurse);
    expect(mine.kpi).toEqual({ numerator: 1, denominator: 2 });
    const none = await ok(`query($f: KpiFilter) { kpi(key: TCM_INTERACTIVE_CONTACT, filter: $f) { numerator denominator } }`, { f: { from: ago(30), to: ago(-1) } }, t.outsider);
    expect(none.kpi).toEqual({ numerator: 0, denominator: 0 });
  });
});

describe('closed-loop referrals through the gateway and the partner contract', () => {
  it('closure, acceptance and days to close move with the partner\'s answers', async () => {
    const patientId = await registerPatient('Referral');
    await formTeam(patientId);
    const need = await ok(`mutation($i: RecordSocialNeedInput!) { recordSocialNeed(input: $i) { id } }`, {
      i: { patientId, category: 'FOOD_INSECURITY', instrument: 'AHC HRSN', screenedAt: new Date().toISOString().slice(0, 10) },
    }, t.socialWorker);
    await ok(`mutation($i: RecordConsentInput!) { recordConsent(input: $i) { id } }`, {
      i: { patientId, kind: 'SHARE_WITH_PARTNER', partnerOrgId: FOOD_BANK.id, status: 'ACTIVE' },
    }, t.socialWorker);
    const sent = await ok(`mutation($i: CreateReferralInput!) { createReferral(input: $i) { id status } }`, {
      i: { patientId, partnerId: FOOD_BANK.id, socialNeedId: need.recordSocialNeed.id, note: 'Weekly groceries', send: true },
    }, t.socialWorker);
    const referralId = sent.createReferral.id;
    const today = [new Date(Date.now() - 3_600_000).toISOString(), ago(-1)] as const;
    expect(await counts('REFERRAL_CLOSED_LOOP', ...today)).toEqual([0, 1]);
    expect(await counts('PARTNER_ACCEPTANCE', ...today)).toEqual([0, 0]);

    const partner = partnerUrl(hub);
    await ok(`mutation($id: ID!) { acceptReferral(input: { id: $id }) { status } }`, { id: referralId }, t.foodBank, partner);
    expect(await counts('PARTNER_ACCEPTANCE', ...today)).toEqual([1, 1]);
    await ok(`mutation($id: ID!) { completeReferral(input: { id: $id, outcome: { text: "Enrolled in weekly delivery", services: [{ system: "http://snomed.info/sct", code: "464311000124103", display: "Provision of food" }] } }) { status } }`,
      { id: referralId }, t.foodBank, partner);
    expect(await counts('REFERRAL_CLOSED_LOOP', ...today)).toEqual([1, 1]);
    const days = await figure('REFERRAL_DAYS_TO_CLOSE', ...today);
    expect(days.denominator).toBe(1);
    expect(days.value).toBeGreaterThanOrEqual(0);
    expect(days.value).toBeLessThan(0.01);

    // The partner reads its own organization's figures on /partner/graphql, and nothing more.
    await settle();
    const own = await ok(`query($f: KpiFilter) { referralPerformance(filter: $f) { closedLoop { numerator denominator } acceptance { value } byPartner { partnerId } } }`,
      { f: { from: today[0], to: today[1] } }, t.foodBank, partner);
    expect(own.referralPerformance).toEqual({ closedLoop: { numerator: 1, denominator: 1 }, acceptance: { value: 1 }, byPartner: [{ partnerId: FOOD_BANK.id }] });
    const clinical = await hub.query('{ kpis { readmission30Day { value } } }', {}, t.foodBank, partner);
    expect(clinical.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const narrowed = await hub.query('{ referralPerformance(filter: { riskTier: HIGH }) { closedLoop { value } } }', {}, t.foodBank, partner);
    expect(narrowed.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('access through the gateway', () => {
  it('partner staff are refused on /graphql; analysts read population figures and freshness', async () => {
    expect((await hub.query('{ kpis { readmission30Day { value } } }', {}, t.foodBank)).errors?.[0].extensions?.code).toMatch(/FORBIDDEN|UNAUTHENTICATED/);
    expect((await hub.query('{ kpis { readmission30Day { denominator } } }', {}, t.analyst)).errors).toBeUndefined();
    const freshness = await ok('{ metricsFreshness { appliedPosition lastEventPosition lagSeconds } }', {}, t.analyst);
    expect(Number(freshness.metricsFreshness.appliedPosition)).toBeGreaterThan(0);
  });
});
