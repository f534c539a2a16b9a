/**
 * Referral status changes live: the care team on /graphql (referralStatusChanged) and
 * the partner organization on /partner/graphql (referralAssigned, referralUpdated),
 * each seeing only what it may, with fields from several subgraphs per event.
 */
import { actors, FOOD_BANK, formCareTeam, partnerUrl, registerPatient, seedDirectory, type Actors } from './partner-fixtures';
import { startHub, type TestHub } from './support/hub';
import { eventually, subscribe } from './support/live';

let hub: TestHub;
let who: Actors;
let patientId: string;
let consentId: string;

beforeAll(async () => {
  hub = await startHub();
  await seedDirectory(hub);
  who = await actors(hub);
  patientId = await registerPatient(hub, 'Mendes');
  // sw-1 refers and follows; nurse-1 stays outside the team (the outsider below).
  await formCareTeam(hub, patientId, [{ practitionerId: 'sw-1', role: 'SOCIAL_WORKER' }], 'coord-ref');
  const consent = await hub.query(`mutation($i: RecordConsentInput!) { recordConsent(input: $i) { id } }`, { i: { patientId, kind: 'SHARE_WITH_PARTNER', partnerOrgId: FOOD_BANK.id } }, who.socialWorker);
  expect(consent.errors).toBeUndefined();
  consentId = consent.data!.recordConsent.id;
});
afterAll(async () => { await hub?.stop(); });

const CARE_TEAM_VIEW = `subscription($p: ID) { referralStatusChanged(patientId: $p) {
  cursor status previousStatus actorSide referral { status note partner { name } } patient { familyName } } }`;
const PARTNER_VIEW = (field: string) => `subscription { ${field} { cursor status actorSide referral { id status note category } patient { givenName familyName preferredLanguage interpreterNeeded } } }`;

it('the care team and the partner each see every step of the loop, live', async () => {
  const team = subscribe(hub.gatewayUrl, who.socialWorker, CARE_TEAM_VIEW, { p: patientId });
  const assigned = subscribe(partnerUrl(hub), who.foodBank, PARTNER_VIEW('referralAssigned'));
  const updated = subscribe(partnerUrl(hub), who.foodBank, PARTNER_VIEW('referralUpdated'));
  const otherOrg = subscribe(partnerUrl(hub), who.pantry, PARTNER_VIEW('referralUpdated'));
  const outsider = subscribe(hub.gatewayUrl, who.nurse, CARE_TEAM_VIEW, { p: patientId });
  await new Promise((r) => setTimeout(r, 300));

  const created = await hub.query(`mutation($i: CreateReferralInput!) { createReferral(input: $i) { id status } }`, {
    i: { patientId, partnerId: FOOD_BANK.id, category: 'FOOD_INSECURITY', note: 'Needs groceries this week', send: true },
  }, who.socialWorker);
  expect(created.errors).toBeUndefined();
  const referralId = created.data!.createReferral.id;
  // The nurse is not on the team: no live changes (below), and no referral on request either.
  const refused = await hub.query(`query($id: ID!) { referral(id: $id) { note } }`, { id: referralId }, who.nurse);
  expect(refused.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM', patientId });

  await assigned.waitFor(1);
  // What the partner's live feed showed of the patient is in the accounting of disclosures.
  const disclosed = await hub.subgraphs['community-partners'].ds.query(
    `SELECT entities FROM hub_audit.audit_event WHERE service = 'community-partners' AND purpose = 'PARTNER_DISCLOSURE' AND actor_sub = 'fb-staff' AND patient_ids @> ARRAY[$1]::text[]`, [patientId]);
  expect(disclosed.map((r: { entities: string[] }) => r.entities).flat()).toEqual(expect.arrayContaining([expect.stringMatching(/^Referral\{.*note/)]));
  expect(assigned.results[0].data!.referralAssigned).toMatchObject({
    status: 'REQUESTED', actorSide: 'REQUESTER',
    referral: { id: referralId, note: 'Needs groceries this week', category: 'FOOD_INSECURITY' },
    patient: { givenName: 'Rosa', familyName: 'Mendes', preferredLanguage: 'es', interpreterNeeded: true },
  });

  const partner = (q: string) => hub.query(q, { id: referralId }, who.foodBank, partnerUrl(hub));
  expect((await partner(`mutation($id: ID!) { acceptReferral(input: { id: $id }) { status } }`)).errors).toBeUndefined();
  expect((await partner(`mutation($id: ID!) { completeReferral(input: { id: $id, outcome: { text: "Two weeks of groceries delivered" } }) { status } }`)).errors).toBeUndefined();

  await team.waitFor(3);
  expect(team.results.map((r) => [r.data!.referralStatusChanged.status, r.data!.referralStatusChanged.actorSide])).toEqual([
    ['REQUESTED', 'REQUESTER'], ['ACCEPTED', 'PARTNER'], ['COMPLETED', 'PARTNER'],
  ]);
  expect(team.results[2].data!.referralStatusChanged).toMatchObject({ referral: { partner: { name: FOOD_BANK.name } }, patient: { familyName: 'Mendes' } });
  await updated.waitFor(3);
  expect(updated.results.map((r) => r.data!.referralUpdated.status)).toEqual(['REQUESTED', 'ACCEPTED', 'COMPLETED']);

  await new Promise((r) => setTimeout(r, 300));
  expect(assigned.results).toHaveLength(1);
  expect(otherOrg.results).toEqual([]);
  expect(outsider.results).toEqual([]);
  await Promise.all([team, assigned, updated, otherOrg, outsider].map((s) => s.dispose()));
});

it('a partner resumes from its last cursor on /partner/graphql: what it missed, in order, then live (`after` is in the partner contract)', async () => {
  const created = await hub.query(`mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }`, {
    i: { patientId, partnerId: FOOD_BANK.id, category: 'FOOD_INSECURITY', note: 'Resume test', send: true },
  }, who.socialWorker);
  expect(created.errors).toBeUndefined();
  const referralId = created.data!.createReferral.id;
  const first = subscribe(partnerUrl(hub), who.foodBank, `subscription { referralUpdated { cursor status referral { id } } }`);
  await new Promise((r) => setTimeout(r, 300));
  const partner = (q: string) => hub.query(q, { id: referralId }, who.foodBank, partnerUrl(hub));
  expect((await partner(`mutation($id: ID!) { acceptReferral(input: { id: $id }) { status } }`)).errors).toBeUndefined();
  await first.waitFor(1);
  const cursor = first.results[0].data!.referralUpdated.cursor;
  await first.dispose();

  // While the partner is away, the referral moves on twice.
  expect((await partner(`mutation($id: ID!) { startReferral(input: { id: $id }) { status } }`)).errors).toBeUndefined();
  expect((await partner(`mutation($id: ID!) { completeReferral(input: { id: $id, outcome: { text: "Delivered" } }) { status } }`)).errors).toBeUndefined();

  const resumed = subscribe(partnerUrl(hub), who.foodBank, `subscription($after: String) { referralUpdated(after: $after) { cursor status referral { id } } }`, { after: cursor });
  await resumed.waitFor(2, 10_000);
  expect(resumed.results.map((r) => [r.data!.referralUpdated.referral.id, r.data!.referralUpdated.status])).toEqual([[referralId, 'IN_PROGRESS'], [referralId, 'COMPLETED']]);
  await resumed.dispose();
});

it('a partner subscription cannot select clinical fields: validation against the contract', async () => {
  const s = subscribe(partnerUrl(hub), who.foodBank, `subscription { referralUpdated { patient { birthDate conditions { code } } } }`);
  await eventually(() => expect(s.errors.length).toBe(1));
  expect(JSON.stringify(s.errors[0])).toMatch(/GRAPHQL_VALIDATION_FAILED/);
  const clinical = subscribe(partnerUrl(hub), who.foodBank, `subscription { myCarePlanChanges { cursor } }`);
  await eventually(() => expect(clinical.errors.length).toBe(1));
  await Promise.all([s.dispose(), clinical.dispose()]);
});

it('clinical tokens are refused on the partner socket', async () => {
  const s = subscribe(partnerUrl(hub), who.socialWorker, PARTNER_VIEW('referralUpdated'));
  expect((await s.waitForClose()).code).toBe(4403);
});

it('revoking consent withdraws the partner live feed at once', async () => {
  const created = await hub.query(`mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }`, {
    i: { patientId, partnerId: FOOD_BANK.id, category: 'FOOD_INSECURITY', note: 'Second referral', send: true },
  }, who.socialWorker);
  expect(created.errors).toBeUndefined();
  const referralId = created.data!.createReferral.id;
  const updated = subscribe(partnerUrl(hub), who.foodBank, PARTNER_VIEW('referralUpdated'));
  const team = subscribe(hub.gatewayUrl, who.socialWorker, CARE_TEAM_VIEW, { p: patientId });
  await new Promise((r) => setTimeout(r, 300));

  const revoked = await hub.query(`mutation($id: ID!) { revokeConsent(input: { id: $id }) { id status } }`, { id: consentId }, who.socialWorker);
  expect(revoked.errors).toBeUndefined();
  const cancelled = await hub.query(`mutation($id: ID!) { cancelReferral(input: { id: $id, reason: "Patient withdrew consent" }) { status } }`, { id: referralId }, who.socialWorker);
  expect(cancelled.errors).toBeUndefined();
  await team.waitFor(1);
  expect(team.results[0].data!.referralStatusChanged.status).toBe('CANCELLED');
  await new Promise((r) => setTimeout(r, 500));
  expect(updated.results).toEqual([]);
  await Promise.all([updated.dispose(), team.dispose()]);
});

it("a consent's period ending withdraws the partner live feed when it ends, though no event says so", async () => {
  const patient = await registerPatient(hub, 'Ferreira');
  await formCareTeam(hub, patient, [{ practitionerId: 'sw-1', role: 'SOCIAL_WORKER' }], 'coord-ref');
  const consent = await hub.query(`mutation($i: RecordConsentInput!) { recordConsent(input: $i) { id } }`,
    { i: { patientId: patient, kind: 'SHARE_WITH_PARTNER', partnerOrgId: FOOD_BANK.id, periodEnd: '2099-12-31' } }, who.socialWorker);
  expect(consent.errors).toBeUndefined();
  const updated = subscribe(partnerUrl(hub), who.foodBank, PARTNER_VIEW('referralUpdated'));
  const team = subscribe(hub.gatewayUrl, who.socialWorker, CARE_TEAM_VIEW, { p: patient });
  await new Promise((r) => setTimeout(r, 300));
  const created = await hub.query(`mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }`, {
    i: { patientId: patient, partnerId: FOOD_BANK.id, category: 'FOOD_INSECURITY', note: 'Until the consent ends', send: true },
  }, who.socialWorker);
  expect(created.errors).toBeUndefined();
  await updated.waitFor(1);
  expect(updated.results[0].data!.referralUpdated).toMatchObject({ status: 'REQUESTED', referral: { note: 'Until the consent ends' } });

  // The consent's period runs out (its end moved, in community-partners' copy, to a moment ago).
  await hub.settle();
  const [, moved] = await hub.subgraphs['community-partners'].ds.query(
    `UPDATE community_partners.partner_consent SET period_end = now() - interval '1 second' WHERE consent_id = $1`, [consent.data!.recordConsent.id]);
  expect(moved).toBe(1);
  const cancelled = await hub.query(`mutation($id: ID!) { cancelReferral(input: { id: $id, reason: "Consent period over" }) { status } }`,
    { id: created.data!.createReferral.id }, who.socialWorker);
  expect(cancelled.errors).toBeUndefined();
  await team.waitFor(2);
  await new Promise((r) => setTimeout(r, 500));
  expect(updated.results).toHaveLength(1);
  await Promise.all([updated.dispose(), team.dispose()]);
});
