import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The care manager's daily work (issue 13): a plan activity's link to the closed-loop
 * referral it tracks (completed when the referral is), and outreach contacts and
 * attempts, which meet the TCM interactive-contact step.
 */
export class OutreachAndReferralActivities1732300200300 implements MigrationInterface {
  name = 'OutreachAndReferralActivities1732300200300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE care_teams.activity_referral (
      activity_id uuid PRIMARY KEY REFERENCES care_teams.care_plan_activity(id),
      referral_id uuid NOT NULL
    )`);
    await q.query(`CREATE INDEX activity_referral_referral ON care_teams.activity_referral (referral_id)`);

    await q.query(`CREATE TABLE care_teams.outreach_contact (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL,
      care_team_id uuid NOT NULL REFERENCES care_teams.care_team(id),
      channel text NOT NULL CHECK (channel IN ('PHONE','VIDEO','PORTAL_MESSAGE','HOME_VISIT','IN_PERSON')),
      outcome text NOT NULL CHECK (outcome IN ('REACHED','NO_ANSWER','LEFT_MESSAGE','WRONG_NUMBER','DECLINED')),
      practitioner_id text NOT NULL,
      contacted_at timestamptz NOT NULL,
      note text,
      recorded_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX outreach_contact_patient ON care_teams.outreach_contact (patient_id, contacted_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE care_teams.outreach_contact`);
    await q.query(`DROP TABLE care_teams.activity_referral`);
  }
}
