/** The patients subgraph's part of the demo population. */
import type { DataSource } from 'typeorm';
import { recordEvent } from '../../../shared/events';
import type { SeedBatch } from '../../../shared/subgraph';

export async function seedPatients(ds: DataSource, { patients }: SeedBatch): Promise<void> {
  await ds.transaction(async (m) => {
    for (const p of patients) {
      await m.query(
        `INSERT INTO patients.patient (id, mrn, given_name, family_name, birth_date, administrative_sex, phone, email, address_line, city, state, postal_code, preferred_language, interpreter_needed, primary_care_practitioner_id)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
        [p.id, p.mrn, p.givenName, p.familyName, p.birthDate, p.administrativeSex, p.phone, p.email, p.addressLine, p.city, p.state, p.postalCode, p.preferredLanguage, p.interpreterNeeded, p.primaryCarePractitionerId],
      );
      await recordEvent(m, 'patients', { type: 'PatientRegistered', aggregateType: 'Patient', aggregateId: p.id, patientId: p.id, actor: 'seed', payload: { mrn: p.mrn, birthDate: p.birthDate, postalCode: p.postalCode } });
    }
  });
}
