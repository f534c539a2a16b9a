/**
 * The loop closes itself (issue 13), through the gateway: an HRSN screen finds food
 * insecurity, the social worker refers it and tracks it as a plan activity; when the
 * food bank completes the referral with an outcome, the need is resolved and the
 * activity completed — by the patients and care-teams subgraphs' own consumers of
 * ReferralStatusChanged — and the team sees both live. A completion saying the need
 * remains keeps it open with the reason.
 */
import { Role } from '../shared/auth';
import { startHub, type TestHub } from './support/hub';
import { eventually, subscribe, subscribed } from './support/live';
import { FOOD_BANK, formCareTeam, partnerQuery, registerPatient, seedDirectory } from './partner-fixtures';

let hub: TestHub;
let socialWorker: string;
let coordinator: string;
let partnerUser: string;

async function ok(res: Promise<{ data?: Record<string, any> | null; errors?: unknown[] }>) {
  const r = await res;
  expect(r.errors).toBeUndefined();
  return r.data!;
}

const HRSN_FOOD = Object.entries({
  'living-situation': 'steady-place', 'food-worry': 'often-true', 'food-did-not-last': 'sometimes-true', transportation: 'no', utilities: 'no',
  'safety-hurt': 'never', 'safety-insult': 'never', 'safety-threaten': 'never', 'safety-scream': 'never',
}).map(([linkId, answerCode]) => ({ linkId, answerCode }));

beforeAll(async () => {
  hub = await startHub();
  await seedDirectory(hub);
  socialWorker = await hub.token({ sub: 'loop-sw', roles: [Role.SOCIAL_WORKER] });
  coordinator = await hub.token({ sub: 'loop-coord', roles: [Role.CARE_COORDINATOR] });
  partnerUser = await hub.token({ sub: 'dana', roles: [Role.PARTNER_STAFF], org: FOOD_BANK.id });
}, 120_000);
afterAll(async () => { await hub?.stop(); });

/** A patient screened positive for food insecurity, consented, referred to the food bank, tracked on a plan. */
async function referredNeed(familyName: string) {
  const patientId = await registerPatient(hub, familyName, '02139');
  const careTeamId = await formCareTeam(hub, patientId, [{ practitionerId: 'loop-sw', role: 'SOCIAL_WORKER' }], 'loop-coord');
  const screen = await ok(hub.query(`mutation($i: RecordAssessmentInput!) { recordAssessment(input: $i) { id socialNeedIds } }`,
    { i: { patientId, instrument: 'AHC-HRSN', answers: HRSN_FOOD } }, socialWorker));
  const socialNeedId = screen.recordAssessment.socialNeedIds[0];
  await ok(hub.query(`mutation($i: RecordConsentInput!) { recordConsent(input: $i) { id } }`, {
    i: { patientId, kind: 'SHARE_WITH_PARTNER', partnerOrgId: FOOD_BANK.id, status: 'ACTIVE' },
  }, socialWorker));
  const referral = await ok(hub.query(`mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }`, { i: { patientId, partnerId: FOOD_BANK.id, socialNeedId } }, socialWorker));
  const referralId = referral.createReferral.id;
  await ok(hub.query(`mutation($id: ID!) { sendReferral(input: { id: $id }) { status } }`, { id: referralId }, socialWorker));
  const plan = await ok(hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id version } }`, { i: { careTeamId, title: 'Food security' } }, socialWorker));
  const activity = await ok(hub.query(`mutation($i: AddCarePlanActivityInput!) { addCarePlanActivity(input: $i) { activity { id referralId status } carePlan { version } } }`, {
    i: { carePlanId: plan.createCarePlan.id, expectedVersion: plan.createCarePlan.version, kind: 'REFERRAL', description: 'Food bank referral', assigneeRole: 'SOCIAL_WORKER', referralId },
  }, socialWorker));
  expect(activity.addCarePlanActivity.activity).toMatchObject({ referralId, status: 'NOT_STARTED' });
  await ok(partnerQuery(hub, `mutation($id: ID!) { acceptReferral(input: { id: $id }) { status } }`, { id: referralId }, partnerUser));
  return { patientId, socialNeedId, referralId, carePlanId: plan.createCarePlan.id, activityId: activity.addCarePlanActivity.activity.id };
}

const NEED = `query($p: ID!) { patient(id: $p) { socialNeeds { id status referralOutcomes { referralId needMet reason outcomeText } } carePlans { id version activities { id status outcome completedAt } } } }`;

it('a referral completed with an outcome resolves its social need and completes the plan activity, live to the team', async () => {
  const r = await referredNeed('Loop');
  const needs = subscribe(hub.gatewayUrl, coordinator, `subscription($p: ID) { socialNeedChanged(patientId: $p) { change status previousStatus referralId needMet actor socialNeed { id status category } } }`, { p: r.patientId });
  const plans = subscribe(hub.gatewayUrl, coordinator, `subscription($p: ID) { carePlanChanged(patientId: $p) { changeKind actor changedFields carePlan { id activities { id status } } } }`, { p: r.patientId });
  await subscribed(hub.gatewayUrl, 2);

  await ok(partnerQuery(hub, `mutation($id: ID!) { completeReferral(input: { id: $id, outcome: { text: "Enrolled in weekly home delivery" } }) { status } }`, { id: r.referralId }, partnerUser));

  await needs.waitFor(1, 10_000);
  expect(needs.results[0].errors).toBeUndefined();
  expect(needs.results[0].data!.socialNeedChanged).toEqual({
    change: 'STATUS_CHANGED', status: 'RESOLVED', previousStatus: 'IDENTIFIED', referralId: r.referralId, needMet: true, actor: 'dana',
    socialNeed: { id: r.socialNeedId, status: 'RESOLVED', category: 'FOOD_INSECURITY' },
  });
  await plans.waitFor(1, 10_000);
  expect(plans.results[0].data!.carePlanChanged).toMatchObject({
    changeKind: 'ACTIVITY_UPDATED', actor: 'dana', carePlan: { id: r.carePlanId, activities: [{ id: r.activityId, status: 'COMPLETED' }] },
  });
  expect(plans.results[0].data!.carePlanChanged.changedFields).toEqual(expect.arrayContaining([`activities[${r.activityId}].status`, `activities[${r.activityId}].completedAt`]));
  await Promise.all([needs.dispose(), plans.dispose()]);

  const data = await ok(hub.query(NEED, { p: r.patientId }, coordinator));
  expect(data.patient.socialNeeds).toEqual([{ id: r.socialNeedId, status: 'RESOLVED', referralOutcomes: [{ referralId: r.referralId, needMet: true, reason: null, outcomeText: 'Enrolled in weekly home delivery' }] }]);
  expect(data.patient.carePlans[0].activities[0]).toMatchObject({ id: r.activityId, status: 'COMPLETED', outcome: 'Enrolled in weekly home delivery' });
  expect(data.patient.carePlans[0].version).toBe(3);

  // A replay of the consumers' work changes nothing: one outcome, one plan change.
  await hub.settle();
  const again = await ok(hub.query(NEED, { p: r.patientId }, coordinator));
  expect(again).toEqual(data);
});

it('a completion saying the need remains keeps it open with the reason; the activity still completes', async () => {
  const r = await referredNeed('Remains');
  await ok(partnerQuery(hub, `mutation($id: ID!) { completeReferral(input: { id: $id, outcome: { text: "One emergency box delivered" }, needRemains: "Household of six; needs ongoing support" }) { status } }`,
    { id: r.referralId }, partnerUser));
  await eventually(async () => {
    const data = await ok(hub.query(NEED, { p: r.patientId }, coordinator));
    expect(data.patient.socialNeeds).toEqual([{ id: r.socialNeedId, status: 'IDENTIFIED', referralOutcomes: [{ referralId: r.referralId, needMet: false, reason: 'Household of six; needs ongoing support', outcomeText: 'One emergency box delivered' }] }]);
    expect(data.patient.carePlans[0].activities[0]).toMatchObject({ status: 'COMPLETED', outcome: 'One emergency box delivered — Need remains: Household of six; needs ongoing support' });
  });
});
