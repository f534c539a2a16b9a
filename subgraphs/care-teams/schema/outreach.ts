/**
 * Outreach (issue 13): contacts and attempts to reach the patient — phone, video, portal
 * message, home visit, in person — with their outcome, the member who made them and
 * when. Recording one re-evaluates the TCM interactive-contact step of the patient's
 * open episodes (domain/tcm-steps.ts: a timely successful contact, or two or more
 * separate timely attempts, CMS TCM FAQ), in the same transaction, with one
 * OutreachContactRecorded and, when the step changes, one TransitionalCareStepChanged.
 */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, ObjectType, Resolver, Root, registerEnumType } from 'type-graphql';
import { In, IsNull, MoreThanOrEqual, type EntityManager } from 'typeorm';
import { badInput, notFound } from '../../../shared/errors';
import { recordEvent } from '../../../shared/events';
import { groupByKey, isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import { CareTeamStatus, TcmStepKind } from '../domain';
import { interactiveContactCompletion, OutreachChannel, OutreachOutcome } from '../domain/tcm-steps';
import { CareTeamMemberRecord, CareTeamRecord, TransitionalCareEpisodeRecord, TransitionalCareStepRecord } from '../data/entities';
import { OutreachContactRecord } from '../data/outreach-entities';
import { episodePayload } from '../data/patient-events';
import { assertCarePlansRead, assertCarePlansWrite } from './access';
import { stepsByEpisode } from './loaders';
import { Patient } from './types';

registerEnumType(OutreachChannel, { name: 'OutreachChannel', description: 'How the team reached out' });
registerEnumType(OutreachOutcome, { name: 'OutreachOutcome', description: 'REACHED is an interactive contact; NO_ANSWER, LEFT_MESSAGE and WRONG_NUMBER are unsuccessful attempts' });

@ObjectType({ description: 'A contact or attempt to reach the patient (FHIR Communication)' })
export class OutreachContact {
  @Field(() => ID) id: string;
  @Field(() => ID) careTeamId: string;
  @Field(() => OutreachChannel) channel: OutreachChannel;
  @Field(() => OutreachOutcome) outcome: OutreachOutcome;
  @Field(() => ID, { description: 'The member who made it' }) practitionerId: string;
  @Field() contactedAt: Date;
  @Field(() => String, { nullable: true }) note: string | null;
  @Field() recordedBy: string;
  @Field() createdAt: Date;
}

@InputType()
class RecordOutreachContactInput {
  @Field(() => ID) patientId: string;
  @Field(() => OutreachChannel) channel: OutreachChannel;
  @Field(() => OutreachOutcome) outcome: OutreachOutcome;
  @Field(() => ID, { nullable: true, description: 'The member who made it (default: you)' }) practitionerId?: string | null;
  @Field(() => Date, { nullable: true, description: 'When (default now); not in the future' }) contactedAt?: Date | null;
  @Field(() => String, { nullable: true }) note?: string | null;
}

const NOTE_BY_BASIS = {
  CONTACT: 'Interactive contact made',
  ATTEMPTS: 'Two or more separate timely attempts, unsuccessful (CMS TCM FAQ)',
  LATE_CONTACT: 'Interactive contact made after the due time',
} as const;

@Resolver(() => OutreachContact)
export class OutreachResolver {
  @Mutation(() => OutreachContact, { description: 'Records a contact or attempt to reach the patient; meets the TCM interactive contact when it should' })
  async recordOutreachContact(@Arg('input') input: RecordOutreachContactInput, @Ctx() ctx: SubgraphContext): Promise<OutreachContactRecord> {
    if (!isUuid(input.patientId)) throw notFound('Patient', input.patientId);
    const now = new Date();
    const contactedAt = input.contactedAt ?? now;
    if (Number.isNaN(contactedAt.getTime()) || contactedAt.getTime() > now.getTime()) throw badInput('input.contactedAt cannot be in the future', 'input.contactedAt');
    await assertCarePlansWrite(ctx, input.patientId, 'OutreachContact');
    const practitionerId = input.practitionerId?.trim() || ctx.principal.sub;
    const result = await ctx.db.transaction(async (m) => {
      const team = await m.findOne(CareTeamRecord, { where: { patientId: input.patientId, status: CareTeamStatus.ACTIVE } });
      if (!team) throw notFound('Active care team of patient', input.patientId);
      const member = await m.exists(CareTeamMemberRecord, { where: { careTeamId: team.id, practitionerId, periodEnd: IsNull() } });
      if (!member) throw badInput(`${practitionerId} is not an active member of the patient's care team`, 'input.practitionerId');
      if (contactedAt.getTime() < Date.UTC(1900, 0, 1)) throw badInput('input.contactedAt is before 1900', 'input.contactedAt');
      const contact = await m.save(m.create(OutreachContactRecord, {
        patientId: input.patientId, careTeamId: team.id, channel: input.channel, outcome: input.outcome, practitionerId, contactedAt,
        note: input.note?.trim() || null, recordedBy: ctx.principal.sub,
      }));
      await recordEvent(m, ctx.source, {
        type: 'OutreachContactRecorded', aggregateType: 'OutreachContact', aggregateId: contact.id, patientId: input.patientId, actor: ctx.principal.sub,
        payload: { contactId: contact.id, careTeamId: team.id, channel: contact.channel, outcome: contact.outcome, practitionerId, contactedAt: contactedAt.toISOString() },
      });
      const changedEpisodes = await applyToInteractiveContact(ctx, m, input.patientId, contactedAt, now);
      return { contact, changedEpisodes };
    });
    for (const id of result.changedEpisodes) stepsByEpisode(ctx).clear(id);
    return result.contact;
  }
}

/** Re-evaluates the interactive-contact step of every open episode whose period holds the contact; returns the episodes changed. */
async function applyToInteractiveContact(ctx: SubgraphContext, m: EntityManager, patientId: string, contactedAt: Date, now: Date): Promise<string[]> {
  const episodes = await m.find(TransitionalCareEpisodeRecord, { where: { patientId, periodEnd: MoreThanOrEqual(contactedAt) } });
  const changed: string[] = [];
  for (const episode of episodes) {
    if (episode.dischargedAt.getTime() > contactedAt.getTime()) continue;
    const steps = await m.find(TransitionalCareStepRecord, { where: { episodeId: episode.id }, order: { dueAt: 'ASC', kind: 'DESC' }, lock: { mode: 'pessimistic_write' } });
    const step = steps.find((s) => s.kind === TcmStepKind.INTERACTIVE_CONTACT);
    if (!step || step.completedAt) continue;
    const outreach = await m.find(OutreachContactRecord, { where: { patientId, contactedAt: MoreThanOrEqual(episode.dischargedAt) } });
    const done = interactiveContactCompletion(episode.dischargedAt, step.dueAt, outreach);
    if (!done) continue;
    step.completedAt = done.completedAt;
    step.completedBy = ctx.principal.sub;
    step.note = NOTE_BY_BASIS[done.basis];
    await m.save(step);
    await recordEvent(m, ctx.source, {
      type: 'TransitionalCareStepChanged', aggregateType: 'TransitionalCareEpisode', aggregateId: episode.id, patientId, actor: ctx.principal.sub,
      payload: { ...episodePayload(episode, steps, now), changedStep: step.kind, basis: done.basis },
    });
    changed.push(episode.id);
  }
  return changed;
}

@Resolver(() => Patient)
export class PatientOutreachResolver {
  @FieldResolver(() => [OutreachContact], { nullable: true, description: "Contacts and attempts to reach the patient, latest first (the patient's care team)" })
  async outreachContacts(@Root() patient: Patient, @Ctx() ctx: SubgraphContext): Promise<OutreachContactRecord[]> {
    await assertCarePlansRead(ctx, patient.id, 'OutreachContact');
    // One query for every patient of the request.
    return ctx.loaders.get<string, OutreachContactRecord[]>('outreachOf', async (ids) =>
      groupByKey(ids, await ctx.db.getRepository(OutreachContactRecord).find({ where: { patientId: In([...ids]) }, order: { contactedAt: 'DESC', id: 'ASC' } }), (r) => r.patientId),
    ).load(patient.id);
  }
}
