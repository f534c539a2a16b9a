/**
 * Per-request DataLoaders: entity references and every one-to-many field of a
 * list cost one SQL query per field, whatever the number of patients.
 */
import type DataLoader from 'dataloader';
import { In, type EntityTarget, type FindOptionsOrder, type ObjectLiteral } from 'typeorm';
import { alignByKey, groupByKey, isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import { PatientData } from '../../../shared/access-policy';
import { isPartnerOnly, partnerMaySee } from './access';
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

/** One patient, or null for an id that cannot exist. No access check: callers decide (readablePatient). */
export const loadPatient = (ctx: SubgraphContext, id: string): Promise<PatientRecord | null> =>
  isUuid(id) ? patientById(ctx).load(id) : Promise.resolve(null);

/**
 * A patient as the caller may see it: null when there is none; FORBIDDEN (reason,
 * patientId) when the table refuses its worklist entry. Partner staff: null unless
 * the patient consented to share with their organization (existence is not leaked),
 * and what they are shown is a disclosure.
 */
export async function readablePatient(ctx: SubgraphContext, id: string): Promise<PatientRecord | null> {
  if (isPartnerOnly(ctx.principal)) {
    if (!isUuid(id) || !(await partnerMaySee(ctx, id))) return null;
    const patient = await loadPatient(ctx, id);
    if (patient) ctx.access.noteDisclosure([patient.id], 'Patient');
    return patient;
  }
  const patient = await loadPatient(ctx, id);
  if (patient) await ctx.access.assert(patient.id, PatientData.WORKLIST, 'read', 'Patient');
  return patient;
}

/** Whether an active care team manages each patient, from the care-relationship projection (enrollment). */
export const careManaged = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, boolean>('careManaged', async (ids) => {
    const rows: { patient_id: string }[] = await ctx.db.query(
      `SELECT DISTINCT patient_id::text FROM patients.access_care_team WHERE patient_id = ANY($1::uuid[]) AND status = 'active'`, [ids]);
    const managed = new Set(rows.map((r) => r.patient_id));
    return ids.map((id) => managed.has(id));
  });

/**
 * `__resolveReference` for a clinical record: the record's patient must let the caller
 * read that kind of data (FORBIDDEN at the reference's path otherwise; partners never).
 */
export const clinicalReference = <T extends { patientId: string }>(loader: (ctx: SubgraphContext) => DataLoader<string, T | null>, data: PatientData, entity: string) =>
  async (ref: { id: string }, ctx: SubgraphContext): Promise<T | null> => {
    const record = isUuid(ref.id) ? await loader(ctx).load(ref.id) : null;
    if (record) await ctx.access.assert(record.patientId, data, 'read', entity);
    return record;
  };
