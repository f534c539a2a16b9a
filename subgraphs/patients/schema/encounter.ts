/**
 * Encounters (FHIR Encounter): admissions and discharges of hospital stays, which
 * get a LACE score (van Walraven 2010), and visits, of which ED visits feed LACE "E".
 */
import { Arg, Ctx, Field, FieldResolver, Float, ID, InputType, Mutation, Resolver, Root } from 'type-graphql';
import type { EntityManager } from 'typeorm';
import { badInput, conflict } from '../../../shared/errors';
import { PatientData } from '../../../shared/access-policy';
import type { SubgraphContext } from '../../../shared/subgraph';
import { EncounterRecord, PatientRecord } from '../data/entities';
import { changePatient, changePatientRecord, type PatientChange } from '../data/patient-change';
import {
  assertAdmissionConsistent, assertStayKind, assertVisitKind, assertVisitTimes, costOf, principalDiagnosisOf, visitAcuity,
} from '../domain/encounter-rules';
import { lengthOfStayDays } from '../domain/lace';
import { optionalText } from '../domain/patient-rules';
import type { DischargeLace } from '../domain/risk-assessment';
import { assertValidDate } from '../domain/validation';
import { DischargeDisposition as Disposition, EncounterKind as Kind, isStayKind } from '../domain/vocabulary';
import { AdmissionAcuity, DischargeDisposition, EncounterKind } from './enums';
import { readablePatient } from './loaders';
import { Encounter, LaceScore, Patient } from './types';

@InputType()
class AdmitPatientInput {
  @Field(() => ID) patientId: string;
  @Field(() => EncounterKind, { description: 'INPATIENT or OBSERVATION' }) kind: Kind;
  @Field() admittedAt: Date;
  @Field(() => AdmissionAcuity) acuity: AdmissionAcuity;
  @Field({ defaultValue: false, description: 'Scheduled ahead (HEDIS PCR leaves planned readmissions out)' }) planned: boolean;
  @Field(() => String, { nullable: true }) facility?: string | null;
  @Field(() => String, { nullable: true, description: 'ICD-10-CM' }) principalDiagnosis?: string | null;
}

@InputType()
class DischargePatientInput {
  @Field(() => ID, { description: 'The open INPATIENT or OBSERVATION encounter' }) encounterId: string;
  @Field() dischargedAt: Date;
  @Field(() => DischargeDisposition) disposition: Disposition;
  @Field(() => Float, { nullable: true, description: 'Claims amount' }) cost?: number | null;
}

@InputType()
class RecordEncounterInput {
  @Field(() => ID) patientId: string;
  @Field(() => EncounterKind, { description: 'EMERGENCY (an ED visit), OUTPATIENT, TELEHEALTH or HOME_VISIT' }) kind: Kind;
  @Field() startedAt: Date;
  @Field(() => Date, { nullable: true }) endedAt?: Date | null;
  @Field(() => String, { nullable: true }) facility?: string | null;
  @Field(() => String, { nullable: true, description: 'ICD-10-CM' }) principalDiagnosis?: string | null;
  @Field(() => Float, { nullable: true, description: 'Claims amount' }) cost?: number | null;
}

/** Stays never overlap: a patient is in one bed at a time (a transfer ends one stay as the next begins). */
async function assertNoOverlappingStay(m: EntityManager, patientId: string, from: Date, to: Date | null, exceptId: string | null, field: string) {
  const [overlap]: { started_at: Date }[] = await m.query(
    `SELECT started_at FROM patients.encounter
      WHERE patient_id = $1 AND kind IN ('INPATIENT','OBSERVATION') AND id IS DISTINCT FROM $2
        AND started_at < COALESCE($4::timestamptz, 'infinity') AND COALESCE(ended_at, 'infinity') > $3
      LIMIT 1`,
    [patientId, exceptId, from, to],
  );
  if (overlap) throw badInput(`This stay would overlap the stay admitted at ${overlap.started_at.toISOString()}`, field);
}

const laceOf = (lace: DischargeLace) => ({ score: lace.score, tier: lace.tier, l: lace.l, a: lace.a, c: lace.c, e: lace.e, lengthOfStayDays: lace.lengthOfStayDays });

/** A death at discharge (disposition EXPIRED) is the patient's death. */
async function recordDeathAtDischarge({ m, patient, emit }: PatientChange, dischargedAt: Date): Promise<void> {
  if (patient.deceased && patient.deceasedAt) return;
  Object.assign(patient, { deceased: true, deceasedAt: dischargedAt });
  await m.save(patient);
  emit({
    type: 'PatientUpdated', aggregateType: 'Patient', aggregateId: patient.id,
    payload: { changedFields: ['deceased', 'deceasedAt'], postalCode: patient.postalCode, deceased: true, deceasedAt: dischargedAt.toISOString() },
  });
}

@Resolver(() => Encounter)
export class EncounterResolver {
  @Mutation(() => Encounter, { description: 'Admits a patient (INPATIENT or OBSERVATION); one open stay at a time' })
  async admitPatient(@Arg('input') input: AdmitPatientInput, @Ctx() ctx: SubgraphContext): Promise<EncounterRecord> {
    assertStayKind(input.kind);
    assertValidDate(input.admittedAt, 'admittedAt');
    assertAdmissionConsistent(input.acuity, input.planned);
    const principalDiagnosis = principalDiagnosisOf(input.principalDiagnosis);
    return changePatient(ctx, input.patientId, { affectsSummary: false, data: PatientData.ENCOUNTERS }, async ({ m, patient, emit }) => {
      if (patient.deceased) throw conflict('A deceased patient cannot be admitted');
      const [stillAdmitted] = await m.query(
        `SELECT id FROM patients.encounter WHERE patient_id = $1 AND kind IN ('INPATIENT','OBSERVATION') AND ended_at IS NULL`, [patient.id]);
      if (stillAdmitted) throw conflict('The patient is already admitted; discharge the open stay first', { encounterId: stillAdmitted.id });
      await assertNoOverlappingStay(m, patient.id, input.admittedAt, null, null, 'admittedAt');
      const saved = await m.save(m.create(EncounterRecord, {
        patientId: patient.id, kind: input.kind, startedAt: input.admittedAt, endedAt: null, acuity: input.acuity, planned: input.planned,
        facility: optionalText(input.facility), principalDiagnosis, recordedBy: ctx.principal.sub,
      }));
      emit({
        type: 'PatientAdmitted', aggregateType: 'Encounter', aggregateId: saved.id,
        payload: {
          encounterId: saved.id, kind: saved.kind, admittedAt: saved.startedAt.toISOString(), acuity: saved.acuity, planned: saved.planned,
          facility: saved.facility, principalDiagnosis: saved.principalDiagnosis,
        },
      });
      return saved;
    });
  }

  @Mutation(() => Encounter, { description: 'Discharges an open stay and scores it with LACE' })
  async dischargePatient(@Arg('input') input: DischargePatientInput, @Ctx() ctx: SubgraphContext): Promise<EncounterRecord> {
    assertValidDate(input.dischargedAt, 'dischargedAt');
    const cost = costOf(input.cost);
    return changePatientRecord(ctx, EncounterRecord, 'Encounter', input.encounterId, { affectsSummary: true, data: PatientData.ENCOUNTERS }, async (change, stay) => {
      const { m, emit } = change;
      if (!isStayKind(stay.kind)) throw badInput(`A ${stay.kind} encounter is not admitted, so it is not discharged`, 'encounterId');
      if (stay.endedAt) throw conflict(`This stay was already discharged at ${stay.endedAt.toISOString()}`);
      lengthOfStayDays(stay.startedAt, input.dischargedAt); // BAD_USER_INPUT on dischargedAt when before admission
      await assertNoOverlappingStay(m, stay.patientId, stay.startedAt, input.dischargedAt, stay.id, 'dischargedAt');
      Object.assign(stay, { endedAt: input.dischargedAt, disposition: input.disposition, cost });
      await m.save(stay);
      if (input.disposition === Disposition.EXPIRED) await recordDeathAtDischarge(change, input.dischargedAt);
      const lace = (await change.reassess()).discharges.find((d) => d.encounterId === stay.id) as DischargeLace;
      emit({
        type: 'PatientDischarged', aggregateType: 'Encounter', aggregateId: stay.id,
        payload: {
          encounterId: stay.id, kind: stay.kind, admittedAt: stay.startedAt.toISOString(), dischargedAt: input.dischargedAt.toISOString(),
          disposition: stay.disposition, acuity: stay.acuity, planned: stay.planned, facility: stay.facility,
          principalDiagnosis: stay.principalDiagnosis, cost: stay.cost, lace: laceOf(lace),
        },
      });
      return m.findOneByOrFail(EncounterRecord, { id: stay.id });
    });
  }

  @Mutation(() => Encounter, { description: 'Records a visit; an EMERGENCY visit recalculates LACE "E"' })
  async recordEncounter(@Arg('input') input: RecordEncounterInput, @Ctx() ctx: SubgraphContext): Promise<EncounterRecord> {
    assertVisitKind(input.kind);
    assertVisitTimes(input.startedAt, input.endedAt);
    const cost = costOf(input.cost);
    const principalDiagnosis = principalDiagnosisOf(input.principalDiagnosis);
    return changePatient(ctx, input.patientId, { affectsSummary: input.kind === Kind.EMERGENCY, data: PatientData.ENCOUNTERS }, async ({ m, patient, emit }) => {
      const saved = await m.save(m.create(EncounterRecord, {
        patientId: patient.id, kind: input.kind, startedAt: input.startedAt, endedAt: input.endedAt ?? null, acuity: visitAcuity(input.kind),
        planned: false, facility: optionalText(input.facility), principalDiagnosis, cost, recordedBy: ctx.principal.sub,
      }));
      emit({
        type: 'EncounterRecorded', aggregateType: 'Encounter', aggregateId: saved.id,
        payload: {
          encounterId: saved.id, kind: saved.kind, startedAt: saved.startedAt.toISOString(), endedAt: saved.endedAt?.toISOString() ?? null,
          cost: saved.cost, facility: saved.facility, principalDiagnosis: saved.principalDiagnosis,
        },
      });
      return saved;
    });
  }

  @FieldResolver(() => Date, { nullable: true, description: 'Admission time (stays only)' })
  admittedAt(@Root() e: EncounterRecord): Date | null {
    return isStayKind(e.kind) ? e.startedAt : null;
  }

  @FieldResolver(() => Date, { nullable: true, description: 'Discharge time (stays only; null while admitted)' })
  dischargedAt(@Root() e: EncounterRecord): Date | null {
    return isStayKind(e.kind) ? e.endedAt : null;
  }

  @FieldResolver(() => LaceScore, { nullable: true, description: 'LACE of a discharged stay, fixed by what was known when it was discharged (issue 14)' })
  lace(@Root() e: EncounterRecord): LaceScore | null {
    if (e.laceScore === null || !e.laceTier || !e.laceCalculatedAt) return null;
    return {
      score: e.laceScore, tier: e.laceTier, l: e.laceL ?? 0, a: e.laceA ?? 0, c: e.laceC ?? 0, e: e.laceE ?? 0,
      lengthOfStayDays: e.lengthOfStayDays ?? 0, calculatedAt: e.laceCalculatedAt, drivers: e.laceDrivers ?? [],
    };
  }

  @FieldResolver(() => Patient)
  patient(@Root() e: EncounterRecord, @Ctx() ctx: SubgraphContext): Promise<PatientRecord | null> {
    return readablePatient(ctx, e.patientId);
  }
}
