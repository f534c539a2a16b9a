/** The care-teams subgraph's tables (schema `care_teams`). */
import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, OneToMany, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** The practitioner directory; `id` is the practitioner's token `sub`. */
@Entity({ name: 'practitioner' })
export class PractitionerRecord {
  @PrimaryColumn({ type: 'text' }) id: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text', nullable: true }) discipline: string | null;
  @Column({ type: 'text', nullable: true }) phone: string | null;
  @Column({ type: 'text', nullable: true }) email: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

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

/** A problem a plan addresses: a patient condition by reference, or free text. */
export interface CarePlanProblem {
  conditionId: string | null;
  text: string | null;
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
  /** FHIR CarePlan.addresses */
  @Column({ type: 'jsonb', default: () => `'[]'` }) addresses: CarePlanProblem[];
  /** What matters most to the patient, in their words. */
  @Column({ name: 'patient_priorities', type: 'jsonb', default: () => `'[]'` }) patientPriorities: string[];
  /** Incremented by every change to the plan, its goals or activities (optimistic concurrency). */
  @Column({ type: 'integer' }) version: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** FHIR Goal, always part of one care plan here. */
@Entity({ name: 'goal' })
export class GoalRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'care_plan_id', type: 'uuid' }) carePlanId: string;
  @Column({ type: 'text' }) description: string;
  @Column({ name: 'lifecycle_status', type: 'text' }) lifecycleStatus: string;
  @Column({ name: 'achievement_status', type: 'text', nullable: true }) achievementStatus: string | null;
  @Column({ name: 'target_measure', type: 'text', nullable: true }) targetMeasure: string | null;
  @Column({ name: 'target_value', type: 'text', nullable: true }) targetValue: string | null;
  /** ISO date (YYYY-MM-DD). */
  @Column({ name: 'target_due_date', type: 'date', nullable: true }) targetDueDate: string | null;
  @Column({ name: 'owner_practitioner_id', type: 'text', nullable: true }) ownerPractitionerId: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** FHIR CarePlan.activity; assigned to one practitioner or to a role on the team. */
@Entity({ name: 'care_plan_activity' })
export class CarePlanActivityRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'care_plan_id', type: 'uuid' }) carePlanId: string;
  @Column({ type: 'text' }) kind: string;
  @Column({ type: 'text', nullable: true }) description: string | null;
  @Column({ type: 'text' }) status: string;
  @Column({ name: 'assignee_practitioner_id', type: 'text', nullable: true }) assigneePractitionerId: string | null;
  @Column({ name: 'assignee_role', type: 'text', nullable: true }) assigneeRole: string | null;
  @Column({ name: 'due_at', type: 'timestamptz', nullable: true }) dueAt: Date | null;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt: Date | null;
  @Column({ type: 'text', nullable: true }) outcome: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** One version of a care plan: who changed what, when, with before/after per field. */
@Entity({ name: 'care_plan_revision' })
export class CarePlanRevisionRecord {
  @PrimaryColumn({ name: 'care_plan_id', type: 'uuid' }) carePlanId: string;
  @PrimaryColumn({ type: 'integer' }) version: number;
  @Column({ type: 'text' }) actor: string;
  @Column({ type: 'timestamptz' }) at: Date;
  @Column({ name: 'change_kind', type: 'text' }) changeKind: string;
  @Column({ type: 'jsonb' }) changes: { field: string; before: unknown; after: unknown }[];
}

/** What this subgraph keeps of a patient, from the patients subgraph's events. */
@Entity({ name: 'patient_snapshot' })
export class PatientSnapshotRecord {
  @PrimaryColumn({ name: 'patient_id', type: 'uuid' }) patientId: string;
  @Column({ name: 'risk_tier', type: 'text', nullable: true }) riskTier: string | null;
  @Column({ name: 'lace_score', type: 'integer', nullable: true }) laceScore: number | null;
  @Column({ name: 'chronic_condition_count', type: 'integer' }) chronicConditionCount: number;
  @Column({ name: 'ccm_consent_active', type: 'boolean' }) ccmConsentActive: boolean;
  @Column({ name: 'last_event_id', type: 'bigint' }) lastEventId: string;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}

/** A CMS TCM period opened by a qualifying discharge (one per encounter). */
@Entity({ name: 'transitional_care_episode' })
export class TransitionalCareEpisodeRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'patient_id', type: 'uuid' }) patientId: string;
  @Column({ name: 'care_team_id', type: 'uuid' }) careTeamId: string;
  @Column({ name: 'encounter_id', type: 'text' }) encounterId: string;
  @Column({ name: 'encounter_kind', type: 'text' }) encounterKind: string;
  @Column({ name: 'admitted_at', type: 'timestamptz', nullable: true }) admittedAt: Date | null;
  @Column({ name: 'discharged_at', type: 'timestamptz' }) dischargedAt: Date;
  @Column({ type: 'text' }) disposition: string;
  @Column({ name: 'lace_tier', type: 'text', nullable: true }) laceTier: string | null;
  @Column({ type: 'text' }) complexity: string;
  @Column({ name: 'billing_code', type: 'text' }) billingCode: string;
  @Column({ name: 'period_end', type: 'timestamptz' }) periodEnd: Date;
  @Column({ name: 'source_event_id', type: 'bigint' }) sourceEventId: string;
  @CreateDateColumn({ name: 'opened_at', type: 'timestamptz' }) openedAt: Date;
  /** The LACE tier's default complexity, shown as a suggestion (issue 14). */
  @Column({ name: 'suggested_complexity', type: 'text' }) suggestedComplexity: string;
  /** The billing practitioner's recorded medical decision-making (MODERATE or HIGH); null until recorded. */
  @Column({ name: 'decision_making', type: 'text', nullable: true }) decisionMaking: string | null;
  @Column({ name: 'decision_making_by', type: 'text', nullable: true }) decisionMakingBy: string | null;
  @Column({ name: 'decision_making_at', type: 'timestamptz', nullable: true }) decisionMakingAt: Date | null;
}

/** A discharge inside an open TCM period: linked to its episode, not a second billable one (CMS TCM FAQs). */
@Entity({ name: 'transitional_care_readmission' })
export class TransitionalCareReadmissionRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'episode_id', type: 'uuid' }) episodeId: string;
  @Column({ name: 'encounter_id', type: 'text' }) encounterId: string;
  @Column({ name: 'encounter_kind', type: 'text' }) encounterKind: string;
  @Column({ name: 'admitted_at', type: 'timestamptz', nullable: true }) admittedAt: Date | null;
  @Column({ name: 'discharged_at', type: 'timestamptz' }) dischargedAt: Date;
  @Column({ type: 'text' }) disposition: string;
  @Column({ name: 'source_event_id', type: 'bigint' }) sourceEventId: string;
  @CreateDateColumn({ name: 'linked_at', type: 'timestamptz' }) linkedAt: Date;
}

/** The billing practitioner's medical decision-making for one CCM month (complex CCM 99487/99489 needs moderate or high). */
@Entity({ name: 'ccm_month_decision_making' })
export class CcmMonthDecisionMakingRecord {
  @PrimaryColumn({ name: 'patient_id', type: 'uuid' }) patientId: string;
  /** YYYY-MM, the practice's local month. */
  @PrimaryColumn({ type: 'text' }) month: string;
  @Column({ type: 'text' }) complexity: string;
  @Column({ name: 'recorded_by', type: 'text' }) recordedBy: string;
  @Column({ name: 'recorded_at', type: 'timestamptz' }) recordedAt: Date;
}

@Entity({ name: 'transitional_care_step' })
export class TransitionalCareStepRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'episode_id', type: 'uuid' }) episodeId: string;
  @Column({ type: 'text' }) kind: string;
  @Column({ name: 'due_at', type: 'timestamptz' }) dueAt: Date;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt: Date | null;
  @Column({ name: 'completed_by', type: 'text', nullable: true }) completedBy: string | null;
  @Column({ type: 'text', nullable: true }) note: string | null;
}

/** Care-management minutes toward CMS CCM, per patient and day. */
@Entity({ name: 'ccm_time_entry' })
export class CcmTimeEntryRecord {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ name: 'patient_id', type: 'uuid' }) patientId: string;
  @Column({ name: 'care_team_id', type: 'uuid' }) careTeamId: string;
  @Column({ name: 'practitioner_id', type: 'text' }) practitionerId: string;
  @Column({ name: 'by_physician', type: 'boolean' }) byPhysician: boolean;
  @Column({ type: 'text' }) activity: string;
  @Column({ type: 'integer' }) minutes: number;
  /** ISO date (YYYY-MM-DD). */
  @Column({ name: 'performed_on', type: 'date' }) performedOn: string;
  @Column({ type: 'text', nullable: true }) note: string | null;
  @Column({ name: 'logged_by', type: 'text' }) loggedBy: string;
  @CreateDateColumn({ name: 'logged_at', type: 'timestamptz' }) loggedAt: Date;
}
