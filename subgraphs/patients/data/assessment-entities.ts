/**
 * Responses to standardized instruments (FHIR QuestionnaireResponse) with every answer
 * and the scoring the hub computed when recorded, and the evidence that links a social
 * need to the screenings that found it or rescreened it (Gravity SDOH: a Condition's
 * evidence is the QuestionnaireResponse). Schema `patients`.
 */
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { ScoredAnswer } from '../domain/assessment-scoring';

@Entity({ name: 'assessment_response' })
export class AssessmentResponseRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'patient_id', type: 'uuid' }) patientId: string;
  /** Instrument id ("PHQ-9") and the version of its data that scored the response. */
  @Column({ type: 'text' }) instrument: string;
  @Column({ name: 'instrument_version', type: 'text' }) instrumentVersion: string;
  /** When the patient answered (QuestionnaireResponse.authored). */
  @Column({ name: 'authored_at', type: 'timestamptz' }) authoredAt: Date;
  @Column({ type: 'jsonb' }) answers: ScoredAnswer[];
  @Column({ name: 'total_score', type: 'smallint', nullable: true }) totalScore: number | null;
  @Column({ name: 'interpretation_code', type: 'text', nullable: true }) interpretationCode: string | null;
  @Column({ type: 'text', nullable: true }) interpretation: string | null;
  @Column({ type: 'text', array: true, default: () => "'{}'" }) flags: string[];
  /** Screening domains found positive (their codes). */
  @Column({ name: 'positive_domains', type: 'text', array: true, default: () => "'{}'" }) positiveDomains: string[];
  @Column({ name: 'recorded_by', type: 'text', nullable: true }) recordedBy: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

@Entity({ name: 'social_need_evidence' })
export class SocialNeedEvidenceRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'social_need_id', type: 'uuid' }) socialNeedId: string;
  @Column({ name: 'response_id', type: 'uuid' }) responseId: string;
  /** The screening domain's code ("FOOD_INSECURITY"). */
  @Column({ type: 'text' }) domain: string;
  /** False for a negative rescreen of a need still open. */
  @Column({ type: 'boolean' }) positive: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}

/** What a completed referral said of the social need it addressed: met (the need resolved) or not, and why. */
@Entity({ name: 'social_need_outcome' })
export class SocialNeedOutcomeRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'social_need_id', type: 'uuid' }) socialNeedId: string;
  @Column({ name: 'referral_id', type: 'uuid' }) referralId: string;
  @Column({ name: 'source_event_id', type: 'bigint' }) sourceEventId: string;
  @Column({ name: 'need_met', type: 'boolean' }) needMet: boolean;
  @Column({ type: 'text', nullable: true }) reason: string | null;
  @Column({ name: 'outcome_text', type: 'text', nullable: true }) outcomeText: string | null;
  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' }) recordedAt: Date;
}
