/** The community-partners subgraph's tables (schema `community_partners`). */
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ServiceCoding } from '../domain/referral-request';

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
  @Column({ name: 'requested_by_name', type: 'text', nullable: true }) requestedByName: string | null;
  /** What the partner did (Task.output), set on completion. */
  @Column({ name: 'outcome_text', type: 'text', nullable: true }) outcomeText: string | null;
  @Column({ name: 'outcome_services', type: 'jsonb', default: () => "'[]'" }) outcomeServices: ServiceCoding[];
  /** While on-hold: the status it was paused from, which it resumes to. */
  @Column({ name: 'held_from', type: 'text', nullable: true }) heldFrom: string | null;
  /** When the referral last entered each status (draft = createdAt); the full trail is referral_status_change. */
  @Column({ name: 'requested_at', type: 'timestamptz', nullable: true }) requestedAt: Date | null;
  @Column({ name: 'accepted_at', type: 'timestamptz', nullable: true }) acceptedAt: Date | null;
  @Column({ name: 'rejected_at', type: 'timestamptz', nullable: true }) rejectedAt: Date | null;
  @Column({ name: 'in_progress_at', type: 'timestamptz', nullable: true }) inProgressAt: Date | null;
  @Column({ name: 'on_hold_at', type: 'timestamptz', nullable: true }) onHoldAt: Date | null;
  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true }) failedAt: Date | null;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt: Date | null;
  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true }) cancelledAt: Date | null;
  @Column({ name: 'entered_in_error_at', type: 'timestamptz', nullable: true }) enteredInErrorAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** One entry of a referral's status history (append-only). */
@Entity({ name: 'referral_status_change' })
export class ReferralStatusChangeRecord {
  /** bigserial: the order of changes, also within one instant. */
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ name: 'referral_id', type: 'uuid' }) referralId: string;
  @Column({ type: 'text' }) status: string;
  @Column({ name: 'previous_status', type: 'text', nullable: true }) previousStatus: string | null;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  /** The `sub` of who made the change. */
  @Column({ type: 'text' }) actor: string;
  /** REQUESTER or PARTNER (domain/referral-status.ts ReferralActor). */
  @Column({ name: 'actor_side', type: 'text' }) actorSide: string;
  @Column({ name: 'changed_at', type: 'timestamptz', default: () => 'now()' }) changedAt: Date;
}

/** Projection of the patients subgraph's SHARE_WITH_PARTNER consents (from Consent* events). */
@Entity({ name: 'partner_consent' })
export class PartnerConsentRecord {
  @PrimaryColumn({ name: 'consent_id', type: 'text' }) consentId: string;
  @Column({ name: 'patient_id', type: 'text' }) patientId: string;
  @Column({ name: 'partner_id', type: 'text' }) partnerId: string;
  @Column({ type: 'text' }) status: string;
  @Column({ name: 'period_start', type: 'timestamptz', nullable: true }) periodStart: Date | null;
  @Column({ name: 'period_end', type: 'timestamptz', nullable: true }) periodEnd: Date | null;
  /** Position of the event last applied. */
  @Column({ name: 'event_position', type: 'bigint' }) eventPosition: string;
}

/** Projection of the patients subgraph's social needs (from SocialNeed* events): validates referrals against them. */
@Entity({ name: 'social_need' })
export class SocialNeedRecord {
  @PrimaryColumn({ type: 'text' }) id: string;
  @Column({ name: 'patient_id', type: 'text' }) patientId: string;
  @Column({ type: 'text' }) category: string;
  @Column({ type: 'text' }) status: string;
  @Column({ name: 'event_position', type: 'bigint' }) eventPosition: string;
}
