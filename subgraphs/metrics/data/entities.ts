/** The metrics subgraph's tables (schema `metrics`). */
import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

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
