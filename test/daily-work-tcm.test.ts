/**
 * Transitional care from the care team's daily work, through the gateway (issue 13):
 * outreach attempts and contacts meet the TCM interactive contact (two timely
 * unsuccessful attempts do, CMS TCM FAQ; a late success is recorded but MISSED); a
 * medication reconciliation with each kind of line updates the medication list and
 * completes the TCM medication-reconciliation step; every role's myWorklist shows the
 * steps routed to it.
 */
import { Role } from '../shared/auth';
import { startHub, type TestHub } from './support/hub';
import { eventually } from './support/live';
import { careTeamsCaughtUp, clinician, eventsOf, failure, formTeam, ok, registerPatient } from './care-teams-fixtures';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
// Twenty days ago at 15:00 UTC: every deadline is past, the 30-day period still open.
const DISCHARGED_AT = Math.floor(Date.now() / DAY) * DAY - 20 * DAY + 15 * HOUR;

const EPISODES = `query($id: ID!) { patient(id: $id) { transitionalCareEpisodes { id steps { kind dueAt completedAt completedBy status } } } }`;
const OUTREACH = `mutation($i: RecordOutreachContactInput!) { recordOutreachContact(input: $i) { id channel outcome practitionerId contactedAt careTeamId } }`;
const WORKLIST = `{ myWorklist { kind patient { id } transitionalCareStep { kind } } }`;

let hub: TestHub;
let tokens: Record<'coordinator' | 'nurse' | 'pharmacist' | 'physician', string>;

beforeAll(async () => {
  hub = await startHub();
  tokens = {
    coordinator: await clinician(hub, 'dt-coord', Role.CARE_COORDINATOR),
    nurse: await clinician(hub, 'dt-nurse', Role.NURSE),
    pharmacist: await clinician(hub, 'dt-pharm', Role.PHARMACIST),
    physician: await clinician(hub, 'dt-pcp', Role.PHYSICIAN),
  };
}, 120_000);
afterAll(async () => { await hub?.stop(); });

/** A patient on a team, discharged home from a 3-day stay: returns the episode and its steps by kind. */
async function discharged(name: string, members: Record<string, string>) {
  const patientId = await registerPatient(hub, name);
  await formTeam(hub, patientId, members);
  const stay = ok(await hub.query(`mutation($i: AdmitPatientInput!) { admitPatient(input: $i) { id } }`, {
    i: { patientId, kind: 'INPATIENT', admittedAt: iso(DISCHARGED_AT - 3 * DAY), acuity: 'URGENT' },
  }, tokens.nurse)).admitPatient;
  ok(await hub.query(`mutation($i: DischargePatientInput!) { dischargePatient(input: $i) { id } }`, { i: { encounterId: stay.id, dischargedAt: iso(DISCHARGED_AT), disposition: 'HOME' } }, tokens.nurse));
  await careTeamsCaughtUp(hub);
  const [episode] = ok(await hub.query(EPISODES, { id: patientId })).patient.transitionalCareEpisodes;
  const step = (kind: string) => episode.steps.find((s: { kind: string }) => s.kind === kind);
  return { patientId, encounterId: stay.id as string, episodeId: episode.id as string, contactDue: Date.parse(step('INTERACTIVE_CONTACT').dueAt), medRecDue: Date.parse(step('MEDICATION_RECONCILIATION').dueAt) };
}
const stepsOf = async (patientId: string) => Object.fromEntries(
  ok(await hub.query(EPISODES, { id: patientId })).patient.transitionalCareEpisodes[0].steps.map((s: { kind: string }) => [s.kind, s]));
const myTcmSteps = async (token: string, patientId: string) =>
  ok(await hub.query(WORKLIST, {}, token)).myWorklist.filter((i: any) => i.patient.id === patientId && i.transitionalCareStep).map((i: any) => i.transitionalCareStep.kind).sort();

const FULL_TEAM = { 'dt-coord': 'CARE_COORDINATOR', 'dt-nurse': 'NURSE_CASE_MANAGER', 'dt-pharm': 'PHARMACIST', 'dt-pcp': 'PRIMARY_CARE_PHYSICIAN' };

it("routes each TCM step to its role on every member's worklist", async () => {
  const full = await discharged('Routed', FULL_TEAM);
  expect(await myTcmSteps(tokens.coordinator, full.patientId)).toEqual(['INTERACTIVE_CONTACT']);
  expect(await myTcmSteps(tokens.nurse, full.patientId)).toEqual(['INTERACTIVE_CONTACT']);
  expect(await myTcmSteps(tokens.pharmacist, full.patientId)).toEqual(['MEDICATION_RECONCILIATION']);
  expect(await myTcmSteps(tokens.physician, full.patientId)).toEqual(['FACE_TO_FACE_VISIT']);

  // No pharmacist and no physician: med rec to the nurse, the visit to the coordinator.
  const small = await discharged('Small', { 'dt-coord': 'CARE_COORDINATOR', 'dt-nurse': 'NURSE_CASE_MANAGER' });
  expect(await myTcmSteps(tokens.coordinator, small.patientId)).toEqual(['FACE_TO_FACE_VISIT', 'INTERACTIVE_CONTACT']);
  expect(await myTcmSteps(tokens.nurse, small.patientId)).toEqual(['INTERACTIVE_CONTACT', 'MEDICATION_RECONCILIATION']);
});

it('two timely unsuccessful attempts meet the interactive contact; it leaves the worklists', async () => {
  const p = await discharged('Attempts', FULL_TEAM);
  const first = ok(await hub.query(OUTREACH, { i: { patientId: p.patientId, channel: 'PHONE', outcome: 'NO_ANSWER', contactedAt: iso(DISCHARGED_AT + 2 * HOUR) } }, tokens.nurse)).recordOutreachContact;
  expect(first).toMatchObject({ channel: 'PHONE', outcome: 'NO_ANSWER', practitionerId: 'dt-nurse' });
  expect((await stepsOf(p.patientId)).INTERACTIVE_CONTACT).toMatchObject({ completedAt: null, status: 'MISSED' });

  const secondAt = iso(p.contactDue - HOUR);
  ok(await hub.query(OUTREACH, { i: { patientId: p.patientId, channel: 'PORTAL_MESSAGE', outcome: 'LEFT_MESSAGE', contactedAt: secondAt, practitionerId: 'dt-coord' } }, tokens.nurse));
  expect((await stepsOf(p.patientId)).INTERACTIVE_CONTACT).toEqual({ kind: 'INTERACTIVE_CONTACT', dueAt: iso(p.contactDue), completedAt: secondAt, completedBy: 'dt-nurse', status: 'MET' });
  expect(await myTcmSteps(tokens.coordinator, p.patientId)).toEqual([]);
  expect(await myTcmSteps(tokens.nurse, p.patientId)).toEqual([]);

  const events = await eventsOf(hub, p.episodeId, ['TransitionalCareStepChanged']);
  expect(events.map((e) => [e.payload.changedStep, e.payload.basis])).toEqual([['INTERACTIVE_CONTACT', 'ATTEMPTS']]);
  const log = ok(await hub.query(`query($id: ID!) { patient(id: $id) { outreachContacts { outcome practitionerId } } }`, { id: p.patientId }, tokens.pharmacist));
  expect(log.patient.outreachContacts).toEqual([{ outcome: 'LEFT_MESSAGE', practitionerId: 'dt-coord' }, { outcome: 'NO_ANSWER', practitionerId: 'dt-nurse' }]);
});

it('one timely attempt and a late successful contact: recorded, but MISSED', async () => {
  const p = await discharged('Late', FULL_TEAM);
  ok(await hub.query(OUTREACH, { i: { patientId: p.patientId, channel: 'PHONE', outcome: 'WRONG_NUMBER', contactedAt: iso(DISCHARGED_AT + HOUR) } }, tokens.coordinator));
  const lateAt = iso(p.contactDue + 2 * HOUR);
  ok(await hub.query(OUTREACH, { i: { patientId: p.patientId, channel: 'HOME_VISIT', outcome: 'REACHED', contactedAt: lateAt } }, tokens.coordinator));
  expect((await stepsOf(p.patientId)).INTERACTIVE_CONTACT).toMatchObject({ completedAt: lateAt, status: 'MISSED' });
  expect((await eventsOf(hub, p.episodeId, ['TransitionalCareStepChanged'])).map((e) => e.payload.basis)).toEqual(['LATE_CONTACT']);
});

it('refuses outreach by a non-member, by someone not on the team, in the future', async () => {
  const p = await discharged('Refused', FULL_TEAM);
  const outsider = await clinician(hub, 'dt-elsewhere', Role.NURSE);
  expect(failure(await hub.query(OUTREACH, { i: { patientId: p.patientId, channel: 'PHONE', outcome: 'REACHED' } }, outsider)).extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_ON_CARE_TEAM' });
  expect(failure(await hub.query(OUTREACH, { i: { patientId: p.patientId, channel: 'PHONE', outcome: 'REACHED', practitionerId: 'dt-elsewhere' } }, tokens.nurse)).extensions)
    .toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.practitionerId' });
  expect(failure(await hub.query(OUTREACH, { i: { patientId: p.patientId, channel: 'PHONE', outcome: 'REACHED', contactedAt: iso(Date.now() + DAY) } }, tokens.nurse)).extensions)
    .toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.contactedAt' });
  expect((await stepsOf(p.patientId)).INTERACTIVE_CONTACT.completedAt).toBeNull();
});

it('a reconciliation with each kind of line updates the medication list and completes the TCM step', async () => {
  const p = await discharged('Meds', FULL_TEAM);
  const RECORD = `mutation($i: RecordMedicationInput!) { recordMedication(input: $i) { id } }`;
  const med = async (display: string, code: string, dose: string, frequency: string) =>
    ok(await hub.query(RECORD, { i: { patientId: p.patientId, code, display, dose, route: 'oral', frequency, source: 'PATIENT_REPORTED' } }, tokens.nurse)).recordMedication.id as string;
  const lisinopril = await med('Lisinopril 10 mg oral tablet', '314076', '10 mg', 'daily');
  const metformin = await med('Metformin 500 mg oral tablet', '861007', '500 mg', 'twice daily');
  const ibuprofen = await med('Ibuprofen 400 mg oral tablet', '197805', '400 mg', 'as needed');

  const RECONCILE = `mutation($i: ReconcileMedicationsInput!) { reconcileMedications(input: $i) { id encounterId reconciledBy
    lines { medicationId display disposition discrepancy before { dose } after { dose frequency } } } }`;
  const lines = [
    { medicationId: lisinopril, disposition: 'CONTINUED' },
    { medicationId: metformin, disposition: 'CHANGED', dose: '1000 mg', discrepancy: 'Discharge summary doubles the dose; patient still taking 500 mg' },
    { medicationId: ibuprofen, disposition: 'STOPPED', discrepancy: 'Stopped for acute kidney injury' },
    { disposition: 'NEW', code: '243670', display: 'Aspirin 81 mg oral tablet', dose: '81 mg', route: 'oral', frequency: 'daily' },
  ];
  const completedAt = iso(DISCHARGED_AT + 3 * DAY);
  // Medications are written by pharmacists, nurses and physicians on the team (docs/access.md); the coordinator on it may only read them.
  expect(failure(await hub.query(RECONCILE, { i: { patientId: p.patientId, encounterId: p.encounterId, completedAt, lines } }, await clinician(hub, 'dt-coord', Role.CARE_COORDINATOR))).extensions)
    .toMatchObject({ code: 'FORBIDDEN', reason: 'ROLE_NOT_ALLOWED' });
  // Leaving an active medication off is not a reconciliation.
  expect(failure(await hub.query(RECONCILE, { i: { patientId: p.patientId, encounterId: p.encounterId, completedAt, lines: lines.slice(1) } }, tokens.nurse)).extensions)
    .toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.lines' });

  // The pharmacist the worklist routes it to reconciles.
  const rec = ok(await hub.query(RECONCILE, { i: { patientId: p.patientId, encounterId: p.encounterId, completedAt, lines } }, tokens.pharmacist)).reconcileMedications;
  expect(rec.lines.map((l: any) => [l.disposition, l.before?.dose ?? null, l.after?.dose ?? null, l.discrepancy !== null])).toEqual([
    ['CONTINUED', '10 mg', '10 mg', false], ['CHANGED', '500 mg', '1000 mg', true], ['STOPPED', '400 mg', null, true], ['NEW', null, '81 mg', false],
  ]);
  const list = ok(await hub.query(`query($id: ID!) { patient(id: $id) { medications { display code codeSystem dose status source } } }`, { id: p.patientId }, tokens.pharmacist));
  expect(list.patient.medications).toEqual([
    { display: 'Lisinopril 10 mg oral tablet', code: '314076', codeSystem: 'http://www.nlm.nih.gov/research/umls/rxnorm', dose: '10 mg', status: 'ACTIVE', source: 'PATIENT_REPORTED' },
    { display: 'Metformin 500 mg oral tablet', code: '861007', codeSystem: 'http://www.nlm.nih.gov/research/umls/rxnorm', dose: '1000 mg', status: 'ACTIVE', source: 'PATIENT_REPORTED' },
    { display: 'Ibuprofen 400 mg oral tablet', code: '197805', codeSystem: 'http://www.nlm.nih.gov/research/umls/rxnorm', dose: '400 mg', status: 'STOPPED', source: 'PATIENT_REPORTED' },
    { display: 'Aspirin 81 mg oral tablet', code: '243670', codeSystem: 'http://www.nlm.nih.gov/research/umls/rxnorm', dose: '81 mg', status: 'ACTIVE', source: 'DISCHARGE_SUMMARY' },
  ]);

  await eventually(async () => {
    expect((await stepsOf(p.patientId)).MEDICATION_RECONCILIATION).toEqual({
      kind: 'MEDICATION_RECONCILIATION', dueAt: iso(p.medRecDue), completedAt, completedBy: 'dt-pharm', status: 'MET',
    });
  });
  expect(await myTcmSteps(tokens.pharmacist, p.patientId)).toEqual([]);
  const events = await eventsOf(hub, p.episodeId, ['TransitionalCareStepChanged']);
  expect(events.map((e) => [e.payload.changedStep, e.payload.reconciliationId, e.actor])).toEqual([['MEDICATION_RECONCILIATION', rec.id, 'dt-pharm']]);
  const emitted = await eventsOf(hub, rec.id, ['MedicationsReconciled']);
  expect(emitted.map((e) => [e.source, e.payload.encounterId, e.payload.discrepancies])).toEqual([['patients', p.encounterId, 2]]);
});
