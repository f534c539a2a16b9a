/**
 * Standardized assessments through the gateway (issue 13): a PHQ-9 with item 9 positive
 * is scored and its safety flag reaches the team live (and no one else); an AHC HRSN
 * screen with food insecurity positive creates the social need with the response as
 * evidence, a positive rescreen adds to it, a negative one is noted on it; the PHQ-9
 * trend over a year; who may record which instrument; bad input writes nothing.
 */
import { Role } from '../shared/auth';
import { startHub, type TestHub } from './support/hub';
import { subscribe, subscribed } from './support/live';
import { clinician, failure, formTeam, ok, registerPatient, sql } from './care-teams-fixtures';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const FREQ = ['not-at-all', 'several-days', 'more-than-half-the-days', 'nearly-every-day'];
const phq9 = (values: number[]) => values.map((v, i) => ({ linkId: `phq9-${i + 1}`, answerCode: FREQ[v] }));
const HRSN_NEGATIVE: Record<string, string> = {
  'living-situation': 'steady-place', 'food-worry': 'never-true', 'food-did-not-last': 'never-true', transportation: 'no', utilities: 'no',
  'safety-hurt': 'never', 'safety-insult': 'never', 'safety-threaten': 'never', 'safety-scream': 'never',
};
const hrsn = (changes: Record<string, string> = {}) => Object.entries({ ...HRSN_NEGATIVE, ...changes }).map(([linkId, answerCode]) => ({ linkId, answerCode }));

const RECORD = `mutation($i: RecordAssessmentInput!) { recordAssessment(input: $i) {
  id instrument totalScore interpretationCode interpretation flags positiveDomains recordedBy socialNeedIds
  answers { linkId answerCode value } domains { code positive socialNeedCategory }
} }`;

let hub: TestHub;
let patientId: string;
let coordinator: string;
let nurse: string;
let socialWorker: string;
let outsider: string;
let pharmacist: string;

beforeAll(async () => {
  hub = await startHub();
  patientId = await registerPatient(hub, 'Assess');
  await formTeam(hub, patientId, { 'dw-coord': 'CARE_COORDINATOR', 'dw-nurse': 'NURSE_CASE_MANAGER', 'dw-sw': 'SOCIAL_WORKER', 'dw-pharm': 'PHARMACIST' });
  coordinator = await clinician(hub, 'dw-coord', Role.CARE_COORDINATOR);
  nurse = await clinician(hub, 'dw-nurse', Role.NURSE);
  socialWorker = await clinician(hub, 'dw-sw', Role.SOCIAL_WORKER);
  outsider = await clinician(hub, 'dw-outsider', Role.NURSE);
  pharmacist = await clinician(hub, 'dw-pharm', Role.PHARMACIST);
  await hub.settle();
}, 120_000);
afterAll(async () => { await hub?.stop(); });

it('lists the shipped instruments with items, options and bands', async () => {
  const data = ok(await hub.query(`{ assessmentInstruments { id loinc maxScore safetyFlags domains bands { min max code } items { linkId options { code value } } } }`, {}, nurse));
  const byId = Object.fromEntries(data.assessmentInstruments.map((i: { id: string }) => [i.id, i]));
  expect(Object.keys(byId)).toEqual(['PHQ-9', 'GAD-7', 'AHC-HRSN']);
  expect(byId['PHQ-9']).toMatchObject({ loinc: '44249-1', maxScore: 27, safetyFlags: ['SUICIDE_RISK'] });
  expect(byId['PHQ-9'].bands.map((b: { min: number; max: number }) => [b.min, b.max])).toEqual([[0, 4], [5, 9], [10, 14], [15, 19], [20, 27]]);
  expect(byId['GAD-7'].bands.map((b: { min: number; max: number }) => [b.min, b.max])).toEqual([[0, 4], [5, 9], [10, 14], [15, 21]]);
  expect(byId['AHC-HRSN'].domains).toEqual(['HOUSING_INSTABILITY', 'FOOD_INSECURITY', 'TRANSPORTATION', 'UTILITIES', 'INTERPERSONAL_SAFETY']);
});

it('scores a PHQ-9 with item 9 positive and delivers the safety flag live to the team only', async () => {
  const SUB = `subscription($p: ID) { safetyFlagRaised(patientId: $p) { flag instrument totalScore actor assessment { id totalScore interpretationCode } patient { familyName } } }`;
  const team = subscribe(hub.gatewayUrl, coordinator, SUB, { p: patientId });
  const stranger = subscribe(hub.gatewayUrl, outsider, SUB, { p: patientId });
  await subscribed(hub.gatewayUrl, 2);

  // 2+2+2+2+2+2+2+2+1 = 17: moderately severe, and item 9 "several days".
  const r = ok(await hub.query(RECORD, { i: { patientId, instrument: 'PHQ-9', answers: phq9([2, 2, 2, 2, 2, 2, 2, 2, 1]) } }, nurse)).recordAssessment;
  expect(r).toMatchObject({ instrument: 'PHQ-9', totalScore: 17, interpretationCode: 'MODERATELY_SEVERE', flags: ['SUICIDE_RISK'], recordedBy: 'dw-nurse', positiveDomains: [] });
  expect(r.answers).toHaveLength(9);
  expect(r.answers[8]).toEqual({ linkId: 'phq9-9', answerCode: 'several-days', value: 1 });

  await team.waitFor(1);
  expect(team.results[0].errors).toBeUndefined();
  expect(team.results[0].data!.safetyFlagRaised).toEqual({
    flag: 'SUICIDE_RISK', instrument: 'PHQ-9', totalScore: 17, actor: 'dw-nurse',
    assessment: { id: r.id, totalScore: 17, interpretationCode: 'MODERATELY_SEVERE' }, patient: { familyName: 'Assess' },
  });
  await new Promise((res) => setTimeout(res, 300));
  expect(stranger.results).toEqual([]);
  await Promise.all([team.dispose(), stranger.dispose()]);

  const events = await sql(hub, `SELECT type, payload FROM hub_events.event_log WHERE aggregate_id = $1 ORDER BY id`, [r.id]);
  expect(events.map((e) => e.type)).toEqual(['AssessmentRecorded', 'AssessmentSafetyFlagRaised']);
  expect(events[1].payload).toMatchObject({ flag: 'SUICIDE_RISK', linkId: 'phq9-9', answerCode: 'several-days', totalScore: 17 });

  // Item 9 at 0 with a high total: scored severe, no flag, no flag event.
  const calm = ok(await hub.query(RECORD, { i: { patientId, instrument: 'phq-9', answers: phq9([3, 3, 3, 3, 3, 3, 3, 2, 0]) } }, nurse)).recordAssessment;
  expect(calm).toMatchObject({ instrument: 'PHQ-9', totalScore: 23, interpretationCode: 'SEVERE', flags: [] });
  expect((await sql(hub, `SELECT type FROM hub_events.event_log WHERE aggregate_id = $1`, [calm.id])).map((e) => e.type)).toEqual(['AssessmentRecorded']);
});

it('an HRSN screen positive for food insecurity creates the social need with the response as its evidence; rescreens add to it', async () => {
  const first = ok(await hub.query(RECORD, { i: { patientId, instrument: 'AHC-HRSN', authoredAt: ago(20), answers: hrsn({ 'food-worry': 'sometimes-true' }) } }, socialWorker)).recordAssessment;
  expect(first).toMatchObject({ totalScore: null, positiveDomains: ['FOOD_INSECURITY'] });
  expect(first.domains.find((d: { code: string }) => d.code === 'FOOD_INSECURITY')).toEqual({ code: 'FOOD_INSECURITY', positive: true, socialNeedCategory: 'FOOD_INSECURITY' });
  expect(first.socialNeedIds).toHaveLength(1);
  const needId = first.socialNeedIds[0];

  const NEEDS = `query($id: ID!) { patient(id: $id) { socialNeeds { id category status instrument screenedAt evidence { domain positive response { id instrument } } } } }`;
  let needs = ok(await hub.query(NEEDS, { id: patientId }, coordinator)).patient.socialNeeds;
  expect(needs).toEqual([{
    id: needId, category: 'FOOD_INSECURITY', status: 'IDENTIFIED', instrument: 'AHC-HRSN', screenedAt: ago(20).slice(0, 10),
    evidence: [{ domain: 'FOOD_INSECURITY', positive: true, response: { id: first.id, instrument: 'AHC-HRSN' } }],
  }]);
  const recorded = await sql(hub, `SELECT type, payload FROM hub_events.event_log WHERE aggregate_id = $1 ORDER BY id`, [needId]);
  expect(recorded.map((e) => e.type)).toEqual(['SocialNeedRecorded']);
  expect(recorded[0].payload).toMatchObject({ category: 'FOOD_INSECURITY', status: 'identified', responseId: first.id, positive: true });

  // Positive again: the same need, a second piece of evidence, the screening date moves; no second need.
  const again = ok(await hub.query(RECORD, { i: { patientId, instrument: 'AHC-HRSN', authoredAt: ago(10), answers: hrsn({ 'food-did-not-last': 'often-true' }) } }, socialWorker)).recordAssessment;
  expect(again.socialNeedIds).toEqual([needId]);
  // Negative rescreen: said on the need (evidence positive false), status left to the team.
  const negative = ok(await hub.query(RECORD, { i: { patientId, instrument: 'AHC-HRSN', answers: hrsn() } }, socialWorker)).recordAssessment;
  expect(negative).toMatchObject({ positiveDomains: [], socialNeedIds: [needId] });

  needs = ok(await hub.query(NEEDS, { id: patientId }, coordinator)).patient.socialNeeds;
  expect(needs).toHaveLength(1);
  expect(needs[0]).toMatchObject({ status: 'IDENTIFIED', screenedAt: ago(10).slice(0, 10) });
  expect(needs[0].evidence.map((e: { positive: boolean; response: { id: string } }) => [e.response.id, e.positive])).toEqual([[first.id, true], [again.id, true], [negative.id, false]]);
  const rescreens = await sql(hub, `SELECT type, payload FROM hub_events.event_log WHERE aggregate_id = $1 ORDER BY id`, [needId]);
  expect(rescreens.map((e) => [e.type, e.payload.positive])).toEqual([['SocialNeedRecorded', true], ['SocialNeedRescreened', true], ['SocialNeedRescreened', false]]);
});

it('keeps the history: a PHQ-9 trend over the last year, oldest first', async () => {
  const other = await registerPatient(hub, 'Trend');
  await formTeam(hub, other, { 'dw-coord': 'CARE_COORDINATOR', 'dw-nurse': 'NURSE_CASE_MANAGER' });
  await hub.settle();
  for (const [days, values] of [[400, [3, 3, 3, 3, 3, 3, 0, 0, 0]], [300, [3, 3, 3, 3, 3, 2, 0, 0, 0]], [150, [2, 2, 2, 2, 1, 0, 0, 0, 0]], [10, [1, 1, 1, 0, 0, 0, 0, 0, 0]]] as const) {
    ok(await hub.query(RECORD, { i: { patientId: other, instrument: 'PHQ-9', authoredAt: ago(days), answers: phq9([...values]) } }, nurse));
  }
  const data = ok(await hub.query(`query($id: ID!, $since: DateTimeISO) { patient(id: $id) { assessments(instrument: "PHQ-9", since: $since) { totalScore interpretationCode authoredAt } } }`,
    { id: other, since: ago(365) }, nurse));
  expect(data.patient.assessments.map((a: { totalScore: number; interpretationCode: string }) => [a.totalScore, a.interpretationCode]))
    .toEqual([[17, 'MODERATELY_SEVERE'], [9, 'MILD'], [3, 'MINIMAL']]);
});

it('who may: assessments are recorded by those who administer them (a pharmacist on the team may not), a non-member reads nothing', async () => {
  const refused = failure(await hub.query(RECORD, { i: { patientId, instrument: 'PHQ-9', answers: phq9([0, 0, 0, 0, 0, 0, 0, 0, 0]) } }, pharmacist));
  expect(refused.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_NOT_ALLOWED' });
  // The pharmacist reads them as a team member.
  expect((await hub.query(`query($id: ID!) { patient(id: $id) { assessments { id } } }`, { id: patientId }, pharmacist)).errors).toBeUndefined();
  const stranger = failure(await hub.query(RECORD, { i: { patientId, instrument: 'AHC-HRSN', answers: hrsn() } }, outsider));
  expect(stranger.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM' });
  const read = await hub.query(`query($id: ID!) { patient(id: $id) { id assessments { id } } }`, { id: patientId }, outsider);
  expect(read.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN' });
});

it('answers bad input with BAD_USER_INPUT naming the field, and writes nothing', async () => {
  const before = await sql(hub, `SELECT (SELECT count(*) FROM patients.assessment_response) AS r, (SELECT count(*) FROM hub_events.event_log) AS e`);
  const cases: [Record<string, unknown>, string][] = [
    [{ patientId, instrument: 'PHQ-99', answers: phq9([0, 0, 0, 0, 0, 0, 0, 0, 0]) }, 'input.instrument'],
    [{ patientId, instrument: 'PHQ-9', answers: phq9([0, 0, 0, 0, 0, 0, 0, 0]) }, 'input.answers'],
    [{ patientId, instrument: 'PHQ-9', answers: [...phq9([0, 0, 0, 0, 0, 0, 0, 0]), { linkId: 'phq9-9', answerCode: 'sometimes' }] }, 'input.answers[8].answerCode'],
    [{ patientId, instrument: 'PHQ-9', authoredAt: new Date(Date.now() + 2 * DAY).toISOString(), answers: phq9([0, 0, 0, 0, 0, 0, 0, 0, 0]) }, 'input.authoredAt'],
  ];
  for (const [i, field] of cases) expect([field, failure(await hub.query(RECORD, { i }, nurse)).extensions]).toMatchObject([field, { code: 'BAD_USER_INPUT', field }]);
  expect(failure(await hub.query(RECORD, { i: { patientId: 'nope', instrument: 'PHQ-9', answers: phq9([0, 0, 0, 0, 0, 0, 0, 0, 0]) } }, nurse)).extensions.code).toBe('NOT_FOUND');
  expect(await sql(hub, `SELECT (SELECT count(*) FROM patients.assessment_response) AS r, (SELECT count(*) FROM hub_events.event_log) AS e`)).toEqual(before);
});
