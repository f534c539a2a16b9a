/**
 * TCM steps met by work recorded in another subgraph (issue 13): a medication
 * reconciliation for a discharge (MedicationsReconciled, from patients) completes the
 * episode's medication-reconciliation step — when it was done, by whom — and emits
 * TransitionalCareStepChanged. Applied by the consumer that opens episodes from
 * PatientDischarged, so the episode always exists first; a step already done, or a
 * discharge without an episode, is left as it is (a replay changes nothing).
 */
import type { EntityManager } from 'typeorm';
import { recordEvent, type DomainEvent } from '../../../shared/events';
import { isUuid } from '../../../shared/federation';
import { TcmStepKind } from '../domain';
import { TransitionalCareEpisodeRecord, TransitionalCareStepRecord } from './entities';
import { episodePayload } from './patient-events';

export const TCM_STEP_EVENT_TYPES = ['MedicationsReconciled'] as const;

export function tcmStepEventHandler(o: { source: string }) {
  return async (event: DomainEvent, m: EntityManager): Promise<void> => {
    const p = event.payload as Record<string, unknown>;
    if (event.type !== 'MedicationsReconciled' || typeof p.encounterId !== 'string' || !isUuid(p.encounterId)) return;
    const completedAt = typeof p.completedAt === 'string' ? new Date(p.completedAt) : null;
    if (!completedAt || Number.isNaN(completedAt.getTime())) return;
    const episode = await m.findOneBy(TransitionalCareEpisodeRecord, { encounterId: p.encounterId });
    if (!episode || episode.patientId !== event.patientId) return;
    const steps = await m.find(TransitionalCareStepRecord, { where: { episodeId: episode.id }, order: { dueAt: 'ASC', kind: 'DESC' }, lock: { mode: 'pessimistic_write' } });
    const step = steps.find((s) => s.kind === TcmStepKind.MEDICATION_RECONCILIATION);
    if (!step || step.completedAt) return;
    step.completedAt = completedAt;
    step.completedBy = event.actor ?? null;
    const discrepancies = typeof p.discrepancies === 'number' ? p.discrepancies : 0;
    step.note = `Medication reconciliation ${String(p.reconciliationId)}: ${Array.isArray(p.lines) ? p.lines.length : 0} lines, ${discrepancies} discrepancies`;
    await m.save(step);
    await recordEvent(m, o.source, {
      type: 'TransitionalCareStepChanged', aggregateType: 'TransitionalCareEpisode', aggregateId: episode.id, patientId: episode.patientId, actor: event.actor,
      payload: { ...episodePayload(episode, steps, new Date()), changedStep: step.kind, reconciliationId: p.reconciliationId },
    });
  };
}

/** The patient-events handler, with the TCM step events applied here and everything else passed on. */
export function withTcmStepEvents(base: (event: DomainEvent, m: EntityManager) => Promise<void>, source = 'care-teams') {
  const steps = tcmStepEventHandler({ source });
  return (event: DomainEvent, m: EntityManager) => ((TCM_STEP_EVENT_TYPES as readonly string[]).includes(event.type) ? steps(event, m) : base(event, m));
}
