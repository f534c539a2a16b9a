import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 14: the billing practitioner's medical decision-making per CCM month
 * (CcmDecisionMakingRecorded), which complex CCM (99487/99489) needs; projected like
 * the rest of the read model and truncated by a rebuild.
 */
export class CcmDecisionMaking1732300400400 implements MigrationInterface {
  name = 'CcmDecisionMaking1732300400400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE metrics.ccm_decision_making (
      patient_id text NOT NULL,
      month text NOT NULL,
      complexity text NOT NULL,
      position bigint NOT NULL,
      PRIMARY KEY (patient_id, month)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE metrics.ccm_decision_making`);
  }
}
