import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCommunityPartners1732300300000 implements MigrationInterface {
  name = 'CreateCommunityPartners1732300300000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE community_partners.community_partner (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      description text,
      categories text[] NOT NULL DEFAULT '{}',
      eligibility_notes text,
      service_area text[] NOT NULL DEFAULT '{}',
      languages text[] NOT NULL DEFAULT '{en}',
      hours text,
      accepting_referrals boolean NOT NULL DEFAULT true,
      capacity integer,
      contacts jsonb NOT NULL DEFAULT '[]',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX community_partner_categories ON community_partners.community_partner USING gin (categories)`);
    await q.query(`CREATE INDEX community_partner_service_area ON community_partners.community_partner USING gin (service_area)`);
    await q.query(`CREATE TABLE community_partners.referral (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL,
      partner_id uuid NOT NULL REFERENCES community_partners.community_partner(id),
      social_need_id uuid,
      category text NOT NULL,
      priority text NOT NULL DEFAULT 'routine',
      note text,
      status text NOT NULL,
      status_reason text,
      requested_by text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX referral_patient ON community_partners.referral (patient_id)`);
    await q.query(`CREATE INDEX referral_partner ON community_partners.referral (partner_id, status)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE community_partners.referral`);
    await q.query(`DROP TABLE community_partners.community_partner`);
  }
}
