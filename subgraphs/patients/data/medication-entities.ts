/** The medication list (FHIR MedicationStatement) and medication reconciliations after discharges. Schema `patients`. */
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Dosage, MedicationSource, MedicationStatus, ReconciliationDisposition } from '../domain/medication-reconciliation';

@Entity({ name: 'medication_statement' })
export class MedicationStatementRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'patient_id', type: 'uuid' }) patientId: string;
  /** RxNorm concept id (RXCUI) when known. */
  @Column({ type: 'text', nullable: true }) code: string | null;
  @Column({ type: 'text' }) display: string;
  @Column({ type: 'text', nullable: true }) dose: string | null;
  @Column({ type: 'text', nullable: true }) route: string | null;
  @Column({ type: 'text', nullable: true }) frequency: string | null;
  @Column({ type: 'text' }) status: MedicationStatus;
  @Column({ type: 'text' }) source: MedicationSource;
  @Column({ name: 'recorded_by', type: 'text', nullable: true }) recordedBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

export interface ReconciliationLine {
  medicationId: string;
  display: string;
  disposition: ReconciliationDisposition;
  before: Dosage | null;
  after: Dosage | null;
  discrepancy: string | null;
}

@Entity({ name: 'medication_reconciliation' })
export class MedicationReconciliationRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'patient_id', type: 'uuid' }) patientId: string;
  /** The discharge whose medication list was reconciled. */
  @Column({ name: 'encounter_id', type: 'uuid' }) encounterId: string;
  @Column({ name: 'completed_at', type: 'timestamptz' }) completedAt: Date;
  @Column({ name: 'reconciled_by', type: 'text' }) reconciledBy: string;
  @Column({ type: 'jsonb' }) lines: ReconciliationLine[];
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
