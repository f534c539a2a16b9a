/**
 * Reads the facts a patient's risk is computed from and writes the results back:
 * the LACE of each discharge on its encounter row, once, when the discharge is first
 * scored (issue 14: kept as known at that discharge), and the current risk and
 * comorbidity on the patient row (where the worklist indexes are), every time.
 */
import type { EntityManager } from 'typeorm';
import type { ConsentFacts } from '../domain/consent';
import type { DischargeLace, PatientAssessment } from '../domain/risk-assessment';
import { assessPatient, dischargesToScore, type ConditionFacts, type EdVisitFacts, type StayFacts } from '../domain/risk-assessment';
import type { AdmissionAcuity, ConditionClinicalStatus, ConditionVerificationStatus, ConsentKind, ConsentStatus } from '../domain/vocabulary';

interface StoredLace {
  id: string; lace_score: number | null; lace_l: number | null; lace_a: number | null; lace_c: number | null; lace_e: number | null;
  length_of_stay_days: number | null; lace_drivers: string[] | null; lace_calculated_at: Date | null;
}

export interface PatientFacts {
  conditions: ConditionFacts[];
  stays: StayFacts[];
  edVisits: EdVisitFacts[];
  consents: ConsentFacts[];
  /** What each discharged stay's row holds now, to write only what changed. */
  storedLace: Map<string, StoredLace>;
}

export async function loadPatientFacts(m: EntityManager, patientId: string): Promise<PatientFacts> {
  const conditions: {
    code: string; clinical_status: ConditionClinicalStatus; onset_date: string | null; abatement_date: string | null; chronic: boolean;
    verification_status: ConditionVerificationStatus;
  }[] = await m.query(
    `SELECT code, clinical_status, onset_date::text, abatement_date::text, chronic, verification_status FROM patients.condition WHERE patient_id = $1`,
    [patientId],
  );
  const encounters: (StoredLace & { kind: string; started_at: Date; ended_at: Date | null; acuity: AdmissionAcuity | null })[] = await m.query(
    `SELECT id, kind, started_at, ended_at, acuity, lace_score, lace_l, lace_a, lace_c, lace_e, length_of_stay_days, lace_drivers, lace_calculated_at
       FROM patients.encounter
      WHERE patient_id = $1 AND (kind = 'EMERGENCY' OR (kind IN ('INPATIENT','OBSERVATION') AND ended_at IS NOT NULL))`,
    [patientId],
  );
  const consents: { kind: ConsentKind; status: ConsentStatus; partner_org_id: string | null; period_start: string | null; period_end: string | null }[] =
    await m.query(`SELECT kind, status, partner_org_id, period_start::text, period_end::text FROM patients.consent WHERE patient_id = $1`, [patientId]);
  const stays = encounters.filter((e) => e.kind !== 'EMERGENCY');
  return {
    conditions: conditions.map((c) => ({ code: c.code, clinicalStatus: c.clinical_status, onsetDate: c.onset_date, abatementDate: c.abatement_date, chronic: c.chronic,
      verificationStatus: c.verification_status })),
    stays: stays.map((e) => ({ encounterId: e.id, admittedAt: e.started_at, dischargedAt: e.ended_at as Date, acuity: e.acuity as AdmissionAcuity })),
    edVisits: encounters.filter((e) => e.kind === 'EMERGENCY').map((e) => ({ startedAt: e.started_at, endedAt: e.ended_at })),
    consents: consents.map((c) => ({ kind: c.kind, status: c.status, partnerOrgId: c.partner_org_id, periodStart: c.period_start, periodEnd: c.period_end })),
    storedLace: new Map(stays.map((e) => [e.id, e])),
  };
}

const sameLace = (stored: StoredLace | undefined, d: DischargeLace): boolean =>
  !!stored && stored.lace_score === d.score && stored.lace_l === d.l && stored.lace_a === d.a && stored.lace_c === d.c
  && stored.lace_e === d.e && stored.length_of_stay_days === d.lengthOfStayDays
  && JSON.stringify(stored.lace_drivers ?? []) === JSON.stringify(d.drivers);

/** The encounter columns that hold one discharge's LACE (shared with the seed). */
export const laceColumnValues = (d: DischargeLace, calculatedAt: Date) =>
  [d.score, d.tier, d.l, d.a, d.c, d.e, d.lengthOfStayDays, d.drivers, calculatedAt] as const;

/** The patient columns that hold the current risk and comorbidity (shared with the seed). */
export const patientRiskValues = (a: PatientAssessment, riskCalculatedAt: Date | null) => {
  const r = a.risk;
  return [
    r?.encounterId ?? null, r?.score ?? null, r?.tier ?? null, r?.l ?? null, r?.a ?? null, r?.c ?? null, r?.e ?? null,
    r?.lengthOfStayDays ?? null, r?.drivers ?? [], r ? riskCalculatedAt : null, r?.dischargedAt ?? null,
    a.comorbidity.chronicConditionCount, a.comorbidity.charlsonScore, a.comorbidity.charlsonCategories,
  ] as const;
};

export const PATIENT_RISK_COLUMNS = [
  'risk_encounter_id', 'lace_score', 'risk_tier', 'lace_l', 'lace_a', 'lace_c', 'lace_e', 'length_of_stay_days', 'risk_drivers',
  'risk_calculated_at', 'risk_discharged_at', 'chronic_condition_count', 'charlson_score', 'charlson_categories',
] as const;

/**
 * Recomputes a patient's current risk from the facts in the transaction and stores
 * it; scores a discharge not scored yet and leaves every scored one as it is (its
 * LACE is what was known at that discharge). The current risk's `calculatedAt` moves
 * only when it actually changed.
 */
export async function reassessPatient(m: EntityManager, patientId: string, now: Date, today: string): Promise<PatientAssessment> {
  const facts = await loadPatientFacts(m, patientId);
  const assessment = assessPatient(facts, today);
  const scored = new Set([...facts.storedLace.values()].filter((s) => s.lace_calculated_at !== null).map((s) => s.id));
  for (const d of dischargesToScore(assessment.discharges, scored)) {
    await m.query(
      `UPDATE patients.encounter SET lace_score = $2, lace_tier = $3, lace_l = $4, lace_a = $5, lace_c = $6, lace_e = $7,
              length_of_stay_days = $8, lace_drivers = $9, lace_calculated_at = $10, updated_at = now() WHERE id = $1`,
      [d.encounterId, ...laceColumnValues(d, now)],
    );
  }
  const [current]: (StoredLace & { risk_encounter_id: string | null; risk_calculated_at: Date | null })[] = await m.query(
    `SELECT risk_encounter_id, lace_score, lace_l, lace_a, lace_c, lace_e, length_of_stay_days, risk_drivers AS lace_drivers, risk_calculated_at
       FROM patients.patient WHERE id = $1`, [patientId]);
  const r = assessment.risk;
  const riskUnchanged = !!r && !!current?.risk_calculated_at && current.risk_encounter_id === r.encounterId && sameLace(current, r);
  const riskCalculatedAt = riskUnchanged ? (current.risk_calculated_at as Date) : now;
  const sets = PATIENT_RISK_COLUMNS.map((c, i) => `${c} = $${i + 2}`).join(', ');
  await m.query(`UPDATE patients.patient SET ${sets} WHERE id = $1`, [patientId, ...patientRiskValues(assessment, riskCalculatedAt)]);
  return assessment;
}
