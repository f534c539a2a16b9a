/**
 * The access table (shared/access-policy.ts) applied to referrals, through the
 * gateway: every role against every relationship to the patient (member of its
 * care team, not a member, no team yet, break-the-glass), reading a referral and
 * writing one (making it, cancelling it). Expected outcomes come from `decide`, so
 * the table and the subgraph cannot drift apart; a few cells are also written out
 * by hand, so `decide` cannot drift from the model either. Then the refusal
 * convention at a contributed field, the bounds on lists, and the partner side:
 * what a partner is shown is a PARTNER_DISCLOSURE record in the audit trail.
 */
import crypto from 'node:crypto';
import { decide, PatientData, RefusalReason, Relationship } from '../shared/access-policy';
import { Role } from '../shared/auth';
import { recordEvent } from '../shared/events';
import { startHub, type TestHub } from './support/hub';
import {
  CALLERS, codeOf, consentEvent, createReferral, FOOD_BANK, formCareTeam, partnerQuery, registerPatient, seedDirectory, subgraphQuery,
} from './partner-fixtures';

const ROLES = [
  Role.CARE_COORDINATOR, Role.NURSE, Role.PHYSICIAN, Role.SOCIAL_WORKER, Role.PHARMACIST, Role.DIETITIAN, Role.COMMUNITY_HEALTH_WORKER,
  Role.ADMIN, Role.ANALYST, Role.INTEGRATION,
];
const subOf = (role: Role) => `u-${role}`;
/** The care-team role each user holds on the MEMBER patient's team (the table decides by token role, not this). */
const TEAM_ROLE: Partial<Record<Role, string>> = {
  [Role.NURSE]: 'NURSE_CASE_MANAGER', [Role.PHYSICIAN]: 'PRIMARY_CARE_PHYSICIAN', [Role.SOCIAL_WORKER]: 'SOCIAL_WORKER', [Role.PHARMACIST]: 'PHARMACIST',
  [Role.DIETITIAN]: 'DIETITIAN', [Role.COMMUNITY_HEALTH_WORKER]: 'COMMUNITY_HEALTH_WORKER',
};

let hub: TestHub;
const patientOf = {} as Record<Relationship, string>;
const tokens = new Map<Role, string>();

/** A break-the-glass grant as the patients subgraph emits it (docs/events.md), straight to the log. */
async function grantEvent(patientId: string, practitionerId: string, minutes = 60): Promise<void> {
  const grantId = crypto.randomUUID();
  const now = new Date();
  await hub.subgraphs.patients.ds.transaction((m) => recordEvent(m, 'patients', {
    type: 'BreakTheGlassGranted', aggregateType: 'AccessGrant', aggregateId: grantId, patientId, actor: practitionerId,
    payload: { grantId, practitionerId, reason: 'Unconscious in the ED, team unreachable', grantedAt: now.toISOString(), expiresAt: new Date(now.getTime() + minutes * 60_000).toISOString(), minutes },
  }));
}

beforeAll(async () => {
  hub = await startHub();
  await seedDirectory(hub);
  for (const role of ROLES) tokens.set(role, await hub.token({ sub: subOf(role), roles: [role] }));

  patientOf[Relationship.MEMBER] = await registerPatient(hub, 'Member');
  const others = ROLES.filter((r) => r !== Role.CARE_COORDINATOR).map((r) => ({ practitionerId: subOf(r), role: TEAM_ROLE[r] ?? 'SPECIALIST' }));
  await formCareTeam(hub, patientOf[Relationship.MEMBER], others, subOf(Role.CARE_COORDINATOR));
  patientOf[Relationship.NOT_MEMBER] = await registerPatient(hub, 'Outsider');
  await formCareTeam(hub, patientOf[Relationship.NOT_MEMBER], [], 'coord-other');
  patientOf[Relationship.NO_TEAM] = await registerPatient(hub, 'Unenrolled');
  patientOf[Relationship.BREAK_THE_GLASS] = await registerPatient(hub, 'Emergency');
  await formCareTeam(hub, patientOf[Relationship.BREAK_THE_GLASS], [], 'coord-btg');
  for (const role of ROLES) await grantEvent(patientOf[Relationship.BREAK_THE_GLASS], subOf(role));
  for (const id of Object.values(patientOf)) await consentEvent(hub, { patientId: id, partnerId: FOOD_BANK.id });
  await hub.settle();
});
afterAll(async () => { await hub?.stop(); });

/** A draft referral of the patient, made by an admin (who may write any). */
async function adminDraft(patientId: string): Promise<string> {
  const res = await createReferral(hub, (await hub.token({ sub: 'test-admin', roles: [Role.ADMIN] })), { patientId, partnerId: FOOD_BANK.id, category: 'FOOD_INSECURITY', note: 'Needs groceries' });
  expect(res.errors).toBeUndefined();
  return res.data!.createReferral.id;
}

const referralCount = async (patientId: string, requestedBy: string) =>
  (await hub.subgraphs['community-partners'].ds.query(`SELECT count(*)::int AS n FROM community_partners.referral WHERE patient_id = $1 AND requested_by = $2`, [patientId, requestedBy]))[0].n;

const cells = ROLES.flatMap((role) => Object.values(Relationship).map((relationship) => ({ role, relationship })));

describe.each(cells)('$role, $relationship', ({ role, relationship }) => {
  const principal = { sub: subOf(role), roles: [role] };
  const token = () => tokens.get(role)!;
  const patientId = () => patientOf[relationship];

  /** What the table says, as the answer must show it: allowed, or FORBIDDEN with the reason and the patient. */
  function expectDecided(res: { errors?: { extensions?: Record<string, any> }[] }, op: 'read' | 'write') {
    const d = decide(principal, PatientData.REFERRALS, op, relationship);
    if (d.allowed) expect(res.errors).toBeUndefined();
    else expect(res.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: d.reason, patientId: patientId() });
    return d.allowed;
  }

  it('reads a referral by id, with its note and history, as the table says', async () => {
    const id = await adminDraft(patientId());
    const res = await hub.query(`query($id: ID!) { referral(id: $id) { id note history { edges { node { status } } } } }`, { id }, token());
    if (expectDecided(res, 'read')) expect(res.data!.referral).toEqual({ id, note: 'Needs groceries', history: { edges: [{ node: { status: 'DRAFT' } }] } });
    else expect(res.data?.referral ?? null).toBeNull();
  });

  it("reads the patient's referrals (Patient.referrals, as the gateway asks for them) as the table says", async () => {
    await adminDraft(patientId());
    const res = await subgraphQuery(hub, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { id referrals { edges { node { id } } } } } }`,
      { r: [{ __typename: 'Patient', id: patientId() }] }, principal);
    if (expectDecided(res, 'read')) expect(res.data!._entities[0].referrals.edges.length).toBeGreaterThan(0);
    else expect(res.errors![0].path).toEqual(['_entities', 0, 'referrals']);
  });

  it('makes a referral as the table says; a refused one writes nothing', async () => {
    const res = await createReferral(hub, token(), { patientId: patientId(), partnerId: FOOD_BANK.id, category: 'FOOD_INSECURITY' });
    const allowed = expectDecided(res, 'write');
    expect(await referralCount(patientId(), principal.sub)).toBe(allowed ? 1 : 0);
  });

  it('cancels and marks referrals entered-in-error as the table says; a refused change leaves the status', async () => {
    for (const mutation of ['cancelReferral(input: { id: $id, reason: "Patient moved" })', 'markReferralEnteredInError(input: { id: $id, reason: "Wrong patient" })']) {
      const id = await adminDraft(patientId());
      const res = await hub.query(`mutation($id: ID!) { r: ${mutation} { status } }`, { id }, token());
      const allowed = expectDecided(res, 'write');
      const [row] = await hub.subgraphs['community-partners'].ds.query(`SELECT status FROM community_partners.referral WHERE id = $1`, [id]);
      expect(row.status === 'draft').toBe(!allowed);
    }
  });
});

describe('the model, cell by cell (independently of decide)', () => {
  const read = (role: Role, rel: Relationship) => decide({ sub: 'x', roles: [role] }, PatientData.REFERRALS, 'read', rel);
  const write = (role: Role, rel: Relationship) => decide({ sub: 'x', roles: [role] }, PatientData.REFERRALS, 'write', rel);

  it('members read; the roles that refer write; break-the-glass reads only; non-members and analysts get nothing', () => {
    expect(write(Role.SOCIAL_WORKER, Relationship.MEMBER).allowed).toBe(true);
    expect(write(Role.COMMUNITY_HEALTH_WORKER, Relationship.MEMBER).allowed).toBe(true);
    expect(read(Role.PHARMACIST, Relationship.MEMBER).allowed).toBe(true);
    expect(write(Role.PHARMACIST, Relationship.MEMBER)).toMatchObject({ allowed: false, reason: RefusalReason.ROLE_NOT_ALLOWED });
    expect(read(Role.PHYSICIAN, Relationship.BREAK_THE_GLASS).allowed).toBe(true);
    expect(write(Role.SOCIAL_WORKER, Relationship.BREAK_THE_GLASS)).toMatchObject({ allowed: false, reason: RefusalReason.BREAK_THE_GLASS_READ_ONLY });
    expect(read(Role.CARE_COORDINATOR, Relationship.NOT_MEMBER)).toMatchObject({ allowed: false, reason: RefusalReason.NOT_ON_CARE_TEAM });
    expect(write(Role.CARE_COORDINATOR, Relationship.NO_TEAM)).toMatchObject({ allowed: false, reason: RefusalReason.NOT_ON_CARE_TEAM });
    expect(read(Role.ANALYST, Relationship.MEMBER)).toMatchObject({ allowed: false, reason: RefusalReason.ROLE_NOT_ALLOWED });
    expect(read(Role.INTEGRATION, Relationship.NO_TEAM)).toMatchObject({ allowed: false, reason: RefusalReason.ROLE_NOT_ALLOWED });
    expect(write(Role.ADMIN, Relationship.NO_TEAM).allowed).toBe(true);
  });

  it('a nurse outside the team is refused at the gateway with the words a screen shows', async () => {
    const id = await adminDraft(patientOf[Relationship.NOT_MEMBER]);
    const res = await hub.query(`query($id: ID!) { referral(id: $id) { note } }`, { id }, tokens.get(Role.NURSE)!);
    expect(res.errors![0]).toMatchObject({ path: ['referral'], extensions: { code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM', patientId: patientOf[Relationship.NOT_MEMBER] } });
    expect(res.errors![0].message).toMatch(/care team/);
  });
});

describe('refusal at a field, and bounded lists', () => {
  it("a coordinator outside the team sees the patient's worklist entry; Patient.referrals alone is FORBIDDEN at its path", async () => {
    const res = await hub.query(`query($id: ID!) { patient(id: $id) { familyName referrals { edges { node { id } } } } }`, { id: patientOf[Relationship.NOT_MEMBER] }, await hub.token({ sub: 'coord-elsewhere', roles: [Role.CARE_COORDINATOR] }));
    expect(res.data!.patient).toEqual({ familyName: 'Outsider', referrals: null });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ['patient', 'referrals'], extensions: { code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM' } });
  });

  it('break-the-glass reads are flagged in the audit trail with the grant', async () => {
    const id = await adminDraft(patientOf[Relationship.BREAK_THE_GLASS]);
    const res = await hub.query(`query($id: ID!) { referral(id: $id) { id } }`, { id }, tokens.get(Role.PHYSICIAN)!);
    expect(res.errors).toBeUndefined();
    const rows = await hub.subgraphs['community-partners'].ds.query(
      `SELECT purpose, reason FROM hub_audit.audit_event WHERE service = 'community-partners' AND action = 'read' AND actor_sub = $1 AND patient_ids @> ARRAY[$2]::text[]`,
      [subOf(Role.PHYSICIAN), patientOf[Relationship.BREAK_THE_GLASS]]);
    expect(rows).toEqual(expect.arrayContaining([expect.objectContaining({ purpose: 'BREAK_THE_GLASS', reason: expect.stringMatching(/^break-the-glass .+: Unconscious/) })]));
  });

  it('Patient.referrals and history take `first`, at most 200 (pages: test/pagination.test.ts)', async () => {
    const member = patientOf[Relationship.MEMBER];
    const sw = { sub: subOf(Role.SOCIAL_WORKER), roles: [Role.SOCIAL_WORKER] };
    const id = await adminDraft(member);
    await hub.query(`mutation($id: ID!) { cancelReferral(input: { id: $id, reason: "Duplicate" }) { id } }`, { id }, tokens.get(Role.SOCIAL_WORKER)!);
    const Q = `query($r: [_Any!]!, $n: Int) { _entities(representations: $r) { ... on Patient { referrals(first: $n) { edges { node { id createdAt } } } } } }`;
    const one = await subgraphQuery(hub, Q, { r: [{ __typename: 'Patient', id: member }], n: 1 }, sw);
    const all = await subgraphQuery(hub, Q, { r: [{ __typename: 'Patient', id: member }], n: 200 }, sw);
    expect(one.data!._entities[0].referrals.edges).toHaveLength(1);
    expect(all.data!._entities[0].referrals.edges.length).toBeGreaterThan(1);
    expect(one.data!._entities[0].referrals.edges[0]).toEqual(all.data!._entities[0].referrals.edges[0]); // newest first
    const tooMany = await subgraphQuery(hub, Q, { r: [{ __typename: 'Patient', id: member }], n: 201 }, sw);
    expect(tooMany.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const history = await hub.query(`query($id: ID!) { referral(id: $id) { first: history(first: 1) { edges { node { status } } } all: history { edges { node { status } } } } }`, { id }, tokens.get(Role.SOCIAL_WORKER)!);
    const statuses = (c: { edges: { node: { status: string } }[] }) => c.edges.map((e) => e.node.status);
    expect(statuses(history.data!.referral.first)).toEqual(['DRAFT']);
    expect(statuses(history.data!.referral.all)).toEqual(['DRAFT', 'CANCELLED']);
  });
});

describe('the partner side', () => {
  it("a partner's read of a referral is a PARTNER_DISCLOSURE of that patient to that organization", async () => {
    const patientId = patientOf[Relationship.MEMBER];
    const sent = await createReferral(hub, tokens.get(Role.SOCIAL_WORKER)!, { patientId, partnerId: FOOD_BANK.id, category: 'FOOD_INSECURITY', note: 'Call after 5pm', send: true });
    expect(sent.errors).toBeUndefined();
    const id = sent.data!.createReferral.id;
    const partner = await hub.token(CALLERS.foodBank);
    const res = await partnerQuery(hub, `query($id: ID!) { referral(id: $id) { id note category history { edges { node { status } } } } }`, { id }, partner);
    expect(res.errors).toBeUndefined();
    const disclosures = (): Promise<{ entities: string[]; actor_org: string; endpoint: string; reason: string }[]> => hub.subgraphs['community-partners'].ds.query(
      `SELECT entities, actor_org, endpoint, reason FROM hub_audit.audit_event
        WHERE service = 'community-partners' AND purpose = 'PARTNER_DISCLOSURE' AND actor_sub = $1 AND patient_ids @> ARRAY[$2]::text[] ORDER BY position`,
      [CALLERS.foodBank.sub, patientId]);
    const rows = await disclosures();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_org: FOOD_BANK.id, endpoint: 'partner', reason: `disclosed to ${FOOD_BANK.id}` });
    expect(rows[0].entities).toEqual([expect.stringMatching(/^Referral/)]);
    // As the gateway fetches a referral for a partner's live event: the record names the fields shown.
    const entity = await subgraphQuery(hub, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Referral { note category } } }`, { r: [{ __typename: 'Referral', id }] }, CALLERS.foodBank);
    expect(entity.data!._entities).toEqual([{ note: 'Call after 5pm', category: 'FOOD_INSECURITY' }]);
    expect((await disclosures()).at(-1)!.entities).toEqual(['Referral{category,note}']);

    // A row that does not exist for the partner is not disclosed: no record for it.
    const other = await registerPatient(hub, 'Unconsented');
    await formCareTeam(hub, other, [{ practitionerId: subOf(Role.SOCIAL_WORKER), role: 'SOCIAL_WORKER' }], 'coord-unconsented');
    const draft = await createReferral(hub, tokens.get(Role.SOCIAL_WORKER)!, { patientId: other, partnerId: FOOD_BANK.id, category: 'FOOD_INSECURITY' });
    expect(codeOf(await partnerQuery(hub, `query($id: ID!) { referral(id: $id) { note } }`, { id: draft.data!.createReferral.id }, partner))).toBe('NOT_FOUND');
    const none = await hub.subgraphs['community-partners'].ds.query(`SELECT 1 FROM hub_audit.audit_event WHERE purpose = 'PARTNER_DISCLOSURE' AND patient_ids @> ARRAY[$1]::text[]`, [other]);
    expect(none).toEqual([]);
  });

  it('myReferrals is bounded by `first` and lists only consented rows', async () => {
    const partner = await hub.token(CALLERS.foodBank);
    const one = await partnerQuery(hub, `{ myReferrals(first: 1) { edges { node { id } } } }`, {}, partner);
    expect(one.errors).toBeUndefined();
    expect(one.data!.myReferrals.edges).toHaveLength(1);
    const tooMany = await partnerQuery(hub, `{ myReferrals(first: 500) { edges { node { id } } } }`, {}, partner);
    expect(tooMany.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});
