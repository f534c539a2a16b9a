import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outcome read model, built only from the event log (`data/projector.ts`),
 * and the satisfaction surveys this subgraph owns. Every projected row keeps the
 * log position of the event that last wrote it, so an older event re-applied
 * never overwrites a newer one. Ids are text: they come from other services' events.
 */
export class CreateOutcomeReadModel1732300400100 implements MigrationInterface {
  name = 'CreateOutcomeReadModel1732300400100';
  async up(q: QueryRunner): Promise<void> {
    // Patients: the snapshot the cohort filters use (PatientRegistered, PatientSummaryChanged, conditions).
    await q.query(`CREATE TABLE metrics.patient (
      patient_id text PRIMARY KEY,
      registered_at timestamptz,
      risk_tier text,
      lace_score integer,
      chronic_condition_count integer NOT NULL DEFAULT 0,
      charlson_categories text[] NOT NULL DEFAULT '{}',
      ccm_consent_active boolean NOT NULL DEFAULT false,
      position bigint NOT NULL
    )`);
    await q.query(`CREATE INDEX patient_risk_tier ON metrics.patient (risk_tier)`);
    await q.query(`CREATE INDEX patient_charlson ON metrics.patient USING gin (charlson_categories)`);
    // Risk tier over time, for point-in-time figures (coverage, distribution) of past months.
    await q.query(`CREATE TABLE metrics.patient_risk_history (
      patient_id text NOT NULL,
      position bigint NOT NULL,
      effective_at timestamptz NOT NULL,
      risk_tier text,
      PRIMARY KEY (patient_id, position)
    )`);
    await q.query(`CREATE TABLE metrics.condition (
      condition_id text PRIMARY KEY,
      patient_id text NOT NULL,
      code text,
      charlson_category text,
      chronic boolean NOT NULL DEFAULT false,
      clinical_status text,
      position bigint NOT NULL
    )`);
    await q.query(`CREATE INDEX condition_patient ON metrics.condition (patient_id)`);

    // Care teams and memberships: panels (who may see which figures) and "managed" patients.
    await q.query(`CREATE TABLE metrics.care_team (
      care_team_id text PRIMARY KEY,
      patient_id text NOT NULL,
      status text NOT NULL,
      formed_at timestamptz NOT NULL,
      inactive_since timestamptz,
      position bigint NOT NULL
    )`);
    await q.query(`CREATE INDEX care_team_patient ON metrics.care_team (patient_id)`);
    await q.query(`CREATE TABLE metrics.care_team_member (
      membership_key text PRIMARY KEY,
      care_team_id text NOT NULL,
      practitioner_id text NOT NULL,
      role text,
      active boolean NOT NULL,
      position bigint NOT NULL
    )`);
    await q.query(`CREATE INDEX care_team_member_team ON metrics.care_team_member (care_team_id)`);
    await q.query(`CREATE INDEX care_team_member_practitioner ON metrics.care_team_member (practitioner_id) WHERE active`);
    await q.query(`CREATE TABLE metrics.care_plan (
      care_plan_id text PRIMARY KEY,
      patient_id text NOT NULL,
      care_team_id text,
      status text NOT NULL,
      version integer,
      position bigint NOT NULL
    )`);
    await q.query(`CREATE INDEX care_plan_patient ON metrics.care_plan (patient_id)`);
    // One row per plan version: status over time (coverage in past months) and substantial revisions (CCM 99487).
    await q.query(`CREATE TABLE metrics.care_plan_change (
      care_plan_id text NOT NULL,
      version integer NOT NULL,
      patient_id text NOT NULL,
      change_kind text NOT NULL,
      status text NOT NULL,
      substantial boolean NOT NULL,
      occurred_at timestamptz NOT NULL,
      PRIMARY KEY (care_plan_id, version)
    )`);
    await q.query(`CREATE INDEX care_plan_change_patient ON metrics.care_plan_change (patient_id, occurred_at)`);

    // Hospital stays as recorded (PatientAdmitted / PatientDischarged), and their merged HEDIS outcomes.
    await q.query(`CREATE TABLE metrics.stay (
      encounter_id text PRIMARY KEY,
      patient_id text NOT NULL,
      kind text NOT NULL,
      admitted_at timestamptz NOT NULL,
      discharged_at timestamptz,
      disposition text,
      acuity text,
      planned boolean NOT NULL DEFAULT false,
      principal_diagnosis text,
      cost numeric,
      position bigint NOT NULL
    )`);
    await q.query(`CREATE INDEX stay_patient ON metrics.stay (patient_id)`);
    await q.query(`CREATE INDEX stay_discharged ON metrics.stay (discharged_at) INCLUDE (patient_id, cost)`);
    await q.query(`CREATE TABLE metrics.hospital_stay (
      first_encounter_id text PRIMARY KEY,
      patient_id text NOT NULL,
      encounter_ids text[] NOT NULL,
      admitted_at timestamptz NOT NULL,
      discharged_at timestamptz,
      in_progress boolean NOT NULL,
      final_disposition text,
      excluded_reason text,
      readmitted boolean NOT NULL,
      readmission_encounter_id text,
      needs_follow_up boolean NOT NULL,
      follow_up_at timestamptz,
      follow_up_kind text
    )`);
    await q.query(`CREATE INDEX hospital_stay_patient ON metrics.hospital_stay (patient_id)`);
    await q.query(`CREATE INDEX hospital_stay_discharged ON metrics.hospital_stay (discharged_at)
      INCLUDE (patient_id, excluded_reason, readmitted) WHERE NOT in_progress`);
    // Ambulatory and ED encounters (EncounterRecorded).
    await q.query(`CREATE TABLE metrics.visit (
      encounter_id text PRIMARY KEY,
      patient_id text NOT NULL,
      kind text NOT NULL,
      started_at timestamptz NOT NULL,
      ended_at timestamptz,
      cost numeric,
      position bigint NOT NULL
    )`);
    await q.query(`CREATE INDEX visit_patient ON metrics.visit (patient_id, started_at)`);
    await q.query(`CREATE INDEX visit_started ON metrics.visit (started_at) INCLUDE (patient_id, cost)`);

    // Transitional care episodes (the latest snapshot of their steps).
    await q.query(`CREATE TABLE metrics.tcm_episode (
      episode_id text PRIMARY KEY,
      patient_id text NOT NULL,
      encounter_id text,
      discharged_at timestamptz NOT NULL,
      contact_due_at timestamptz,
      contact_at timestamptz,
      face_to_face_due_at timestamptz,
      face_to_face_at timestamptz,
      position bigint NOT NULL
    )`);
    await q.query(`CREATE INDEX tcm_episode_discharged ON metrics.tcm_episode (discharged_at)`);
    await q.query(`CREATE TABLE metrics.ccm_time (
      entry_id text PRIMARY KEY,
      patient_id text NOT NULL,
      minutes integer NOT NULL,
      performed_on date NOT NULL,
      practitioner_id text,
      by_physician boolean NOT NULL
    )`);
    await q.query(`CREATE INDEX ccm_time_performed ON metrics.ccm_time (performed_on)`);

    // Closed-loop referrals: the status and when each milestone was first reached.
    await q.query(`CREATE TABLE metrics.referral (
      referral_id text PRIMARY KEY,
      patient_id text,
      partner_id text NOT NULL,
      category text,
      social_need_id text,
      status text NOT NULL,
      sent_at timestamptz,
      accepted_at timestamptz,
      rejected_at timestamptz,
      closed_at timestamptz,
      position bigint NOT NULL
    )`);
    await q.query(`CREATE INDEX referral_sent ON metrics.referral (sent_at)`);
    await q.query(`CREATE INDEX referral_partner ON metrics.referral (partner_id, sent_at)`);

    // Owned here, not projected: a rebuild never touches it.
    await q.query(`CREATE TABLE metrics.satisfaction_survey (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id text NOT NULL,
      score smallint NOT NULL CHECK (score BETWEEN 1 AND 5),
      responded_on date NOT NULL,
      comment text,
      recorded_by text NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX satisfaction_survey_responded ON metrics.satisfaction_survey (responded_on)`);
    await q.query(`CREATE INDEX satisfaction_survey_patient ON metrics.satisfaction_survey (patient_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['satisfaction_survey', 'referral', 'ccm_time', 'tcm_episode', 'visit', 'hospital_stay', 'stay', 'care_plan_change', 'care_plan', 'care_team_member', 'care_team', 'condition', 'patient_risk_history', 'patient']) {
      await q.query(`DROP TABLE metrics.${t}`);
    }
  }
}
