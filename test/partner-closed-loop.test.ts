/**
 * Issue 6, end to end through the gateway: a social worker finds a food bank for
 * the patient's postal code, records consent and sends the referral; a partner user
 * at that food bank sees it on /partner/graphql with only the minimum fields,
 * accepts it and completes it with an outcome; the care team follows each step live
 * on /graphql; the social need is then marked addressed. Revoking consent hides it
 * from the partner again.
 */
import { Role } from '../shared/auth';
import { startHub, type TestHub } from './support/hub';
import { subscribe, type LiveSubscription } from './support/live';
import { codeOf, FOOD_BANK, formCareTeam, partnerQuery, registerPatient, seedDirectory } from './partner-fixtures';

let hub: TestHub;
let socialWorker: string;
let partnerUser: string;
let live: LiveSubscription | undefined;

beforeAll(async () => {
  hub = await startHub();
  await seedDirectory(hub);
  socialWorker = await hub.token({ sub: 'demo-social-worker', roles: [Role.SOCIAL_WORKER] });
  partnerUser = await hub.token({ sub: 'dana', roles: [Role.PARTNER_STAFF], org: FOOD_BANK.id });
});
afterAll(async () => {
  await live?.dispose();
  await hub?.stop();
});

async function ok(res: Promise<{ data?: Record<string, any> | null; errors?: unknown[] }>) {
  const r = await res;
  expect(r.errors).toBeUndefined();
  return r.data!;
}

it('closes the loop on a food referral, minimum necessary for the partner, live for the care team', async () => {
  const patientId = await registerPatient(hub, 'Garcia', '02139');
  // The coordinator enrolls Rosa with the social worker on her team: referrals are the care team's.
  await formCareTeam(hub, patientId, [{ practitionerId: 'demo-social-worker', role: 'SOCIAL_WORKER' }], 'demo-coordinator');
  const need = await ok(hub.query(`mutation($i: RecordSocialNeedInput!) { recordSocialNeed(input: $i) { id } }`, {
    i: { patientId, category: 'FOOD_INSECURITY', instrument: 'AHC HRSN', screenedAt: new Date().toISOString().slice(0, 10) },
  }, socialWorker));
  const socialNeedId = need.recordSocialNeed.id;

  // A social worker outside Rosa's team may not refer her.
  const outsider = await hub.token({ sub: 'sw-elsewhere', roles: [Role.SOCIAL_WORKER] });
  const notOnTeam = await hub.query(`mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }`, {
    i: { patientId, partnerId: FOOD_BANK.id, category: 'FOOD_INSECURITY' },
  }, outsider);
  expect(notOnTeam.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM', patientId });

  // The care team follows the referral live.
  live = subscribe(hub.gatewayUrl, socialWorker, `subscription($p: ID!) { referralStatusChanged(patientId: $p) { status previousStatus actorSide referral { id status } } }`, { p: patientId });
  await new Promise((r) => setTimeout(r, 300));

  // A food bank that serves the patient's postal code, nearest first.
  const found = await ok(hub.query(`{ partners(category: FOOD_INSECURITY, postalCode: "02139", acceptingOnly: true) { id name distance } }`, {}, socialWorker));
  expect(found.partners[0]).toEqual({ id: FOOD_BANK.id, name: FOOD_BANK.name, distance: 0 });

  // Without consent the referral cannot be sent.
  const draft = await ok(hub.query(`mutation($i: CreateReferralInput!) { createReferral(input: $i) { id status category } }`, {
    i: { patientId, partnerId: FOOD_BANK.id, socialNeedId, priority: 'URGENT', note: 'Lives alone; call in Spanish after 5pm' },
  }, socialWorker));
  expect(draft.createReferral).toMatchObject({ status: 'DRAFT', category: 'FOOD_INSECURITY' });
  const referralId = draft.createReferral.id;
  const refused = await hub.query(`mutation($id: ID!) { sendReferral(input: { id: $id }) { status } }`, { id: referralId }, socialWorker);
  expect(codeOf(refused)).toBe('FORBIDDEN');
  expect(refused.errors![0].message).toMatch(/consent is missing/i);

  // Consent recorded, then sent straight away (read-your-writes).
  const consent = await ok(hub.query(`mutation($i: RecordConsentInput!) { recordConsent(input: $i) { id } }`, {
    i: { patientId, kind: 'SHARE_WITH_PARTNER', partnerOrgId: FOOD_BANK.id, status: 'ACTIVE' },
  }, socialWorker));
  const sent = await ok(hub.query(`mutation($id: ID!) { sendReferral(input: { id: $id }) { status requestedAt } }`, { id: referralId }, socialWorker));
  expect(sent.sendReferral.status).toBe('REQUESTED');

  // The partner sees it, with the minimum necessary.
  const inbox = await ok(partnerQuery(hub, `{ myReferrals(status: [REQUESTED]) { edges { node { id priority category note
    patient { givenName familyName preferredLanguage interpreterNeeded phone postalCode } } } } }`, {}, partnerUser));
  expect(inbox.myReferrals.edges.map((e: { node: unknown }) => e.node)).toEqual([{
    id: referralId, priority: 'URGENT', category: 'FOOD_INSECURITY', note: 'Lives alone; call in Spanish after 5pm',
    patient: { givenName: 'Rosa', familyName: 'Garcia', preferredLanguage: 'es', interpreterNeeded: true, phone: '+1-617-555-0199', postalCode: '02139' },
  }]);
  const clinical = await partnerQuery(hub, `{ myReferrals { edges { node { patient { birthDate mrn } } } } }`, {}, partnerUser);
  expect(codeOf(clinical)).toBe('GRAPHQL_VALIDATION_FAILED');

  // Accepts, then completes with what was done.
  await ok(partnerQuery(hub, `mutation($id: ID!) { acceptReferral(input: { id: $id }) { status } }`, { id: referralId }, partnerUser));
  const done = await ok(partnerQuery(hub, `mutation($id: ID!) {
    completeReferral(input: { id: $id, outcome: { text: "Enrolled in weekly home delivery; SNAP application filed", services: [{ system: "http://snomed.info/sct", code: "464311000124103", display: "Provision of food" }] } }) {
      status completedAt outcome { text services { code } } } }`, { id: referralId }, partnerUser));
  expect(done.completeReferral).toMatchObject({ status: 'COMPLETED', outcome: { services: [{ code: '464311000124103' }] } });

  // The care team saw every step live, and sees the closed loop.
  await live.waitFor(4, 10000);
  expect(live.results.map((r) => [r.data?.referralStatusChanged.previousStatus, r.data?.referralStatusChanged.status, r.data?.referralStatusChanged.actorSide])).toEqual([
    [null, 'DRAFT', 'REQUESTER'], ['DRAFT', 'REQUESTED', 'REQUESTER'], ['REQUESTED', 'ACCEPTED', 'PARTNER'], ['ACCEPTED', 'COMPLETED', 'PARTNER'],
  ]);
  expect(live.results.at(-1)!.data!.referralStatusChanged.referral).toEqual({ id: referralId, status: 'COMPLETED' });
  const closed = await ok(hub.query(`query($id: ID!) { referral(id: $id) { status outcome { text } history { edges { node { status actorSide actor } } } socialNeed { id } } }`, { id: referralId }, socialWorker));
  const history = closed.referral.history.edges.map((e: { node: { status: string } }) => e.node);
  expect(history.map((h: { status: string }) => h.status)).toEqual(['DRAFT', 'REQUESTED', 'ACCEPTED', 'COMPLETED']);
  expect(history.at(-1)).toEqual({ status: 'COMPLETED', actorSide: 'PARTNER', actor: 'dana' });
  expect(closed.referral.socialNeed).toEqual({ id: socialNeedId });

  // The care team marks the need addressed.
  const addressed = await ok(hub.query(`mutation($id: ID!) { updateSocialNeedStatus(input: { id: $id, status: ADDRESSED }) { id status } }`, { id: socialNeedId }, socialWorker));
  expect(addressed.updateSocialNeedStatus.status).toBe('ADDRESSED');

  // The patient withdraws consent: the partner loses the referral at once.
  await ok(hub.query(`mutation($id: ID!) { revokeConsent(input: { id: $id }) { id } }`, { id: consent.recordConsent.id }, socialWorker));
  const after = await partnerQuery(hub, `query($id: ID!) { referral(id: $id) { id patient { givenName } } }`, { id: referralId }, partnerUser);
  expect(codeOf(after)).toBe('NOT_FOUND');
  expect((await ok(partnerQuery(hub, `{ myReferrals { totalCount edges { node { id } } } }`, {}, partnerUser))).myReferrals).toEqual({ totalCount: 0, edges: [] });
});
