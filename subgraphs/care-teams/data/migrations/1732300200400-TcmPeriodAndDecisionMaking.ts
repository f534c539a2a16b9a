import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14: one TCM per 30-day period — a discharge inside an open period is a
 * readmission linked to its episode, not a second episode — and complexity by the
 * billing practitioner's medical decision-making, recorded on the episode and on the
 * CCM month, beside the risk tier's suggestion. Existing episodes keep the complexity
 * they had, as the tier's suggestion (no practitioner recorded one).
 */
export class TcmPeriodAndDecisionMaking1732300200400 implements MigrationInterface {
  name = 'TcmPeriodAndDecisionMaking1732300200400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE care_teams.transitional_care_episode
      ADD COLUMN suggested_complexity text CHECK (suggested_complexity IN ('MODERATE','HIGH')),
      ADD COLUMN decision_making text CHECK (decision_making IN ('MODERATE','HIGH')),
      ADD COLUMN decision_making_by text,
      ADD COLUMN decision_making_at timestamptz`);
    await q.query(`UPDATE care_teams.transitional_care_episode SET suggested_complexity = complexity`);
    await q.query(`ALTER TABLE care_teams.transitional_care_episode ALTER COLUMN suggested_complexity SET NOT NULL`);
    await q.query(`CREATE TABLE care_teams.transitional_care_readmission (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      episode_id uuid NOT NULL REFERENCES care_teams.transitional_care_episode(id),
      encounter_id text NOT NULL,
      encounter_kind text NOT NULL,
      admitted_at timestamptz,
      discharged_at timestamptz NOT NULL,
      disposition text NOT NULL,
      source_event_id bigint NOT NULL,
      linked_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT transitional_care_readmission_encounter UNIQUE (encounter_id)
    )`);
    await q.query(`CREATE INDEX transitional_care_readmission_episode ON care_teams.transitional_care_readmission (episode_id, discharged_at)`);
    await q.query(`CREATE TABLE care_teams.ccm_month_decision_making (
      patient_id uuid NOT NULL,
      month text NOT NULL CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
      complexity text NOT NULL CHECK (complexity IN ('MODERATE','HIGH')),
      recorded_by text NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (patient_id, month)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE care_teams.ccm_month_decision_making`);
    await q.query(`DROP TABLE care_teams.transitional_care_readmission`);
    await q.query(`ALTER TABLE care_teams.transitional_care_episode
      DROP COLUMN decision_making_at, DROP COLUMN decision_making_by, DROP COLUMN decision_making, DROP COLUMN suggested_complexity`);
  }
}
