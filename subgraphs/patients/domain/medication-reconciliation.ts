/**
 * Medications (FHIR MedicationStatement vocabulary) and medication reconciliation after
 * a discharge (issue 13): the discharge list is compared with the pre-admission list and
 * each line is marked continued, changed, stopped or new, with discrepancies noted.
 * Every medication active before the reconciliation must be on exactly one line — that
 * is what reconciling means; completing it meets the TCM medication-reconciliation step
 * (clinical-rules.md, CMS TCM: no later than the face-to-face visit). Pure rules, no I/O.
 */
import { badInput } from '../../../shared/errors';

/** FHIR MedicationStatement.status, the codes a care team uses. */
export enum MedicationStatus {
  ACTIVE = 'active',
  STOPPED = 'stopped',
  ON_HOLD = 'on-hold',
  ENTERED_IN_ERROR = 'entered-in-error',
}

/** Where the statement came from (MedicationStatement.informationSource, simplified). */
export enum MedicationSource {
  PATIENT_REPORTED = 'PATIENT_REPORTED',
  DISCHARGE_SUMMARY = 'DISCHARGE_SUMMARY',
  PHARMACY = 'PHARMACY',
}

export enum ReconciliationDisposition {
  CONTINUED = 'CONTINUED',
  CHANGED = 'CHANGED',
  STOPPED = 'STOPPED',
  NEW = 'NEW',
}

export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';

/** RxNorm concept ids (RXCUI) are digits. */
export function rxNormCodeOf(code: string | null | undefined, field: string): string | null {
  const c = code?.trim();
  if (!c) return null;
  if (!/^\d{1,10}$/.test(c)) throw badInput(`${field} must be an RxNorm concept id (digits), got "${c}"`, field);
  return c;
}

export interface Dosage {
  dose: string | null;
  route: string | null;
  frequency: string | null;
}

export interface CurrentMedication extends Dosage {
  id: string;
  display: string;
}

export interface ReconciliationLineInput extends Partial<Dosage> {
  medicationId?: string | null;
  disposition: ReconciliationDisposition;
  code?: string | null;
  display?: string | null;
  discrepancy?: string | null;
}

export interface ReconciliationPlan {
  continued: string[];
  stopped: string[];
  changed: { id: string; before: Dosage; after: Dosage }[];
  added: { code: string | null; display: string; dosage: Dosage }[];
  /** Lines with a discrepancy noted, by index. */
  discrepancies: { line: number; text: string }[];
}

const text = (v: string | null | undefined) => (v?.trim() ? v.trim() : null);

/**
 * Checks the lines against the active list and says what each does, or BAD_USER_INPUT
 * naming the line: an existing medication for CONTINUED / CHANGED / STOPPED, none for
 * NEW (which needs a display), a CHANGED line that changes the dose, route or
 * frequency, no medication twice, and no active medication left off.
 */
export function planReconciliation(active: readonly CurrentMedication[], lines: readonly ReconciliationLineInput[], field = 'input.lines'): ReconciliationPlan {
  const byId = new Map(active.map((m) => [m.id, m]));
  const seen = new Set<string>();
  const plan: ReconciliationPlan = { continued: [], stopped: [], changed: [], added: [], discrepancies: [] };
  lines.forEach((line, i) => {
    const at = `${field}[${i}]`;
    const note = text(line.discrepancy);
    if (note) plan.discrepancies.push({ line: i, text: note });
    if (line.disposition === ReconciliationDisposition.NEW) {
      if (line.medicationId) throw badInput('A NEW line is a medication not on the list: leave out medicationId', `${at}.medicationId`);
      const display = text(line.display);
      if (!display) throw badInput('A NEW line needs the medication (display)', `${at}.display`);
      plan.added.push({ code: rxNormCodeOf(line.code, `${at}.code`), display, dosage: { dose: text(line.dose), route: text(line.route), frequency: text(line.frequency) } });
      return;
    }
    const current = line.medicationId ? byId.get(line.medicationId) : undefined;
    if (!current) throw badInput(`${line.disposition} names an active medication of the patient (medicationId)`, `${at}.medicationId`);
    if (seen.has(current.id)) throw badInput(`${current.display} is on two lines`, `${at}.medicationId`);
    seen.add(current.id);
    if (line.disposition === ReconciliationDisposition.CONTINUED) plan.continued.push(current.id);
    else if (line.disposition === ReconciliationDisposition.STOPPED) plan.stopped.push(current.id);
    else {
      const before: Dosage = { dose: current.dose, route: current.route, frequency: current.frequency };
      const after: Dosage = {
        dose: line.dose !== undefined ? text(line.dose) : before.dose,
        route: line.route !== undefined ? text(line.route) : before.route,
        frequency: line.frequency !== undefined ? text(line.frequency) : before.frequency,
      };
      if (after.dose === before.dose && after.route === before.route && after.frequency === before.frequency) {
        throw badInput(`A CHANGED line changes the dose, route or frequency of ${current.display}`, at);
      }
      plan.changed.push({ id: current.id, before, after });
    }
  });
  const missing = active.filter((m) => !seen.has(m.id));
  if (missing.length) throw badInput(`Every active medication is reconciled; missing ${missing.map((m) => m.display).join(', ')}`, field, { medicationIds: missing.map((m) => m.id) });
  return plan;
}
