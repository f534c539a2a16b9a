/**
 * The audit trail's read side through the gateway (issue 10): after a scripted session
 * — a coordinator registers and enrolls a patient, a social worker records a need and
 * a sharing consent, reads the chart and refers, a partner reads the referral with the
 * patient's contact through /partner/graphql, accepts it while the partner and the
 * social worker follow it live — `auditEvents` holds exactly the records the patients
 * subgraph and the gateway (live deliveries) should have written; `npm run audit:verify`'s function passes,
 * and names the position of a row altered by hand; the accounting of disclosures lists
 * each partner disclosure of the patient and nothing else.
 */
import crypto from 'node:crypto';
import { Client } from 'pg';
import { appendAudit, AuditPurpose } from '../shared/audit';
import { Role } from '../shared/auth';
import { describeReport, verifyAuditTrail } from '../scripts/audit-verify';
import { FOOD_BANK, partnerUrl, seedDirectory } from './partner-fixtures';
import { startHub, type GraphQLResponse, type TestHub } from './support/hub';
import { subscribe, subscribed } from './support/live';

let hub: TestHub;
let db: Client;
let coordinator: string;
let socialWorker: string;
let partner: string;
let privacyOfficer: string;
let patientId: string;
let otherPatientId: string;

function ok<T = any>(res: GraphQLResponse<T>): T {
  if (res.errors) throw new Error(`Unexpected errors: ${JSON.stringify(res.errors)}`);
  return res.data as T;
}

const AUDIT = `query($filter: AuditEventFilter, $first: Int, $after: String) { auditEvents(filter: $filter, first: $first, after: $after) {
  edges { cursor node { position requestId service endpoint channel actor actorRoles actorOrganization action operation entities patientIds purpose reason } }
  pageInfo { hasNextPage endCursor } } }`;
const DISCLOSURES = `query($id: ID!) { accountingOfDisclosures(patientId: $id) { disclosedAt recipientOrganization recipient shared requestId } }`;
const PARTNER_READ = `{ myReferrals { edges { node { id patient { givenName familyName phone } } } } }`;

async function register(familyName: string): Promise<string> {
  const id = ok(await hub.query(`mutation($i: RegisterPatientInput!) { registerPatient(input: $i) { id } }`, {
    i: { mrn: `AUD-${crypto.randomUUID()}`, givenName: 'Rosa', familyName, birthDate: '1948-05-02', administrativeSex: 'FEMALE', postalCode: '02139', phone: '+1-617-555-0199' },
  }, coordinator)).registerPatient.id;
  ok(await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
    i: { patientId: id, name: `${familyName} team`, members: [{ practitionerId: 'aud-coordinator', role: 'CARE_COORDINATOR' }, { practitionerId: 'aud-sw', role: 'SOCIAL_WORKER' }] },
  }, coordinator));
  return id;
}

beforeAll(async () => {
  hub = await startHub();
  db = new Client({ connectionString: hub.databaseUrl });
  await db.connect();
  await seedDirectory(hub);
  coordinator = await hub.token({ sub: 'aud-coordinator', roles: [Role.CARE_COORDINATOR] });
  socialWorker = await hub.token({ sub: 'aud-sw', roles: [Role.SOCIAL_WORKER] });
  partner = await hub.token({ sub: 'aud-partner', roles: [Role.PARTNER_STAFF], org: FOOD_BANK.id });
  privacyOfficer = await hub.token({ sub: 'aud-privacy', roles: [Role.PRIVACY_OFFICER] });

  // The scripted session.
  patientId = await register('Garcia');
  otherPatientId = await register('Okafor');
  const need = ok(await hub.query(`mutation($i: RecordSocialNeedInput!) { recordSocialNeed(input: $i) { id } }`, { i: { patientId, category: 'FOOD_INSECURITY' } }, socialWorker)).recordSocialNeed.id;
  ok(await hub.query(`mutation($i: RecordConsentInput!) { recordConsent(input: $i) { id } }`, { i: { patientId, kind: 'SHARE_WITH_PARTNER', partnerOrgId: FOOD_BANK.id } }, socialWorker));
  ok(await hub.query(`query($id: ID!) { patient(id: $id) { familyName socialNeeds { category } consents { kind } } }`, { id: patientId }, socialWorker));
  await hub.settle(); // community-partners learns the consent and the need from events before the referral
  const referralId = ok(await hub.query(`mutation($i: CreateReferralInput!) { createReferral(input: $i) { id } }`, { i: { patientId, partnerId: FOOD_BANK.id, socialNeedId: need, priority: 'ROUTINE', send: true } }, socialWorker)).createReferral.id;
  const seen = ok(await hub.query(PARTNER_READ, {}, partner, partnerUrl(hub))).myReferrals.edges.map((e: { node: unknown }) => e.node);
  expect(seen).toEqual([expect.objectContaining({ patient: { givenName: 'Rosa', familyName: 'Garcia', phone: '+1-617-555-0199' } })]);

  // Live: the partner follows its referrals (the patient's name comes from the patients subgraph),
  // the social worker the patient's referrals (answered from the event alone); the partner accepts.
  const partnerLive = subscribe(partnerUrl(hub), partner, `subscription { referralUpdated { status patient { givenName } } }`);
  const teamLive = subscribe(hub.gatewayUrl, socialWorker, `subscription($p: ID!) { referralStatusChanged(patientId: $p) { status } }`, { p: patientId });
  try {
    await subscribed(hub.gatewayUrl, 2); // both subscribed before the change
    ok(await hub.query(`mutation($id: ID!) { acceptReferral(input: { id: $id }) { status } }`, { id: referralId }, partner, partnerUrl(hub)));
    await Promise.all([partnerLive.waitFor(1, 10_000), teamLive.waitFor(1, 10_000)]);
    expect(partnerLive.results[0].data).toEqual({ referralUpdated: { status: 'ACCEPTED', patient: { givenName: 'Rosa' } } });
    expect(teamLive.results[0].data).toEqual({ referralStatusChanged: { status: 'ACCEPTED' } });
  } finally {
    await Promise.all([partnerLive.dispose(), teamLive.dispose()]);
  }
});
afterAll(async () => {
  await db?.end();
  await hub?.stop();
});

interface Node { position: string; requestId: string; service: string; endpoint: string; channel: string; actor: string; actorOrganization: string | null; action: string; operation: string | null; entities: string[]; patientIds: string[]; purpose: string; reason: string | null }

async function auditOf(filter: Record<string, unknown>, first = 100): Promise<Node[]> {
  return ok(await hub.query(AUDIT, { filter, first }, privacyOfficer)).auditEvents.edges.map((e: { node: Node }) => e.node);
}

describe('auditEvents', () => {
  it('holds exactly the records the patients subgraph wrote for the session, newest first', async () => {
    const records = (await auditOf({ patientId })).filter((r) => r.service === 'patients' && r.channel === 'http');
    const shape = records.map((r) => [r.actor, r.action, r.purpose, r.endpoint, r.entities.map((e) => e.replace(/\{.*\}/, '')).join(',')]);
    expect(shape).toEqual([
      ['aud-partner', 'READ', 'PARTNER_DISCLOSURE', 'partner', 'Patient'],
      ['aud-sw', 'READ', 'TREATMENT', 'clinical', 'Consent,Patient,SocialNeed'],
      ['aud-sw', 'WRITE', 'TREATMENT', 'clinical', 'Patient:PatientSummaryChanged'],
      ['aud-sw', 'WRITE', 'TREATMENT', 'clinical', 'Consent:ConsentRecorded'],
      ['aud-sw', 'WRITE', 'TREATMENT', 'clinical', 'SocialNeed:SocialNeedRecorded'],
      ['aud-coordinator', 'WRITE', 'TREATMENT', 'clinical', 'Patient:PatientSummaryChanged'],
      ['aud-coordinator', 'WRITE', 'TREATMENT', 'clinical', 'Patient:PatientRegistered'],
    ]);
    expect(records.every((r) => r.patientIds.includes(patientId))).toBe(true);
    // What the partner was shown, field by field, and to which organization.
    expect(records[0]).toMatchObject({ actorOrganization: FOOD_BANK.id, entities: ['Patient{familyName,givenName,phone}'] });
    expect(records[1].entities).toEqual(['Consent{kind}', 'Patient{consents,familyName,socialNeeds}', 'SocialNeed{category}']);
    expect(records.slice(2, 4).map((r) => r.operation)).toEqual(['recordConsent', 'recordConsent']);
    // One request id per request: the two writes of one mutation share it, different requests never do.
    const requests = [records[0], records[1], records[2], records[4], records[5]].map((r) => r.requestId);
    expect(new Set(requests).size).toBe(5);
    expect(records[2].requestId).toBe(records[3].requestId);
    expect(records[5].requestId).toBe(records[6].requestId);
    // The live fetch of the partner's subscription, at the subgraph that served the patient's name.
    const liveFetch = (await auditOf({ patientId })).filter((r) => r.service === 'patients' && r.channel === 'subscription');
    expect(liveFetch.map((r) => [r.actor, r.purpose, r.endpoint, r.entities, r.operation])).toEqual([['aud-partner', 'PARTNER_DISCLOSURE', 'partner', ['Patient{givenName}'], 'referralUpdated']]);
    // The other services recorded their own writes for this patient (the team, the referral).
    const services = new Set((await auditOf({ patientId })).filter((r) => r.action === 'WRITE').map((r) => r.service));
    expect(services).toEqual(new Set(['patients', 'care-teams', 'community-partners']));
  });

  it('holds one record per live delivery, written by the gateway (subscribers in different groups: one each)', async () => {
    const deliveries = (await auditOf({ patientId })).filter((r) => r.service === 'gateway');
    expect(deliveries.map((r) => [r.actor, r.action, r.channel, r.endpoint, r.purpose, r.entities]).sort()).toEqual([
      ['aud-partner', 'READ', 'subscription', 'partner', 'PARTNER_DISCLOSURE', ['Patient{givenName}', 'ReferralStatusChangeEvent{patient,status}', 'referralUpdated:ReferralStatusChanged']],
      ['aud-sw', 'READ', 'subscription', 'clinical', 'TREATMENT', ['ReferralStatusChangeEvent{status}', 'referralStatusChanged:ReferralStatusChanged']],
    ]);
    expect(deliveries.find((r) => r.actor === 'aud-partner')).toMatchObject({ actorOrganization: FOOD_BANK.id, patientIds: [patientId] });
    // Each subscription is named by its own request id.
    expect(new Set(deliveries.map((r) => r.requestId)).size).toBe(2);
    // Deciding who receives a care-team event reads no patient data at a subgraph (gateway/live/relationships.ts): no
    // care-teams record of the social worker's subscription. The partner's are its referral check and the fetch of the name.
    const liveReads = (await auditOf({ patientId })).filter((r) => r.channel === 'subscription' && r.service !== 'gateway');
    expect(liveReads.map((r) => [r.service, r.actor]).sort()).toEqual([['community-partners', 'aud-partner'], ['patients', 'aud-partner']]);
  });

  it('names a read by the operation the client sent, in each subgraph that served it (not the gateway\'s fetch name)', async () => {
    ok(await hub.query(`query ChartReview($id: ID!) { patient(id: $id) { familyName careTeams { name } } }`, { id: patientId }, socialWorker));
    const reads = (await auditOf({ actor: 'aud-sw' }, 20)).filter((r) => r.action === 'READ' && r.operation?.startsWith('ChartReview'));
    expect(reads.map((r) => [r.service, r.operation]).sort()).toEqual([['care-teams', 'ChartReview'], ['patients', 'ChartReview']]);
    // Anonymous, it is named by its top fields in both, though care-teams was sent an `_entities` fetch.
    ok(await hub.query(`query($id: ID!) { patient(id: $id) { familyName careTeams { name } } }`, { id: patientId }, socialWorker));
    const [newest, ...older] = (await auditOf({ actor: 'aud-sw' }, 20)).filter((r) => r.action === 'READ');
    const anonymous = [newest, ...older.filter((r) => r.requestId === newest.requestId)];
    expect(anonymous.map((r) => [r.service, r.operation]).sort()).toEqual([['care-teams', 'patient'], ['patients', 'patient']]);
  });

  it('filters by actor, purpose and time, and pages newest first without gaps', async () => {
    const mine = await auditOf({ actor: 'aud-sw', purpose: 'TREATMENT', from: new Date(Date.now() - 3600_000).toISOString() });
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((r) => r.actor === 'aud-sw' && r.purpose === 'TREATMENT')).toBe(true);
    expect(await auditOf({ to: '2000-01-01T00:00:00Z' })).toEqual([]);

    const all = (await auditOf({ patientId: otherPatientId })).map((r) => r.position);
    expect(all.map(Number)).toEqual([...all.map(Number)].sort((a, b) => b - a));
    const paged: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const page: any = ok(await hub.query(AUDIT, { filter: { patientId: otherPatientId }, first: 2, after }, privacyOfficer)).auditEvents;
      paged.push(...page.edges.map((e: { node: Node }) => e.node.position));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    // Reading wrote a newer PRIVACY_REVIEW record for this patient; below it, the pages are exactly the first answer.
    expect(paged.map(Number)).toEqual([...paged.map(Number)].sort((a, b) => b - a));
    expect(paged.filter((p) => Number(p) <= Number(all[0]))).toEqual(all);
  });

  it('reading the audit trail is itself audited (PRIVACY_REVIEW), and only privacy officers and admins may', async () => {
    await auditOf({ patientId: otherPatientId });
    const reviews = await auditOf({ actor: 'aud-privacy', purpose: 'PRIVACY_REVIEW' });
    expect(reviews.length).toBeGreaterThan(0);
    expect(reviews[0]).toMatchObject({ action: 'READ', service: 'patients', entities: [expect.stringMatching(/^AuditEvent/)] });
    expect(reviews.some((r) => r.patientIds.includes(otherPatientId))).toBe(true);
    for (const token of [coordinator, socialWorker, await hub.token({ roles: [Role.ANALYST] })]) {
      for (const [q, v] of [[AUDIT, {}], [DISCLOSURES, { id: patientId }]] as const) {
        const res = await hub.query(q, v, token);
        expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_NOT_ALLOWED' });
      }
    }
    expect((await hub.query(AUDIT, { first: 1 })).errors).toBeUndefined(); // admin
  });
});

describe('accounting of disclosures (HIPAA §164.528)', () => {
  it('lists each partner disclosure of the patient, and nothing else', async () => {
    const patientShares = (list: any[]) => list.filter((d: { shared: string[] }) => d.shared.some((s) => s.startsWith('Patient')));
    const first = ok(await hub.query(DISCLOSURES, { id: patientId }, privacyOfficer)).accountingOfDisclosures;
    expect(first.every((d: { recipientOrganization: string; recipient: string }) => d.recipientOrganization === FOOD_BANK.id && d.recipient === 'aud-partner')).toBe(true);
    // The request that read the referral with the patient's contact, and the live delivery (once, though two services served it).
    expect(patientShares(first)).toEqual([
      expect.objectContaining({ shared: ['Patient{givenName}', 'ReferralStatusChangeEvent{patient,status}', 'referralUpdated:ReferralStatusChanged'] }),
      expect.objectContaining({ shared: ['Patient{familyName,givenName,phone}'] }),
    ]);

    // A second look by the partner is a second disclosure; clinical reads are none.
    ok(await hub.query(PARTNER_READ, {}, partner, partnerUrl(hub)));
    ok(await hub.query(`query($id: ID!) { patient(id: $id) { familyName phone } }`, { id: patientId }, socialWorker));
    const second = ok(await hub.query(DISCLOSURES, { id: patientId }, privacyOfficer)).accountingOfDisclosures;
    expect(patientShares(second)).toHaveLength(3);
    expect(second.every((d: { recipientOrganization: string }) => d.recipientOrganization === FOOD_BANK.id)).toBe(true);
    expect(new Set(patientShares(second).map((d: { requestId: string }) => d.requestId)).size).toBe(3);

    // The other patient was never shown to a partner.
    expect(ok(await hub.query(DISCLOSURES, { id: otherPatientId }, privacyOfficer)).accountingOfDisclosures).toEqual([]);
  });
});

describe('a live delivery to several subscribers alike', () => {
  const AGENTS = `query($filter: AuditEventFilter) { auditEvents(filter: $filter, first: 50) {
    edges { node { position service channel actor actorRoles requestId purpose entities patientIds agents { who roles organization requestId } } } } }`;
  const agentsOf = async (filter: Record<string, unknown>) =>
    ok(await hub.query(AGENTS, { filter }, privacyOfficer)).auditEvents.edges.map((e: { node: any }) => e.node).filter((r: { service: string }) => r.service === 'gateway');

  it('is one record naming each recipient with its subscription, found by either recipient, sealed with them', async () => {
    const secondWorker = await hub.token({ sub: 'aud-sw2', roles: [Role.SOCIAL_WORKER] });
    const id = ok(await hub.query(`mutation($i: RegisterPatientInput!) { registerPatient(input: $i) { id } }`, {
      i: { mrn: `AUD-${crypto.randomUUID()}`, givenName: 'Ines', familyName: 'Duarte', birthDate: '1951-03-09', administrativeSex: 'FEMALE', postalCode: '02139' },
    }, coordinator)).registerPatient.id;
    ok(await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
      i: { patientId: id, name: 'Duarte team', members: [{ practitionerId: 'aud-coordinator', role: 'CARE_COORDINATOR' }, { practitionerId: 'aud-sw', role: 'SOCIAL_WORKER' }, { practitionerId: 'aud-sw2', role: 'SOCIAL_WORKER' }] },
    }, coordinator));
    // Same operation, variables and role: one group, one execution, one delivery record.
    const query = `subscription Needs($p: ID!) { socialNeedChanged(patientId: $p) { change status } }`;
    const live = [subscribe(hub.gatewayUrl, socialWorker, query, { p: id }), subscribe(hub.gatewayUrl, secondWorker, query, { p: id })];
    try {
      await subscribed(hub.gatewayUrl, 2);
      ok(await hub.query(`mutation($i: RecordSocialNeedInput!) { recordSocialNeed(input: $i) { id } }`, { i: { patientId: id, category: 'TRANSPORTATION' } }, socialWorker));
      await Promise.all(live.map((l) => l.waitFor(1, 10_000)));
    } finally {
      await Promise.all(live.map((l) => l.dispose()));
    }

    const deliveries = await agentsOf({ patientId: id });
    expect(deliveries).toHaveLength(1);
    const [record] = deliveries;
    expect(record).toMatchObject({ channel: 'subscription', actor: null, actorRoles: null, requestId: null, purpose: 'TREATMENT', patientIds: [id] });
    expect(record.entities).toEqual(['SocialNeedChangeEvent{change,status}', 'socialNeedChanged:SocialNeedRecorded']);
    expect(record.agents.map((a: { who: string }) => a.who)).toEqual(['aud-sw', 'aud-sw2']);
    expect(record.agents.every((a: { roles: string[]; organization: string | null }) => a.roles.join() === Role.SOCIAL_WORKER && a.organization === null)).toBe(true);
    expect(new Set(record.agents.map((a: { requestId: string }) => a.requestId)).size).toBe(2);
    // Either recipient finds it as an actor; a one-actor record names its actor as its one agent.
    for (const who of ['aud-sw', 'aud-sw2']) expect((await agentsOf({ actor: who, patientId: id })).map((r: { position: string }) => r.position)).toEqual([record.position]);
    const [oneActor] = ok(await hub.query(AGENTS, { filter: { actor: 'aud-coordinator', patientId: id } }, privacyOfficer)).auditEvents.edges.map((e: { node: any }) => e.node);
    expect(oneActor.agents).toEqual([{ who: 'aud-coordinator', roles: [Role.CARE_COORDINATOR], organization: null, requestId: oneActor.requestId }]);

    // The seal covers who received it: rewriting a recipient by hand breaks the chain at that record.
    expect(await verifyAuditTrail(hub.databaseUrl)).toMatchObject({ brokenAt: null });
    const rewrite = async (from: string, to: string) => {
      await db.query('ALTER TABLE hub_audit.audit_event DISABLE TRIGGER audit_event_append_only');
      try {
        await db.query(`UPDATE hub_audit.audit_event SET recipients = replace(recipients::text, $2, $3)::jsonb WHERE position = $1`, [record.position, from, to]);
      } finally {
        await db.query('ALTER TABLE hub_audit.audit_event ENABLE TRIGGER audit_event_append_only');
      }
    };
    await rewrite('"aud-sw2"', '"someone-else"');
    expect(await verifyAuditTrail(hub.databaseUrl)).toMatchObject({ brokenAt: record.position, problem: expect.stringMatching(/altered/) });
    await rewrite('"someone-else"', '"aud-sw2"');
    expect(await verifyAuditTrail(hub.databaseUrl)).toMatchObject({ brokenAt: null });
  });
  it('is, for partner staff, a disclosure to each recipient in the accounting', async () => {
    const shown = crypto.randomUUID();
    const staff = (sub: string) => ({ principal: { sub, roles: [Role.PARTNER_STAFF], org: FOOD_BANK.id }, requestId: `subscription-${sub}` });
    await appendAudit(db, [{
      requestId: null, principal: null, recipients: [staff('fb-b'), staff('fb-a')], service: 'gateway', endpoint: 'partner', channel: 'subscription',
      action: 'read', operation: 'referralUpdated', entities: ['referralUpdated:ReferralAccepted'], patientIds: [shown], purpose: AuditPurpose.PARTNER_DISCLOSURE,
    }]);
    const list = ok(await hub.query(DISCLOSURES, { id: shown }, privacyOfficer)).accountingOfDisclosures;
    expect(list.map((d: { recipient: string; recipientOrganization: string; requestId: string; shared: string[] }) => [d.recipient, d.recipientOrganization, d.requestId, d.shared])).toEqual([
      ['fb-a', FOOD_BANK.id, 'subscription-fb-a', ['referralUpdated:ReferralAccepted']],
      ['fb-b', FOOD_BANK.id, 'subscription-fb-b', ['referralUpdated:ReferralAccepted']],
    ]);
    // A record names one actor or two or more recipients, never both (the table refuses it).
    await expect(db.query(`INSERT INTO hub_audit.audit_event (position, service, endpoint, channel, actor_sub, actor_roles, action, entities, patient_ids, purpose, recipients)
      VALUES (0, 'gateway', 'clinical', 'subscription', 'x', '{}', 'read', '{}', '{}', 'TREATMENT', '[{"sub":"y"},{"sub":"z"}]')`)).rejects.toThrow(/audit_event_actor_or_recipients/);
  });
});

describe('npm run audit:verify', () => {
  const bypassing = async (trigger: string, sql: string, params: unknown[] = []) => {
    await db.query(`ALTER TABLE hub_audit.audit_event DISABLE TRIGGER ${trigger}`);
    try {
      await db.query(sql, params);
    } finally {
      await db.query(`ALTER TABLE hub_audit.audit_event ENABLE TRIGGER ${trigger}`);
    }
  };
  const sealsBefore = async (position: string) => Number((await db.query('SELECT seal - 1 AS n FROM hub_audit.audit_seal WHERE position = $1', [position])).rows[0].n);

  it('passes on the intact chain, and names the record altered by hand, then the one deleted', async () => {
    const intact = await verifyAuditTrail(hub.databaseUrl);
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM hub_audit.audit_event`);
    expect(intact).toMatchObject({ brokenAt: null, problem: null });
    expect(intact.records + (intact.pending ?? 0)).toBe(rows[0].n);
    expect(describeReport(intact)).toMatchObject({ line: expect.stringMatching(new RegExp(`^audit trail intact: ${intact.records} records checked`)), exitCode: 0 });

    const [{ position }] = (await db.query(`SELECT position::text FROM hub_audit.audit_event WHERE actor_sub = 'aud-partner' ORDER BY position LIMIT 1`)).rows;
    await bypassing('audit_event_append_only', `UPDATE hub_audit.audit_event SET actor_sub = 'someone-else' WHERE position = $1`, [position]);
    const broken = await verifyAuditTrail(hub.databaseUrl);
    expect(broken).toMatchObject({ brokenAt: position, records: await sealsBefore(position) });
    expect(broken.problem).toMatch(/altered/);
    const report = describeReport(broken);
    expect(report.exitCode).toBe(1);
    expect(report.line).toContain(`position ${position}`);

    // Put back as it was, the record checks again: the seal covers content, not the row.
    await bypassing('audit_event_append_only', `UPDATE hub_audit.audit_event SET actor_sub = 'aud-partner' WHERE position = $1`, [position]);
    expect(await verifyAuditTrail(hub.databaseUrl)).toMatchObject({ brokenAt: null });

    await bypassing('audit_event_append_only', 'DELETE FROM hub_audit.audit_event WHERE position = $1', [position]);
    const deleted = await verifyAuditTrail(hub.databaseUrl);
    expect(deleted).toMatchObject({ brokenAt: position, records: await sealsBefore(position) });
    expect(deleted.problem).toMatch(/deleted/);
  });
});
