import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCareTeams1732300200000 implements MigrationInterface {
  name = 'CreateCareTeams1732300200000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE care_teams.care_team (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL,
      name text NOT NULL,
      status text NOT NULL CHECK (status IN ('proposed','active','suspended','inactive','entered-in-error')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX care_team_patient ON care_teams.care_team (patient_id)`);
    await q.query(`CREATE TABLE care_teams.care_team_member (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      care_team_id uuid NOT NULL REFERENCES care_teams.care_team(id),
      practitioner_id text NOT NULL,
      role text NOT NULL,
      period_start timestamptz NOT NULL DEFAULT now(),
      period_end timestamptz
    )`);
    await q.query(`CREATE INDEX care_team_member_team ON care_teams.care_team_member (care_team_id)`);
    await q.query(`CREATE INDEX care_team_member_practitioner ON care_teams.care_team_member (practitioner_id) WHERE period_end IS NULL`);
    await q.query(`CREATE TABLE care_teams.care_plan (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL,
      care_team_id uuid NOT NULL REFERENCES care_teams.care_team(id),
      title text NOT NULL,
      description text,
      status text NOT NULL CHECK (status IN ('draft','active','on-hold','revoked','completed','entered-in-error')),
      intent text NOT NULL DEFAULT 'plan',
      period_start timestamptz,
      period_end timestamptz,
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX care_plan_patient ON care_teams.care_plan (patient_id)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE care_teams.care_plan`);
    await q.query(`DROP TABLE care_teams.care_team_member`);
    await q.query(`DROP TABLE care_teams.care_team`);
  }
}
