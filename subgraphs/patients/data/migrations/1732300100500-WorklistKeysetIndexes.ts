import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17: the worklist pages by keyset (shared/pagination.ts), so each order needs
 * an index on exactly its key expressions (data/patient-search.ts WORKLIST_KEYSETS),
 * the id last. RISK_DESC coalesces the nullable score and discharge to sentinels that
 * sort last, and is scanned backward (every column descending), so `(key) < (cursor)`
 * bounds the scan and page 500 reads what page 1 does. The tier and CCM-eligible
 * variants serve the worklist's two common filters as before. The indexes they
 * replace (NULLS LAST orderings, the name index without the id) are dropped.
 */
const RISK_KEY = `(coalesce(lace_score, -1)), (coalesce(risk_discharged_at, '-infinity'::timestamptz)), id`;

export class WorklistKeysetIndexes1732300100500 implements MigrationInterface {
  name = 'WorklistKeysetIndexes1732300100500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX patient_worklist_keyset ON patients.patient (${RISK_KEY})`);
    await q.query(`CREATE INDEX patient_tier_worklist_keyset ON patients.patient (risk_tier, ${RISK_KEY})`);
    await q.query(`CREATE INDEX patient_ccm_eligible_worklist_keyset ON patients.patient (${RISK_KEY}) WHERE chronic_condition_count >= 2`);
    await q.query(`CREATE INDEX patient_name_keyset ON patients.patient (lower(family_name), lower(given_name), id)`);
    for (const index of ['patient_worklist', 'patient_tier_worklist', 'patient_ccm_eligible_worklist', 'patient_family_name']) {
      await q.query(`DROP INDEX patients.${index}`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX patient_family_name ON patients.patient (lower(family_name), lower(given_name))`);
    await q.query(`CREATE INDEX patient_worklist ON patients.patient (lace_score DESC NULLS LAST, risk_discharged_at DESC NULLS LAST, id)`);
    await q.query(`CREATE INDEX patient_tier_worklist ON patients.patient (risk_tier, lace_score DESC NULLS LAST, risk_discharged_at DESC NULLS LAST, id)`);
    await q.query(`CREATE INDEX patient_ccm_eligible_worklist ON patients.patient (lace_score DESC NULLS LAST, risk_discharged_at DESC NULLS LAST, id) WHERE chronic_condition_count >= 2`);
    for (const index of ['patient_worklist_keyset', 'patient_tier_worklist_keyset', 'patient_ccm_eligible_worklist_keyset', 'patient_name_keyset']) {
      await q.query(`DROP INDEX patients.${index}`);
    }
  }
}
