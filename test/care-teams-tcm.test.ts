/**
 * Transitional care from the patients subgraph's events: a discharge opens one
 * episode (idempotently) with CMS TCM deadlines in business days around the
 * configured holidays; its steps land on the coordinator's worklist, which is
 * ordered overdue first, then by due time, then by risk tier.
 */
import { Role } from '../shared/auth';
import { PgNotifyTransport, recordEvent, startConsumer, type Consumer, type NewEvent } from '../shared/events';
import { rootLogger } from '../shared/logger';
import { startHub, type TestHub } from './support/hub';
import { careTeamsCaughtUp, clinician, eventsOf, failure, formTeam, ok, registerPatient, sql } from './care-teams-fixtures';
import { PATIENT_EVENTS_CONSUMER } from '../subgraphs/care-teams/main';
import { patientEventHandler } from '../subgraphs/care-teams/data/patient-events';
import { parseHolidayCalendar } from '../subgraphs/care-teams/domain';

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const isoDate = (ms: number) => iso(ms).slice(0, 10);
const endOfDay = (ms: number) => iso(ms + DAY - 1);

// The most recent Friday before today (UTC), discharged at 15:00; the Monday after it is a holiday.
const TODAY = Math.floor(Date.now() / DAY) * DAY;
let FRIDAY = TODAY - DAY;
while (new Date(FRIDAY).getUTCDay() !== 5) FRIDAY -= DAY;
const DISCHARGED_AT = FRIDAY + 15 * 3_600_000;
const HOLIDAYS = `${isoDate(FRIDAY + 3 * DAY)},2031-12-25`;
// CMS TCM: contact within 2 business days — Saturday, Sunday and the holiday Monday do not count: Wednesday.
const CONTACT_DUE = endOfDay(FRIDAY + 5 * DAY);

let hub: TestHub;
const saved = process.env.TCM_HOLIDAYS;
beforeAll(async () => {
  process.env.TCM_HOLIDAYS = HOLIDAYS;
  hub = await startHub();
});
afterAll(async () => {
  if (saved === undefined) delete process.env.TCM_HOLIDAYS;
  else process.env.TCM_HOLIDAYS = saved;
  await hub?.stop();
});

const EPISODES = `query($id: ID!) { patient(id: $id) { transitionalCareEpisodes {
  id encounterId complexity billingCode laceTier dischargedAt periodEnd steps { kind dueAt completedAt completedBy status } } } }`;
const WORKLIST = `{ myWorklist { kind dueAt overdue riskTier patient { id } careTeamId activity { id kind } carePlan { id }
  transitionalCareStep { kind dueAt status } transitionalCareEpisode { id } } }`;
const COMPLETE = `mutation($i: CompleteTransitionalCareStepInput!) { completeTransitionalCareStep(input: $i) { id steps { kind dueAt completedAt status } } }`;

const statusAt = (dueIso: string) => (Date.now() > Date.parse(dueIso) ? 'MISSED' : 'PENDING');

/** Stands in for the patients subgraph: an event recorded in a transaction, as it would record it. */
async function patientsEvent(type: string, patientId: string, payload: Record<string, unknown>): Promise<void> {
  const event: NewEvent = { type, aggregateType: type === 'PatientDischarged' ? 'Encounter' : 'Patient', aggregateId: String(payload.encounterId ?? patientId), patientId, actor: 'patients-test', payload };
  await hub.subgraphs['care-teams'].ds.transaction((m) => recordEvent(m, 'patients', event));
}

const discharge = (encounterId: string, over: Record<string, unknown> = {}) => ({
  encounterId, kind: 'INPATIENT', admittedAt: iso(DISCHARGED_AT - 3 * DAY), dischargedAt: iso(DISCHARGED_AT), disposition: 'HOME',
  acuity: 'EMERGENT', planned: false, principalDiagnosis: 'I50.9', cost: 12000, lace: { score: 11, tier: 'HIGH', l: 3, a: 3, c: 3, e: 2 }, ...over,
});

const episodesOf = async (patientId: string) => ok(await hub.query(EPISODES, { id: patientId })).patient.transitionalCareEpisodes;

describe('through the gateway, from the patients subgraph', () => {
  it('a discharge opens a TCM episode with business-day deadlines around the holiday, on the coordinator\'s worklist', async () => {
    const coordinator = await clinician(hub, 'tcm-coord', Role.CARE_COORDINATOR);
    const nurse = await clinician(hub, 'tcm-nurse');
    const patientId = await registerPatient(hub, 'Nguyen');
    const team = await formTeam(hub, patientId, { 'tcm-coord': 'CARE_COORDINATOR', 'tcm-nurse': 'NURSE_CASE_MANAGER' }, coordinator);

    // 15 days, emergent: LACE L = 7, A = 3 → at least 10, HIGH → high complexity, 99496, visit within 7 days.
    const stay = ok(await hub.query(`mutation($i: AdmitPatientInput!) { admitPatient(input: $i) { id } }`, {
      i: { patientId, kind: 'INPATIENT', admittedAt: iso(DISCHARGED_AT - 15 * DAY), acuity: 'EMERGENT' },
    }, nurse)).admitPatient;
    ok(await hub.query(`mutation($i: DischargePatientInput!) { dischargePatient(input: $i) { id } }`, {
      i: { encounterId: stay.id, dischargedAt: iso(DISCHARGED_AT), disposition: 'HOME' },
    }, nurse));
    await careTeamsCaughtUp(hub);

    const [episode] = await episodesOf(patientId);
    const visitDue = endOfDay(FRIDAY + 7 * DAY);
    expect(episode).toEqual({
      id: expect.any(String), encounterId: stay.id, complexity: 'HIGH', billingCode: '99496', laceTier: 'HIGH',
      dischargedAt: iso(DISCHARGED_AT), periodEnd: endOfDay(FRIDAY + 29 * DAY),
      steps: [
        { kind: 'INTERACTIVE_CONTACT', dueAt: CONTACT_DUE, completedAt: null, completedBy: null, status: statusAt(CONTACT_DUE) },
        { kind: 'MEDICATION_RECONCILIATION', dueAt: visitDue, completedAt: null, completedBy: null, status: statusAt(visitDue) },
        { kind: 'FACE_TO_FACE_VISIT', dueAt: visitDue, completedAt: null, completedBy: null, status: statusAt(visitDue) },
      ],
    });

    const worklist = ok(await hub.query(WORKLIST, {}, coordinator)).myWorklist;
    // Routed by role (issue 13): the contact to coordinator and nurse, med rec to the nurse (no pharmacist), the visit to the coordinator (no physician).
    expect(worklist.map((i: any) => [i.kind, i.transitionalCareStep.kind, i.dueAt, i.transitionalCareEpisode.id, i.patient.id, i.careTeamId])).toEqual([
      ['TRANSITIONAL_CARE_STEP', 'INTERACTIVE_CONTACT', CONTACT_DUE, episode.id, patientId, team.id],
      ['TRANSITIONAL_CARE_STEP', 'FACE_TO_FACE_VISIT', visitDue, episode.id, patientId, team.id],
    ]);
    expect(ok(await hub.query(WORKLIST, {}, nurse)).myWorklist.map((i: any) => i.transitionalCareStep.kind)).toEqual(['INTERACTIVE_CONTACT', 'MEDICATION_RECONCILIATION']);

    // The nurse makes the contact; the coordinator's list loses that step.
    const contactAt = iso(Math.min(Date.now() - 60_000, Date.parse(CONTACT_DUE) - 3_600_000));
    const after = ok(await hub.query(COMPLETE, { i: { episodeId: episode.id, step: 'INTERACTIVE_CONTACT', completedAt: contactAt, note: 'Phoned; meds picked up' } }, nurse)).completeTransitionalCareStep;
    expect(after.steps[0]).toEqual({ kind: 'INTERACTIVE_CONTACT', dueAt: CONTACT_DUE, completedAt: contactAt, status: 'MET' });
    expect(ok(await hub.query(WORKLIST, {}, coordinator)).myWorklist.map((i: any) => i.transitionalCareStep.kind)).toEqual(['FACE_TO_FACE_VISIT']);
    expect(failure(await hub.query(COMPLETE, { i: { episodeId: episode.id, step: 'INTERACTIVE_CONTACT' } }, nurse)).extensions.code).toBe('CONFLICT');

    const events = await eventsOf(hub, episode.id, ['TransitionalCareEpisodeOpened', 'TransitionalCareStepChanged']);
    expect(events.map((e) => [e.type, e.source, e.patient_id])).toEqual([
      ['TransitionalCareEpisodeOpened', 'care-teams', patientId], ['TransitionalCareStepChanged', 'care-teams', patientId],
    ]);
    expect(events[0].payload).toMatchObject({ episodeId: episode.id, encounterId: stay.id, dischargedAt: iso(DISCHARGED_AT), complexity: 'HIGH', billingCode: '99496' });
    expect(events[1].payload).toMatchObject({ changedStep: 'INTERACTIVE_CONTACT', steps: expect.arrayContaining([{ kind: 'INTERACTIVE_CONTACT', dueAt: CONTACT_DUE, completedAt: contactAt, status: 'MET' }]) });
  });

  it('a short elective stay is moderate complexity: the visit is due within 14 days', async () => {
    const nurse = await clinician(hub, 'tcm2-nurse');
    const patientId = await registerPatient(hub, 'Silva');
    await formTeam(hub, patientId, { 'tcm2-coord': 'CARE_COORDINATOR', 'tcm2-nurse': 'NURSE_CASE_MANAGER' });
    const stay = ok(await hub.query(`mutation($i: AdmitPatientInput!) { admitPatient(input: $i) { id } }`, {
      i: { patientId, kind: 'OBSERVATION', admittedAt: iso(DISCHARGED_AT - DAY), acuity: 'ELECTIVE', planned: true },
    }, nurse)).admitPatient;
    ok(await hub.query(`mutation($i: DischargePatientInput!) { dischargePatient(input: $i) { id } }`, { i: { encounterId: stay.id, dischargedAt: iso(DISCHARGED_AT), disposition: 'HOME_HEALTH' } }, nurse));
    await careTeamsCaughtUp(hub);
    const [episode] = await episodesOf(patientId);
    expect(episode).toMatchObject({ complexity: 'MODERATE', billingCode: '99495', laceTier: 'LOW' });
    expect(episode.steps.map((s: any) => [s.kind, s.dueAt])).toEqual([
      ['INTERACTIVE_CONTACT', CONTACT_DUE], ['MEDICATION_RECONCILIATION', endOfDay(FRIDAY + 14 * DAY)], ['FACE_TO_FACE_VISIT', endOfDay(FRIDAY + 14 * DAY)],
    ]);
  });

  it('only the patient\'s care team completes steps; a visit before its deadline brings medication reconciliation forward', async () => {
    const patientId = await registerPatient(hub, 'Haddad');
    const team = await formTeam(hub, patientId, { 'tcm3-coord': 'CARE_COORDINATOR' });
    await patientsEvent('PatientDischarged', patientId, discharge(`enc-visit-${team.id}`, { dischargedAt: iso(Date.now() - 2 * DAY) }));
    await careTeamsCaughtUp(hub);
    const [episode] = await episodesOf(patientId);
    const outsider = await clinician(hub, 'tcm3-outsider');
    expect(failure(await hub.query(COMPLETE, { i: { episodeId: episode.id, step: 'FACE_TO_FACE_VISIT' } }, outsider)).extensions.code).toBe('FORBIDDEN');
    expect(failure(await hub.query(`query($id: ID!) { transitionalCareEpisode(id: $id) { id } }`, { id: episode.id }, outsider)).extensions)
      .toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM', patientId });

    const coordinator = await clinician(hub, 'tcm3-coord', Role.CARE_COORDINATOR);
    expect(failure(await hub.query(COMPLETE, { i: { episodeId: episode.id, step: 'FACE_TO_FACE_VISIT', completedAt: iso(Date.now() + DAY) } }, coordinator)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'completedAt' });
    expect(failure(await hub.query(COMPLETE, { i: { episodeId: episode.id, step: 'FACE_TO_FACE_VISIT', completedAt: iso(Date.now() - 3 * DAY) } }, coordinator)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'completedAt' });
    const visitAt = Date.now() - DAY;
    const done = ok(await hub.query(COMPLETE, { i: { episodeId: episode.id, step: 'FACE_TO_FACE_VISIT', completedAt: iso(visitAt) } }, coordinator)).completeTransitionalCareStep;
    const medRec = done.steps.find((s: any) => s.kind === 'MEDICATION_RECONCILIATION');
    // CMS TCM: medication reconciliation no later than the face-to-face visit — now overdue, since it was not done by then.
    expect(medRec).toEqual({ kind: 'MEDICATION_RECONCILIATION', dueAt: endOfDay(Math.floor(visitAt / DAY) * DAY), completedAt: null, status: 'MISSED' });
    expect(done.steps.find((s: any) => s.kind === 'FACE_TO_FACE_VISIT').status).toBe('MET');
  });
});

describe('the PatientDischarged consumer', () => {
  it('opens nothing for discharges that do not start TCM, or for a patient without an active team', async () => {
    const withTeam = await registerPatient(hub);
    await formTeam(hub, withTeam, { 'c-coord': 'CARE_COORDINATOR' });
    const withoutTeam = await registerPatient(hub);
    const cases: Record<string, unknown>[] = [
      { kind: 'EMERGENCY' }, { disposition: 'SKILLED_NURSING' }, { disposition: 'EXPIRED' }, { disposition: 'HOSPICE' }, { disposition: 'TRANSFERRED' },
      { disposition: 'SOMEWHERE' }, { dischargedAt: 'not a time' },
    ];
    for (const [k, over] of cases.entries()) await patientsEvent('PatientDischarged', withTeam, discharge(`enc-none-${withTeam}-${k}`, over));
    await patientsEvent('PatientDischarged', withoutTeam, discharge(`enc-none-${withoutTeam}`));
    // A qualifying discharge after the unreadable ones: the consumer is not stuck on them.
    await patientsEvent('PatientDischarged', withTeam, discharge(`enc-ok-${withTeam}`, { disposition: 'LEFT_AMA' }));
    await careTeamsCaughtUp(hub);
    expect((await episodesOf(withTeam)).map((e: any) => e.encounterId)).toEqual([`enc-ok-${withTeam}`]);
    expect(await episodesOf(withoutTeam)).toEqual([]);
  });

  it('without a LACE tier on the event, the snapshot\'s risk tier decides complexity', async () => {
    const patientId = await registerPatient(hub);
    await formTeam(hub, patientId, { 's-coord': 'CARE_COORDINATOR' });
    await patientsEvent('PatientSummaryChanged', patientId, { riskTier: 'HIGH', laceScore: 13, chronicConditionCount: 3, charlsonCategories: [], ccmConsentActive: true, activePartnerConsents: [] });
    await patientsEvent('PatientDischarged', patientId, discharge(`enc-snap-${patientId}`, { lace: undefined }));
    await careTeamsCaughtUp(hub);
    expect((await episodesOf(patientId))[0]).toMatchObject({ complexity: 'HIGH', laceTier: null });
  });

  it('is idempotent: a re-sent discharge, and a full replay of the log, open nothing twice and leave the snapshot as it was', async () => {
    const patientId = await registerPatient(hub);
    await formTeam(hub, patientId, { 'r-coord': 'CARE_COORDINATOR' });
    const encounterId = `enc-replay-${patientId}`;
    await patientsEvent('PatientSummaryChanged', patientId, { riskTier: 'LOW', laceScore: 2, chronicConditionCount: 1, charlsonCategories: [], ccmConsentActive: false, activePartnerConsents: [] });
    await patientsEvent('PatientDischarged', patientId, discharge(encounterId));
    await patientsEvent('PatientDischarged', patientId, discharge(encounterId)); // the same discharge, sent again
    await patientsEvent('PatientSummaryChanged', patientId, { riskTier: 'HIGH', laceScore: 12, chronicConditionCount: 2, charlsonCategories: [], ccmConsentActive: true, activePartnerConsents: [] });
    await careTeamsCaughtUp(hub);
    const before = { episodes: await episodesOf(patientId), snapshot: await sql(hub, 'SELECT risk_tier, lace_score, chronic_condition_count, ccm_consent_active FROM care_teams.patient_snapshot WHERE patient_id = $1', [patientId]) };
    expect(before.episodes).toHaveLength(1);
    expect(before.snapshot).toEqual([{ risk_tier: 'HIGH', lace_score: 12, chronic_condition_count: 2, ccm_consent_active: true }]);

    // Replay everything from the start of the log with a fresh consumer on the same cursor.
    // The subgraph's own consumer comes after the shared care-relationship consumer (shared/subgraph.ts).
    const own = hub.subgraphs['care-teams'].workers.length - 1;
    const running = hub.subgraphs['care-teams'].workers[own] as unknown as Consumer;
    await running.stop();
    const ds = hub.subgraphs['care-teams'].ds;
    await ds.query(`UPDATE care_teams.event_cursor SET position = 0 WHERE consumer = $1`, [PATIENT_EVENTS_CONSUMER]);
    const replay = await startConsumer({
      ds, transport: new PgNotifyTransport(hub.databaseUrl), name: PATIENT_EVENTS_CONSUMER, types: ['PatientRegistered', 'PatientSummaryChanged', 'PatientDischarged'],
      handle: patientEventHandler({ source: 'care-teams', holidays: parseHolidayCalendar(HOLIDAYS), log: rootLogger }),
    });
    try {
      await replay.caughtUp();
      expect(await episodesOf(patientId)).toEqual(before.episodes);
      expect(await sql(hub, 'SELECT risk_tier, lace_score, chronic_condition_count, ccm_consent_active FROM care_teams.patient_snapshot WHERE patient_id = $1', [patientId])).toEqual(before.snapshot);
      const opened = await sql(hub, `SELECT count(*)::int AS n FROM hub_events.event_log WHERE type = 'TransitionalCareEpisodeOpened' AND patient_id = $1`, [patientId]);
      expect(opened).toEqual([{ n: 1 }]);
    } finally {
      // Put the replaying consumer where the hub's was, so the rest of the file (and hub.stop) keeps working.
      hub.subgraphs['care-teams'].workers[own] = replay;
    }
  });
});

describe('myWorklist', () => {
  const CREATE_PLAN = `mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`;
  const ACTIVATE = `mutation($id: ID!) { changeCarePlanStatus(input: { carePlanId: $id, expectedVersion: 1, status: ACTIVE }) { version } }`;
  const ADD = `mutation($i: AddCarePlanActivityInput!) { addCarePlanActivity(input: $i) { carePlan { version } activity { id } } }`;

  /** A patient on the worker's team with an active plan; `risk` is what the patients subgraph last published. */
  async function patientWithPlan(label: string, risk: string | null, members: Record<string, string>) {
    const patientId = await registerPatient(hub, label);
    const team = await formTeam(hub, patientId, members);
    if (risk) await patientsEvent('PatientSummaryChanged', patientId, { riskTier: risk, laceScore: null, chronicConditionCount: 0, charlsonCategories: [], ccmConsentActive: false, activePartnerConsents: [] });
    const planId = ok(await hub.query(CREATE_PLAN, { i: { careTeamId: team.id, title: `${label} plan` } })).createCarePlan.id;
    ok(await hub.query(ACTIVATE, { id: planId }));
    let version = 2;
    const add = async (fields: Record<string, unknown>) => {
      const res = ok(await hub.query(ADD, { i: { carePlanId: planId, expectedVersion: version, kind: 'FOLLOW_UP_CALL', ...fields } })).addCarePlanActivity;
      version = res.carePlan.version;
      return res.activity.id as string;
    };
    return { patientId, team, planId, add };
  }

  it('lists open activities assigned to me or my role, overdue first, then by due time, then HIGH risk first', async () => {
    const me = 'wl-nurse';
    const token = await clinician(hub, me);
    const members = { 'wl-coord': 'CARE_COORDINATOR', [me]: 'NURSE_CASE_MANAGER', 'wl-pharm': 'PHARMACIST' };
    const low = await patientWithPlan('WlLow', 'LOW', members);
    const high = await patientWithPlan('WlHigh', 'HIGH', members);
    const unknown = await patientWithPlan('WlUnknown', null, members);
    await careTeamsCaughtUp(hub);

    const tomorrow = iso(Date.now() + DAY);
    const expected = {
      overdueLow: await low.add({ assigneePractitionerId: me, dueAt: iso(Date.now() - 2 * DAY) }),
      overdueHigh: await high.add({ assigneeRole: 'NURSE_CASE_MANAGER', dueAt: iso(Date.now() - DAY) }),
      tomorrowHigh: await high.add({ assigneeRole: 'NURSE_CASE_MANAGER', dueAt: tomorrow }),
      tomorrowLow: await low.add({ assigneePractitionerId: me, dueAt: tomorrow }),
      tomorrowUnknown: await unknown.add({ assigneePractitionerId: me, dueAt: tomorrow }),
      nextWeek: await unknown.add({ assigneeRole: 'NURSE_CASE_MANAGER', dueAt: iso(Date.now() + 7 * DAY) }),
      undated: await high.add({ assigneePractitionerId: me }),
    };
    // Not mine: another member's, another role's, finished, and on a plan that is not active.
    await high.add({ assigneePractitionerId: 'wl-pharm', dueAt: tomorrow });
    await low.add({ assigneeRole: 'PHARMACIST', dueAt: tomorrow });
    const cancelled = await low.add({ assigneePractitionerId: me, dueAt: tomorrow });
    const lowVersion = ok(await hub.query(`query($id: ID!) { carePlan(id: $id) { version } }`, { id: low.planId })).carePlan.version;
    ok(await hub.query(`mutation($i: UpdateCarePlanActivityInput!) { updateCarePlanActivity(input: $i) { activity { status } } }`, { i: { activityId: cancelled, expectedVersion: lowVersion, status: 'CANCELLED' } }));
    const draft = await registerPatient(hub, 'WlDraft');
    const draftTeam = await formTeam(hub, draft, members);
    const draftPlan = ok(await hub.query(CREATE_PLAN, { i: { careTeamId: draftTeam.id, title: 'Draft' } })).createCarePlan.id;
    ok(await hub.query(ADD, { i: { carePlanId: draftPlan, expectedVersion: 1, kind: 'EDUCATION', assigneePractitionerId: me, dueAt: tomorrow } }));

    const items = ok(await hub.query(WORKLIST, {}, token)).myWorklist;
    expect(items.map((i: any) => i.activity.id)).toEqual([
      expected.overdueLow, expected.overdueHigh, expected.tomorrowHigh, expected.tomorrowLow, expected.tomorrowUnknown, expected.nextWeek, expected.undated,
    ]);
    expect(items.map((i: any) => [i.kind, i.overdue, i.riskTier])).toEqual([
      ['CARE_PLAN_ACTIVITY', true, 'LOW'], ['CARE_PLAN_ACTIVITY', true, 'HIGH'], ['CARE_PLAN_ACTIVITY', false, 'HIGH'], ['CARE_PLAN_ACTIVITY', false, 'LOW'],
      ['CARE_PLAN_ACTIVITY', false, null], ['CARE_PLAN_ACTIVITY', false, null], ['CARE_PLAN_ACTIVITY', false, 'HIGH'],
    ]);
    expect(items[0]).toMatchObject({ patient: { id: low.patientId }, carePlan: { id: low.planId }, careTeamId: low.team.id, transitionalCareStep: null });
    expect(ok(await hub.query(`{ myWorklist(first: 2) { activity { id } } }`, {}, token)).myWorklist).toHaveLength(2);
    expect(failure(await hub.query(`{ myWorklist(first: 0) { kind } }`, {}, token)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });

    // Once I leave the team, its work leaves my list.
    const membership = ok(await hub.query(`query($id: ID!) { careTeam(id: $id) { members { edges { node { id practitionerId } } } } }`, { id: high.team.id })).careTeam.members.edges
      .find(({ node: m }: { node: { practitionerId: string } }) => m.practitionerId === me).node.id;
    ok(await hub.query(`mutation($id: ID!) { endCareTeamMembership(input: { membershipId: $id }) { id } }`, { id: membership }, token));
    const remaining = ok(await hub.query(WORKLIST, {}, token)).myWorklist.map((i: any) => i.activity.id);
    expect(remaining).toEqual([expected.overdueLow, expected.tomorrowLow, expected.tomorrowUnknown, expected.nextWeek]);
  });

  it('puts the coordinator\'s overdue TCM steps and activities in one order', async () => {
    const coordinatorId = 'mix-coord';
    const token = await clinician(hub, coordinatorId, Role.CARE_COORDINATOR);
    const p = await patientWithPlan('Mix', 'MODERATE', { [coordinatorId]: 'CARE_COORDINATOR' });
    await patientsEvent('PatientDischarged', p.patientId, discharge(`enc-mix-${p.patientId}`, { dischargedAt: iso(Date.now() - 5 * DAY) }));
    await careTeamsCaughtUp(hub);
    const overdueCall = await p.add({ assigneeRole: 'CARE_COORDINATOR', dueAt: iso(Date.now() - 10 * DAY) });
    const items = ok(await hub.query(WORKLIST, {}, token)).myWorklist;
    const [episode] = await episodesOf(p.patientId);
    const byDue = [...episode.steps].sort((a: any, b: any) => Date.parse(a.dueAt) - Date.parse(b.dueAt));
    expect(items[0]).toMatchObject({ kind: 'CARE_PLAN_ACTIVITY', activity: { id: overdueCall }, overdue: true, riskTier: 'MODERATE' });
    expect(items.slice(1).map((i: any) => [i.kind, i.transitionalCareStep.kind, i.overdue])).toEqual(
      byDue.map((s: any) => ['TRANSITIONAL_CARE_STEP', s.kind, Date.parse(s.dueAt) < Date.now()]));
  });
});
