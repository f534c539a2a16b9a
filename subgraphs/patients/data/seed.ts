/**
 * The patients subgraph's part of the demo population: registry entries,
 * conditions, encounters (LACE on every discharge), social needs and consents,
 * with the events a live change would emit, in each patient's time order.
 * One transaction and a handful of multi-row INSERTs per batch of patients.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { recordEvents, type NewEvent } from '../../../shared/events';
import type { SeedBatch } from '../../../shared/subgraph';
import type { DemoEncounter, DemoPatient } from '../../../scripts/seed/population';
import { charlsonCategoryOf } from '../domain/charlson';
import { utcDay } from '../domain/dates';
import { normalizeIcd10Code } from '../domain/icd10';
import { assessPatient, type DischargeLace, type PatientAssessment } from '../domain/risk-assessment';
import {
  AdmissionAcuity, type ConditionClinicalStatus, ConsentKind, type ConsentStatus, EncounterKind, isStayKind,
} from '../domain/vocabulary';
import { consentInForce } from '../domain/consent';
import { visitAcuity } from '../domain/encounter-rules';
import { laceColumnValues, PATIENT_RISK_COLUMNS, patientRiskValues } from './risk-store';

const ACTOR = 'seed';
/** PostgreSQL takes at most 65,535 parameters per statement. */
const MAX_PARAMETERS = 60_000;

/** INSERT ... VALUES (...), (...) in as few statements as the parameter limit allows. */
async function insertRows(m: EntityManager, table: string, columns: readonly string[], rows: readonly (readonly unknown[])[]): Promise<void> {
  const perStatement = Math.floor(MAX_PARAMETERS / columns.length);
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const values = chunk.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
    await m.query(`INSERT INTO patients.${table} (${columns.join(', ')}) VALUES ${values}`, chunk.flat());
  }
}

const PATIENT_COLUMNS = [
  'id', 'mrn', 'given_name', 'family_name', 'birth_date', 'administrative_sex', 'phone', 'email', 'address_line', 'city', 'state',
  'postal_code', 'preferred_language', 'interpreter_needed', 'primary_care_practitioner_id', ...PATIENT_RISK_COLUMNS, 'summary',
] as const;
const CONDITION_COLUMNS = ['id', 'patient_id', 'code', 'display', 'clinical_status', 'onset_date', 'chronic', 'charlson_category', 'recorded_by'] as const;
const ENCOUNTER_COLUMNS = [
  'id', 'patient_id', 'kind', 'started_at', 'ended_at', 'acuity', 'planned', 'disposition', 'facility', 'principal_diagnosis', 'cost',
  'lace_score', 'lace_tier', 'lace_l', 'lace_a', 'lace_c', 'lace_e', 'length_of_stay_days', 'lace_drivers', 'lace_calculated_at', 'recorded_by',
] as const;
const SOCIAL_NEED_COLUMNS = ['id', 'patient_id', 'category', 'instrument', 'screened_at', 'status', 'recorded_by'] as const;
const CONSENT_COLUMNS = ['id', 'patient_id', 'kind', 'status', 'partner_org_id', 'period_start', 'recorded_by'] as const;

/** The facts of a demo patient in the shape the risk assessment reads. */
function assess(p: DemoPatient, today: string): PatientAssessment {
  const stays = p.encounters.filter((e) => isStayKind(e.kind as EncounterKind) && e.dischargedAt);
  return assessPatient({
    conditions: p.conditions.map((c) => ({
      code: normalizeIcd10Code(c.code), clinicalStatus: c.clinicalStatus as ConditionClinicalStatus, onsetDate: c.onset, abatementDate: null, chronic: c.chronic,
    })),
    stays: stays.map((e) => ({ encounterId: e.id, admittedAt: e.admittedAt, dischargedAt: e.dischargedAt as Date, acuity: e.acuity as AdmissionAcuity })),
    edVisits: p.encounters.filter((e) => e.kind === EncounterKind.EMERGENCY).map((e) => ({ startedAt: e.admittedAt, endedAt: e.dischargedAt })),
    consents: p.consents.map((c) => ({
      kind: c.kind as ConsentKind, status: c.status as ConsentStatus, partnerOrgId: c.partnerId, periodStart: c.start, periodEnd: null,
    })),
  }, today);
}

/** A seeded LACE was computed when the patient left hospital, as a live discharge would have been. */
const encounterRow = (p: DemoPatient, e: DemoEncounter, lace: DischargeLace | undefined) => [
  e.id, p.id, e.kind, e.admittedAt, e.dischargedAt, isStayKind(e.kind as EncounterKind) ? e.acuity : visitAcuity(e.kind as EncounterKind),
  e.planned, e.disposition, e.facility, e.principalDiagnosis ? normalizeIcd10Code(e.principalDiagnosis) : null, e.cost,
  ...(lace ? laceColumnValues(lace, lace.dischargedAt) : [null, null, null, null, null, null, null, null, null]), ACTOR,
];

function encounterEvents(e: DemoEncounter, lace: DischargeLace | undefined): Omit<NewEvent, 'patientId' | 'actor'>[] {
  if (!isStayKind(e.kind as EncounterKind)) {
    return [{
      type: 'EncounterRecorded', aggregateType: 'Encounter', aggregateId: e.id,
      payload: {
        encounterId: e.id, kind: e.kind, startedAt: e.admittedAt.toISOString(), endedAt: e.dischargedAt?.toISOString() ?? null,
        cost: e.cost, facility: e.facility, principalDiagnosis: e.principalDiagnosis,
      },
    }];
  }
  const admitted = {
    encounterId: e.id, kind: e.kind, admittedAt: e.admittedAt.toISOString(), acuity: e.acuity, planned: e.planned,
    facility: e.facility, principalDiagnosis: e.principalDiagnosis,
  };
  const events: Omit<NewEvent, 'patientId' | 'actor'>[] = [{ type: 'PatientAdmitted', aggregateType: 'Encounter', aggregateId: e.id, payload: admitted }];
  if (e.dischargedAt && lace) {
    events.push({
      type: 'PatientDischarged', aggregateType: 'Encounter', aggregateId: e.id,
      payload: {
        ...admitted, dischargedAt: e.dischargedAt.toISOString(), disposition: e.disposition, cost: e.cost,
        lace: { score: lace.score, tier: lace.tier, l: lace.l, a: lace.a, c: lace.c, e: lace.e, lengthOfStayDays: lace.lengthOfStayDays },
      },
    });
  }
  return events;
}

export async function seedPatients(ds: DataSource, { patients }: SeedBatch): Promise<void> {
  const today = utcDay(new Date());
  const rows = { patient: [] as unknown[][], condition: [] as unknown[][], encounter: [] as unknown[][], need: [] as unknown[][], consent: [] as unknown[][] };
  const events: NewEvent[] = [];

  for (const p of patients) {
    const assessment = assess(p, today);
    const laceOf = new Map(assessment.discharges.map((d) => [d.encounterId, d]));
    const emit = (e: Omit<NewEvent, 'patientId' | 'actor'>) => events.push({ ...e, patientId: p.id, actor: ACTOR });

    rows.patient.push([
      p.id, p.mrn, p.givenName, p.familyName, p.birthDate, p.administrativeSex, p.phone, p.email, p.addressLine, p.city, p.state,
      p.postalCode, p.preferredLanguage, p.interpreterNeeded, p.primaryCarePractitionerId,
      ...patientRiskValues(assessment, assessment.risk?.dischargedAt ?? null), JSON.stringify(assessment.summary),
    ]);
    emit({ type: 'PatientRegistered', aggregateType: 'Patient', aggregateId: p.id, payload: { mrn: p.mrn, birthDate: p.birthDate, postalCode: p.postalCode } });

    for (const c of p.conditions) {
      const code = normalizeIcd10Code(c.code);
      const charlsonCategory = charlsonCategoryOf(code);
      rows.condition.push([c.id, p.id, code, c.display, c.clinicalStatus, c.onset, c.chronic, charlsonCategory, ACTOR]);
      emit({
        type: 'ConditionRecorded', aggregateType: 'Condition', aggregateId: c.id,
        payload: { conditionId: c.id, code, charlsonCategory, chronic: c.chronic, clinicalStatus: c.clinicalStatus, onsetDate: c.onset, abatementDate: null },
      });
    }
    for (const e of p.encounters) {
      rows.encounter.push(encounterRow(p, e, laceOf.get(e.id)));
      for (const event of encounterEvents(e, laceOf.get(e.id))) emit(event);
    }
    for (const n of p.socialNeeds) {
      rows.need.push([n.id, p.id, n.category, n.instrument, n.screenedAt, n.status, ACTOR]);
      emit({
        type: 'SocialNeedRecorded', aggregateType: 'SocialNeed', aggregateId: n.id,
        payload: { socialNeedId: n.id, category: n.category, status: n.status, instrument: n.instrument, screenedAt: n.screenedAt },
      });
    }
    for (const c of p.consents) {
      const partnerOrgId = c.partnerId?.toLowerCase() ?? null;
      rows.consent.push([c.id, p.id, c.kind, c.status, partnerOrgId, c.start, ACTOR]);
      emit({
        type: 'ConsentRecorded', aggregateType: 'Consent', aggregateId: c.id,
        payload: {
          consentId: c.id, kind: c.kind, status: c.status, partnerOrgId, periodStart: c.start, periodEnd: null,
          active: consentInForce({ status: c.status as ConsentStatus, periodStart: c.start, periodEnd: null }, today),
        },
      });
    }
    // One summary per patient: the one its history ends with (live, registration would publish the empty one first).
    emit({ type: 'PatientSummaryChanged', aggregateType: 'Patient', aggregateId: p.id, payload: { ...assessment.summary } });
  }

  await ds.transaction(async (m) => {
    await insertRows(m, 'patient', PATIENT_COLUMNS, rows.patient);
    await insertRows(m, 'condition', CONDITION_COLUMNS, rows.condition);
    await insertRows(m, 'encounter', ENCOUNTER_COLUMNS, rows.encounter);
    await insertRows(m, 'social_need', SOCIAL_NEED_COLUMNS, rows.need);
    await insertRows(m, 'consent', CONSENT_COLUMNS, rows.consent);
    await recordEvents(m, 'patients', events);
  });
}
