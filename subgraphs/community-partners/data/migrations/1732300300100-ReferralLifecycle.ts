import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Closed-loop referral lifecycle: outcome, per-status times, status history, and the consent / social need projections. */
export class ReferralLifecycle1732300300100 implements MigrationInterface {
  name = 'ReferralLifecycle1732300300100';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE community_partners.referral
      ADD COLUMN requested_by_name text,
      ADD COLUMN outcome_text text,
      ADD COLUMN outcome_services jsonb NOT NULL DEFAULT '[]',
      ADD COLUMN held_from text,
      ADD COLUMN requested_at timestamptz,
      ADD COLUMN accepted_at timestamptz,
      ADD COLUMN rejected_at timestamptz,
      ADD COLUMN in_progress_at timestamptz,
      ADD COLUMN on_hold_at timestamptz,
      ADD COLUMN failed_at timestamptz,
      ADD COLUMN completed_at timestamptz,
      ADD COLUMN cancelled_at timestamptz,
      ADD COLUMN entered_in_error_at timestamptz`);
    await q.query(`CREATE TABLE community_partners.referral_status_change (
      id bigserial PRIMARY KEY,
      referral_id uuid NOT NULL REFERENCES community_partners.referral(id),
      status text NOT NULL,
      previous_status text,
      reason text,
      actor text NOT NULL,
      actor_side text NOT NULL CHECK (actor_side IN ('REQUESTER', 'PARTNER')),
      changed_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX referral_status_change_referral ON community_partners.referral_status_change (referral_id, id)`);
    await q.query(`CREATE TABLE community_partners.partner_consent (
      consent_id text PRIMARY KEY,
      patient_id text NOT NULL,
      partner_id text NOT NULL,
      status text NOT NULL,
      period_start timestamptz,
      period_end timestamptz,
      event_position bigint NOT NULL
    )`);
    await q.query(`CREATE INDEX partner_consent_patient_partner ON community_partners.partner_consent (patient_id, partner_id)`);
    await q.query(`CREATE TABLE community_partners.social_need (
      id text PRIMARY KEY,
      patient_id text NOT NULL,
      category text NOT NULL,
      status text NOT NULL,
      event_position bigint NOT NULL
    )`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE community_partners.social_need`);
    await q.query(`DROP TABLE community_partners.partner_consent`);
    await q.query(`DROP TABLE community_partners.referral_status_change`);
    await q.query(`ALTER TABLE community_partners.referral
      DROP COLUMN requested_by_name, DROP COLUMN outcome_text, DROP COLUMN outcome_services, DROP COLUMN held_from,
      DROP COLUMN requested_at, DROP COLUMN accepted_at, DROP COLUMN rejected_at, DROP COLUMN in_progress_at, DROP COLUMN on_hold_at,
      DROP COLUMN failed_at, DROP COLUMN completed_at, DROP COLUMN cancelled_at, DROP COLUMN entered_in_error_at`);
  }
}
