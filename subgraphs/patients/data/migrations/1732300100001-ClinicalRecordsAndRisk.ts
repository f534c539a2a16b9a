import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Conditions, encounters (with LACE per discharge), social needs and consents, and
 * the patient's current risk and comorbidity kept on the patient row so the
 * worklist's filters and ordering are served by indexes.
 */
export class ClinicalRecordsAndRisk1732300100001 implements MigrationInterface {
  name = 'ClinicalRecordsAndRisk1732300100001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE patients.patient
      ADD COLUMN risk_encounter_id uuid,
      ADD COLUMN lace_score smallint CHECK (lace_score BETWEEN 0 AND 19),
      ADD COLUMN risk_tier text CHECK (risk_tier IN ('LOW','MODERATE','HIGH')),
      ADD COLUMN lace_l smallint, ADD COLUMN lace_a smallint, ADD COLUMN lace_c smallint, ADD COLUMN lace_e smallint,
      ADD COLUMN length_of_stay_days integer,
      ADD COLUMN risk_drivers text[] NOT NULL DEFAULT '{}',
      ADD COLUMN risk_calculated_at timestamptz,
      ADD COLUMN risk_discharged_at timestamptz,
      ADD COLUMN chronic_condition_count integer NOT NULL DEFAULT 0,
      ADD COLUMN charlson_score integer NOT NULL DEFAULT 0,
      ADD COLUMN charlson_categories text[] NOT NULL DEFAULT '{}',
      ADD COLUMN summary jsonb`);
    // Worklists: highest LACE first, the most recent discharge first among equals (patients(orderBy: RISK_DESC)).
    await q.query(`CREATE INDEX patient_worklist ON patients.patient (lace_score DESC NULLS LAST, risk_discharged_at DESC NULLS LAST, id)`);
    await q.query(`CREATE INDEX patient_tier_worklist ON patients.patient (risk_tier, lace_score DESC NULLS LAST, risk_discharged_at DESC NULLS LAST, id)`);
    await q.query(`CREATE INDEX patient_ccm_eligible_worklist ON patients.patient (lace_score DESC NULLS LAST, risk_discharged_at DESC NULLS LAST, id) WHERE chronic_condition_count >= 2`);
    await q.query(`CREATE INDEX patient_chronic_count ON patients.patient (chronic_condition_count)`);
    await q.query(`CREATE INDEX patient_charlson_categories ON patients.patient USING gin (charlson_categories)`);
    // Name search matches word prefixes: "gar" finds Garcia.
    await q.query(`CREATE INDEX patient_family_name_prefix ON patients.patient (lower(family_name) text_pattern_ops)`);
    await q.query(`CREATE INDEX patient_given_name_prefix ON patients.patient (lower(given_name) text_pattern_ops)`);

    await q.query(`CREATE TABLE patients.condition (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL REFERENCES patients.patient(id),
      code text NOT NULL,
      display text,
      clinical_status text NOT NULL CHECK (clinical_status IN ('active','recurrence','relapse','inactive','remission','resolved')),
      onset_date date,
      abatement_date date,
      chronic boolean NOT NULL,
      charlson_category text,
      recorded_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (abatement_date IS NULL OR onset_date IS NULL OR abatement_date >= onset_date)
    )`);
    await q.query(`CREATE INDEX condition_patient ON patients.condition (patient_id)`);
    // Filter "patients with condition code (prefix)": present conditions only.
    await q.query(`CREATE INDEX condition_present_code ON patients.condition (code text_pattern_ops, patient_id) WHERE clinical_status IN ('active','recurrence','relapse')`);

    await q.query(`CREATE TABLE patients.encounter (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL REFERENCES patients.patient(id),
      kind text NOT NULL CHECK (kind IN ('INPATIENT','OBSERVATION','EMERGENCY','OUTPATIENT','TELEHEALTH','HOME_VISIT')),
      started_at timestamptz NOT NULL,
      ended_at timestamptz,
      acuity text CHECK (acuity IN ('EMERGENT','URGENT','ELECTIVE')),
      planned boolean NOT NULL DEFAULT false,
      disposition text CHECK (disposition IN ('HOME','HOME_HEALTH','SKILLED_NURSING','REHAB','HOSPICE','LEFT_AMA','TRANSFERRED','EXPIRED')),
      facility text,
      principal_diagnosis text,
      cost numeric(12,2) CHECK (cost >= 0),
      lace_score smallint, lace_tier text, lace_l smallint, lace_a smallint, lace_c smallint, lace_e smallint,
      length_of_stay_days integer,
      lace_drivers text[],
      lace_calculated_at timestamptz,
      recorded_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (ended_at IS NULL OR ended_at >= started_at)
    )`);
    await q.query(`CREATE INDEX encounter_patient ON patients.encounter (patient_id, started_at)`);
    // At most one open stay per patient: a second admission while admitted is a conflict.
    await q.query(`CREATE UNIQUE INDEX encounter_one_open_stay ON patients.encounter (patient_id) WHERE kind IN ('INPATIENT','OBSERVATION') AND ended_at IS NULL`);

    await q.query(`CREATE TABLE patients.social_need (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL REFERENCES patients.patient(id),
      category text NOT NULL,
      instrument text,
      screened_at date NOT NULL,
      status text NOT NULL CHECK (status IN ('identified','addressed','resolved','declined')),
      recorded_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX social_need_patient ON patients.social_need (patient_id)`);
    await q.query(`CREATE INDEX social_need_open_category ON patients.social_need (category, patient_id) WHERE status IN ('identified','addressed')`);

    await q.query(`CREATE TABLE patients.consent (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      patient_id uuid NOT NULL REFERENCES patients.patient(id),
      kind text NOT NULL,
      status text NOT NULL CHECK (status IN ('draft','proposed','active','rejected','inactive','entered-in-error')),
      partner_org_id text,
      period_start date,
      period_end date,
      recorded_by text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((kind = 'SHARE_WITH_PARTNER') = (partner_org_id IS NOT NULL)),
      CHECK (period_end IS NULL OR period_start IS NULL OR period_end >= period_start)
    )`);
    await q.query(`CREATE INDEX consent_patient ON patients.consent (patient_id)`);
    // Partner access: "does this org hold an active sharing consent for these patients?"
    await q.query(`CREATE INDEX consent_active_partner ON patients.consent (partner_org_id, patient_id) WHERE kind = 'SHARE_WITH_PARTNER' AND status = 'active'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE patients.consent`);
    await q.query(`DROP TABLE patients.social_need`);
    await q.query(`DROP TABLE patients.encounter`);
    await q.query(`DROP TABLE patients.condition`);
    for (const index of ['patient_worklist', 'patient_tier_worklist', 'patient_ccm_eligible_worklist', 'patient_chronic_count', 'patient_charlson_categories', 'patient_family_name_prefix', 'patient_given_name_prefix']) {
      await q.query(`DROP INDEX patients.${index}`);
    }
    await q.query(`ALTER TABLE patients.patient
      DROP COLUMN risk_encounter_id, DROP COLUMN lace_score, DROP COLUMN risk_tier, DROP COLUMN lace_l, DROP COLUMN lace_a,
      DROP COLUMN lace_c, DROP COLUMN lace_e, DROP COLUMN length_of_stay_days, DROP COLUMN risk_drivers, DROP COLUMN risk_calculated_at,
      DROP COLUMN risk_discharged_at, DROP COLUMN chronic_condition_count, DROP COLUMN charlson_score, DROP COLUMN charlson_categories, DROP COLUMN summary`);
  }
}
