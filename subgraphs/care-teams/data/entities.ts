/** The care-teams subgraph's tables (schema `care_teams`). */
import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'care_team' })
export class CareTeamRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'patient_id', type: 'uuid' }) patientId: string;
  @Column({ type: 'text' }) name: string;
  /** FHIR CareTeam.status code */
  @Column({ type: 'text' }) status: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @OneToMany(() => CareTeamMemberRecord, (m) => m.careTeam) members?: CareTeamMemberRecord[];
}

@Entity({ name: 'care_team_member' })
export class CareTeamMemberRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'care_team_id', type: 'uuid' }) careTeamId: string;
  @ManyToOne(() => CareTeamRecord, (t) => t.members) @JoinColumn({ name: 'care_team_id' }) careTeam?: CareTeamRecord;
  /** The practitioner's `sub` (their identity-provider subject). */
  @Column({ name: 'practitioner_id', type: 'text' }) practitionerId: string;
  @Column({ type: 'text' }) role: string;
  @Column({ name: 'period_start', type: 'timestamptz' }) periodStart: Date;
  @Column({ name: 'period_end', type: 'timestamptz', nullable: true }) periodEnd: Date | null;
}

@Entity({ name: 'care_plan' })
export class CarePlanRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'patient_id', type: 'uuid' }) patientId: string;
  @Column({ name: 'care_team_id', type: 'uuid' }) careTeamId: string;
  @Column({ type: 'text' }) title: string;
  @Column({ type: 'text', nullable: true }) description: string | null;
  /** FHIR CarePlan.status code */
  @Column({ type: 'text' }) status: string;
  /** FHIR CarePlan.intent code */
  @Column({ type: 'text' }) intent: string;
  @Column({ name: 'period_start', type: 'timestamptz', nullable: true }) periodStart: Date | null;
  @Column({ name: 'period_end', type: 'timestamptz', nullable: true }) periodEnd: Date | null;
  /** Incremented by every change to the plan, its goals or activities (optimistic concurrency). */
  @Column({ type: 'integer' }) version: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
