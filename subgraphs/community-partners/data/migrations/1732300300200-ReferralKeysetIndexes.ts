import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes in the keyset orders of the two referral connections (issue 17), so a page
 * is an index range scan instead of a sort of the patient's or the organization's
 * referrals: `Patient.referrals` (created_at DESC, id DESC per patient) and
 * `myReferrals` (most recently sent first per partner). The expression must be the
 * one the query orders by (schema/referral.ts MY_REFERRALS).
 */
export class ReferralKeysetIndexes1732300300200 implements MigrationInterface {
  name = 'ReferralKeysetIndexes1732300300200';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX referral_patient_newest ON community_partners.referral (patient_id, created_at DESC, id DESC)`);
    await q.query(`DROP INDEX community_partners.referral_patient`);
    await q.query(`CREATE INDEX referral_partner_sent ON community_partners.referral (partner_id, (coalesce(requested_at, '-infinity'::timestamptz)) DESC, id DESC)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX community_partners.referral_partner_sent`);
    await q.query(`CREATE INDEX referral_patient ON community_partners.referral (patient_id)`);
    await q.query(`DROP INDEX community_partners.referral_patient_newest`);
  }
}
