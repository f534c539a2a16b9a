/**
 * Consents (FHIR Consent): CCM services (CMS: documented consent) and sharing with a
 * community partner (Gravity SDOHCC), which is what opens a patient to that partner.
 */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, Resolver, Root } from 'type-graphql';
import { PatientData } from '../../../shared/access-policy';
import { DateScalar } from '../../../shared/date-scalar';
import type { SubgraphContext } from '../../../shared/subgraph';
import { ConsentRecord, type PatientRecord } from '../data/entities';
import { changePatient, changePatientRecord, type PatientEvent } from '../data/patient-change';
import { consentInForce, consentStatusChanges, consentTermsOf } from '../domain/consent';
import { utcDay } from '../domain/dates';
import { ConsentStatus as Status } from '../domain/vocabulary';
import { ConsentKind, ConsentStatus } from './enums';
import { readablePatient } from './loaders';
import { Consent, Patient } from './types';

@InputType()
class RecordConsentInput {
  @Field(() => ID) patientId: string;
  @Field(() => ConsentKind) kind: ConsentKind;
  @Field(() => ID, { nullable: true, description: 'Required for SHARE_WITH_PARTNER: the community partner organization' }) partnerOrgId?: string | null;
  // No SDL default: buildSubgraphSchema would coerce it to the enum name ('ACTIVE'), not the FHIR code.
  @Field(() => ConsentStatus, { nullable: true, description: 'Default ACTIVE' }) status?: Status | null;
  @Field(() => DateScalar, { nullable: true, description: 'Inclusive' }) periodStart?: string | null;
  @Field(() => DateScalar, { nullable: true, description: 'Inclusive' }) periodEnd?: string | null;
}

@InputType()
class RevokeConsentInput {
  @Field(() => ID) id: string;
}

@InputType()
class UpdateConsentStatusInput {
  @Field(() => ID) id: string;
  @Field(() => ConsentStatus) status: Status;
}

/** `active` tells consumers whether the consent is in force now (status active, period covering today). */
const consentEvent = (type: string, c: ConsentRecord, today: string, extra: Record<string, unknown> = {}): PatientEvent => ({
  type, aggregateType: 'Consent', aggregateId: c.id,
  payload: {
    consentId: c.id, kind: c.kind, status: c.status, partnerOrgId: c.partnerOrgId, periodStart: c.periodStart, periodEnd: c.periodEnd,
    active: consentInForce(c, today), ...extra,
  },
});

async function changeConsentStatus(ctx: SubgraphContext, id: string, status: Status): Promise<ConsentRecord> {
  return changePatientRecord(ctx, ConsentRecord, 'Consent', id, { affectsSummary: true, data: PatientData.CONSENTS }, async ({ m, today, emit }, consent) => {
    if (!consentStatusChanges(consent.status, status)) return consent;
    const previousStatus = consent.status;
    const saved = await m.save(Object.assign(consent, { status }));
    emit(consentEvent('ConsentStatusChanged', saved, today, { previousStatus }));
    return saved;
  });
}

@Resolver(() => Consent)
export class ConsentResolver {
  @Mutation(() => Consent, { description: 'Records a consent; SHARE_WITH_PARTNER names the partner organization' })
  async recordConsent(@Arg('input') input: RecordConsentInput, @Ctx() ctx: SubgraphContext): Promise<ConsentRecord> {
    const terms = consentTermsOf(input);
    return changePatient(ctx, input.patientId, { affectsSummary: true, data: PatientData.CONSENTS }, async ({ m, patient, today, emit }) => {
      const saved = await m.save(m.create(ConsentRecord, {
        patientId: patient.id, kind: input.kind, status: input.status ?? Status.ACTIVE, ...terms, recordedBy: ctx.principal.sub,
      }));
      emit(consentEvent('ConsentRecorded', saved, today));
      return saved;
    });
  }

  @Mutation(() => Consent, { description: 'The patient withdraws a consent (status inactive)' })
  revokeConsent(@Arg('input') input: RevokeConsentInput, @Ctx() ctx: SubgraphContext): Promise<ConsentRecord> {
    return changeConsentStatus(ctx, input.id, Status.INACTIVE);
  }

  @Mutation(() => Consent, { description: 'Moves a consent along FHIR Consent.status (a proposal accepted or rejected, entered in error, ...)' })
  updateConsentStatus(@Arg('input') input: UpdateConsentStatusInput, @Ctx() ctx: SubgraphContext): Promise<ConsentRecord> {
    return changeConsentStatus(ctx, input.id, input.status);
  }

  @FieldResolver(() => Boolean, { description: 'In force today: status active and the period covering today' })
  active(@Root() c: ConsentRecord): boolean {
    return consentInForce(c, utcDay(new Date()));
  }

  @FieldResolver(() => Patient)
  patient(@Root() c: ConsentRecord, @Ctx() ctx: SubgraphContext): Promise<PatientRecord | null> {
    return readablePatient(ctx, c.patientId);
  }
}
