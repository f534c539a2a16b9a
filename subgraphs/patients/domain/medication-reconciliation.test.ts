/** Medication reconciliation rules: every active medication on one line, each disposition checked. */
import { HubError } from '../../../shared/errors';
import { ReconciliationDisposition as D, planReconciliation, rxNormCodeOf, type CurrentMedication } from './medication-reconciliation';

const active: CurrentMedication[] = [
  { id: 'm1', display: 'Lisinopril 10 mg tablet', dose: '10 mg', route: 'oral', frequency: 'daily' },
  { id: 'm2', display: 'Metformin 500 mg tablet', dose: '500 mg', route: 'oral', frequency: 'twice daily' },
  { id: 'm3', display: 'Ibuprofen 400 mg tablet', dose: '400 mg', route: 'oral', frequency: 'as needed' },
];
const fieldOf = (fn: () => unknown) => {
  try { fn(); } catch (e) { if (e instanceof HubError) return e.extensions.field; throw e; }
  return undefined;
};

it('says what each kind of line does, with discrepancies noted', () => {
  const plan = planReconciliation(active, [
    { medicationId: 'm1', disposition: D.CONTINUED },
    { medicationId: 'm2', disposition: D.CHANGED, dose: '1000 mg', discrepancy: 'Discharge summary doubled the dose; patient unaware' },
    { medicationId: 'm3', disposition: D.STOPPED },
    { disposition: D.NEW, code: '1191', display: 'Aspirin 81 mg tablet', dose: '81 mg', route: 'oral', frequency: 'daily' },
  ]);
  expect(plan).toEqual({
    continued: ['m1'], stopped: ['m3'],
    changed: [{ id: 'm2', before: { dose: '500 mg', route: 'oral', frequency: 'twice daily' }, after: { dose: '1000 mg', route: 'oral', frequency: 'twice daily' } }],
    added: [{ code: '1191', display: 'Aspirin 81 mg tablet', dosage: { dose: '81 mg', route: 'oral', frequency: 'daily' } }],
    discrepancies: [{ line: 1, text: 'Discharge summary doubled the dose; patient unaware' }],
  });
});

it('refuses a medication left off, twice, unknown, a NEW line without a display or with an id, and a CHANGED line that changes nothing', () => {
  const rest = [{ medicationId: 'm2', disposition: D.CONTINUED }, { medicationId: 'm3', disposition: D.CONTINUED }];
  expect(fieldOf(() => planReconciliation(active, rest))).toBe('input.lines');
  expect(fieldOf(() => planReconciliation(active, [{ medicationId: 'm1', disposition: D.CONTINUED }, { medicationId: 'm1', disposition: D.STOPPED }, ...rest]))).toBe('input.lines[1].medicationId');
  expect(fieldOf(() => planReconciliation(active, [{ medicationId: 'zz', disposition: D.CONTINUED }, ...rest]))).toBe('input.lines[0].medicationId');
  expect(fieldOf(() => planReconciliation(active, [{ medicationId: 'm1', disposition: D.CONTINUED }, ...rest, { disposition: D.NEW, display: ' ' }]))).toBe('input.lines[3].display');
  expect(fieldOf(() => planReconciliation(active, [{ medicationId: 'm1', disposition: D.NEW, display: 'x' }, ...rest]))).toBe('input.lines[0].medicationId');
  expect(fieldOf(() => planReconciliation(active, [{ medicationId: 'm1', disposition: D.CHANGED, dose: '10 mg' }, ...rest]))).toBe('input.lines[0]');
});

it('RxNorm codes are concept ids', () => {
  expect(rxNormCodeOf(' 29046 ', 'code')).toBe('29046');
  expect(rxNormCodeOf(null, 'code')).toBeNull();
  expect(fieldOf(() => rxNormCodeOf('lisinopril', 'input.code'))).toBe('input.code');
});
