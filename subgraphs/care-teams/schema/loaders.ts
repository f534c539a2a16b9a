/**
 * Per-request DataLoaders for everything reachable from lists and entity
 * references, so a list of N patients, plans or worklist items costs a constant
 * number of SQL queries.
 */
import { In, type EntityTarget, type FindOptionsOrder, type ObjectLiteral } from 'typeorm';
import { alignByKey, groupByKey } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import {
  CarePlanActivityRecord, CarePlanRecord, CarePlanRevisionRecord, CareTeamMemberRecord, CareTeamRecord, GoalRecord,
  PatientSnapshotRecord, PractitionerRecord, TransitionalCareEpisodeRecord, TransitionalCareStepRecord,
} from '../data/entities';

type Keyed<T, K extends keyof T> = T & Record<K, string>;

/** Rows by a unique column (null where none). */
function oneBy<T extends ObjectLiteral, K extends keyof T & string>(ctx: SubgraphContext, entity: EntityTarget<T> & { name: string }, key: K) {
  return ctx.loaders.get<string, T | null>(`${entity.name}.${key}`, async (keys) =>
    alignByKey(keys, await ctx.db.getRepository(entity).findBy({ [key]: In([...keys]) } as never), (r) => (r as Keyed<T, K>)[key]));
}

/** Rows grouped by a column, in `order` ([] where none). */
function manyBy<T extends ObjectLiteral, K extends keyof T & string>(ctx: SubgraphContext, entity: EntityTarget<T> & { name: string }, key: K, order: FindOptionsOrder<T>) {
  return ctx.loaders.get<string, T[]>(`${entity.name}[${key}]`, async (keys) =>
    groupByKey(keys, await ctx.db.getRepository(entity).find({ where: { [key]: In([...keys]) } as never, order }), (r) => (r as Keyed<T, K>)[key]));
}

export const careTeamById = (ctx: SubgraphContext) => oneBy(ctx, CareTeamRecord, 'id');
export const careTeamsByPatient = (ctx: SubgraphContext) => manyBy(ctx, CareTeamRecord, 'patientId', { createdAt: 'ASC', id: 'ASC' });
export const membersByTeam = (ctx: SubgraphContext) => manyBy(ctx, CareTeamMemberRecord, 'careTeamId', { periodStart: 'ASC', id: 'ASC' });
export const carePlanById = (ctx: SubgraphContext) => oneBy(ctx, CarePlanRecord, 'id');
export const carePlansByPatient = (ctx: SubgraphContext) => manyBy(ctx, CarePlanRecord, 'patientId', { createdAt: 'ASC', id: 'ASC' });
export const carePlansByTeam = (ctx: SubgraphContext) => manyBy(ctx, CarePlanRecord, 'careTeamId', { createdAt: 'ASC', id: 'ASC' });
export const goalById = (ctx: SubgraphContext) => oneBy(ctx, GoalRecord, 'id');
export const goalsByPlan = (ctx: SubgraphContext) => manyBy(ctx, GoalRecord, 'carePlanId', { createdAt: 'ASC', id: 'ASC' });
export const activityById = (ctx: SubgraphContext) => oneBy(ctx, CarePlanActivityRecord, 'id');
export const activitiesByPlan = (ctx: SubgraphContext) => manyBy(ctx, CarePlanActivityRecord, 'carePlanId', { createdAt: 'ASC', id: 'ASC' });
export const revisionsByPlan = (ctx: SubgraphContext) => manyBy(ctx, CarePlanRevisionRecord, 'carePlanId', { version: 'ASC' });
/** One revision by `<carePlanId>:<version>` (null where none): a live CarePlanChanged event's revision. */
export const revisionByPlanVersion = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, CarePlanRevisionRecord | null>('CarePlanRevisionRecord.carePlanId:version', async (keys) => {
    const pairs = keys.map((k) => k.split(':'));
    const rows = await ctx.db.getRepository(CarePlanRevisionRecord).find({ where: pairs.map(([carePlanId, version]) => ({ carePlanId, version: Number(version) })) });
    return alignByKey(keys, rows, (r) => `${r.carePlanId}:${r.version}`);
  });
export const practitionerById = (ctx: SubgraphContext) => oneBy(ctx, PractitionerRecord, 'id');
export const snapshotByPatient = (ctx: SubgraphContext) => oneBy(ctx, PatientSnapshotRecord, 'patientId');
export const episodeById = (ctx: SubgraphContext) => oneBy(ctx, TransitionalCareEpisodeRecord, 'id');
export const episodesByPatient = (ctx: SubgraphContext) => manyBy(ctx, TransitionalCareEpisodeRecord, 'patientId', { dischargedAt: 'DESC', id: 'ASC' });
export const stepById = (ctx: SubgraphContext) => oneBy(ctx, TransitionalCareStepRecord, 'id');
// By deadline; on a tie (both due with the visit) MEDICATION_RECONCILIATION sorts before FACE_TO_FACE_VISIT.
export const stepsByEpisode = (ctx: SubgraphContext) => manyBy(ctx, TransitionalCareStepRecord, 'episodeId', { dueAt: 'ASC', kind: 'DESC' });
