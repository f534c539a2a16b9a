/**
 * CMS Chronic Care Management time through the gateway: members log minutes, each
 * calendar month totals separately, and the month reaches billable codes only with
 * active CCM consent and two or more chronic conditions (from the patients subgraph).
 */
import { Role } from '../shared/auth';
import { startHub, type TestHub } from './support/hub';
import { careTeamsCaughtUp, clinician, eventsOf, failure, formTeam, ok, registerPatient } from './care-teams-fixtures';

let hub: TestHub;
beforeAll(async () => { hub = await startHub(); });
afterAll(async () => { await hub?.stop(); });

const DAY = 86_400_000;
const LOG = `mutation($i: LogCcmTimeInput!) { logCcmTime(input: $i) { id minutes performedOn byPhysician practitionerId loggedBy activity note patient { id } } }`;
const MONTH = `query($id: ID!, $month: String!) { patient(id: $id) { ccmMonth(month: $month) {
  month totalMinutes clinicalStaffMinutes physicianMinutes consentActive chronicConditionCount carePlanEstablishedOrRevised
  billable notBillableReason codes { code units } entries { minutes byPhysician practitionerId practitioner { name } } } } }`;

/** Calendar months counted back from this one (UTC), and a day in each that is not in the future. */
const monthsAgo = (n: number) => {
  const now = new Date();
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - n, 1));
  return { month: first.toISOString().slice(0, 7), day: first.toISOString().slice(0, 10) };
};

async function setup(label: string) {
  const ids = { coordinator: `${label}-coord`, nurse: `${label}-nurse`, physician: `${label}-doc` };
  const tokens = {
    coordinator: await clinician(hub, ids.coordinator, Role.CARE_COORDINATOR),
    nurse: await clinician(hub, ids.nurse),
    physician: await clinician(hub, ids.physician, Role.PHYSICIAN),
  };
  const patientId = await registerPatient(hub, label);
  const team = await formTeam(hub, patientId, { [ids.coordinator]: 'CARE_COORDINATOR', [ids.nurse]: 'NURSE_CASE_MANAGER', [ids.physician]: 'PRIMARY_CARE_PHYSICIAN' });
  const log = (token: string, minutes: number, performedOn: string, practitionerId?: string) =>
    hub.query(LOG, { i: { patientId, minutes, performedOn, activity: 'Care coordination call', ...(practitionerId ? { practitionerId } : {}) } }, token);
  const month = async (m: string, token = tokens.nurse) => ok(await hub.query(MONTH, { id: patientId, month: m }, token)).patient.ccmMonth;
  return { ids, tokens, patientId, team, log, month };
}

/** Makes the patient CCM-eligible through the patients subgraph: two chronic conditions and active consent. */
async function makeEligible(patientId: string, token: string) {
  for (const code of ['I50.9', 'E11.9']) ok(await hub.query(`mutation($i: RecordConditionInput!) { recordCondition(input: $i) { id } }`, { i: { patientId, code, chronic: true } }, token));
  ok(await hub.query(`mutation($i: RecordConsentInput!) { recordConsent(input: $i) { id } }`, { i: { patientId, kind: 'CCM_SERVICES', status: 'ACTIVE' } }, token));
  await careTeamsCaughtUp(hub);
}

describe('CCM time', () => {
  it('bills nothing until the patient has consented and has two chronic conditions, then the month\'s codes', async () => {
    const s = await setup('ccm-elig');
    const last = monthsAgo(1);
    ok(await s.log(s.tokens.nurse, 25, last.day));
    expect(await s.month(last.month)).toMatchObject({ totalMinutes: 25, billable: false, consentActive: false, chronicConditionCount: 0, codes: [], notBillableReason: expect.stringMatching(/consent/) });

    await makeEligible(s.patientId, s.tokens.nurse);
    expect(await s.month(last.month)).toMatchObject({
      month: last.month, totalMinutes: 25, clinicalStaffMinutes: 25, physicianMinutes: 0, consentActive: true, chronicConditionCount: 2,
      billable: true, notBillableReason: null, codes: [{ code: '99490', units: 1 }],
    });
  });

  it('counts each calendar month on its own and reaches the thresholds: 99490, 99439, 99491', async () => {
    const s = await setup('ccm-thr');
    // Diagnoses are recorded by the nurse or the physician (the access table's CONDITIONS writers), not the coordinator.
    await makeEligible(s.patientId, s.tokens.nurse);
    const two = monthsAgo(2);
    const one = monthsAgo(1);

    ok(await s.log(s.tokens.nurse, 19, two.day));
    expect(await s.month(two.month)).toMatchObject({ totalMinutes: 19, billable: false, codes: [], notBillableReason: expect.stringMatching(/19 minutes/) });
    ok(await s.log(s.tokens.nurse, 1, two.day));
    expect((await s.month(two.month)).codes).toEqual([{ code: '99490', units: 1 }]);
    ok(await s.log(s.tokens.coordinator, 20, two.day));
    expect((await s.month(two.month)).codes).toEqual([{ code: '99490', units: 1 }, { code: '99439', units: 1 }]);

    // Last month: the physician's own 30 minutes bill 99491; nothing carries over from the month before.
    const byDoctor = ok(await s.log(s.tokens.physician, 30, one.day)).logCcmTime;
    expect(byDoctor).toMatchObject({ byPhysician: true, practitionerId: s.ids.physician, loggedBy: s.ids.physician, patient: { id: s.patientId } });
    expect(await s.month(one.month)).toMatchObject({ totalMinutes: 30, physicianMinutes: 30, clinicalStaffMinutes: 0, carePlanEstablishedOrRevised: false, codes: [{ code: '99491', units: 1 }] });
    expect((await s.month(two.month)).totalMinutes).toBe(40);
    expect((await s.month(monthsAgo(3).month))).toMatchObject({ totalMinutes: 0, billable: false, entries: [] });
  });

  it('a month in which the plan was established and the physician recorded moderate decision-making reaches complex CCM: 99487 at 60 minutes, 99489 for each further 30', async () => {
    const s = await setup('ccm-cx');
    await makeEligible(s.patientId, s.tokens.nurse);
    const plan = ok(await hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId: s.team.id, title: 'Plan' } }, s.tokens.nurse)).createCarePlan;
    const thisMonth = monthsAgo(0);
    const today = new Date().toISOString().slice(0, 10);
    ok(await s.log(s.tokens.nurse, 75, today));
    // A draft is not yet established: non-complex codes.
    expect(await s.month(thisMonth.month)).toMatchObject({ carePlanEstablishedOrRevised: false, codes: [{ code: '99490', units: 1 }, { code: '99439', units: 2 }] });
    ok(await hub.query(`mutation($id: ID!) { changeCarePlanStatus(input: { carePlanId: $id, expectedVersion: 1, status: ACTIVE }) { version } }`, { id: plan.id }, s.tokens.nurse));
    // Issue 14: a plan edit alone does not make the month complex; the billing practitioner's decision-making does.
    expect(await s.month(thisMonth.month)).toMatchObject({ carePlanEstablishedOrRevised: true, codes: [{ code: '99490', units: 1 }, { code: '99439', units: 2 }] });
    ok(await hub.query(`mutation($i: RecordCcmDecisionMakingInput!) { recordCcmDecisionMaking(input: $i) { month } }`,
      { i: { patientId: s.patientId, month: thisMonth.month, complexity: 'MODERATE' } }, s.tokens.physician));
    expect(await s.month(thisMonth.month)).toMatchObject({ carePlanEstablishedOrRevised: true, codes: [{ code: '99487', units: 1 }] });
    ok(await s.log(s.tokens.nurse, 15, today));
    expect((await s.month(thisMonth.month)).codes).toEqual([{ code: '99487', units: 1 }, { code: '99489', units: 1 }]);
  });

  it('who logs for whom, and what is refused', async () => {
    const s = await setup('ccm-acc');
    const day = monthsAgo(1).day;
    // The coordinator may log a member's time; it counts as that member's (a physician's here).
    const forDoctor = ok(await s.log(s.tokens.coordinator, 35, day, s.ids.physician)).logCcmTime;
    expect(forDoctor).toMatchObject({ practitionerId: s.ids.physician, loggedBy: s.ids.coordinator, byPhysician: true });
    expect(failure(await s.log(s.tokens.nurse, 10, day, s.ids.physician)).extensions.code).toBe('FORBIDDEN');
    expect(failure(await s.log(s.tokens.coordinator, 10, day, 'not-on-team')).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'practitionerId' });
    const outsider = await clinician(hub, 'ccm-outsider');
    expect(failure(await s.log(outsider, 10, day)).extensions.code).toBe('FORBIDDEN');
    // A coordinator outside the team sees the patient on the worklist, but not their CCM time: FORBIDDEN at the field, the rest stands.
    const otherCoordinator = await clinician(hub, 'ccm-other-coord', Role.CARE_COORDINATOR);
    const hidden = await hub.query(`query($id: ID!, $month: String!) { patient(id: $id) { id ccmMonth(month: $month) { month } } }`, { id: s.patientId, month: monthsAgo(1).month }, otherCoordinator);
    expect(hidden.data?.patient).toEqual({ id: s.patientId, ccmMonth: null });
    expect(failure(hidden)).toMatchObject({ path: ['patient', 'ccmMonth'], extensions: { code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM', patientId: s.patientId } });
    expect(failure(await hub.query(MONTH, { id: s.patientId, month: monthsAgo(1).month }, await hub.token({ roles: [Role.ANALYST] }))).extensions.code).toBe('FORBIDDEN');

    const tomorrow = new Date(Date.now() + DAY).toISOString().slice(0, 10);
    const refused: [number, string, string][] = [[0, day, 'minutes'], [-5, day, 'minutes'], [10, tomorrow, 'performedOn'], [10, '2026-02-30', 'performedOn']];
    for (const [minutes, performedOn, field] of refused) {
      expect(failure(await s.log(s.tokens.nurse, minutes, performedOn)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect(failure(await hub.query(MONTH, { id: s.patientId, month: '2026-13' }, s.tokens.nurse)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'month' });

    const entries = (await s.month(monthsAgo(1).month)).entries;
    expect(entries).toEqual([{ minutes: 35, byPhysician: true, practitionerId: s.ids.physician, practitioner: null }]);
    const [logged] = await eventsOf(hub, forDoctor.id, ['CcmTimeLogged']);
    expect(logged.payload).toEqual({ entryId: forDoctor.id, careTeamId: s.team.id, minutes: 35, performedOn: day, practitionerId: s.ids.physician, byPhysician: true });
    expect(logged.actor).toBe(s.ids.coordinator);
  });
});
