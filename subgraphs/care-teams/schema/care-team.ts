/**
 * Care teams (FHIR CareTeam) and their members; `Patient.careTeams` and
 * `Patient.carePlans`. Forming a team is enrolment (PatientData.ENROLLMENT);
 * reading a patient's teams is CARE_PLANS read — both asked of the one access
 * table through ctx.access (schema/access.ts). Roster changes follow the team's
 * own authority rules there.
 */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PatientData } from '../../../shared/access';
import { AFTER_DESCRIPTION, childPages, decodeKeysetCursor, FIRST_DESCRIPTION, pageSize, type ChildKeyset } from '../../../shared/pagination';
import { IsNull, type EntityManager } from 'typeorm';
import { badInput, conflict, notFound } from '../../../shared/errors';
import { recordEvent } from '../../../shared/events';
import { isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import {
  CareTeamRole, CareTeamStatus, activeCoordinators, assertMembershipPeriod, assertOneCoordinator, careTeamLifecycle,
  type Membership,
} from '../domain';
import { CareTeamMemberRecord, CareTeamRecord } from '../data/entities';
import { isKnownPatient } from '../data/patient-events';
import {
  assertCanEndMembership, assertCareTeamRole, assertCarePlansRead, assertCarePlansWrite, assertTeamCoordinator, assertTeamMember,
} from './access';
import { careTeamById, careTeamsByPatient, carePlansByPatient, carePlansByTeam, membersByTeam, practitionerById } from './loaders';
import { CarePlan, CareTeam, CareTeamMember, CareTeamMemberConnection, Patient, Practitioner } from './types';
import { toPractitioner } from './practitioner';

/** Teams in these statuses still care for the patient; at most one per patient (care_team_one_open_per_patient). */
const OPEN_TEAM_STATUSES: readonly string[] = [CareTeamStatus.PROPOSED, CareTeamStatus.ACTIVE, CareTeamStatus.SUSPENDED];

const toMembership = (r: CareTeamMemberRecord): Membership => ({
  id: r.id, practitionerId: r.practitionerId, role: r.role as CareTeamRole, start: r.periodStart, end: r.periodEnd,
});

function practitionerIdOf(value: string, field: string): string {
  const id = value.trim();
  if (!id) throw badInput(`${field} must name a practitioner`, field);
  return id;
}

@InputType()
class CareTeamMemberInput {
  @Field(() => ID) practitionerId: string;
  @Field(() => CareTeamRole) role: CareTeamRole;
}

@InputType()
class FormCareTeamInput {
  @Field(() => ID) patientId: string;
  @Field() name: string;
  @Field(() => [CareTeamMemberInput], { description: 'Exactly one CARE_COORDINATOR' }) members: CareTeamMemberInput[];
}

@InputType()
class AddCareTeamMemberInput {
  @Field(() => ID) careTeamId: string;
  @Field(() => ID) practitionerId: string;
  @Field(() => CareTeamRole, { description: 'Not CARE_COORDINATOR: use handOverCareCoordinator' }) role: CareTeamRole;
}

@InputType()
class EndCareTeamMembershipInput {
  @Field(() => ID) membershipId: string;
}

@InputType()
class HandOverCareCoordinatorInput {
  @Field(() => ID) careTeamId: string;
  @Field(() => ID) toPractitionerId: string;
}

@InputType()
class ChangeCareTeamStatusInput {
  @Field(() => ID) careTeamId: string;
  @Field(() => CareTeamStatus) status: CareTeamStatus;
}

function teamEvent(m: EntityManager, ctx: SubgraphContext, team: CareTeamRecord, type: string, payload: Record<string, unknown>) {
  return recordEvent(m, ctx.source, {
    type, aggregateType: 'CareTeam', aggregateId: team.id, patientId: team.patientId, actor: ctx.principal.sub,
    payload: { careTeamId: team.id, ...payload },
  });
}

/** The team by id: NOT_FOUND when it does not exist (access is checked by the caller). */
export async function findCareTeam(ctx: SubgraphContext, id: string): Promise<CareTeamRecord> {
  const team = isUuid(id) ? await careTeamById(ctx).load(id) : null;
  if (!team) throw notFound('CareTeam', id);
  return team;
}

/** The team by id, for someone who may change its patient's plans (NOT_FOUND, then FORBIDDEN). */
export async function requireCareTeam(ctx: SubgraphContext, id: string): Promise<CareTeamRecord> {
  const team = await findCareTeam(ctx, id);
  await assertCarePlansWrite(ctx, team.patientId, 'CareTeam');
  return team;
}

/** A team's memberships by start, the id breaking ties, as a keyset (shared/pagination.ts). */
const TEAM_MEMBERS: ChildKeyset = {
  list: 'CareTeam.members', table: 'care_teams.care_team_member', alias: 'm', parent: 'care_team_id', identity: ['id'],
  columns: [{ expr: 'm.period_start', direction: 'ASC', type: 'timestamptz' }, { expr: 'm.id', direction: 'ASC', type: 'uuid' }],
};
const memberPages = (ctx: SubgraphContext) => childPages(ctx, CareTeamMemberRecord, TEAM_MEMBERS, (m) => m.careTeamId);

/**
 * Runs a membership change with the team row locked, so concurrent changes to one
 * team apply one after the other and the one-coordinator rule holds between them.
 */
async function changeTeam<T>(ctx: SubgraphContext, teamId: string, change: (m: EntityManager, team: CareTeamRecord, members: CareTeamMemberRecord[], now: Date) => Promise<T>): Promise<T> {
  const result = await ctx.db.transaction(async (m) => {
    const team = await m.findOneOrFail(CareTeamRecord, { where: { id: teamId }, lock: { mode: 'pessimistic_write' } });
    if (!OPEN_TEAM_STATUSES.includes(team.status)) throw badInput(`The care team is ${team.status}; its membership can no longer change`, 'careTeamId');
    const members = await m.find(CareTeamMemberRecord, { where: { careTeamId: teamId }, order: { periodStart: 'ASC' } });
    return change(m, team, members, new Date());
  });
  membersByTeam(ctx).clear(teamId);
  memberPages(ctx).clear();
  return result;
}

@Resolver(() => Patient)
export class PatientCareResolver {
  @FieldResolver(() => [CareTeam], {
    nullable: true,
    description: "The patient's care teams, oldest first: for the care team, a clinician who broke the glass, and admins (FORBIDDEN otherwise)",
  })
  async careTeams(@Root() patient: Patient, @Ctx() ctx: SubgraphContext) {
    await assertCarePlansRead(ctx, patient.id, 'CareTeam');
    return careTeamsByPatient(ctx).load(patient.id);
  }

  @FieldResolver(() => [CarePlan], {
    nullable: true,
    description: "The patient's care plans, oldest first: for the care team, a clinician who broke the glass, and admins (FORBIDDEN otherwise)",
  })
  async carePlans(@Root() patient: Patient, @Ctx() ctx: SubgraphContext) {
    await assertCarePlansRead(ctx, patient.id, 'CarePlan');
    return carePlansByPatient(ctx).load(patient.id);
  }
}

@Resolver(() => CareTeamMember)
export class CareTeamMemberResolver {
  @FieldResolver(() => Practitioner, { nullable: true })
  async practitioner(@Root() member: CareTeamMemberRecord, @Ctx() ctx: SubgraphContext) {
    const p = await practitionerById(ctx).load(member.practitionerId);
    return p && toPractitioner(p);
  }

  @FieldResolver(() => Boolean)
  active(@Root() member: CareTeamMemberRecord): boolean {
    return member.periodEnd === null;
  }
}

@Resolver(() => CareTeam)
export class CareTeamResolver {
  @Query(() => CareTeam, { nullable: true, description: "A care team, for the patient's care team and admins: null when there is none, FORBIDDEN when you may not see it" })
  async careTeam(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext) {
    const team = isUuid(id) ? await careTeamById(ctx).load(id) : null;
    if (!team) return null;
    await assertCarePlansRead(ctx, team.patientId, 'CareTeam');
    return team;
  }

  @FieldResolver(() => Patient)
  patient(@Root() team: CareTeamRecord): Patient {
    return { id: team.patientId };
  }

  // The team was checked where it entered the answer (query, reference or write): its roster needs no second check.
  @FieldResolver(() => CareTeamMemberConnection, { description: 'Members past and present, by start of membership, paged' })
  members(
    @Root() team: CareTeamRecord,
    @Ctx() ctx: SubgraphContext,
    @Arg('first', () => Int, { nullable: true, description: FIRST_DESCRIPTION }) first?: number | null,
    @Arg('after', () => String, { nullable: true, description: AFTER_DESCRIPTION }) after?: string | null,
  ) {
    return memberPages(ctx).load(team.id, pageSize(first), decodeKeysetCursor(TEAM_MEMBERS, after));
  }

  @FieldResolver(() => CareTeamMember, { nullable: true, description: 'The current care coordinator' })
  async coordinator(@Root() team: CareTeamRecord, @Ctx() ctx: SubgraphContext) {
    const members = await membersByTeam(ctx).load(team.id);
    const [current] = activeCoordinators(members.map(toMembership), new Date());
    return members.find((m) => m.id === current?.id) ?? null;
  }

  @FieldResolver(() => [CarePlan])
  carePlans(@Root() team: CareTeamRecord, @Ctx() ctx: SubgraphContext) {
    return carePlansByTeam(ctx).load(team.id);
  }

  @Mutation(() => CareTeam, { description: 'Forms an active care team for a patient who has none, with exactly one care coordinator' })
  async formCareTeam(@Arg('input') input: FormCareTeamInput, @Ctx() ctx: SubgraphContext) {
    if (!isUuid(input.patientId)) throw badInput('patientId must be a patient id', 'patientId');
    // The table: care coordinators (and admins) enroll a patient who has no active team.
    await ctx.access.assert(input.patientId, PatientData.ENROLLMENT, 'write', 'CareTeam');
    if (!(await isKnownPatient(ctx.db, input.patientId))) throw notFound('Patient', input.patientId);
    const name = input.name.trim();
    if (!name) throw badInput('name must not be empty', 'name');
    const now = new Date();
    const members = input.members.map((x, i) => ({ id: String(i), practitionerId: practitionerIdOf(x.practitionerId, 'members'), role: x.role, start: now, end: null }));
    assertOneCoordinator(members, now);
    if (new Set(members.map((x) => `${x.practitionerId}|${x.role}`)).size !== members.length) {
      throw badInput('A practitioner is listed twice in the same role', 'members');
    }
    return ctx.db.transaction(async (m) => {
      // Serialises team formation per patient, so the open-team check below cannot race.
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`care-team:${input.patientId}`]);
      const open = await m.findOne(CareTeamRecord, { where: OPEN_TEAM_STATUSES.map((status) => ({ patientId: input.patientId, status })) });
      if (open) throw conflict('The patient already has an open care team; add members to it instead', { careTeamId: open.id });
      const team = await m.save(m.create(CareTeamRecord, { patientId: input.patientId, name, status: CareTeamStatus.ACTIVE }));
      const saved = await m.save(members.map((x) => m.create(CareTeamMemberRecord, { careTeamId: team.id, practitionerId: x.practitionerId, role: x.role, periodStart: now })));
      await teamEvent(m, ctx, team, 'CareTeamFormed', {
        status: team.status,
        members: saved.map((x) => ({ practitionerId: x.practitionerId, role: x.role, membershipId: x.id })),
      });
      return team;
    });
  }

  @Mutation(() => CareTeamMember, { description: 'Adds a practitioner to a care team in a role' })
  async addCareTeamMember(@Arg('input') input: AddCareTeamMemberInput, @Ctx() ctx: SubgraphContext) {
    const team = await findCareTeam(ctx, input.careTeamId);
    await assertTeamMember(ctx, team);
    const practitionerId = practitionerIdOf(input.practitionerId, 'practitionerId');
    if (input.role === CareTeamRole.CARE_COORDINATOR) {
      throw badInput('A team has exactly one care coordinator: use handOverCareCoordinator', 'role');
    }
    return changeTeam(ctx, team.id, async (m, locked, members, now) => {
      if (members.some((x) => x.periodEnd === null && x.practitionerId === practitionerId && x.role === input.role)) {
        throw conflict('The practitioner is already an active member in this role', { field: 'practitionerId' });
      }
      const member = await m.save(m.create(CareTeamMemberRecord, { careTeamId: locked.id, practitionerId, role: input.role, periodStart: now }));
      await teamEvent(m, ctx, locked, 'CareTeamMemberAdded', { membershipId: member.id, practitionerId, role: member.role });
      return member;
    });
  }

  @Mutation(() => CareTeamMember, { description: "Ends a membership now; the coordinator's only ends by hand-over" })
  async endCareTeamMembership(@Arg('input') input: EndCareTeamMembershipInput, @Ctx() ctx: SubgraphContext) {
    assertCareTeamRole(ctx);
    const membership = isUuid(input.membershipId) ? await ctx.db.getRepository(CareTeamMemberRecord).findOneBy({ id: input.membershipId }) : null;
    if (!membership) throw notFound('CareTeamMembership', input.membershipId);
    const team = await findCareTeam(ctx, membership.careTeamId);
    await assertCanEndMembership(ctx, team, membership);
    return changeTeam(ctx, team.id, async (m, locked, members, now) => {
      const current = members.find((x) => x.id === membership.id)!;
      if (current.periodEnd !== null) throw conflict('The membership has already ended', { field: 'membershipId' });
      assertMembershipPeriod(current.periodStart, now);
      const after = members.map((x) => toMembership(x.id === current.id ? { ...x, periodEnd: now } : x));
      // An open team always has exactly one named coordinator: the role moves by hand-over only.
      if (current.role === CareTeamRole.CARE_COORDINATOR && activeCoordinators(after, now).length !== 1) {
        throw badInput("The care coordinator's membership ends only by handing the role over (handOverCareCoordinator)", 'membershipId');
      }
      current.periodEnd = now;
      await m.update(CareTeamMemberRecord, { id: current.id }, { periodEnd: now });
      await teamEvent(m, ctx, locked, 'CareTeamMembershipEnded', { membershipId: current.id, practitionerId: current.practitionerId, role: current.role });
      return current;
    });
  }

  @Mutation(() => CareTeam, { description: 'Hands the care coordinator role to another practitioner, ending the current coordinator\'s membership at the same instant' })
  async handOverCareCoordinator(@Arg('input') input: HandOverCareCoordinatorInput, @Ctx() ctx: SubgraphContext) {
    const team = await findCareTeam(ctx, input.careTeamId);
    await assertTeamCoordinator(ctx, team, 'hand over the coordinator role');
    const to = practitionerIdOf(input.toPractitionerId, 'toPractitionerId');
    return changeTeam(ctx, team.id, async (m, locked, members, now) => {
      const [from] = activeCoordinators(members.map(toMembership), now);
      if (from?.practitionerId === to) throw badInput('The practitioner is already the care coordinator', 'toPractitionerId');
      // Half-open periods: the old membership ends at the instant the new one starts, so exactly one is active.
      if (from) await m.update(CareTeamMemberRecord, { id: from.id }, { periodEnd: now });
      const next = await m.save(m.create(CareTeamMemberRecord, { careTeamId: locked.id, practitionerId: to, role: CareTeamRole.CARE_COORDINATOR, periodStart: now }));
      const after = [...members.map(toMembership).map((x) => (x.id === from?.id ? { ...x, end: now } : x)), toMembership(next)];
      assertOneCoordinator(after, now);
      await teamEvent(m, ctx, locked, 'CareCoordinatorHandedOver', {
        fromPractitionerId: from?.practitionerId ?? null, toPractitionerId: to, endedMembershipId: from?.id ?? null, membershipId: next.id,
      });
      return locked;
    });
  }

  @Mutation(() => CareTeam, { description: 'Moves the team through FHIR CareTeam.status (suspend, reinstate, close)' })
  async changeCareTeamStatus(@Arg('input') input: ChangeCareTeamStatusInput, @Ctx() ctx: SubgraphContext) {
    const team = await findCareTeam(ctx, input.careTeamId);
    await assertTeamCoordinator(ctx, team, "change the team's status");
    const result = await ctx.db.transaction(async (m) => {
      const locked = await m.findOneOrFail(CareTeamRecord, { where: { id: team.id }, lock: { mode: 'pessimistic_write' } });
      if (locked.status === input.status) return locked;
      careTeamLifecycle.assertTransition(locked.status as CareTeamStatus, input.status);
      if (input.status === CareTeamStatus.ACTIVE) {
        const now = new Date();
        assertOneCoordinator((await m.find(CareTeamMemberRecord, { where: { careTeamId: locked.id, periodEnd: IsNull() } })).map(toMembership), now);
      }
      const previousStatus = locked.status;
      locked.status = input.status;
      await m.save(locked);
      await teamEvent(m, ctx, locked, 'CareTeamStatusChanged', { status: locked.status, previousStatus });
      return locked;
    });
    careTeamById(ctx).clear(team.id);
    return result;
  }
}
