/** The patients subgraph's tables (schema `patients`). */
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

export enum AdministrativeSex { MALE = 'male', FEMALE = 'female', OTHER = 'other', UNKNOWN = 'unknown' }

@Entity({ name: 'patient' })
export class PatientRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text', unique: true }) mrn: string;
  @Column({ name: 'given_name', type: 'text' }) givenName: string;
  @Column({ name: 'family_name', type: 'text' }) familyName: string;
  @Column({ name: 'birth_date', type: 'date' }) birthDate: string;
  @Column({ name: 'administrative_sex', type: 'text' }) administrativeSex: AdministrativeSex;
  @Column({ type: 'text', nullable: true }) phone: string | null;
  @Column({ type: 'text', nullable: true }) email: string | null;
  @Column({ name: 'address_line', type: 'text', nullable: true }) addressLine: string | null;
  @Column({ type: 'text', nullable: true }) city: string | null;
  @Column({ type: 'text', nullable: true }) state: string | null;
  @Column({ name: 'postal_code', type: 'text', nullable: true }) postalCode: string | null;
  @Column({ name: 'preferred_language', type: 'text', default: 'en' }) preferredLanguage: string;
  @Column({ name: 'interpreter_needed', type: 'boolean', default: false }) interpreterNeeded: boolean;
  @Column({ name: 'primary_care_practitioner_id', type: 'text', nullable: true }) primaryCarePractitionerId: string | null;
  @Column({ type: 'boolean', default: false }) deceased: boolean;
  @Column({ name: 'deceased_at', type: 'timestamptz', nullable: true }) deceasedAt: Date | null;
  @VersionColumn() version: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
