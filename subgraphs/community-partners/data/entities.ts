/** The community-partners subgraph's tables (schema `community_partners`). */
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export interface PartnerContact { name: string; role?: string | null; phone?: string | null; email?: string | null }

@Entity({ name: 'community_partner' })
export class CommunityPartnerRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text', nullable: true }) description: string | null;
  /** Social need categories served. */
  @Column({ type: 'text', array: true }) categories: string[];
  @Column({ name: 'eligibility_notes', type: 'text', nullable: true }) eligibilityNotes: string | null;
  /** Postal codes served. */
  @Column({ name: 'service_area', type: 'text', array: true }) serviceArea: string[];
  @Column({ type: 'text', array: true }) languages: string[];
  @Column({ type: 'text', nullable: true }) hours: string | null;
  @Column({ name: 'accepting_referrals', type: 'boolean', default: true }) acceptingReferrals: boolean;
  @Column({ type: 'integer', nullable: true }) capacity: number | null;
  @Column({ type: 'jsonb', default: () => "'[]'" }) contacts: PartnerContact[];
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

@Entity({ name: 'referral' })
export class ReferralRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'patient_id', type: 'uuid' }) patientId: string;
  @Column({ name: 'partner_id', type: 'uuid' }) partnerId: string;
  /** The patients subgraph's social need this referral addresses. */
  @Column({ name: 'social_need_id', type: 'uuid', nullable: true }) socialNeedId: string | null;
  @Column({ type: 'text' }) category: string;
  @Column({ type: 'text', default: 'routine' }) priority: string;
  @Column({ type: 'text', nullable: true }) note: string | null;
  /** Gravity referral Task.status code */
  @Column({ type: 'text' }) status: string;
  @Column({ name: 'status_reason', type: 'text', nullable: true }) statusReason: string | null;
  @Column({ name: 'requested_by', type: 'text' }) requestedBy: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
