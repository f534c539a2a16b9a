import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePatients1732300100000 implements MigrationInterface {
  name = 'CreatePatients1732300100000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE patients.patient (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      mrn text NOT NULL UNIQUE,
      given_name text NOT NULL,
      family_name text NOT NULL,
      birth_date date NOT NULL,
      administrative_sex text NOT NULL CHECK (administrative_sex IN ('male','female','other','unknown')),
      phone text, email text, address_line text, city text, state text, postal_code text,
      preferred_language text NOT NULL DEFAULT 'en',
      interpreter_needed boolean NOT NULL DEFAULT false,
      primary_care_practitioner_id text,
      deceased boolean NOT NULL DEFAULT false,
      deceased_at timestamptz,
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX patient_postal_code ON patients.patient (postal_code)`);
    await q.query(`CREATE INDEX patient_family_name ON patients.patient (lower(family_name), lower(given_name))`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE patients.patient`);
  }
}
