/** Outreach contacts and attempts (FHIR Communication): who reached out to the patient, how, when, and what came of it. Schema `care_teams`. */
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { OutreachChannel, OutreachOutcome } from '../domain/tcm-steps';

@Entity({ name: 'outreach_contact' })
export class OutreachContactRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'patient_id', type: 'uuid' }) patientId: string;
  @Column({ name: 'care_team_id', type: 'uuid' }) careTeamId: string;
  @Column({ type: 'text' }) channel: OutreachChannel;
  @Column({ type: 'text' }) outcome: OutreachOutcome;
  /** The member who made the contact or attempt. */
  @Column({ name: 'practitioner_id', type: 'text' }) practitionerId: string;
  @Column({ name: 'contacted_at', type: 'timestamptz' }) contactedAt: Date;
  @Column({ type: 'text', nullable: true }) note: string | null;
  @Column({ name: 'recorded_by', type: 'text' }) recordedBy: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
