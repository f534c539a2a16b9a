/**
 * Care teams and care plans through the gateway: forming and changing teams, the
 * plan / goal / activity lifecycles, optimistic concurrency, revision history,
 * the events each change emits, the practitioner directory and access rules.
 */
import { Role } from '../shared/auth';
import { postGraphQL, startHub, type TestHub } from './support/hub';
import { careTeamsCaughtUp, clinician, eventsOf, failure, formTeam, ok, registerPatient } from './care-teams-fixtures';

let hub: TestHub;
beforeAll(async () => { hub = await startHub(); });
afterAll(async () => { await hub?.stop(); });

const PLAN_FIELDS = 'id version status intent title description periodStart periodEnd patientPriorities addresses { conditionId text }';
const CREATE_PLAN = `mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { ${PLAN_FIELDS} } }`;
const UPDATE_PLAN = `mutation($i: UpdateCarePlanInput!) { updateCarePlan(input: $i) { ${PLAN_FIELDS} } }`;
const PLAN_STATUS = `mutation($i: ChangeCarePlanStatusInput!) { changeCarePlanStatus(input: $i) { ${PLAN_FIELDS} } }`;
const ADD_GOAL = `mutation($i: AddGoalInput!) { addGoal(input: $i) { carePlan { version } goal { id description lifecycleStatus achievementStatus target { measure value dueDate } owner { name } } } }`;
const UPDATE_GOAL = `mutation($i: UpdateGoalInput!) { updateGoal(input: $i) { carePlan { version } goal { id lifecycleStatus achievementStatus target { measure value dueDate } } } }`;
const ADD_ACTIVITY = `mutation($i: AddCarePlanActivityInput!) { addCarePlanActivity(input: $i) { carePlan { version } activity { id kind status assigneeRole assigneePractitionerId dueAt completedAt outcome } } }`;
const UPDATE_ACTIVITY = `mutation($i: UpdateCarePlanActivityInput!) { updateCarePlanActivity(input: $i) { carePlan { version } activity { id status completedAt outcome assigneeRole assigneePractitionerId } } }`;
const PLAN = `query($id: ID!) { carePlan(id: $id) { ${PLAN_FIELDS} goals { id lifecycleStatus } activities { id status }
  history { totalCount edges { node { version actor at changeKind changes { field before after } } } } careTeam { id } patient { id } } }`;

/** The nodes of a connection. */
const nodes = (c: { edges: { node: any }[] }) => c.edges.map((e) => e.node);

/** A patient with an active team: coordinator, two nurses and a physician (distinct subjects per call). */
async function teamWithPlan(label: string) {
  const ids = { coordinator: `${label}-coord`, nurse: `${label}-nurse`, nurse2: `${label}-nurse2`, physician: `${label}-doc` };
  const tokens = {
    coordinator: await clinician(hub, ids.coordinator, Role.CARE_COORDINATOR),
    nurse: await clinician(hub, ids.nurse),
    nurse2: await clinician(hub, ids.nurse2),
    physician: await clinician(hub, ids.physician, Role.PHYSICIAN),
  };
  const patientId = await registerPatient(hub);
  const team = await formTeam(hub, patientId, {
    [ids.coordinator]: 'CARE_COORDINATOR', [ids.nurse]: 'NURSE_CASE_MANAGER', [ids.nurse2]: 'NURSE_CASE_MANAGER', [ids.physician]: 'PRIMARY_CARE_PHYSICIAN',
  }, tokens.coordinator);
  const plan = ok(await hub.query(CREATE_PLAN, { i: { careTeamId: team.id, title: 'Stay well at home' } }, tokens.nurse)).createCarePlan;
  return { ids, tokens, patientId, team, plan };
}

describe('a care plan through its lifecycle, from two nurses', () => {
  it('forms a team, creates and activates a plan with goals and activities, refuses a stale edit, and keeps the full history', async () => {
    const coordinator = await clinician(hub, 'rn-coord', Role.CARE_COORDINATOR);
    const nurseA = await clinician(hub, 'rn-ana');
    const nurseB = await clinician(hub, 'rn-ben');
    const patientId = await registerPatient(hub, 'Okafor');
    const team = await formTeam(hub, patientId, { 'rn-coord': 'CARE_COORDINATOR', 'rn-ana': 'NURSE_CASE_MANAGER', 'rn-ben': 'NURSE_CASE_MANAGER' }, coordinator);

    const conditionId = '0b6b3c1e-6a53-4a31-9d55-2f3b8f3f5d10';
    const created = ok(await hub.query(CREATE_PLAN, { i: {
      careTeamId: team.id, title: 'Heart failure at home', description: 'Fewer admissions', intent: 'PLAN',
      addresses: [{ conditionId }, { text: 'Lives alone' }], patientPriorities: ['Keep gardening', '  '],
    } }, nurseA)).createCarePlan;
    expect(created).toMatchObject({ version: 1, status: 'DRAFT', intent: 'PLAN', periodStart: null, patientPriorities: ['Keep gardening'],
      addresses: [{ conditionId, text: null }, { conditionId: null, text: 'Lives alone' }] });

    const active = ok(await hub.query(PLAN_STATUS, { i: { carePlanId: created.id, expectedVersion: 1, status: 'ACTIVE' } }, nurseA)).changeCarePlanStatus;
    expect(active).toMatchObject({ version: 2, status: 'ACTIVE' });
    expect(Date.parse(active.periodStart)).toBeGreaterThan(Date.now() - 60_000);

    const goal = ok(await hub.query(ADD_GOAL, { i: {
      carePlanId: created.id, expectedVersion: 2, description: 'Weight within 2 kg of dry weight', lifecycleStatus: 'ACCEPTED',
      target: { measure: 'Body weight', value: '72 kg', dueDate: '2027-01-31' }, ownerPractitionerId: 'rn-ana',
    } }, nurseA)).addGoal;
    expect(goal).toMatchObject({ carePlan: { version: 3 }, goal: { lifecycleStatus: 'ACCEPTED', target: { measure: 'Body weight', value: '72 kg', dueDate: '2027-01-31' } } });

    const activity = ok(await hub.query(ADD_ACTIVITY, { i: {
      carePlanId: created.id, expectedVersion: 3, kind: 'FOLLOW_UP_CALL', assigneeRole: 'NURSE_CASE_MANAGER', dueAt: '2027-01-05T15:00:00.000Z',
    } }, nurseB)).addCarePlanActivity;
    expect(activity).toMatchObject({ carePlan: { version: 4 }, activity: { kind: 'FOLLOW_UP_CALL', status: 'NOT_STARTED', assigneeRole: 'NURSE_CASE_MANAGER', assigneePractitionerId: null } });

    // Both nurses read version 4; Ana saves first, Ben's edit is based on a stale version.
    expect(ok(await hub.query(PLAN, { id: created.id }, nurseB)).carePlan.version).toBe(4);
    const saved = ok(await hub.query(UPDATE_PLAN, { i: { carePlanId: created.id, expectedVersion: 4, description: 'Fewer admissions, more good days' } }, nurseA)).updateCarePlan;
    expect(saved.version).toBe(5);
    const stale = failure(await hub.query(UPDATE_PLAN, { i: { carePlanId: created.id, expectedVersion: 4, title: 'Ben was here' } }, nurseB));
    expect(stale.extensions).toMatchObject({ code: 'CONFLICT', currentVersion: 5, expectedVersion: 4 });
    const staleGoal = failure(await hub.query(UPDATE_GOAL, { i: { goalId: goal.goal.id, expectedVersion: 4, lifecycleStatus: 'ACTIVE' } }, nurseB));
    expect(staleGoal.extensions).toMatchObject({ code: 'CONFLICT', currentVersion: 5 });
    const staleActivity = failure(await hub.query(UPDATE_ACTIVITY, { i: { activityId: activity.activity.id, expectedVersion: 3, status: 'SCHEDULED' } }, nurseB));
    expect(staleActivity.extensions).toMatchObject({ code: 'CONFLICT', currentVersion: 5 });

    const { history: revisions, ...plan } = ok(await hub.query(PLAN, { id: created.id }, nurseB)).carePlan;
    plan.history = nodes(revisions);
    expect(revisions.totalCount).toBe(5);
    expect(plan).toMatchObject({ version: 5, title: 'Heart failure at home', description: 'Fewer admissions, more good days', careTeam: { id: team.id }, patient: { id: patientId } });
    expect(plan.history.map((r: { version: number; actor: string; changeKind: string }) => [r.version, r.actor, r.changeKind])).toEqual([
      [1, 'rn-ana', 'CREATED'], [2, 'rn-ana', 'STATUS_CHANGED'], [3, 'rn-ana', 'GOAL_ADDED'], [4, 'rn-ben', 'ACTIVITY_ADDED'], [5, 'rn-ana', 'UPDATED'],
    ]);
    expect(plan.history[4].changes).toEqual([{ field: 'description', before: 'Fewer admissions', after: 'Fewer admissions, more good days' }]);
    expect(plan.history[1].changes).toEqual([
      { field: 'status', before: 'draft', after: 'active' },
      { field: 'periodStart', before: null, after: active.periodStart },
    ]);
    expect(plan.history[2].changes).toEqual([{ field: `goals[${goal.goal.id}]`, before: null, after: expect.objectContaining({ description: 'Weight within 2 kg of dry weight', lifecycleStatus: 'accepted', targetDueDate: '2027-01-31', ownerPractitionerId: 'rn-ana' }) }]);
    expect(plan.history[0].changes).toEqual(expect.arrayContaining([
      { field: 'title', before: null, after: 'Heart failure at home' },
      { field: 'addresses', before: [], after: [{ conditionId, text: null }, { conditionId: null, text: 'Lives alone' }] },
    ]));

    // One CarePlanChanged per change, in its transaction; the refused edits emitted nothing.
    const events = await eventsOf(hub, created.id, ['CarePlanChanged']);
    expect(events.map((e) => [e.payload.version, e.payload.changeKind, e.actor, e.patient_id, e.source])).toEqual([
      [1, 'CREATED', 'rn-ana', patientId, 'care-teams'], [2, 'STATUS_CHANGED', 'rn-ana', patientId, 'care-teams'], [3, 'GOAL_ADDED', 'rn-ana', patientId, 'care-teams'],
      [4, 'ACTIVITY_ADDED', 'rn-ben', patientId, 'care-teams'], [5, 'UPDATED', 'rn-ana', patientId, 'care-teams'],
    ]);
    expect(events[4].payload).toEqual({ carePlanId: created.id, careTeamId: team.id, version: 5, changeKind: 'UPDATED', changedFields: ['description'], status: 'active' });
    expect(events[2].payload).toMatchObject({ goalId: goal.goal.id, changedFields: [`goals[${goal.goal.id}]`] });
    expect(events[3].payload).toMatchObject({ activityId: activity.activity.id });
  });

  it('an edit that changes nothing keeps the version and writes no revision', async () => {
    const { tokens, plan } = await teamWithPlan('noop');
    const same = ok(await hub.query(UPDATE_PLAN, { i: { carePlanId: plan.id, expectedVersion: 1, title: 'Stay well at home' } }, tokens.nurse)).updateCarePlan;
    expect(same.version).toBe(1);
    expect(nodes(ok(await hub.query(PLAN, { id: plan.id }, tokens.nurse)).carePlan.history)).toHaveLength(1);
    expect(await eventsOf(hub, plan.id, ['CarePlanChanged'])).toHaveLength(1);
  });

  it('validates input with BAD_USER_INPUT naming the field', async () => {
    const { tokens, plan, team } = await teamWithPlan('valid');
    const cases: [string, Record<string, unknown>, string][] = [
      [UPDATE_PLAN, { carePlanId: plan.id, expectedVersion: 0, title: 'x' }, 'expectedVersion'],
      [UPDATE_PLAN, { carePlanId: plan.id, expectedVersion: 1, title: '  ' }, 'title'],
      [UPDATE_PLAN, { carePlanId: plan.id, expectedVersion: 1, periodStart: '2027-02-01T00:00:00Z', periodEnd: '2027-01-01T00:00:00Z' }, 'periodEnd'],
      [UPDATE_PLAN, { carePlanId: plan.id, expectedVersion: 1, addresses: [{ conditionId: '0b6b3c1e-6a53-4a31-9d55-2f3b8f3f5d10', text: 'both' }] }, 'addresses'],
      [ADD_GOAL, { carePlanId: plan.id, expectedVersion: 1, description: 'Walk daily', target: { dueDate: '2027-02-30' } }, 'target.dueDate'],
      [ADD_GOAL, { carePlanId: plan.id, expectedVersion: 1, description: 'Walk daily', lifecycleStatus: 'COMPLETED' }, 'lifecycleStatus'],
      [ADD_GOAL, { carePlanId: plan.id, expectedVersion: 1, description: 'Walk daily', ownerPractitionerId: 'not-on-the-team' }, 'ownerPractitionerId'],
      [ADD_ACTIVITY, { carePlanId: plan.id, expectedVersion: 1, kind: 'EDUCATION' }, 'assignee'],
      [ADD_ACTIVITY, { carePlanId: plan.id, expectedVersion: 1, kind: 'EDUCATION', assigneeRole: 'PHARMACIST', assigneePractitionerId: 'valid-nurse' }, 'assignee'],
      [ADD_ACTIVITY, { carePlanId: plan.id, expectedVersion: 1, kind: 'EDUCATION', assigneePractitionerId: 'stranger' }, 'assigneePractitionerId'],
      [ADD_ACTIVITY, { carePlanId: plan.id, expectedVersion: 1, kind: 'EDUCATION', assigneeRole: 'PHARMACIST', status: 'COMPLETED' }, 'status'],
      [CREATE_PLAN, { careTeamId: team.id, title: '' }, 'title'],
    ];
    for (const [mutation, i, field] of cases) {
      expect({ field, ext: failure(await hub.query(mutation, { i }, tokens.nurse)).extensions }).toMatchObject({ field, ext: { code: 'BAD_USER_INPUT', field } });
    }
    expect(ok(await hub.query(PLAN, { id: plan.id }, tokens.nurse)).carePlan.version).toBe(1);
    const missing = failure(await hub.query(UPDATE_PLAN, { i: { carePlanId: '9b0a0000-0000-4000-8000-000000000000', expectedVersion: 1, title: 'x' } }, tokens.nurse));
    expect(missing.extensions.code).toBe('NOT_FOUND');
  });
});

describe('state machines through the API', () => {
  it('the plan: only the allowed moves, and nothing changes a finished plan', async () => {
    const { tokens, plan } = await teamWithPlan('plan-sm');
    const move = (expectedVersion: number, status: string) => hub.query(PLAN_STATUS, { i: { carePlanId: plan.id, expectedVersion, status } }, tokens.nurse);
    expect(failure(await move(1, 'COMPLETED')).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'status', from: 'draft', to: 'completed' });
    expect(failure(await move(1, 'ON_HOLD')).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'status' });
    expect(ok(await move(1, 'ACTIVE')).changeCarePlanStatus.status).toBe('ACTIVE');
    expect(failure(await move(2, 'DRAFT')).extensions).toMatchObject({ code: 'BAD_USER_INPUT', allowed: ['on-hold', 'completed', 'revoked', 'entered-in-error'] });
    expect(ok(await move(2, 'ON_HOLD')).changeCarePlanStatus.status).toBe('ON_HOLD');
    expect(ok(await move(3, 'ACTIVE')).changeCarePlanStatus.status).toBe('ACTIVE');
    const done = ok(await move(4, 'COMPLETED')).changeCarePlanStatus;
    expect(done).toMatchObject({ status: 'COMPLETED', version: 5 });
    expect(done.periodEnd).not.toBeNull();
    expect(failure(await move(5, 'ACTIVE')).extensions).toMatchObject({ code: 'BAD_USER_INPUT', allowed: [] });
    expect(failure(await hub.query(UPDATE_PLAN, { i: { carePlanId: plan.id, expectedVersion: 5, title: 'Reopened' } }, tokens.nurse)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'carePlanId' });
    expect(failure(await hub.query(ADD_GOAL, { i: { carePlanId: plan.id, expectedVersion: 5, description: 'Late goal' } }, tokens.nurse)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'carePlanId' });
  });

  it('goals: proposed → accepted → active → completed; a proposal cannot complete, a finished goal cannot move', async () => {
    const { tokens, plan } = await teamWithPlan('goal-sm');
    const added = ok(await hub.query(ADD_GOAL, { i: { carePlanId: plan.id, expectedVersion: 1, description: 'Quit smoking' } }, tokens.nurse)).addGoal;
    expect(added.goal.lifecycleStatus).toBe('PROPOSED');
    const goalId = added.goal.id;
    const update = (expectedVersion: number, patch: Record<string, unknown>) => hub.query(UPDATE_GOAL, { i: { goalId, expectedVersion, ...patch } }, tokens.nurse);
    expect(failure(await update(2, { lifecycleStatus: 'COMPLETED' })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lifecycleStatus', from: 'proposed' });
    expect(ok(await update(2, { lifecycleStatus: 'ACCEPTED' })).updateGoal).toMatchObject({ carePlan: { version: 3 }, goal: { lifecycleStatus: 'ACCEPTED' } });
    expect(failure(await update(3, { lifecycleStatus: 'REJECTED' })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'lifecycleStatus' });
    expect(ok(await update(3, { lifecycleStatus: 'ACTIVE', achievementStatus: 'IMPROVING', target: { measure: 'Cigarettes a day', value: '0' } })).updateGoal)
      .toMatchObject({ carePlan: { version: 4 }, goal: { lifecycleStatus: 'ACTIVE', achievementStatus: 'IMPROVING', target: { measure: 'Cigarettes a day', value: '0', dueDate: null } } });
    expect(ok(await update(4, { lifecycleStatus: 'COMPLETED', achievementStatus: 'ACHIEVED' })).updateGoal.goal.lifecycleStatus).toBe('COMPLETED');
    expect(failure(await update(5, { lifecycleStatus: 'ACTIVE' })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', allowed: [] });
    const history = nodes(ok(await hub.query(PLAN, { id: plan.id }, tokens.nurse)).carePlan.history);
    expect(history[3].changes).toEqual([
      { field: `goals[${goalId}].lifecycleStatus`, before: 'accepted', after: 'active' },
      { field: `goals[${goalId}].achievementStatus`, before: null, after: 'improving' },
      { field: `goals[${goalId}].targetMeasure`, before: null, after: 'Cigarettes a day' },
      { field: `goals[${goalId}].targetValue`, before: null, after: '0' },
    ]);
  });

  it('activities: scheduled → in progress → completed with an outcome; work under way is stopped, not cancelled', async () => {
    const { tokens, plan, ids } = await teamWithPlan('act-sm');
    const add = ok(await hub.query(ADD_ACTIVITY, { i: { carePlanId: plan.id, expectedVersion: 1, kind: 'HOME_VISIT', status: 'SCHEDULED', assigneePractitionerId: ids.nurse } }, tokens.nurse)).addCarePlanActivity;
    const activityId = add.activity.id;
    const update = (expectedVersion: number, patch: Record<string, unknown>) => hub.query(UPDATE_ACTIVITY, { i: { activityId, expectedVersion, ...patch } }, tokens.nurse);
    expect(failure(await update(2, { completedAt: '2026-01-01T00:00:00Z' })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'completedAt' });
    expect(ok(await update(2, { status: 'IN_PROGRESS' })).updateCarePlanActivity.activity.status).toBe('IN_PROGRESS');
    expect(failure(await update(3, { status: 'CANCELLED' })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'status', from: 'in-progress', to: 'cancelled' });
    expect(failure(await update(3, { status: 'COMPLETED', completedAt: '2099-01-01T00:00:00Z' })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'completedAt' });
    const done = ok(await update(3, { status: 'COMPLETED', outcome: 'Scales delivered; daughter trained' })).updateCarePlanActivity;
    expect(done).toMatchObject({ carePlan: { version: 4 }, activity: { status: 'COMPLETED', outcome: 'Scales delivered; daughter trained' } });
    expect(Date.parse(done.activity.completedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(failure(await update(4, { status: 'IN_PROGRESS' })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', allowed: [] });

    const second = ok(await hub.query(ADD_ACTIVITY, { i: { carePlanId: plan.id, expectedVersion: 4, kind: 'EDUCATION', assigneeRole: 'PHARMACIST' } }, tokens.nurse)).addCarePlanActivity;
    const reassigned = ok(await hub.query(UPDATE_ACTIVITY, { i: { activityId: second.activity.id, expectedVersion: 5, assigneePractitionerId: ids.physician } }, tokens.nurse)).updateCarePlanActivity;
    expect(reassigned.activity).toMatchObject({ assigneePractitionerId: ids.physician, assigneeRole: null });
    expect(ok(await hub.query(UPDATE_ACTIVITY, { i: { activityId: second.activity.id, expectedVersion: 6, status: 'CANCELLED' } }, tokens.nurse)).updateCarePlanActivity.activity.status).toBe('CANCELLED');
  });
});

describe('care teams', () => {
  const MEMBERS = `query($id: ID!) { careTeam(id: $id) { status coordinator { practitionerId } members { edges { node { id practitionerId role active periodEnd } } } } }`;
  const ADD = `mutation($i: AddCareTeamMemberInput!) { addCareTeamMember(input: $i) { id practitionerId role active } }`;
  const END = `mutation($i: EndCareTeamMembershipInput!) { endCareTeamMembership(input: $i) { id active periodEnd } }`;
  const HAND_OVER = `mutation($i: HandOverCareCoordinatorInput!) { handOverCareCoordinator(input: $i) { id coordinator { practitionerId } } }`;
  const STATUS = `mutation($i: ChangeCareTeamStatusInput!) { changeCareTeamStatus(input: $i) { id status } }`;
  const FORM = `mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`;

  it('is formed with exactly one care coordinator, by a coordinator or an admin, once per patient', async () => {
    const patientId = await registerPatient(hub);
    const coordinator = await clinician(hub, 'form-coord', Role.CARE_COORDINATOR);
    const none = failure(await hub.query(FORM, { i: { patientId, name: 'T', members: [{ practitionerId: 'a', role: 'NURSE_CASE_MANAGER' }] } }, coordinator));
    expect(none.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'members', activeCoordinators: 0 });
    const two = failure(await hub.query(FORM, { i: { patientId, name: 'T', members: [{ practitionerId: 'a', role: 'CARE_COORDINATOR' }, { practitionerId: 'b', role: 'CARE_COORDINATOR' }] } }, coordinator));
    expect(two.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'members', activeCoordinators: 2 });
    const byNurse = failure(await hub.query(FORM, { i: { patientId, name: 'T', members: [{ practitionerId: 'a', role: 'CARE_COORDINATOR' }] } }, await clinician(hub, 'n')));
    expect(byNurse.extensions.code).toBe('FORBIDDEN');
    expect(failure(await hub.query(FORM, { i: { patientId: 'not-a-patient', name: 'T', members: [{ practitionerId: 'a', role: 'CARE_COORDINATOR' }] } }, coordinator)).extensions)
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'patientId' });

    const team = await formTeam(hub, patientId, { 'form-coord': 'CARE_COORDINATOR', 'form-nurse': 'NURSE_CASE_MANAGER' }, coordinator);
    const again = failure(await hub.query(FORM, { i: { patientId, name: 'Second', members: [{ practitionerId: 'x', role: 'CARE_COORDINATOR' }] } }));
    expect(again.extensions).toMatchObject({ code: 'CONFLICT', careTeamId: team.id });
    const [formed] = await eventsOf(hub, team.id, ['CareTeamFormed']);
    expect(formed.payload).toEqual({
      careTeamId: team.id, status: 'active',
      members: [
        { practitionerId: 'form-coord', role: 'CARE_COORDINATOR', membershipId: team.membership['form-coord'] },
        { practitionerId: 'form-nurse', role: 'NURSE_CASE_MANAGER', membershipId: team.membership['form-nurse'] },
      ],
    });
  });

  it('adds members, ends memberships, and hands the coordinator role over — never leaving the team without exactly one', async () => {
    const patientId = await registerPatient(hub);
    const [coord, nurse, sw, outsider] = await Promise.all([
      clinician(hub, 'ho-coord', Role.CARE_COORDINATOR), clinician(hub, 'ho-nurse'), clinician(hub, 'ho-sw', Role.SOCIAL_WORKER), clinician(hub, 'ho-out'),
    ]);
    const team = await formTeam(hub, patientId, { 'ho-coord': 'CARE_COORDINATOR', 'ho-nurse': 'NURSE_CASE_MANAGER' }, coord);

    expect(failure(await hub.query(ADD, { i: { careTeamId: team.id, practitionerId: 'ho-sw', role: 'SOCIAL_WORKER' } }, outsider)).extensions.code).toBe('FORBIDDEN');
    expect(failure(await hub.query(ADD, { i: { careTeamId: team.id, practitionerId: 'ho-sw', role: 'CARE_COORDINATOR' } }, nurse)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'role' });
    const added = ok(await hub.query(ADD, { i: { careTeamId: team.id, practitionerId: 'ho-sw', role: 'SOCIAL_WORKER' } }, nurse)).addCareTeamMember;
    expect(added).toMatchObject({ practitionerId: 'ho-sw', role: 'SOCIAL_WORKER', active: true });
    expect(failure(await hub.query(ADD, { i: { careTeamId: team.id, practitionerId: 'ho-sw', role: 'SOCIAL_WORKER' } }, nurse)).extensions.code).toBe('CONFLICT');

    // The coordinator's membership does not simply end; a nurse may not end a colleague's.
    expect(failure(await hub.query(END, { i: { membershipId: team.membership['ho-coord'] } }, coord)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'membershipId' });
    expect(failure(await hub.query(END, { i: { membershipId: added.id } }, nurse)).extensions.code).toBe('FORBIDDEN');
    const ended = ok(await hub.query(END, { i: { membershipId: added.id } }, sw)).endCareTeamMembership;
    expect(ended.active).toBe(false);
    expect(failure(await hub.query(END, { i: { membershipId: added.id } }, coord)).extensions.code).toBe('CONFLICT');

    // Hand-over: only the coordinator; the outgoing one's membership ends as the new one's starts.
    expect(failure(await hub.query(HAND_OVER, { i: { careTeamId: team.id, toPractitionerId: 'ho-nurse' } }, nurse)).extensions.code).toBe('FORBIDDEN');
    expect(failure(await hub.query(HAND_OVER, { i: { careTeamId: team.id, toPractitionerId: 'ho-coord' } }, coord)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'toPractitionerId' });
    const handed = ok(await hub.query(HAND_OVER, { i: { careTeamId: team.id, toPractitionerId: 'ho-nurse' } }, coord)).handOverCareCoordinator;
    expect(handed.coordinator.practitionerId).toBe('ho-nurse');
    const members = nodes(ok(await hub.query(MEMBERS, { id: team.id }, nurse)).careTeam.members);
    const coordinatorships = members.filter((m: { role: string }) => m.role === 'CARE_COORDINATOR');
    expect(coordinatorships.map((m: { practitionerId: string; active: boolean }) => [m.practitionerId, m.active])).toEqual([['ho-coord', false], ['ho-nurse', true]]);
    expect(members.find((m: { practitionerId: string; role: string }) => m.practitionerId === 'ho-nurse' && m.role === 'NURSE_CASE_MANAGER').active).toBe(true);
    // The former coordinator has no membership left, so no access either: FORBIDDEN, with the reason.
    expect(failure(await hub.query(MEMBERS, { id: team.id }, coord)).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM' });

    expect((await eventsOf(hub, team.id, ['CareTeamMemberAdded', 'CareTeamMembershipEnded', 'CareCoordinatorHandedOver'])).map((e) => [e.type, e.payload])).toEqual([
      ['CareTeamMemberAdded', { careTeamId: team.id, membershipId: added.id, practitionerId: 'ho-sw', role: 'SOCIAL_WORKER' }],
      ['CareTeamMembershipEnded', { careTeamId: team.id, membershipId: added.id, practitionerId: 'ho-sw', role: 'SOCIAL_WORKER' }],
      ['CareCoordinatorHandedOver', { careTeamId: team.id, fromPractitionerId: 'ho-coord', toPractitionerId: 'ho-nurse', endedMembershipId: team.membership['ho-coord'], membershipId: expect.any(String) }],
    ]);
  });

  it('moves through FHIR CareTeam.status; a suspended team\'s members lose access; a closed team stays closed', async () => {
    const { tokens, team, plan, patientId } = await teamWithPlan('status');
    const move = (status: string, token = tokens.coordinator) => hub.query(STATUS, { i: { careTeamId: team.id, status } }, token);
    expect(failure(await move('SUSPENDED', tokens.nurse)).extensions.code).toBe('FORBIDDEN');
    expect(failure(await move('PROPOSED')).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'status', from: 'active', to: 'proposed' });
    expect(ok(await move('SUSPENDED')).changeCareTeamStatus.status).toBe('SUSPENDED');
    // Access ends once the care-relationship projection has applied the change (moments later).
    await careTeamsCaughtUp(hub);
    expect(failure(await hub.query(PLAN, { id: plan.id }, tokens.nurse)).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM', patientId });
    expect(failure(await hub.query(UPDATE_PLAN, { i: { carePlanId: plan.id, expectedVersion: 1, title: 'x' } }, tokens.nurse)).extensions.code).toBe('FORBIDDEN');
    expect(ok(await move('ACTIVE')).changeCareTeamStatus.status).toBe('ACTIVE');
    await careTeamsCaughtUp(hub);
    expect(ok(await hub.query(PLAN, { id: plan.id }, tokens.nurse)).carePlan.id).toBe(plan.id);
    expect(ok(await move('INACTIVE')).changeCareTeamStatus.status).toBe('INACTIVE');
    expect(failure(await move('ACTIVE', await hub.token({ roles: [Role.ADMIN] }))).extensions).toMatchObject({ code: 'BAD_USER_INPUT', allowed: [] });
    expect((await eventsOf(hub, team.id, ['CareTeamStatusChanged'])).map((e) => [e.payload.previousStatus, e.payload.status]))
      .toEqual([['active', 'suspended'], ['suspended', 'active'], ['active', 'inactive']]);
    // A closed team frees the patient for a new one.
    await formTeam(hub, patientId, { 'status-coord-2': 'CARE_COORDINATOR' });
  });
});

describe('practitioner directory', () => {
  const UPSERT = `mutation($i: UpsertPractitionerInput!) { upsertPractitioner(input: $i) { id name discipline contact { phone email } } }`;

  it('practitioners keep their own entry, admins anyone\'s; members resolve to it', async () => {
    const nurse = await clinician(hub, 'dir-nurse');
    expect(ok(await hub.query(UPSERT, { i: { name: 'Noah Park', discipline: 'RN case manager', email: 'noah@example.org' } }, nurse)).upsertPractitioner)
      .toEqual({ id: 'dir-nurse', name: 'Noah Park', discipline: 'RN case manager', contact: { phone: null, email: 'noah@example.org' } });
    expect(ok(await hub.query(UPSERT, { i: { name: 'Noah J. Park', phone: '+1-617-555-0100' } }, nurse)).upsertPractitioner)
      .toMatchObject({ name: 'Noah J. Park', discipline: null, contact: { phone: '+1-617-555-0100', email: null } });
    expect(failure(await hub.query(UPSERT, { i: { id: 'dir-other', name: 'Mallory' } }, nurse)).extensions.code).toBe('FORBIDDEN');
    expect(failure(await hub.query(UPSERT, { i: { name: 'Bad', email: 'nope' } }, nurse)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    ok(await hub.query(UPSERT, { i: { id: 'dir-coord', name: 'Carmen Diaz', discipline: 'RN care coordinator' } }));

    const patientId = await registerPatient(hub);
    const team = await formTeam(hub, patientId, { 'dir-coord': 'CARE_COORDINATOR', 'dir-nurse': 'NURSE_CASE_MANAGER', 'dir-unlisted': 'DIETITIAN' });
    const res = ok(await hub.query(`query($id: ID!) { careTeam(id: $id) { members { edges { node { practitionerId practitioner { name } } } } } }`, { id: team.id }, nurse));
    expect(nodes(res.careTeam.members)).toHaveLength(3);
    expect(nodes(res.careTeam.members)).toEqual(expect.arrayContaining([
      { practitionerId: 'dir-coord', practitioner: { name: 'Carmen Diaz' } },
      { practitionerId: 'dir-nurse', practitioner: { name: 'Noah J. Park' } },
      { practitionerId: 'dir-unlisted', practitioner: null },
    ]));
    expect(ok(await hub.query(`{ practitioners(search: "park") { id } }`, {}, nurse)).practitioners).toEqual([{ id: 'dir-nurse' }]);
    expect(failure(await hub.query(`{ practitioners { id } }`, {}, await hub.token({ roles: [Role.PARTNER_STAFF], org: 'org-1' }))).extensions.code).toBe('FORBIDDEN');
  });
});

describe('access', () => {
  it('only active members of the patient\'s team (and admins) see or change its records; partner staff and analysts never', async () => {
    const { tokens, team, plan, patientId } = await teamWithPlan('acc');
    const outsider = await clinician(hub, 'acc-outsider', Role.PHYSICIAN);
    const partner = await hub.token({ roles: [Role.PARTNER_STAFF], org: 'org-1' });
    const analyst = await hub.token({ roles: [Role.ANALYST] });
    const admin = await hub.token({ roles: [Role.ADMIN] });
    const PATIENT = `query($id: ID!) { patient(id: $id) { id careTeams { id } carePlans { id } } }`;
    const refusedHere = { code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM', patientId };

    expect(ok(await hub.query(PATIENT, { id: patientId }, tokens.nurse)).patient).toEqual({ id: patientId, careTeams: [{ id: team.id }], carePlans: [{ id: plan.id }] });
    expect(ok(await hub.query(PATIENT, { id: patientId }, admin)).patient).toEqual({ id: patientId, careTeams: [{ id: team.id }], carePlans: [{ id: plan.id }] });
    // A coordinator outside the team sees the patient on the worklist, not the team's record: FORBIDDEN at each field, the rest stands.
    const otherCoordinator = await clinician(hub, 'acc-other-coord', Role.CARE_COORDINATOR);
    const hidden = await hub.query(PATIENT, { id: patientId }, otherCoordinator);
    expect(hidden.data?.patient).toEqual({ id: patientId, careTeams: null, carePlans: null });
    expect(hidden.errors?.map((e) => [e.path, e.extensions?.code, e.extensions?.reason]).sort()).toEqual([
      [['patient', 'carePlans'], 'FORBIDDEN', 'NOT_ON_CARE_TEAM'], [['patient', 'careTeams'], 'FORBIDDEN', 'NOT_ON_CARE_TEAM'],
    ]);
    expect(failure(await hub.query(PLAN, { id: plan.id }, outsider)).extensions).toMatchObject(refusedHere);
    expect(failure(await hub.query(`query($id: ID!) { careTeam(id: $id) { id } }`, { id: team.id }, outsider)).extensions).toMatchObject(refusedHere);
    expect(ok(await hub.query(`query { carePlan(id: "5d1c7f0e-8b7a-4c1e-9a55-000000000009") { id } }`, {}, outsider)).carePlan).toBeNull();
    expect(failure(await hub.query(UPDATE_PLAN, { i: { carePlanId: plan.id, expectedVersion: 1, title: 'x' } }, outsider)).extensions.code).toBe('FORBIDDEN');
    expect(failure(await hub.query(ADD_GOAL, { i: { carePlanId: plan.id, expectedVersion: 1, description: 'x' } }, outsider)).extensions.code).toBe('FORBIDDEN');
    expect(failure(await hub.query(CREATE_PLAN, { i: { careTeamId: team.id, title: 'x' } }, outsider)).extensions.code).toBe('FORBIDDEN');
    for (const token of [partner, analyst]) {
      expect(failure(await hub.query(PLAN, { id: plan.id }, token)).extensions.code).toBe('FORBIDDEN');
      expect(failure(await hub.query(`{ myWorklist { kind } }`, {}, token)).extensions.code).toBe('FORBIDDEN');
      expect(failure(await hub.query(UPDATE_PLAN, { i: { carePlanId: plan.id, expectedVersion: 1, title: 'x' } }, token)).extensions.code).toBe('FORBIDDEN');
    }
    expect(ok(await hub.query(UPDATE_PLAN, { i: { carePlanId: plan.id, expectedVersion: 1, title: 'By the admin' } }, admin)).updateCarePlan.version).toBe(2);
  });

  it('entity references are FORBIDDEN at their path for anyone outside the team, null for partners and for what does not exist (how live updates authorize each event)', async () => {
    const { ids, plan, team, patientId } = await teamWithPlan('ref');
    const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on CarePlan { id title } ... on CareTeam { id } } }`;
    const reps = { r: [{ __typename: 'CarePlan', id: plan.id }, { __typename: 'CareTeam', id: team.id }, { __typename: 'CarePlan', id: 'not-a-uuid' }] };
    const url = hub.subgraphs['care-teams'].url;
    // Subgraphs answer only the gateway: these calls carry the caller as the gateway would sign it.
    const asMember = await postGraphQL<{ _entities: unknown[] }>(url, ENTITIES, reps, await hub.internalToken({ sub: ids.nurse, roles: [Role.NURSE] }));
    expect(asMember.data!._entities).toEqual([{ id: plan.id, title: 'Stay well at home' }, { id: team.id }, null]);
    const refused: [{ sub?: string; roles: Role[] }, string][] = [[{ sub: 'ref-outsider', roles: [Role.NURSE] }, 'NOT_ON_CARE_TEAM'], [{ roles: [Role.ANALYST] }, 'ROLE_NOT_ALLOWED']];
    for (const [claims, reason] of refused) {
      const res = await postGraphQL<{ _entities: unknown[] }>(url, ENTITIES, reps, await hub.internalToken(claims));
      expect(res.data!._entities).toEqual([null, null, null]);
      expect(res.errors?.map((e) => [e.path, e.extensions?.code, e.extensions?.reason, e.extensions?.patientId]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
        [['_entities', 0], 'FORBIDDEN', reason, patientId], [['_entities', 1], 'FORBIDDEN', reason, patientId],
      ]);
    }
    const asPartner = await postGraphQL<{ _entities: unknown[] }>(url, ENTITIES, reps, await hub.internalToken({ roles: [Role.PARTNER_STAFF], org: 'org-1' }));
    expect(asPartner.data?._entities ?? [null, null, null]).toEqual([null, null, null]);
  });
});

describe('batching', () => {
  it('teams, members, practitioners, plans, goals, activities and history of N patients cost a constant number of queries', async () => {
    const admin = await hub.token({ roles: [Role.ADMIN] });
    ok(await hub.query(`mutation { upsertPractitioner(input: { id: "batch-nurse", name: "Bea Tran" }) { id } }`, {}, admin));
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const patientId = await registerPatient(hub, `Batch${i}`);
      ids.push(patientId);
      const team = await formTeam(hub, patientId, { [`b-coord-${i}`]: 'CARE_COORDINATOR', 'batch-nurse': 'NURSE_CASE_MANAGER' });
      const plan = ok(await hub.query(CREATE_PLAN, { i: { careTeamId: team.id, title: `Plan ${i}` } }, admin)).createCarePlan;
      ok(await hub.query(ADD_GOAL, { i: { carePlanId: plan.id, expectedVersion: 1, description: 'Goal', ownerPractitionerId: 'batch-nurse' } }, admin));
      ok(await hub.query(ADD_ACTIVITY, { i: { carePlanId: plan.id, expectedVersion: 2, kind: 'EDUCATION', assigneePractitionerId: 'batch-nurse' } }, admin));
    }
    // What the gateway sends for a list of patients: one _entities call with N representations.
    const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient {
      careTeams { coordinator { practitionerId } members { edges { node { practitioner { name } } } } carePlans { id } }
      carePlans { careTeam { id } goals { owner { name } target { measure } } activities { assignee { name } } history { edges { node { version } } } } } } }`;
    const measure = async (n: number) => {
      const before = hub.counters['care-teams'].count;
      const res = await postGraphQL<{ _entities: any[] }>(hub.subgraphs['care-teams'].url, ENTITIES, { r: ids.slice(0, n).map((id) => ({ __typename: 'Patient', id })) }, await nurse);
      expect(res.errors).toBeUndefined();
      expect(res.data!._entities).toHaveLength(n);
      expect(res.data!._entities[n - 1].carePlans[0].goals[0].owner.name).toBe('Bea Tran');
      return hub.counters['care-teams'].count - before;
    };
    const nurse = hub.internalToken({ sub: 'batch-nurse', roles: [Role.NURSE] });
    const two = await measure(2);
    const eight = await measure(8);
    // Ten loaders serve this query, plus the access relationships (one query) and the audit record written before the
    // answer leaves (a short transaction); a loader may split into two batches depending on timing.
    // Anything per patient would add at least seven more for eight patients.
    expect(two).toBeLessThanOrEqual(17);
    expect(eight).toBeLessThanOrEqual(two + 2);
  });
});
