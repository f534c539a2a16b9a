/**
 * The access table (shared/access-policy.ts) as the care-teams and metrics
 * subgraphs apply it: every role × relationship (member, not a member, no team,
 * break-the-glass) × care plans, enrollment, CCM time and patient-level figures,
 * reads and writes. Expected outcomes come from `decide` itself, so the subgraphs
 * cannot drift from the table; what the table cannot say (an admin forming a second
 * team, a patient who does not exist) is hard-coded. Root fields and mutations go
 * through the gateway; fields on Patient go to the subgraph as the gateway sends
 * them (an entity reference with the gateway-signed caller token), as live updates do.
 */
import { decide, mayBreakTheGlass, PatientData, Relationship, type AccessOperation } from '../shared/access-policy';
import { Role, type Principal } from '../shared/auth';
import { postGraphQL, startHub, type GraphQLResponse, type TestHub } from './support/hub';
import { careTeamsCaughtUp, ok, registerPatient, sql } from './care-teams-fixtures';

let hub: TestHub;
afterAll(async () => { await hub?.stop(); });

const ROLES = [Role.CARE_COORDINATOR, Role.NURSE, Role.PHYSICIAN, Role.SOCIAL_WORKER, Role.ANALYST, Role.INTEGRATION, Role.ADMIN] as const;
const subOf = (role: Role) => `acc-${role}`;
const principalOf = (role: Role): Principal => ({ sub: subOf(role), roles: [role] });
const tokens = {} as Record<Role, string>;

/** Patients by the relationship every role's principal stands in to them (B: only those who may break the glass). */
const patients = {} as Record<Relationship, string>;
const teams = {} as Record<Relationship, string>;
const plans = {} as Record<Relationship, string>;
/** Roles that may not break the glass stand in NOT_MEMBER to the break-the-glass patient. */
const relationshipOf = (role: Role, rel: Relationship) => (rel === Relationship.BREAK_THE_GLASS && !mayBreakTheGlass(principalOf(role)) ? Relationship.NOT_MEMBER : rel);
const expected = (role: Role, data: PatientData, op: AccessOperation, rel: Relationship) => decide(principalOf(role), data, op, relationshipOf(role, rel));

const RELS = [Relationship.MEMBER, Relationship.NOT_MEMBER, Relationship.NO_TEAM, Relationship.BREAK_THE_GLASS];
const WITH_TEAM = RELS.filter((r) => r !== Relationship.NO_TEAM);
const cases = (rels: Relationship[]) => ROLES.flatMap((role) => rels.map((rel) => [role, rel] as const));

beforeAll(async () => {
  hub = await startHub();
  for (const role of ROLES) tokens[role] = await hub.token({ sub: subOf(role), roles: [role] });
  for (const rel of RELS) patients[rel] = await registerPatient(hub, `Access-${rel}`);
  const form = async (rel: Relationship, members: [string, string][]) => {
    const data = ok(await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
      i: { patientId: patients[rel], name: `Team ${rel}`, members: members.map(([practitionerId, role]) => ({ practitionerId, role })) },
    }));
    teams[rel] = data.formCareTeam.id;
    plans[rel] = ok(await hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId: teams[rel], title: `Plan ${rel}` } })).createCarePlan.id;
  };
  // Every role's principal is on the MEMBER patient's team (roles the table refuses stay refused there).
  await form(Relationship.MEMBER, ROLES.map((r) => [subOf(r), r === Role.CARE_COORDINATOR ? 'CARE_COORDINATOR' : 'NURSE_CASE_MANAGER']));
  await form(Relationship.NOT_MEMBER, [['acc-other-coord', 'CARE_COORDINATOR']]);
  await form(Relationship.BREAK_THE_GLASS, [['acc-other-coord-b', 'CARE_COORDINATOR']]);
  for (const role of ROLES.filter((r) => mayBreakTheGlass(principalOf(r)))) {
    ok(await hub.query(`mutation($i: BreakTheGlassInput!) { breakTheGlass(input: $i) { id } }`, {
      i: { patientId: patients[Relationship.BREAK_THE_GLASS], reason: 'Patient in the ED, unresponsive; need the care plan' },
    }, tokens[role]));
  }
  await hub.settle();
}, 120_000);

/** The outcome as the caller sees it: allowed, or the refusal's code and reason at the path. */
function outcome(res: GraphQLResponse, path: (string | number)[]) {
  const err = res.errors?.find((e) => JSON.stringify(e.path) === JSON.stringify(path)) ?? res.errors?.[0];
  return err ? { code: err.extensions?.code, reason: err.extensions?.reason ?? null } : 'allowed';
}
const asExpected = (role: Role, data: PatientData, op: AccessOperation, rel: Relationship) => {
  const d = expected(role, data, op, rel);
  return d.allowed ? 'allowed' : { code: 'FORBIDDEN', reason: d.reason };
};

/** A Patient field as the gateway asks a subgraph for it. */
async function patientField(service: 'care-teams' | 'metrics', role: Role, patientId: string, selection: string) {
  const res = await postGraphQL<{ _entities: Record<string, unknown>[] }>(hub.subgraphs[service].url,
    `query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { ${selection} } } }`,
    { r: [{ __typename: 'Patient', id: patientId }] }, await hub.internalToken({ sub: subOf(role), roles: [role] }));
  return res;
}

describe('care plans (CARE_PLANS)', () => {
  it.each(cases(WITH_TEAM))('%s reads the plan of a patient they stand %s to', async (role, rel) => {
    const res = await hub.query(`query($id: ID!) { carePlan(id: $id) { id } careTeam(id: "${teams[rel]}") { id } }`, { id: plans[rel] }, tokens[role]);
    const want = asExpected(role, PatientData.CARE_PLANS, 'read', rel);
    expect(outcome(res, ['carePlan'])).toEqual(want);
    if (want === 'allowed') expect(res.data).toEqual({ carePlan: { id: plans[rel] }, careTeam: { id: teams[rel] } });
    else expect(res.errors?.[0].extensions).toMatchObject({ patientId: patients[rel] });
  });

  it.each(cases(RELS))("%s reads Patient.careTeams / carePlans of a patient they stand %s to: FORBIDDEN at the field when refused", async (role, rel) => {
    const res = await patientField('care-teams', role, patients[rel], 'careTeams { id } carePlans { id }');
    const want = asExpected(role, PatientData.CARE_PLANS, 'read', rel);
    expect(outcome(res, ['_entities', 0, 'careTeams'])).toEqual(want);
    if (want === 'allowed') expect(res.data?._entities[0].careTeams).toEqual(teams[rel] ? [{ id: teams[rel] }] : []);
    else expect(res.data?._entities[0]).toEqual({ careTeams: null, carePlans: null });
  });

  it.each(cases(WITH_TEAM))('%s drafts a plan for a patient they stand %s to', async (role, rel) => {
    const res = await hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId: teams[rel], title: 'More' } }, tokens[role]);
    expect(outcome(res, ['createCarePlan'])).toEqual(asExpected(role, PatientData.CARE_PLANS, 'write', rel));
  });
});

describe('enrollment (ENROLLMENT)', () => {
  it.each(ROLES.map((r) => [r]))('%s forms the team of a patient with none', async (role) => {
    const patientId = await registerPatient(hub, `Enroll-${role}`);
    const res = await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
      i: { patientId, name: 'New team', members: [{ practitionerId: subOf(role), role: 'CARE_COORDINATOR' }] },
    }, tokens[role]);
    expect(outcome(res, ['formCareTeam'])).toEqual(asExpected(role, PatientData.ENROLLMENT, 'write', Relationship.NO_TEAM));
  });

  it.each(ROLES.map((r) => [r]))('%s forms a second team for a patient who has one: refused by the table, or CONFLICT for admins', async (role) => {
    const res = await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
      i: { patientId: patients[Relationship.NOT_MEMBER], name: 'Second', members: [{ practitionerId: subOf(role), role: 'CARE_COORDINATOR' }] },
    }, tokens[role]);
    const d = expected(role, PatientData.ENROLLMENT, 'write', Relationship.NOT_MEMBER);
    expect(outcome(res, ['formCareTeam'])).toEqual(d.allowed ? { code: 'CONFLICT', reason: null } : { code: 'FORBIDDEN', reason: d.reason });
  });

  it('a patient who does not exist is NOT_FOUND for a coordinator, and nothing is written', async () => {
    const ghost = '5d1c7f0e-8b7a-4c1e-9a55-000000000001';
    const res = await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
      i: { patientId: ghost, name: 'Ghost', members: [{ practitionerId: subOf(Role.CARE_COORDINATOR), role: 'CARE_COORDINATOR' }] },
    }, tokens[Role.CARE_COORDINATOR]);
    expect(res.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(await sql(hub, `SELECT 1 FROM care_teams.care_team WHERE patient_id = $1`, [ghost])).toEqual([]);
  });

  it('the coordinator who enrolled a patient reads their record at once (read-your-writes through the projection)', async () => {
    const patientId = await registerPatient(hub, 'Enroll-ryw');
    const coordinator = await hub.token({ sub: 'acc-ryw-coord', roles: [Role.CARE_COORDINATOR] });
    const team = ok(await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
      i: { patientId, name: 'Team', members: [{ practitionerId: 'acc-ryw-coord', role: 'CARE_COORDINATOR' }] },
    }, coordinator)).formCareTeam;
    expect(ok(await hub.query(`query($id: ID!) { careTeam(id: $id) { id } }`, { id: team.id }, coordinator)).careTeam).toEqual({ id: team.id });
  });
});

describe('CCM time (CCM_TIME)', () => {
  const month = new Date().toISOString().slice(0, 7);
  const today = new Date().toISOString().slice(0, 10);

  it.each(cases(RELS))('%s reads the CCM month of a patient they stand %s to', async (role, rel) => {
    const res = await patientField('care-teams', role, patients[rel], `ccmMonth(month: "${month}") { month }`);
    const want = asExpected(role, PatientData.CCM_TIME, 'read', rel);
    expect(outcome(res, ['_entities', 0, 'ccmMonth'])).toEqual(want);
    expect(res.data?._entities[0].ccmMonth).toEqual(want === 'allowed' ? { month } : null);
  });

  it.each(cases(RELS))('%s logs their own minutes for a patient they stand %s to', async (role, rel) => {
    const res = await hub.query(`mutation($i: LogCcmTimeInput!) { logCcmTime(input: $i) { id } }`, {
      i: { patientId: patients[rel], minutes: 5, performedOn: today, activity: 'Call' },
    }, tokens[role]);
    const d = expected(role, PatientData.CCM_TIME, 'write', rel);
    // The table allows admins everywhere; the time must still be someone's on the patient's active team.
    const notLoggable = d.allowed && (rel === Relationship.NO_TEAM || rel !== Relationship.MEMBER);
    expect(outcome(res, ['logCcmTime'])).toEqual(!d.allowed ? { code: 'FORBIDDEN', reason: d.reason } : notLoggable ? { code: 'BAD_USER_INPUT', reason: null } : 'allowed');
  });
});

describe('patient-level figures (PATIENT_METRICS)', () => {
  it.each(cases(RELS))('%s reads Patient.utilization of a patient they stand %s to', async (role, rel) => {
    const res = await patientField('metrics', role, patients[rel], 'utilization { admissions12Months }');
    const want = asExpected(role, PatientData.PATIENT_METRICS, 'read', rel);
    expect(outcome(res, ['_entities', 0, 'utilization'])).toEqual(want);
    expect(res.data?._entities[0].utilization).toEqual(want === 'allowed' ? { admissions12Months: 0 } : null);
  });

  it.each(cases(RELS))('%s records a satisfaction survey for a patient they stand %s to', async (role, rel) => {
    const res = await hub.query(`mutation($i: RecordSatisfactionSurveyInput!) { recordSatisfactionSurvey(input: $i) { id } }`, {
      i: { patientId: patients[rel], score: 4, respondedOn: new Date().toISOString().slice(0, 10) },
    }, tokens[role]);
    expect(outcome(res, ['recordSatisfactionSurvey'])).toEqual(asExpected(role, PatientData.PATIENT_METRICS, 'write', rel));
  });

  it.each(cases(WITH_TEAM))("%s reads CareTeam.performance of a team whose patient they stand %s to (analysts and admins: population figures)", async (role, rel) => {
    const res = await postGraphQL<{ _entities: Record<string, unknown>[] }>(hub.subgraphs.metrics.url,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on CareTeam { performance { from } } } }`,
      { r: [{ __typename: 'CareTeam', id: teams[rel] }] }, await hub.internalToken({ sub: subOf(role), roles: [role] }));
    const population = role === Role.ANALYST || role === Role.ADMIN;
    const want = population ? 'allowed' : role === Role.INTEGRATION ? { code: 'FORBIDDEN', reason: 'ROLE_NOT_ALLOWED' } : asExpected(role, PatientData.PATIENT_METRICS, 'read', rel);
    expect(outcome(res, ['_entities', 0, 'performance'])).toEqual(want);
  });
});

describe('audit', () => {
  it('a break-the-glass read of a care plan is flagged with the grant and its reason; an admin read is OPERATIONS', async () => {
    await hub.query(`query($id: ID!) { carePlan(id: $id) { id } }`, { id: plans[Relationship.BREAK_THE_GLASS] }, tokens[Role.NURSE]);
    await hub.query(`query($id: ID!) { carePlan(id: $id) { id } }`, { id: plans[Relationship.NOT_MEMBER] }, tokens[Role.ADMIN]);
    await careTeamsCaughtUp(hub);
    const rows = await sql<{ actor_sub: string; purpose: string; reason: string | null; patient_ids: string[] }>(hub,
      `SELECT actor_sub, purpose, reason, patient_ids FROM hub_audit.audit_event WHERE service = 'care-teams' AND action = 'read' AND $1 = ANY(entities) ORDER BY position`, ['CarePlan{id}']);
    expect(rows).toEqual(expect.arrayContaining([
      expect.objectContaining({ actor_sub: subOf(Role.NURSE), purpose: 'BREAK_THE_GLASS', patient_ids: [patients[Relationship.BREAK_THE_GLASS]], reason: expect.stringMatching(/break-the-glass .*unresponsive/) }),
      expect.objectContaining({ actor_sub: subOf(Role.ADMIN), purpose: 'OPERATIONS', patient_ids: [patients[Relationship.NOT_MEMBER]] }),
    ]));
  });
});
