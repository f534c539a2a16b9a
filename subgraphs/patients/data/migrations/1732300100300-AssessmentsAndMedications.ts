import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Standardized assessment responses (FHIR QuestionnaireResponse, scored when recorded)
 * and the screenings that are a social need's evidence; what closed-loop referrals said
 * of a need; the medication list and reconciliations (issue 13).
 */
export class AssessmentsAndMedications1732300100300 implements MigrationInterface {
  name = 'AssessmentsAndMedications1732300100300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE patients.assessment_response (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL REFERENCES patients.patient(id),
      instrument text NOT NULL,
      instrument_version text NOT NULL,
      authored_at timestamptz NOT NULL,
      answers jsonb NOT NULL,
      total_score smallint,
      interpretation_code text,
      interpretation text,
      flags text[] NOT NULL DEFAULT '{}',
      positive_domains text[] NOT NULL DEFAULT '{}',
      recorded_by text,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    // History and trend per patient and instrument (PHQ-9 over the last year).
    await q.query(`CREATE INDEX assessment_response_patient ON patients.assessment_response (patient_id, instrument, authored_at)`);

    await q.query(`CREATE TABLE patients.social_need_evidence (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      social_need_id uuid NOT NULL REFERENCES patients.social_need(id),
      response_id uuid NOT NULL REFERENCES patients.assessment_response(id),
      domain text NOT NULL,
      positive boolean NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (social_need_id, response_id)
    )`);
    await q.query(`CREATE INDEX social_need_evidence_response ON patients.social_need_evidence (response_id)`);

    // What closed-loop referrals said of a need (applied from ReferralStatusChanged, once per event).
    await q.query(`CREATE TABLE patients.social_need_outcome (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      social_need_id uuid NOT NULL REFERENCES patients.social_need(id),
      referral_id uuid NOT NULL,
      source_event_id bigint NOT NULL UNIQUE,
      need_met boolean NOT NULL,
      reason text,
      outcome_text text,
      recorded_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX social_need_outcome_need ON patients.social_need_outcome (social_need_id)`);

    // The medication list (FHIR MedicationStatement) and reconciliations after discharges.
    await q.query(`CREATE TABLE patients.medication_statement (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL REFERENCES patients.patient(id),
      code text,
      display text NOT NULL,
      dose text,
      route text,
      frequency text,
      status text NOT NULL CHECK (status IN ('active','stopped','on-hold','entered-in-error')),
      source text NOT NULL CHECK (source IN ('PATIENT_REPORTED','DISCHARGE_SUMMARY','PHARMACY')),
      recorded_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX medication_statement_patient ON patients.medication_statement (patient_id, status)`);
    await q.query(`CREATE TABLE patients.medication_reconciliation (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL REFERENCES patients.patient(id),
      encounter_id uuid NOT NULL REFERENCES patients.encounter(id),
      completed_at timestamptz NOT NULL,
      reconciled_by text NOT NULL,
      lines jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX medication_reconciliation_patient ON patients.medication_reconciliation (patient_id, completed_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE patients.medication_reconciliation`);
    await q.query(`DROP TABLE patients.medication_statement`);
    await q.query(`DROP TABLE patients.social_need_outcome`);
    await q.query(`DROP TABLE patients.social_need_evidence`);
    await q.query(`DROP TABLE patients.assessment_response`);
  }
}
