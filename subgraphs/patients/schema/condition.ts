/**
 * Conditions (FHIR Condition): the problem list that drives Charlson, LACE "C" and CCM
 * eligibility. Codes are checked against the ICD-10-CM code list; a clinician may mark
 * a condition chronic or not, and entered-in-error (FHIR verificationStatus), which
 * takes it out of every score and eligibility (issue 14).
 */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, Resolver, Root } from 'type-graphql';
import { PatientData } from '../../../shared/access-policy';
import { DateScalar } from '../../../shared/date-scalar';
import type { SubgraphContext } from '../../../shared/subgraph';
import { ConditionRecord, type PatientRecord } from '../data/entities';
import { changePatient, changePatientRecord, type PatientEvent } from '../data/patient-change';
import { clinicalStatusOf, codeCondition, onsetDateOf } from '../domain/condition-rules';
import { icd10CodeList } from '../data/icd10-code-list';
import { utcDay } from '../domain/dates';
import { diseaseOf } from '../domain/diseases';
import { ConditionVerificationStatus } from '../domain/vocabulary';
import { conflict } from '../../../shared/errors';
import { optionalText } from '../domain/patient-rules';
import { ConditionClinicalStatus } from './enums';
import { readablePatient } from './loaders';
import { Condition, Patient } from './types';

@InputType()
class RecordConditionInput {
  @Field(() => ID) patientId: string;
  @Field({ description: 'ICD-10-CM, dotted or not ("E11.22", "e1122")' }) code: string;
  @Field(() => String, { nullable: true }) display?: string | null;
  // No SDL default: buildSubgraphSchema would coerce it to the enum name ('ACTIVE'), not the FHIR code.
  @Field(() => ConditionClinicalStatus, { nullable: true, description: 'Default ACTIVE' }) clinicalStatus?: ConditionClinicalStatus | null;
  @Field(() => DateScalar, { nullable: true, description: 'Not in the future' }) onsetDate?: string | null;
  @Field(() => DateScalar, { nullable: true, description: 'Only for a condition no longer present; required for RESOLVED and REMISSION (INACTIVE: default today)' }) abatementDate?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Set by the clinician; default: true for a Charlson category or a chronic category (I10, E78, F32...), else false' }) chronic?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'The code is right though not on the ICD-10-CM code list (default false: such a code is refused)' }) codeOutsideList?: boolean | null;
}

@InputType()
class UpdateConditionStatusInput {
  @Field(() => ID) id: string;
  @Field(() => ConditionClinicalStatus) clinicalStatus: ConditionClinicalStatus;
  @Field(() => DateScalar, { nullable: true, description: 'When it stopped being present; required for RESOLVED and REMISSION (INACTIVE: default today)' }) abatementDate?: string | null;
}

@InputType()
class MarkConditionEnteredInErrorInput {
  @Field(() => ID) id: string;
}

@InputType()
class SetConditionChronicInput {
  @Field(() => ID) id: string;
  @Field() chronic: boolean;
}

const conditionEvent = (type: string, c: ConditionRecord, extra: Record<string, unknown> = {}): PatientEvent => ({
  type, aggregateType: 'Condition', aggregateId: c.id,
  payload: {
    conditionId: c.id, code: c.code, charlsonCategory: c.charlsonCategory, chronic: c.chronic, clinicalStatus: c.clinicalStatus,
    onsetDate: c.onsetDate, abatementDate: c.abatementDate, verificationStatus: c.verificationStatus, codeOutsideList: c.codeOutsideList, ...extra,
  },
});

@Resolver(() => Condition)
export class ConditionResolver {
  @Mutation(() => Condition, { description: 'Adds a diagnosis; recalculates Charlson, LACE and CCM eligibility' })
  async recordCondition(@Arg('input') input: RecordConditionInput, @Ctx() ctx: SubgraphContext): Promise<ConditionRecord> {
    const today = utcDay(new Date());
    const coding = codeCondition(input.code, input.chronic, icd10CodeList(), input.codeOutsideList);
    const onsetDate = onsetDateOf(input.onsetDate, today);
    const status = clinicalStatusOf(input.clinicalStatus ?? ConditionClinicalStatus.ACTIVE, input.abatementDate, onsetDate, today);
    return changePatient(ctx, input.patientId, { affectsSummary: true, data: PatientData.CONDITIONS }, async ({ m, patient, emit }) => {
      const saved = await m.save(m.create(ConditionRecord, {
        patientId: patient.id, ...coding, ...status, onsetDate, display: optionalText(input.display), recordedBy: ctx.principal.sub,
      }));
      emit(conditionEvent('ConditionRecorded', saved));
      return saved;
    });
  }

  @Mutation(() => Condition, { description: 'Moves a condition to another clinical status (an abated one keeps its abatement date)' })
  async updateConditionStatus(@Arg('input') input: UpdateConditionStatusInput, @Ctx() ctx: SubgraphContext): Promise<ConditionRecord> {
    const { id, clinicalStatus, abatementDate } = input;
    return changePatientRecord(ctx, ConditionRecord, 'Condition', id, { affectsSummary: true, data: PatientData.CONDITIONS }, async ({ m, today, emit }, condition) => {
      if (condition.verificationStatus === ConditionVerificationStatus.ENTERED_IN_ERROR) throw conflict('This condition was entered in error');
      if (clinicalStatus === condition.clinicalStatus && !abatementDate) return condition;
      const next = clinicalStatusOf(clinicalStatus, abatementDate, condition.onsetDate, today);
      if (next.clinicalStatus === condition.clinicalStatus && next.abatementDate === condition.abatementDate) return condition;
      const previousStatus = condition.clinicalStatus;
      const saved = await m.save(Object.assign(condition, next));
      emit(conditionEvent('ConditionStatusChanged', saved, { previousStatus }));
      return saved;
    });
  }

  @Mutation(() => Condition, { description: 'Marks a condition entered in error (FHIR verificationStatus): it leaves every score and eligibility; the LACE of past discharges stays as known then' })
  async markConditionEnteredInError(@Arg('input') { id }: MarkConditionEnteredInErrorInput, @Ctx() ctx: SubgraphContext): Promise<ConditionRecord> {
    return changePatientRecord(ctx, ConditionRecord, 'Condition', id, { affectsSummary: true, data: PatientData.CONDITIONS }, async ({ m, emit }, condition) => {
      if (condition.verificationStatus === ConditionVerificationStatus.ENTERED_IN_ERROR) return condition;
      const previousVerificationStatus = condition.verificationStatus;
      const saved = await m.save(Object.assign(condition, { verificationStatus: ConditionVerificationStatus.ENTERED_IN_ERROR }));
      emit(conditionEvent('ConditionVerificationChanged', saved, { previousVerificationStatus }));
      return saved;
    });
  }

  @Mutation(() => Condition, { description: "The clinician's call on whether a condition is chronic (expected to last ≥12 months; counts for CCM)" })
  async setConditionChronic(@Arg('input') input: SetConditionChronicInput, @Ctx() ctx: SubgraphContext): Promise<ConditionRecord> {
    const { id, chronic } = input;
    return changePatientRecord(ctx, ConditionRecord, 'Condition', id, { affectsSummary: true, data: PatientData.CONDITIONS }, async ({ m, emit }, condition) => {
      if (condition.verificationStatus === ConditionVerificationStatus.ENTERED_IN_ERROR) throw conflict('This condition was entered in error');
      if (condition.chronic === chronic) return condition;
      const saved = await m.save(Object.assign(condition, { chronic }));
      emit(conditionEvent('ConditionChronicityChanged', saved));
      return saved;
    });
  }

  @FieldResolver(() => String, { description: 'The disease it counts as (ICD-10-CM category, grouped as domain/diseases.ts documents): CCM counts diseases, not codes' })
  disease(@Root() c: ConditionRecord): string {
    return diseaseOf(c.code);
  }

  @FieldResolver(() => Patient)
  patient(@Root() c: ConditionRecord, @Ctx() ctx: SubgraphContext): Promise<PatientRecord | null> {
    return readablePatient(ctx, c.patientId);
  }
}
