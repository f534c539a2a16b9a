/**
 * Per-request DataLoaders of the assessment, social-need evidence and medication
 * fields (issue 13): a list of N patients or needs costs one SQL query per field.
 */
import { In, type EntityTarget, type FindOptionsOrder, type ObjectLiteral } from 'typeorm';
import { groupByKey } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import { AssessmentResponseRecord, SocialNeedEvidenceRecord, SocialNeedOutcomeRecord } from '../data/assessment-entities';
import { MedicationReconciliationRecord, MedicationStatementRecord } from '../data/medication-entities';

function grouped<T extends ObjectLiteral>(ctx: SubgraphContext, name: string, entity: EntityTarget<T>, key: keyof T & string, order: FindOptionsOrder<T>) {
  return ctx.loaders.get<string, T[]>(name, async (ids) =>
    groupByKey(ids, await ctx.db.getRepository(entity).find({ where: { [key]: In([...ids]) } as never, order }), (r) => r[key] as string));
}

/** Oldest first: the trend order. */
export const assessmentsOf = (ctx: SubgraphContext) =>
  grouped<AssessmentResponseRecord>(ctx, 'assessmentsOf', AssessmentResponseRecord, 'patientId', { authoredAt: 'ASC', id: 'ASC' });
export const evidenceOfNeed = (ctx: SubgraphContext) =>
  grouped<SocialNeedEvidenceRecord>(ctx, 'evidenceOfNeed', SocialNeedEvidenceRecord, 'socialNeedId', { createdAt: 'ASC', id: 'ASC' });
export const evidenceOfResponse = (ctx: SubgraphContext) =>
  grouped<SocialNeedEvidenceRecord>(ctx, 'evidenceOfResponse', SocialNeedEvidenceRecord, 'responseId', { createdAt: 'ASC', id: 'ASC' });
export const outcomesOfNeed = (ctx: SubgraphContext) =>
  grouped<SocialNeedOutcomeRecord>(ctx, 'outcomesOfNeed', SocialNeedOutcomeRecord, 'socialNeedId', { recordedAt: 'ASC', id: 'ASC' });
export const medicationsOf = (ctx: SubgraphContext) =>
  grouped<MedicationStatementRecord>(ctx, 'medicationsOf', MedicationStatementRecord, 'patientId', { createdAt: 'ASC', id: 'ASC' });
export const reconciliationsOf = (ctx: SubgraphContext) =>
  grouped<MedicationReconciliationRecord>(ctx, 'reconciliationsOf', MedicationReconciliationRecord, 'patientId', { completedAt: 'DESC', id: 'ASC' });
export const responseById = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, AssessmentResponseRecord | null>('assessmentResponseById', async (ids) => {
    const rows = await ctx.db.getRepository(AssessmentResponseRecord).findBy({ id: In([...ids]) });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });
