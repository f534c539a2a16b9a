/**
 * `Patient`: the population registry, owned here and extended by the other subgraphs.
 * Access (shared/access-policy.ts through ctx.access): the worklist is the table's
 * WORKLIST (population for coordinators and admins, filtered in SQL; a clinician's own
 * panel otherwise); the clinical record fields are checked per patient at the field,
 * nullable, FORBIDDEN there; every write names the data it writes (changePatient).
 */
import {
  Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root, UseMiddleware,
} from 'type-graphql';
import type { EntityManager } from 'typeorm';
import { PatientData } from '../../../shared/access-policy';
import { refusal } from '../../../shared/access';
import { conflict } from '../../../shared/errors';
import { recordEvent } from '../../../shared/events';
import { AFTER_DESCRIPTION, Connection, decodeKeysetCursor, FIRST_DESCRIPTION, pageSize, toConnection } from '../../../shared/pagination';
import { DateScalar } from '../../../shared/date-scalar';
import type { SubgraphContext } from '../../../shared/subgraph';
import { SocialNeedCategory } from '../../../shared/vocabulary';
import { ConditionRecord, ConsentRecord, EncounterRecord, PatientRecord, SocialNeedRecord } from '../data/entities';
import { changePatient, publishSummaryIfChanged, type PatientEvent } from '../data/patient-change';
import { searchPatients, WORKLIST_KEYSETS } from '../data/patient-search';
import { CCM_MIN_CHRONIC_CONDITIONS, ccmEligibility } from '../domain/ccm-eligibility';
import { ccmConsentActive, consentInForce } from '../domain/consent';
import { utcDay } from '../domain/dates';
import { normalizeIcd10Code } from '../domain/icd10';
import { birthDateOf, deathOf, emailOf, languageOf, optionalText, requiredText } from '../domain/patient-rules';
import { EMPTY_SUMMARY } from '../domain/risk-assessment';
import { isPresentStatus } from '../domain/vocabulary';
import { ClinicalOnly, mayRegister, worklistScope } from './access';
import { AdministrativeSex, CharlsonCategory, ConsentKind, PatientOrder, RiskTier } from './enums';
import { careManaged, consentsOf, conditionsOf, encountersOf, patientById, readablePatient, socialNeedsOf } from './loaders';
import { CcmEligibility, Condition, Consent, Encounter, Patient, PatientRisk, SocialNeed } from './types';

const PatientConnection = Connection(Patient, 'Patient');

/** Contact and care details: optional at registration, changeable later (null clears). */
/** Inherited by both inputs; no field returns or takes it, so the schema does not list it. */
@InputType()
class PatientDetailsInput {
  @Field(() => String, { nullable: true }) phone?: string | null;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true }) addressLine?: string | null;
  @Field(() => String, { nullable: true }) city?: string | null;
  @Field(() => String, { nullable: true }) state?: string | null;
  @Field(() => String, { nullable: true }) postalCode?: string | null;
  @Field(() => String, { nullable: true, description: 'BCP-47, default "en"' }) preferredLanguage?: string | null;
  @Field(() => Boolean, { nullable: true }) interpreterNeeded?: boolean | null;
  @Field(() => String, { nullable: true }) primaryCarePractitionerId?: string | null;
}

@InputType()
export class RegisterPatientInput extends PatientDetailsInput {
  @Field() mrn: string;
  @Field() givenName: string;
  @Field() familyName: string;
  @Field(() => DateScalar, { description: 'Not in the future' }) birthDate: string;
  @Field(() => AdministrativeSex) administrativeSex: AdministrativeSex;
}

@InputType({ description: 'Only the fields given change; null clears an optional field' })
export class UpdatePatientInput extends PatientDetailsInput {
  @Field(() => ID, { description: 'The patient to change' }) id: string;
  @Field(() => String, { nullable: true }) mrn?: string | null;
  @Field(() => String, { nullable: true }) givenName?: string | null;
  @Field(() => String, { nullable: true }) familyName?: string | null;
  @Field(() => DateScalar, { nullable: true }) birthDate?: string | null;
  @Field(() => AdministrativeSex, { nullable: true }) administrativeSex?: AdministrativeSex | null;
  @Field(() => Boolean, { nullable: true }) deceased?: boolean | null;
  @Field(() => Date, { nullable: true, description: 'Setting it marks the patient deceased' }) deceasedAt?: Date | null;
}

@InputType({ description: 'All filters combine (AND)' })
export class PatientFilter {
  @Field(() => RiskTier, { nullable: true, description: 'Tier of the current risk (patients without a discharge have none)' }) riskTier?: RiskTier | null;
  @Field(() => Int, { nullable: true, description: 'Current LACE score at least this' }) minLaceScore?: number | null;
  @Field(() => String, { nullable: true, description: 'A present condition whose ICD-10-CM code starts with this ("E11", "I50.9")' }) conditionCode?: string | null;
  @Field(() => CharlsonCategory, { nullable: true, description: 'A present condition in this Charlson category' }) charlsonCategory?: CharlsonCategory | null;
  @Field(() => SocialNeedCategory, { nullable: true, description: 'An open (identified or addressed) social need of this category' }) socialNeedCategory?: SocialNeedCategory | null;
  @Field(() => String, { nullable: true }) postalCode?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Two or more chronic conditions (CMS CCM)' }) ccmEligible?: boolean | null;
  @Field(() => String, { nullable: true, description: 'Name search: every word starts the given or family name; or an exact MRN' }) search?: string | null;
  @Field(() => Boolean, { nullable: true }) deceased?: boolean | null;
  @Field(() => Boolean, { nullable: true, description: 'Whether an active care team already manages the patient (false: candidates for enrollment)' }) careManaged?: boolean | null;
}

/** The fields of the registry entry itself (what registerPatient and updatePatient write). */
const DEMOGRAPHICS = [
  'mrn', 'givenName', 'familyName', 'birthDate', 'administrativeSex', 'phone', 'email', 'addressLine', 'city', 'state', 'postalCode',
  'preferredLanguage', 'interpreterNeeded', 'primaryCarePractitionerId', 'deceased', 'deceasedAt',
] as const;
type Demographics = Pick<PatientRecord, (typeof DEMOGRAPHICS)[number]>;

const sameValue = (a: unknown, b: unknown) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b);

async function assertMrnFree(m: EntityManager, mrn: string, exceptId?: string): Promise<void> {
  const holder = await m.findOne(PatientRecord, { where: { mrn }, select: { id: true } });
  if (holder && holder.id !== exceptId) throw conflict(`A patient with MRN ${mrn} is already registered`, { field: 'mrn' });
}

/** A unique violation on the MRN (two registrations racing) is the same CONFLICT as the check above. */
async function mrnUnique<T>(mrn: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    const err = e as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
    const code = err.driverError?.code ?? err.code;
    if (code === '23505' && /mrn/.test(err.driverError?.constraint ?? err.constraint ?? '')) {
      throw conflict(`A patient with MRN ${mrn} is already registered`, { field: 'mrn' });
    }
    throw e;
  }
}

/** Partners resolve a patient only here (Referral.patient), with an active sharing consent, as a disclosure; clinicians by the table. */
export function resolvePatientReference(ref: { id: string }, ctx: SubgraphContext): Promise<PatientRecord | null> {
  return readablePatient(ctx, ref.id);
}

/** A clinical record field of one patient: FORBIDDEN at the field unless the table lets the caller read that data. */
const readRecord = (ctx: SubgraphContext, p: PatientRecord, data: PatientData, entity: string) => ctx.access.assert(p.id, data, 'read', entity);

@Resolver(() => Patient)
export class PatientResolver {
  @Query(() => Patient, { nullable: true, description: 'One patient by id' })
  async patient(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<PatientRecord | null> {
    return readablePatient(ctx, id);
  }

  @Query(() => Patient, { nullable: true, description: 'One patient by medical record number' })
  async patientByMrn(@Arg('mrn') mrn: string, @Ctx() ctx: SubgraphContext): Promise<PatientRecord | null> {
    const patient = await ctx.db.getRepository(PatientRecord).findOneBy({ mrn: mrn.trim() });
    if (!patient) return null;
    patientById(ctx).prime(patient.id, patient);
    return readablePatient(ctx, patient.id);
  }

  @Query(() => PatientConnection, {
    nullable: true,
    description: 'The population worklist, paged, highest risk first by default: every patient for care coordinators and admins, your own panel for other clinicians',
  })
  async patients(
    @Ctx() ctx: SubgraphContext,
    @Arg('filter', () => PatientFilter, { nullable: true }) filter?: PatientFilter | null,
    @Arg('first', () => Int, { nullable: true, description: FIRST_DESCRIPTION }) first?: number,
    @Arg('after', () => String, { nullable: true, description: `${AFTER_DESCRIPTION}, with the same orderBy` }) after?: string,
    @Arg('orderBy', () => PatientOrder, { nullable: true, defaultValue: PatientOrder.RISK_DESC }) orderBy: PatientOrder = PatientOrder.RISK_DESC,
  ) {
    const scope = worklistScope(ctx.principal);
    if (scope.kind === 'none') throw scope.refused;
    const take = pageSize(first);
    // Keyset cursors (issue 17): a cursor names its order, so one from another orderBy is refused.
    const keyset = WORKLIST_KEYSETS[orderBy];
    const afterKey = decodeKeysetCursor(keyset, after);
    const f = filter ?? {};
    const text = f.search?.trim() ?? '';
    const { rows, count } = await searchPatients(ctx.db, {
      ...f,
      conditionCode: f.conditionCode?.trim() ? normalizeIcd10Code(f.conditionCode) : null,
      nameWords: text ? text.toLowerCase().split(/\s+/) : [],
      mrn: text || null,
      panelOf: scope.kind === 'panel' ? ctx.principal.sub : null,
    }, orderBy, take, afterKey);
    const page = toConnection(keyset, rows, take, afterKey, count);
    // Filtered in SQL by the same table, so the page is what may be seen: note it as served.
    ctx.access.noteServed(page.edges.map((e) => e.node.id), 'Patient', scope.purpose);
    for (const { node } of page.edges) patientById(ctx).prime(node.id, node);
    return page;
  }

  @Mutation(() => Patient, { description: 'Adds a patient to the registry' })
  async registerPatient(@Arg('input') input: RegisterPatientInput, @Ctx() ctx: SubgraphContext): Promise<PatientRecord> {
    const allowed = mayRegister(ctx.principal);
    if (!allowed.allowed) throw refusal(allowed);
    const mrn = requiredText(input.mrn, 'mrn');
    const values: Partial<Demographics> = {
      mrn,
      givenName: requiredText(input.givenName, 'givenName'),
      familyName: requiredText(input.familyName, 'familyName'),
      birthDate: birthDateOf(input.birthDate, utcDay(new Date())),
      administrativeSex: input.administrativeSex,
      phone: optionalText(input.phone), email: emailOf(input.email), addressLine: optionalText(input.addressLine),
      city: optionalText(input.city), state: optionalText(input.state), postalCode: optionalText(input.postalCode),
      preferredLanguage: languageOf(input.preferredLanguage), interpreterNeeded: input.interpreterNeeded ?? false,
      primaryCarePractitionerId: optionalText(input.primaryCarePractitionerId),
    };
    return mrnUnique(mrn, () => ctx.db.transaction(async (m) => {
      await assertMrnFree(m, mrn);
      const saved = await m.save(m.create(PatientRecord, values));
      const append = (e: PatientEvent) =>
        recordEvent(m, ctx.source, { ...e, patientId: saved.id, actor: ctx.principal.sub });
      await append({ type: 'PatientRegistered', aggregateType: 'Patient', aggregateId: saved.id, payload: { mrn: saved.mrn, birthDate: saved.birthDate, postalCode: saved.postalCode } });
      // Other subgraphs start their copy of the summary from registration.
      await publishSummaryIfChanged(m, { id: saved.id, summary: null }, EMPTY_SUMMARY, append);
      saved.summary = EMPTY_SUMMARY;
      return saved;
    }));
  }

  @Mutation(() => Patient, { description: 'Changes registry details; emits PatientUpdated with the fields that changed' })
  async updatePatient(@Arg('input') input: UpdatePatientInput, @Ctx() ctx: SubgraphContext): Promise<PatientRecord> {
    const { id } = input;
    const given = (k: keyof UpdatePatientInput) => input[k] !== undefined;
    return mrnUnique(input.mrn ?? '', () => changePatient(ctx, id, { affectsSummary: false, data: PatientData.DEMOGRAPHICS }, async ({ m, patient, now, today, emit }) => {
      const next: Partial<Demographics> = {};
      if (given('mrn')) next.mrn = requiredText(input.mrn, 'mrn');
      if (given('givenName')) next.givenName = requiredText(input.givenName, 'givenName');
      if (given('familyName')) next.familyName = requiredText(input.familyName, 'familyName');
      if (given('birthDate')) next.birthDate = birthDateOf(requiredText(input.birthDate, 'birthDate'), today);
      if (given('administrativeSex')) next.administrativeSex = input.administrativeSex ?? AdministrativeSex.UNKNOWN;
      for (const k of ['phone', 'addressLine', 'city', 'state', 'postalCode', 'primaryCarePractitionerId'] as const) {
        if (given(k)) next[k] = optionalText(input[k]);
      }
      if (given('email')) next.email = emailOf(input.email);
      if (given('preferredLanguage')) next.preferredLanguage = languageOf(input.preferredLanguage);
      if (given('interpreterNeeded')) next.interpreterNeeded = input.interpreterNeeded ?? false;
      if (given('deceased') || given('deceasedAt') || next.birthDate) {
        Object.assign(next, deathOf(input, { ...patient, birthDate: next.birthDate ?? patient.birthDate }, now));
      }
      const changedFields = DEMOGRAPHICS.filter((k) => k in next && !sameValue(next[k], patient[k]));
      if (changedFields.length === 0) return patient;
      if (changedFields.includes('mrn')) await assertMrnFree(m, next.mrn as string, patient.id);
      Object.assign(patient, next);
      const saved = await m.save(patient);
      emit({
        type: 'PatientUpdated', aggregateType: 'Patient', aggregateId: patient.id,
        payload: { changedFields, postalCode: saved.postalCode, deceased: saved.deceased, deceasedAt: saved.deceasedAt?.toISOString() ?? null },
      });
      return saved;
    }));
  }

  @FieldResolver(() => Boolean, { description: 'Two or more chronic conditions (CMS CCM); consent is reported by ccmEligibility' })
  @UseMiddleware(ClinicalOnly)
  ccmEligible(@Root() p: PatientRecord): boolean {
    return p.chronicConditionCount >= CCM_MIN_CHRONIC_CONDITIONS;
  }

  @FieldResolver(() => CcmEligibility, { nullable: true, description: 'Eligibility with whether the CCM consent is on file (reads consents: the care team)' })
  async ccmEligibility(@Root() p: PatientRecord, @Ctx() ctx: SubgraphContext): Promise<CcmEligibility> {
    await readRecord(ctx, p, PatientData.CONSENTS, 'Consent');
    const consents = await consentsOf(ctx).load(p.id);
    return ccmEligibility({ chronicConditionCount: p.chronicConditionCount, ccmConsentActive: ccmConsentActive(consents, utcDay(new Date())) });
  }

  @FieldResolver(() => PatientRisk, { nullable: true, description: 'Current risk: the latest inpatient or observation discharge scored with the facts on record now (its Encounter.lace stays as known at discharge); null before the first' })
  @UseMiddleware(ClinicalOnly)
  risk(@Root() p: PatientRecord): PatientRisk | null {
    if (!p.riskEncounterId || p.laceScore === null || !p.riskTier) return null;
    return {
      basis: 'CURRENT', encounterId: p.riskEncounterId, score: p.laceScore, tier: p.riskTier,
      l: p.laceL ?? 0, a: p.laceA ?? 0, c: p.laceC ?? 0, e: p.laceE ?? 0, lengthOfStayDays: p.lengthOfStayDays ?? 0,
      drivers: p.riskDrivers, calculatedAt: p.riskCalculatedAt as Date, dischargedAt: p.riskDischargedAt as Date,
    };
  }

  @FieldResolver(() => Boolean, { nullable: true, description: 'Whether an active care team already manages the patient (enrolled in care management)' })
  @UseMiddleware(ClinicalOnly)
  careManaged(@Root() p: PatientRecord, @Ctx() ctx: SubgraphContext): Promise<boolean> {
    return careManaged(ctx).load(p.id);
  }

  @FieldResolver(() => [Condition], { nullable: true, description: "The problem list, oldest record first (the patient's care team)" })
  async conditions(
    @Root() p: PatientRecord, @Ctx() ctx: SubgraphContext,
    @Arg('presentOnly', { defaultValue: false, description: 'Only active, recurrence or relapse' }) presentOnly: boolean,
  ): Promise<ConditionRecord[]> {
    await readRecord(ctx, p, PatientData.CONDITIONS, 'Condition');
    const all = await conditionsOf(ctx).load(p.id);
    return presentOnly ? all.filter((c) => isPresentStatus(c.clinicalStatus)) : all;
  }

  @FieldResolver(() => [Encounter], { nullable: true, description: "Stays and visits, latest first (the patient's care team)" })
  async encounters(@Root() p: PatientRecord, @Ctx() ctx: SubgraphContext): Promise<EncounterRecord[]> {
    await readRecord(ctx, p, PatientData.ENCOUNTERS, 'Encounter');
    return encountersOf(ctx).load(p.id);
  }

  @FieldResolver(() => [SocialNeed], { nullable: true, description: "Screened social needs, latest screening first (the patient's care team)" })
  async socialNeeds(@Root() p: PatientRecord, @Ctx() ctx: SubgraphContext): Promise<SocialNeedRecord[]> {
    await readRecord(ctx, p, PatientData.SOCIAL_NEEDS, 'SocialNeed');
    return socialNeedsOf(ctx).load(p.id);
  }

  @FieldResolver(() => [Consent], { nullable: true, description: "Every consent on record, latest first (the patient's care team)" })
  async consents(@Root() p: PatientRecord, @Ctx() ctx: SubgraphContext): Promise<ConsentRecord[]> {
    await readRecord(ctx, p, PatientData.CONSENTS, 'Consent');
    return consentsOf(ctx).load(p.id);
  }

  @FieldResolver(() => [Consent], { nullable: true, description: 'Consents in force today (status active, period covering today)' })
  async activeConsents(@Root() p: PatientRecord, @Ctx() ctx: SubgraphContext): Promise<ConsentRecord[]> {
    await readRecord(ctx, p, PatientData.CONSENTS, 'Consent');
    const today = utcDay(new Date());
    return (await consentsOf(ctx).load(p.id)).filter((c) => consentInForce(c, today));
  }

  @FieldResolver(() => Boolean, { nullable: true, description: 'Whether a consent of this kind (for this partner, when given) is in force today' })
  async hasActiveConsent(
    @Root() p: PatientRecord, @Ctx() ctx: SubgraphContext,
    @Arg('kind', () => ConsentKind) kind: ConsentKind,
    @Arg('partnerOrgId', () => ID, { nullable: true }) partnerOrgId?: string | null,
  ): Promise<boolean> {
    await readRecord(ctx, p, PatientData.CONSENTS, 'Consent');
    const today = utcDay(new Date());
    return (await consentsOf(ctx).load(p.id)).some((c) => c.kind === kind && (!partnerOrgId || c.partnerOrgId === partnerOrgId) && consentInForce(c, today));
  }
}
