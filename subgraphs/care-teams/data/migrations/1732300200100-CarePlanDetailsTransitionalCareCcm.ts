import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 4: the practitioner directory, plan details (problems, priorities), goals,
 * activities, revision history, the patient snapshot kept from patients events,
 * transitional care episodes and CCM time.
 */
export class CarePlanDetailsTransitionalCareCcm1732300200100 implements MigrationInterface {
  name = 'CarePlanDetailsTransitionalCareCcm1732300200100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE care_teams.practitioner (
      id text PRIMARY KEY,
      name text NOT NULL,
      discipline text,
      phone text,
      email text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);

    // One open (proposed, active or suspended) team per patient: access is decided by "the patient's team".
    await q.query(`CREATE UNIQUE INDEX care_team_one_open_per_patient ON care_teams.care_team (patient_id)
      WHERE status IN ('proposed','active','suspended')`);
    await q.query(`CREATE INDEX care_team_member_practitioner_team ON care_teams.care_team_member (practitioner_id, care_team_id) WHERE period_end IS NULL`);

    await q.query(`ALTER TABLE care_teams.care_plan
      ADD COLUMN addresses jsonb NOT NULL DEFAULT '[]',
      ADD COLUMN patient_priorities jsonb NOT NULL DEFAULT '[]',
      ADD CONSTRAINT care_plan_intent CHECK (intent IN ('proposal','plan','order','option'))`);
    await q.query(`CREATE INDEX care_plan_team ON care_teams.care_plan (care_team_id)`);

    await q.query(`CREATE TABLE care_teams.goal (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      care_plan_id uuid NOT NULL REFERENCES care_teams.care_plan(id),
      description text NOT NULL,
      lifecycle_status text NOT NULL CHECK (lifecycle_status IN ('proposed','planned','accepted','active','on-hold','completed','cancelled','entered-in-error','rejected')),
      achievement_status text CHECK (achievement_status IN ('in-progress','improving','worsening','no-change','achieved','sustaining','not-achieved','no-progress','not-attainable')),
      target_measure text,
      target_value text,
      target_due_date date,
      owner_practitioner_id text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX goal_plan ON care_teams.goal (care_plan_id)`);

    await q.query(`CREATE TABLE care_teams.care_plan_activity (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      care_plan_id uuid NOT NULL REFERENCES care_teams.care_plan(id),
      kind text NOT NULL CHECK (kind IN ('EDUCATION','MEDICATION_RECONCILIATION','FOLLOW_UP_CALL','HOME_VISIT','APPOINTMENT','REFERRAL','SELF_MANAGEMENT_SUPPORT','REMOTE_MONITORING','CARE_CONFERENCE')),
      description text,
      status text NOT NULL CHECK (status IN ('not-started','scheduled','in-progress','on-hold','completed','cancelled','stopped','entered-in-error')),
      assignee_practitioner_id text,
      assignee_role text,
      due_at timestamptz,
      completed_at timestamptz,
      outcome text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT care_plan_activity_one_assignee CHECK ((assignee_practitioner_id IS NULL) <> (assignee_role IS NULL))
    )`);
    await q.query(`CREATE INDEX care_plan_activity_plan ON care_teams.care_plan_activity (care_plan_id)`);

    await q.query(`CREATE TABLE care_teams.care_plan_revision (
      care_plan_id uuid NOT NULL REFERENCES care_teams.care_plan(id),
      version integer NOT NULL,
      actor text NOT NULL,
      at timestamptz NOT NULL DEFAULT now(),
      change_kind text NOT NULL,
      changes jsonb NOT NULL,
      PRIMARY KEY (care_plan_id, version)
    )`);
    // Plans written before revisions existed get their creation as revision 1 (history starts complete).
    await q.query(`INSERT INTO care_teams.care_plan_revision (care_plan_id, version, actor, at, change_kind, changes)
      SELECT id, 1, 'system', created_at, 'CREATED', jsonb_build_array(
        jsonb_build_object('field', 'title', 'before', null, 'after', title),
        jsonb_build_object('field', 'status', 'before', null, 'after', status))
      FROM care_teams.care_plan WHERE version = 1`);

    await q.query(`CREATE TABLE care_teams.patient_snapshot (
      patient_id uuid PRIMARY KEY,
      risk_tier text CHECK (risk_tier IN ('LOW','MODERATE','HIGH')),
      lace_score integer,
      chronic_condition_count integer NOT NULL DEFAULT 0,
      ccm_consent_active boolean NOT NULL DEFAULT false,
      last_event_id bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);

    await q.query(`CREATE TABLE care_teams.transitional_care_episode (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL,
      care_team_id uuid NOT NULL REFERENCES care_teams.care_team(id),
      encounter_id text NOT NULL,
      encounter_kind text NOT NULL,
      admitted_at timestamptz,
      discharged_at timestamptz NOT NULL,
      disposition text NOT NULL,
      lace_tier text,
      complexity text NOT NULL CHECK (complexity IN ('MODERATE','HIGH')),
      billing_code text NOT NULL,
      period_end timestamptz NOT NULL,
      source_event_id bigint NOT NULL,
      opened_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT transitional_care_episode_encounter UNIQUE (encounter_id)
    )`);
    await q.query(`CREATE INDEX transitional_care_episode_patient ON care_teams.transitional_care_episode (patient_id)`);
    await q.query(`CREATE INDEX transitional_care_episode_team ON care_teams.transitional_care_episode (care_team_id, period_end)`);
    await q.query(`CREATE TABLE care_teams.transitional_care_step (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      episode_id uuid NOT NULL REFERENCES care_teams.transitional_care_episode(id),
      kind text NOT NULL CHECK (kind IN ('INTERACTIVE_CONTACT','MEDICATION_RECONCILIATION','FACE_TO_FACE_VISIT')),
      due_at timestamptz NOT NULL,
      completed_at timestamptz,
      completed_by text,
      note text,
      CONSTRAINT transitional_care_step_once UNIQUE (episode_id, kind)
    )`);

    await q.query(`CREATE TABLE care_teams.ccm_time_entry (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL,
      care_team_id uuid NOT NULL REFERENCES care_teams.care_team(id),
      practitioner_id text NOT NULL,
      by_physician boolean NOT NULL,
      activity text NOT NULL,
      minutes integer NOT NULL CHECK (minutes > 0),
      performed_on date NOT NULL,
      note text,
      logged_by text NOT NULL,
      logged_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX ccm_time_entry_patient_day ON care_teams.ccm_time_entry (patient_id, performed_on)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE care_teams.ccm_time_entry`);
    await q.query(`DROP TABLE care_teams.transitional_care_step`);
    await q.query(`DROP TABLE care_teams.transitional_care_episode`);
    await q.query(`DROP TABLE care_teams.patient_snapshot`);
    await q.query(`DROP TABLE care_teams.care_plan_revision`);
    await q.query(`DROP TABLE care_teams.care_plan_activity`);
    await q.query(`DROP TABLE care_teams.goal`);
    await q.query(`DROP INDEX care_teams.care_plan_team`);
    await q.query(`ALTER TABLE care_teams.care_plan DROP CONSTRAINT care_plan_intent, DROP COLUMN patient_priorities, DROP COLUMN addresses`);
    await q.query(`DROP INDEX care_teams.care_team_member_practitioner_team`);
    await q.query(`DROP INDEX care_teams.care_team_one_open_per_patient`);
    await q.query(`DROP TABLE care_teams.practitioner`);
  }
}
