/**
 * Per-request DataLoaders: entity references and every one-to-many field of a
 * list cost one SQL query per field, whatever the number of patients.
 */
import type DataLoader from 'dataloader';
import { In, type EntityTarget, type FindOptionsOrder, type ObjectLiteral } from 'typeorm';
import { alignByKey, groupByKey, isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import { assertClinicalAccess } from './access';
import { ConditionRecord, ConsentRecord, EncounterRecord, PatientRecord, SocialNeedRecord } from '../data/entities';

function byId<T extends ObjectLiteral & { id: string }>(ctx: SubgraphContext, name: string, entity: EntityTarget<T>) {
  return ctx.loaders.get<string, T | null>(name, async (ids) =>
    alignByKey(ids, await ctx.db.getRepository(entity).findBy({ id: In([...ids]) } as never), (r) => r.id));
}

function byPatient<T extends ObjectLiteral & { patientId: string }>(ctx: SubgraphContext, name: string, entity: EntityTarget<T>, order: FindOptionsOrder<T>) {
  return ctx.loaders.get<string, T[]>(name, async (ids) =>
    groupByKey(ids, await ctx.db.getRepository(entity).find({ where: { patientId: In([...ids]) } as never, order }), (r) => r.patientId));
}

export const patientById = (ctx: SubgraphContext) => byId(ctx, 'patientById', PatientRecord);
export const conditionById = (ctx: SubgraphContext) => byId(ctx, 'conditionById', ConditionRecord);
export const encounterById = (ctx: SubgraphContext) => byId(ctx, 'encounterById', EncounterRecord);
export const socialNeedById = (ctx: SubgraphContext) => byId(ctx, 'socialNeedById', SocialNeedRecord);
export const consentById = (ctx: SubgraphContext) => byId(ctx, 'consentById', ConsentRecord);

export const conditionsOf = (ctx: SubgraphContext) =>
  byPatient<ConditionRecord>(ctx, 'conditionsOf', ConditionRecord, { createdAt: 'ASC', id: 'ASC' });
export const encountersOf = (ctx: SubgraphContext) =>
  byPatient<EncounterRecord>(ctx, 'encountersOf', EncounterRecord, { startedAt: 'DESC', id: 'ASC' });
export const socialNeedsOf = (ctx: SubgraphContext) =>
  byPatient<SocialNeedRecord>(ctx, 'socialNeedsOf', SocialNeedRecord, { screenedAt: 'DESC', createdAt: 'DESC', id: 'ASC' });
export const consentsOf = (ctx: SubgraphContext) =>
  byPatient<ConsentRecord>(ctx, 'consentsOf', ConsentRecord, { createdAt: 'DESC', id: 'ASC' });

/** One patient, or null for an id that cannot exist. */
export const loadPatient = (ctx: SubgraphContext, id: string): Promise<PatientRecord | null> =>
  isUuid(id) ? patientById(ctx).load(id) : Promise.resolve(null);

/** `__resolveReference` for the clinical records: clinical roles and admins only (partners and analysts: FORBIDDEN). */
export const clinicalReference = <T>(loader: (ctx: SubgraphContext) => DataLoader<string, T | null>) =>
  async (ref: { id: string }, ctx: SubgraphContext): Promise<T | null> => {
    assertClinicalAccess(ctx.principal);
    return isUuid(ref.id) ? loader(ctx).load(ref.id) : null;
  };
