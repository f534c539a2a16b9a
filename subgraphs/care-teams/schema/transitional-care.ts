/** CMS Transitional Care Management episodes (opened from discharges) and their steps. */
import { Arg, Ctx, Field, FieldResolver, ID, InputType, Mutation, Query, Resolver, Root } from 'type-graphql';
import { badInput, conflict, notFound } from '../../../shared/errors';
import { recordEvent } from '../../../shared/events';
import { isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import { TcmStepKind, TcmStepStatus, medicationReconciliationDueAfterVisit, tcmStepStatus } from '../domain';
import { TransitionalCareEpisodeRecord, TransitionalCareStepRecord } from '../data/entities';
import { episodePayload } from '../data/patient-events';
import { assertCarePlansRead, assertCarePlansWrite } from './access';
import { episodeById, episodesByPatient, stepsByEpisode } from './loaders';
import { Patient, TransitionalCareEpisode, TransitionalCareStep } from './types';

@InputType()
class CompleteTransitionalCareStepInput {
  @Field(() => ID) episodeId: string;
  @Field(() => TcmStepKind) step: TcmStepKind;
  @Field(() => Date, { nullable: true, description: 'When it was done; defaults to now' }) completedAt?: Date | null;
  @Field(() => String, { nullable: true }) note?: string | null;
}

@Resolver(() => Patient)
export class PatientTransitionalCareResolver {
  @FieldResolver(() => [TransitionalCareEpisode], {
    nullable: true,
    description: 'Transitional care episodes, newest discharge first: for the care team, a clinician who broke the glass, and admins (FORBIDDEN otherwise)',
  })
  async transitionalCareEpisodes(@Root() patient: Patient, @Ctx() ctx: SubgraphContext) {
    await assertCarePlansRead(ctx, patient.id, 'TransitionalCareEpisode');
    return episodesByPatient(ctx).load(patient.id);
  }
}

@Resolver(() => TransitionalCareStep)
export class TransitionalCareStepResolver {
  @FieldResolver(() => TcmStepStatus, { description: 'As of now' })
  status(@Root() step: TransitionalCareStepRecord): TcmStepStatus {
    return tcmStepStatus(step.dueAt, step.completedAt, new Date());
  }
}

@Resolver(() => TransitionalCareEpisode)
export class TransitionalCareEpisodeResolver {
  @Query(() => TransitionalCareEpisode, { nullable: true, description: 'Null when there is none, FORBIDDEN when you may not see it' })
  async transitionalCareEpisode(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext) {
    const episode = isUuid(id) ? await episodeById(ctx).load(id) : null;
    if (!episode) return null;
    await assertCarePlansRead(ctx, episode.patientId, 'TransitionalCareEpisode');
    return episode;
  }

  @FieldResolver(() => Patient)
  patient(@Root() episode: TransitionalCareEpisodeRecord): Patient {
    return { id: episode.patientId };
  }

  @FieldResolver(() => [TransitionalCareStep])
  steps(@Root() episode: TransitionalCareEpisodeRecord, @Ctx() ctx: SubgraphContext) {
    return stepsByEpisode(ctx).load(episode.id);
  }

  @Mutation(() => TransitionalCareEpisode, { description: 'Records that a TCM step was done (interactive contact, medication reconciliation, face-to-face visit)' })
  async completeTransitionalCareStep(@Arg('input') input: CompleteTransitionalCareStepInput, @Ctx() ctx: SubgraphContext) {
    const episode = isUuid(input.episodeId) ? await episodeById(ctx).load(input.episodeId) : null;
    if (!episode) throw notFound('TransitionalCareEpisode', input.episodeId);
    await assertCarePlansWrite(ctx, episode.patientId, 'TransitionalCareEpisode');
    const completedAt = input.completedAt ?? new Date();
    if (completedAt.getTime() > Date.now()) throw badInput('completedAt cannot be in the future', 'completedAt');
    if (completedAt.getTime() < episode.dischargedAt.getTime()) throw badInput('A transitional care step is done after the discharge', 'completedAt');
    await ctx.db.transaction(async (m) => {
      const steps = await m.find(TransitionalCareStepRecord, { where: { episodeId: episode.id }, order: { dueAt: 'ASC', kind: 'DESC' }, lock: { mode: 'pessimistic_write' } });
      const step = steps.find((s) => s.kind === input.step);
      if (!step) throw notFound(`Step ${input.step} of episode`, episode.id);
      if (step.completedAt) throw conflict(`${input.step} was already recorded as done`, { completedAt: step.completedAt.toISOString() });
      step.completedAt = completedAt;
      step.completedBy = ctx.principal.sub;
      step.note = input.note?.trim() || null;
      await m.save(step);
      const medRec = steps.find((s) => s.kind === TcmStepKind.MEDICATION_RECONCILIATION);
      if (step.kind === TcmStepKind.FACE_TO_FACE_VISIT && medRec && !medRec.completedAt) {
        // CMS TCM: medication reconciliation no later than the face-to-face visit.
        medRec.dueAt = medicationReconciliationDueAfterVisit(medRec.dueAt, completedAt);
        await m.save(medRec);
      }
      await recordEvent(m, ctx.source, {
        type: 'TransitionalCareStepChanged', aggregateType: 'TransitionalCareEpisode', aggregateId: episode.id, patientId: episode.patientId, actor: ctx.principal.sub,
        payload: { ...episodePayload(episode, steps, new Date()), changedStep: step.kind },
      });
    });
    stepsByEpisode(ctx).clear(episode.id);
    return episode;
  }
}
