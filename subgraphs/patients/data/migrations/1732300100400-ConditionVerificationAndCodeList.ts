import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14 on conditions: FHIR Condition.verificationStatus (an entered-in-error or
 * refuted condition counts in no score or eligibility) and whether the code was
 * recorded outside the ICD-10-CM code list on the caller's word. Existing rows are
 * confirmed and on the list (they were recorded under the format check only, so
 * `code_outside_list` is false rather than a claim that each was checked).
 */
export class ConditionVerificationAndCodeList1732300100400 implements MigrationInterface {
  name = 'ConditionVerificationAndCodeList1732300100400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE patients.condition
      ADD COLUMN verification_status text NOT NULL DEFAULT 'confirmed'
        CHECK (verification_status IN ('unconfirmed','provisional','differential','confirmed','refuted','entered-in-error')),
      ADD COLUMN code_outside_list boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE patients.condition DROP COLUMN code_outside_list, DROP COLUMN verification_status`);
  }
}
