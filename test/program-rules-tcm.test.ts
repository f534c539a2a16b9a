/**
 * Issue 14 through the gateway, CMS TCM: one TCM per 30-day period (a readmission
 * discharged inside the open period links to the episode), deadlines on the practice's
 * local dates (HUB_TIME_ZONE = America/New_York for this file), and 99496 set by the
 * billing practitioner's recorded decision-making, the risk tier only suggesting.
 * Discharges go through the patients subgraph; care-teams applies its events.
 */
import { Role } from '../shared/auth';
import { startHub, type TestHub } from './support/hub';
import { careTeamsCaughtUp, clinician, eventsOf, failure, formTeam, ok, registerPatient } from './care-teams-fixtures';

const NY = 'America/New_York';
const DAY = 86_400_000;
let hub: TestHub;
const saved = { tz: process.env.HUB_TIME_ZONE, holidays: process.env.TCM_HOLIDAYS };
beforeAll(async () => {
  process.env.HUB_TIME_ZONE = NY;
  delete process.env.TCM_HOLIDAYS;
  hub = await startHub();
});
afterAll(async () => {
  for (const [k, v] of [['HUB_TIME_ZONE', saved.tz], ['TCM_HOLIDAYS', saved.holidays]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await hub?.stop();
});

/** Weekday, date and time of an instant on the New York wall clock (Intl, independent of the hub's own helpers). */
const inNewYork = (iso: string) => new Intl.DateTimeFormat('en-US', {
  timeZone: NY, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
}).format(new Date(iso));
const utcWeekday = (iso: string) => ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][new Date(iso).getUTCDay()];

const EPISODES = `query($id: ID!) { patient(id: $id) { transitionalCareEpisodes {
  id encounterId dischargedAt periodEnd complexity suggestedComplexity complexitySource decisionMaking billingCode
  readmissions { encounterId admittedAt dischargedAt disposition } steps { kind dueAt completedAt } } } }`;
const episodesOf = async (patientId: string) => {
  await careTeamsCaughtUp(hub);
  return ok(await hub.query(EPISODES, { id: patientId })).patient.transitionalCareEpisodes;
};
const dueOf = (episode: { steps: { kind: string; dueAt: string }[] }, kind: string) => episode.steps.find((s) => s.kind === kind)!.dueAt;

async function stay(patientId: string, admittedAt: Date, dischargedAt: Date, acuity = 'ELECTIVE'): Promise<string> {
  const id = ok(await hub.query(`mutation($i: AdmitPatientInput!) { admitPatient(input: $i) { id } }`, {
    i: { patientId, kind: 'INPATIENT', admittedAt: admittedAt.toISOString(), acuity, facility: 'Mercy', principalDiagnosis: 'I50.9' },
  })).admitPatient.id as string;
  ok(await hub.query(`mutation($i: DischargePatientInput!) { dischargePatient(input: $i) { id } }`, {
    i: { encounterId: id, dischargedAt: dischargedAt.toISOString(), disposition: 'HOME' },
  }));
  return id;
}

async function patientWithTeam(name: string): Promise<{ patientId: string; physician: string; nurse: string }> {
  const patientId = await registerPatient(hub, name);
  await formTeam(hub, patientId, { [`${name}-coord`]: 'CARE_COORDINATOR', [`${name}-nurse`]: 'NURSE_CASE_MANAGER', [`${name}-doc`]: 'PRIMARY_CARE_PHYSICIAN' });
  await careTeamsCaughtUp(hub);
  return { patientId, physician: await clinician(hub, `${name}-doc`, Role.PHYSICIAN), nurse: await clinician(hub, `${name}-nurse`) };
}

/** 22:30 New York time on the most recent Wednesday at least a week ago (found on the New York calendar). */
function lateWednesdayInNewYork(): Date {
  // 03:30 UTC is 22:30 EST or 23:30 EDT the evening before; step back an hour in summer.
  let t = Math.floor(Date.now() / DAY) * DAY - 7 * DAY + 3.5 * 3_600_000;
  for (;;) {
    const wall = inNewYork(new Date(t).toISOString());
    if (wall.startsWith('Wed') && wall.endsWith('22:30:00')) return new Date(t);
    if (wall.startsWith('Wed') && wall.endsWith('23:30:00')) return new Date(t - 3_600_000);
    t -= DAY;
  }
}

describe('deadlines on the practice\'s local dates (HUB_TIME_ZONE)', () => {
  it('a Wednesday 22:30 discharge in New York (Thursday in UTC) is due for contact by the end of Friday, New York time', async () => {
    const { patientId } = await patientWithTeam('Tz');
    const dischargedAt = lateWednesdayInNewYork();
    expect(utcWeekday(dischargedAt.toISOString())).toBe('Thu');
    await stay(patientId, new Date(dischargedAt.getTime() - 2 * DAY), dischargedAt);
    const [episode] = await episodesOf(patientId);
    // CMS TCM: 2 business days after the local discharge day (Wednesday): Thursday, Friday — not Monday as UTC would count.
    expect(inNewYork(dueOf(episode, 'INTERACTIVE_CONTACT'))).toMatch(/^Fri, .* 23:59:59$/);
    // 14 calendar days (moderate) after Wednesday: the Wednesday two weeks on, whole local day.
    expect(inNewYork(dueOf(episode, 'FACE_TO_FACE_VISIT'))).toMatch(/^Wed, .* 23:59:59$/);
    expect(new Date(dueOf(episode, 'FACE_TO_FACE_VISIT')).getTime() - dischargedAt.getTime()).toBeGreaterThan(14 * DAY);
    expect(new Date(dueOf(episode, 'FACE_TO_FACE_VISIT')).getTime() - dischargedAt.getTime()).toBeLessThan(15 * DAY);
    // Day 30 counts from the local discharge day too: the period ends on a Thursday (Wed + 29), at local midnight.
    expect(inNewYork(episode.periodEnd)).toMatch(/^Thu, .* 23:59:59$/);
  });
});

describe('one TCM per 30-day period (CMS TCM FAQs)', () => {
  it('a readmission discharged the day after links to the open episode: one episode, one bill, deadlines re-evaluated', async () => {
    const { patientId } = await patientWithTeam('Readmit');
    const today = Math.floor(Date.now() / DAY) * DAY;
    const firstDischarge = new Date(today - 2 * DAY + 15 * 3_600_000); // "Nov 30"
    const first = await stay(patientId, new Date(firstDischarge.getTime() - 4 * DAY), firstDischarge);
    const [opened] = await episodesOf(patientId);
    const firstContactDue = dueOf(opened, 'INTERACTIVE_CONTACT');

    const readmittedAt = new Date(today - DAY + 1 * 3_600_000);
    const secondDischarge = new Date(today - DAY + 18 * 3_600_000); // "Dec 1"
    const second = await stay(patientId, readmittedAt, secondDischarge);
    const episodes = await episodesOf(patientId);
    expect(episodes).toHaveLength(1);
    const [episode] = episodes;
    expect(episode).toMatchObject({ id: opened.id, encounterId: first, billingCode: '99495', periodEnd: opened.periodEnd });
    expect(episode.readmissions).toEqual([{ encounterId: second, admittedAt: readmittedAt.toISOString(), dischargedAt: secondDischarge.toISOString(), disposition: 'HOME' }]);
    // Steps not done yet are due again from the readmission's discharge (a day later), never after the period's end.
    expect(Date.parse(dueOf(episode, 'INTERACTIVE_CONTACT'))).toBeGreaterThan(Date.parse(firstContactDue));
    expect(Date.parse(dueOf(episode, 'FACE_TO_FACE_VISIT'))).toBeGreaterThan(Date.parse(dueOf(opened, 'FACE_TO_FACE_VISIT')));
    for (const s of episode.steps) expect(Date.parse(s.dueAt)).toBeLessThanOrEqual(Date.parse(episode.periodEnd));
    const changed = await eventsOf(hub, episode.id, ['TransitionalCareEpisodeOpened', 'TransitionalCareStepChanged']);
    expect(changed.map((e) => e.type)).toEqual(['TransitionalCareEpisodeOpened', 'TransitionalCareStepChanged']);
    expect(changed[1].payload).toMatchObject({ episodeId: episode.id, readmissionLinked: { encounterId: second } });
  });
});

describe('complexity by medical decision-making (CMS: the billing practitioner decides 99495 vs 99496)', () => {
  it('the tier suggests MODERATE; the team physician records HIGH: 99496, visit due within 7 days; a nurse may not', async () => {
    const { patientId, physician, nurse } = await patientWithTeam('Mdm');
    const today = Math.floor(Date.now() / DAY) * DAY;
    const dischargedAt = new Date(today - 1 * DAY + 14 * 3_600_000);
    await stay(patientId, new Date(dischargedAt.getTime() - DAY), dischargedAt); // 1 day, elective: LACE low
    const [episode] = await episodesOf(patientId);
    expect(episode).toMatchObject({ complexity: 'MODERATE', suggestedComplexity: 'MODERATE', complexitySource: 'SUGGESTED_BY_RISK_TIER', decisionMaking: null, billingCode: '99495' });

    const RECORD = `mutation($i: RecordTransitionalCareDecisionMakingInput!) {
      recordTransitionalCareDecisionMaking(input: $i) { complexity suggestedComplexity complexitySource decisionMaking decisionMakingBy billingCode steps { kind dueAt } } }`;
    expect(failure(await hub.query(RECORD, { i: { episodeId: episode.id, complexity: 'HIGH' } }, nurse)).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_NOT_ALLOWED' });
    const recorded = ok(await hub.query(RECORD, { i: { episodeId: episode.id, complexity: 'HIGH' } }, physician)).recordTransitionalCareDecisionMaking;
    expect(recorded).toMatchObject({
      complexity: 'HIGH', suggestedComplexity: 'MODERATE', complexitySource: 'PRACTITIONER', decisionMaking: 'HIGH', decisionMakingBy: 'Mdm-doc', billingCode: '99496',
    });
    // 7 calendar days after the local discharge day, at the end of that New York day.
    const visitDue = Date.parse(dueOf(recorded, 'FACE_TO_FACE_VISIT'));
    expect(visitDue - dischargedAt.getTime()).toBeGreaterThan(7 * DAY - DAY);
    expect(visitDue - dischargedAt.getTime()).toBeLessThan(8 * DAY + DAY / 4);
    expect(inNewYork(dueOf(recorded, 'FACE_TO_FACE_VISIT'))).toMatch(/23:59:59$/);
    expect(dueOf(recorded, 'MEDICATION_RECONCILIATION')).toBe(dueOf(recorded, 'FACE_TO_FACE_VISIT'));
    expect(failure(await hub.query(RECORD, { i: { episodeId: '00000000-0000-4000-8000-000000000000', complexity: 'HIGH' } }, physician)).extensions.code).toBe('NOT_FOUND');
  });
});

describe('CCM month decision-making (CMS CCM: complex CCM needs moderate or high MDM, decided by the billing practitioner)', () => {
  it('the physician records it on the month, in the local month; a nurse may not; the tier only suggests', async () => {
    const { patientId, physician, nurse } = await patientWithTeam('CcmMdm');
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: NY, year: 'numeric', month: '2-digit' }).format(new Date()).slice(0, 7);
    const RECORD = `mutation($i: RecordCcmDecisionMakingInput!) { recordCcmDecisionMaking(input: $i) { month decisionMaking decisionMakingBy suggestedDecisionMaking } }`;
    expect(failure(await hub.query(RECORD, { i: { patientId, month, complexity: 'HIGH' } }, nurse)).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_NOT_ALLOWED' });
    expect(failure(await hub.query(RECORD, { i: { patientId, month: '2026-13', complexity: 'HIGH' } }, physician)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'month' });
    // No discharge yet: no risk tier, so no suggestion.
    expect(ok(await hub.query(RECORD, { i: { patientId, month, complexity: 'HIGH' } }, physician)).recordCcmDecisionMaking)
      .toEqual({ month, decisionMaking: 'HIGH', decisionMakingBy: 'CcmMdm-doc', suggestedDecisionMaking: null });
    const events = await eventsOf(hub, `${patientId}:${month}`, ['CcmDecisionMakingRecorded']);
    expect(events.map((e) => e.payload)).toEqual([{ month, complexity: 'HIGH', practitionerId: 'CcmMdm-doc' }]);
  });
});
