import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The program's default targets; admins edit them through `updateKpiTarget`. */
const DEFAULT_TARGETS: [string, string, string, number, string, string][] = [
  ['READMISSION_30_DAY', '30-day all-cause readmission rate', 'Unplanned inpatient readmissions within 30 days of an index discharge (HEDIS PCR, observed)', 0.15, 'LESS_THAN', 'RATIO'],
  ['PATIENT_SATISFACTION', 'Patient satisfaction', 'Share of survey responses scoring 4 or 5', 0.85, 'GREATER_THAN', 'RATIO'],
  ['TCM_INTERACTIVE_CONTACT', 'TCM contact within 2 business days', 'Transitional care episodes with interactive contact within 2 business days of discharge', 0.9, 'AT_LEAST', 'RATIO'],
  ['TCM_FACE_TO_FACE', 'TCM face-to-face visit on time', 'Episodes with the face-to-face visit within 7 (high complexity) or 14 days', 0.85, 'AT_LEAST', 'RATIO'],
  ['FOLLOW_UP_7_DAY', 'Follow-up within 7 days of discharge', 'Discharges followed by an outpatient, telehealth or home visit within 7 days', 0.8, 'AT_LEAST', 'RATIO'],
  ['CARE_PLAN_COVERAGE_HIGH_RISK', 'Care plan coverage of high-risk patients', 'HIGH-risk patients with an active care plan', 0.9, 'AT_LEAST', 'RATIO'],
  ['REFERRAL_CLOSED_LOOP', 'Closed-loop referral rate', 'Referrals sent whose loop closed with an outcome from the partner', 0.75, 'AT_LEAST', 'RATIO'],
  ['REFERRAL_DAYS_TO_CLOSE', 'Median days to close a referral', 'Median days from sending a referral to its closure', 14, 'AT_MOST', 'DAYS'],
  ['PARTNER_ACCEPTANCE', 'Partner acceptance rate', 'Referrals accepted among those a partner answered', 0.8, 'AT_LEAST', 'RATIO'],
];

export class CreateKpiTargets1732300400000 implements MigrationInterface {
  name = 'CreateKpiTargets1732300400000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE metrics.kpi_target (
      key text PRIMARY KEY,
      name text NOT NULL,
      description text NOT NULL,
      target numeric NOT NULL,
      comparator text NOT NULL CHECK (comparator IN ('LESS_THAN','GREATER_THAN','AT_LEAST','AT_MOST')),
      unit text NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      updated_by text
    )`);
    for (const row of DEFAULT_TARGETS) {
      await q.query(`INSERT INTO metrics.kpi_target (key, name, description, target, comparator, unit) VALUES ($1, $2, $3, $4, $5, $6)`, row);
    }
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE metrics.kpi_target`);
  }
}
