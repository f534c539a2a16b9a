/** `Patient`: the population registry, owned here and extended by the other subgraphs. */
import { Arg, Ctx, Directive, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { In } from 'typeorm';
import { recordEvent } from '../../../shared/events';
import { badInput, conflict, notFound } from '../../../shared/errors';
import { alignByKey, isUuid } from '../../../shared/federation';
import { Connection, decodeCursor, pageSize, toPage } from '../../../shared/pagination';
import type { SubgraphContext } from '../../../shared/subgraph';
import { AdministrativeSex, PatientRecord } from '../data/entities';
import { assertClinicalAccess } from './access';

registerEnumType(AdministrativeSex, { name: 'AdministrativeSex', description: 'FHIR administrative gender' });

@ObjectType({ description: 'A person in the care program (FHIR Patient)' })
@Directive('@key(fields: "id")')
export class Patient {
  @Field(() => ID) id: string;
  @Field({ description: 'Medical record number, unique in the program' }) mrn: string;
  @Field() givenName: string;
  @Field() familyName: string;
  @Field({ description: 'ISO date' }) birthDate: string;
  @Field(() => AdministrativeSex) administrativeSex: AdministrativeSex;
  @Field(() => String, { nullable: true }) phone: string | null;
  @Field(() => String, { nullable: true }) email: string | null;
  @Field(() => String, { nullable: true }) addressLine: string | null;
  @Field(() => String, { nullable: true }) city: string | null;
  @Field(() => String, { nullable: true }) state: string | null;
  @Field(() => String, { nullable: true }) postalCode: string | null;
  @Field({ description: 'BCP-47 language code, e.g. "es"' }) preferredLanguage: string;
  @Field() interpreterNeeded: boolean;
  @Field(() => String, { nullable: true }) primaryCarePractitionerId: string | null;
  @Field() deceased: boolean;
  @Field(() => Date, { nullable: true }) deceasedAt: Date | null;
}

const PatientConnection = Connection(Patient, 'Patient');

@InputType()
export class RegisterPatientInput {
  @Field() mrn: string;
  @Field() givenName: string;
  @Field() familyName: string;
  @Field() birthDate: string;
  @Field(() => AdministrativeSex) administrativeSex: AdministrativeSex;
  @Field(() => String, { nullable: true }) phone?: string | null;
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true }) addressLine?: string | null;
  @Field(() => String, { nullable: true }) city?: string | null;
  @Field(() => String, { nullable: true }) state?: string | null;
  @Field(() => String, { nullable: true }) postalCode?: string | null;
  @Field(() => String, { nullable: true }) preferredLanguage?: string | null;
  @Field(() => Boolean, { nullable: true }) interpreterNeeded?: boolean | null;
  @Field(() => String, { nullable: true }) primaryCarePractitionerId?: string | null;
}

/** Batched lookup used by `__resolveReference` and by `patient(id)`. */
export function patientLoader(ctx: SubgraphContext) {
  return ctx.loaders.get<string, PatientRecord | null>('patient', async (ids) =>
    alignByKey(ids, await ctx.db.getRepository(PatientRecord).findBy({ id: In([...ids]) }), (p) => p.id));
}

export async function resolvePatientReference(ref: { id: string }, ctx: SubgraphContext): Promise<PatientRecord | null> {
  assertClinicalAccess(ctx.principal);
  return isUuid(ref.id) ? patientLoader(ctx).load(ref.id) : null;
}

@Resolver(() => Patient)
export class PatientResolver {
  @Query(() => Patient, { nullable: true, description: 'One patient by id' })
  async patient(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext): Promise<PatientRecord | null> {
    assertClinicalAccess(ctx.principal);
    return isUuid(id) ? patientLoader(ctx).load(id) : null;
  }

  @Query(() => PatientConnection, { description: 'The population registry, paged' })
  async patients(
    @Ctx() ctx: SubgraphContext,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    assertClinicalAccess(ctx.principal);
    const take = pageSize(first);
    const skip = decodeCursor(after);
    const [rows, total] = await ctx.db.getRepository(PatientRecord).findAndCount({ order: { familyName: 'ASC', givenName: 'ASC', id: 'ASC' }, take, skip });
    return toPage(rows, skip, total);
  }

  @Mutation(() => Patient, { description: 'Adds a patient to the registry' })
  async registerPatient(@Arg('input') input: RegisterPatientInput, @Ctx() ctx: SubgraphContext): Promise<PatientRecord> {
    assertClinicalAccess(ctx.principal, 'register patients');
    const mrn = input.mrn.trim();
    if (!mrn) throw badInput('mrn must not be empty', 'mrn');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(input.birthDate) || Number.isNaN(Date.parse(input.birthDate))) throw badInput('birthDate must be an ISO date (YYYY-MM-DD)', 'birthDate');
    if (new Date(input.birthDate) > new Date()) throw badInput('birthDate cannot be in the future', 'birthDate');
    return ctx.db.transaction(async (m) => {
      if (await m.exists(PatientRecord, { where: { mrn } })) throw conflict(`A patient with MRN ${mrn} is already registered`, { field: 'mrn' });
      const saved = await m.save(m.create(PatientRecord, {
        ...input, mrn, preferredLanguage: input.preferredLanguage ?? 'en', interpreterNeeded: input.interpreterNeeded ?? false,
      }));
      await recordEvent(m, ctx.source, {
        type: 'PatientRegistered', aggregateType: 'Patient', aggregateId: saved.id, patientId: saved.id, actor: ctx.principal.sub,
        payload: { mrn: saved.mrn, birthDate: saved.birthDate, postalCode: saved.postalCode },
      });
      return saved;
    });
  }
}

export async function requirePatient(ctx: SubgraphContext, id: string): Promise<PatientRecord> {
  const p = isUuid(id) ? await patientLoader(ctx).load(id) : null;
  if (!p) throw notFound('Patient', id);
  return p;
}
