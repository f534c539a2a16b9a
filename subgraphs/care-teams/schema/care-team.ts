/** Care teams and their members; `Patient.careTeams` and `Patient.carePlans`. */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, Query, Resolver, Root } from 'type-graphql';
import { In } from 'typeorm';
import { isAdmin } from '../../../shared/auth';
import { badInput, notFound } from '../../../shared/errors';
import { recordEvent } from '../../../shared/events';
import { alignByKey, groupByKey, isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import { CarePlanRecord, CareTeamMemberRecord, CareTeamRecord } from '../data/entities';
import { assertCareTeamRole, assertPatientAccess, myPatientIds } from './access';
import { CarePlan, CareTeam, CareTeamMember, CareTeamRoleCode, Patient } from './types';

export const careTeamsByPatient = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, CareTeamRecord[]>('careTeamsByPatient', async (ids) =>
    groupByKey(ids, await ctx.db.getRepository(CareTeamRecord).find({ where: { patientId: In([...ids]) }, order: { createdAt: 'ASC' } }), (t) => t.patientId));

export const carePlansByPatient = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, CarePlanRecord[]>('carePlansByPatient', async (ids) =>
    groupByKey(ids, await ctx.db.getRepository(CarePlanRecord).find({ where: { patientId: In([...ids]) }, order: { createdAt: 'ASC' } }), (p) => p.patientId));

export const membersByTeam = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, CareTeamMemberRecord[]>('membersByTeam', async (ids) =>
    groupByKey(ids, await ctx.db.getRepository(CareTeamMemberRecord).find({ where: { careTeamId: In([...ids]) }, order: { periodStart: 'ASC' } }), (m) => m.careTeamId));

export const careTeamById = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, CareTeamRecord | null>('careTeamById', async (ids) =>
    alignByKey(ids, await ctx.db.getRepository(CareTeamRecord).findBy({ id: In([...ids]) }), (t) => t.id));

/** Keeps only what the caller may see: admins everything, members their patients'. */
async function visible<T extends { patientId: string }>(ctx: SubgraphContext, rows: T[]): Promise<T[]> {
  assertCareTeamRole(ctx);
  if (isAdmin(ctx.principal)) return rows;
  const mine = await myPatientIds(ctx);
  return rows.filter((r) => mine.has(r.patientId));
}

@InputType()
class CareTeamMemberInput {
  @Field(() => ID) practitionerId: string;
  @Field(() => CareTeamRoleCode) role: CareTeamRoleCode;
}

@InputType()
class FormCareTeamInput {
  @Field(() => ID) patientId: string;
  @Field() name: string;
  @Field(() => [CareTeamMemberInput]) members: CareTeamMemberInput[];
}

@Resolver(() => Patient)
export class PatientCareResolver {
  @FieldResolver(() => [CareTeam], { description: "The patient's care teams (visible to their members)" })
  async careTeams(@Root() patient: Patient, @Ctx() ctx: SubgraphContext) {
    return visible(ctx, await careTeamsByPatient(ctx).load(patient.id));
  }

  @FieldResolver(() => [CarePlan], { description: "The patient's care plans (visible to their care team)" })
  async carePlans(@Root() patient: Patient, @Ctx() ctx: SubgraphContext) {
    return visible(ctx, await carePlansByPatient(ctx).load(patient.id));
  }
}

@Resolver(() => CareTeam)
export class CareTeamResolver {
  @Query(() => CareTeam, { nullable: true })
  async careTeam(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext) {
    const team = isUuid(id) ? await careTeamById(ctx).load(id) : null;
    return team && (await visible(ctx, [team]))[0] ? team : null;
  }

  @FieldResolver(() => Patient)
  patient(@Root() team: CareTeamRecord): Patient {
    return { id: team.patientId };
  }

  @FieldResolver(() => [CareTeamMember])
  async members(@Root() team: CareTeamRecord, @Ctx() ctx: SubgraphContext): Promise<CareTeamMember[]> {
    return (await membersByTeam(ctx).load(team.id)).map((m) => ({ ...m, active: m.periodEnd === null }));
  }

  @Mutation(() => CareTeam, { description: 'Forms an active care team for a patient, with exactly one care coordinator' })
  async formCareTeam(@Arg('input') input: FormCareTeamInput, @Ctx() ctx: SubgraphContext) {
    assertCareTeamRole(ctx);
    const coordinators = input.members.filter((m) => m.role === CareTeamRoleCode.CARE_COORDINATOR);
    if (coordinators.length !== 1) throw badInput('An active care team needs exactly one care coordinator', 'members');
    if (!input.name.trim()) throw badInput('name must not be empty', 'name');
    return ctx.db.transaction(async (m) => {
      const team = await m.save(m.create(CareTeamRecord, { patientId: input.patientId, name: input.name.trim(), status: 'active' }));
      const members = await m.save(input.members.map((x) => m.create(CareTeamMemberRecord, { careTeamId: team.id, practitionerId: x.practitionerId, role: x.role, periodStart: new Date() })));
      await recordEvent(m, ctx.source, {
        type: 'CareTeamFormed', aggregateType: 'CareTeam', aggregateId: team.id, patientId: team.patientId, actor: ctx.principal.sub,
        payload: { careTeamId: team.id, members: members.map((x) => ({ practitionerId: x.practitionerId, role: x.role })) },
      });
      return team;
    });
  }
}

export async function requireCareTeam(ctx: SubgraphContext, id: string): Promise<CareTeamRecord> {
  const team = isUuid(id) ? await careTeamById(ctx).load(id) : null;
  if (!team) throw notFound('CareTeam', id);
  await assertPatientAccess(ctx, team.patientId);
  return team;
}
