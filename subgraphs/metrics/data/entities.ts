/** The metrics subgraph's tables (schema `metrics`). */
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A program target for one KPI, editable by admins (e.g. 30-day readmissions < 15%). */
@Entity({ name: 'kpi_target' })
export class KpiTargetRecord {
  @PrimaryColumn({ type: 'text' }) key: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text' }) description: string;
  /** A ratio (0..1) for rates, days for durations. */
  @Column({ type: 'numeric', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) target: number;
  @Column({ type: 'text' }) comparator: string;
  @Column({ type: 'text' }) unit: string;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'updated_by', type: 'text', nullable: true }) updatedBy: string | null;
}

/** A patient satisfaction survey response: owned by this subgraph, never rebuilt from events. */
@Entity({ name: 'satisfaction_survey' })
export class SatisfactionSurveyRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'patient_id', type: 'text' }) patientId: string;
  /** 1–5; 4 and 5 count as satisfied (top-two-box). */
  @Column({ type: 'smallint' }) score: number;
  /** ISO date */
  @Column({ name: 'responded_on', type: 'date' }) respondedOn: string;
  @Column({ type: 'text', nullable: true }) comment: string | null;
  @Column({ name: 'recorded_by', type: 'text' }) recordedBy: string;
  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' }) recordedAt: Date;
}
