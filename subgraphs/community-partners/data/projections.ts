/**
 * What this subgraph keeps of the patients subgraph's data, from its events:
 * SHARE_WITH_PARTNER consents (who may see a referral) and social needs (what a
 * referral may address). Applied by one consumer from a stored cursor.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { startConsumer, type Consumer, type DomainEvent, type EventTransport } from '../../../shared/events';
import type { Logger } from '../../../shared/logger';
import type { SubgraphContext, Worker } from '../../../shared/subgraph';
import { consentFromEvent, isConsentActive, SHARE_WITH_PARTNER } from '../domain/consent';
import { PartnerConsentRecord, SocialNeedRecord } from './entities';

export const PROJECTED_EVENT_TYPES = ['ConsentRecorded', 'ConsentStatusChanged', 'SocialNeedRecorded', 'SocialNeedStatusChanged'] as const;

/** How long a request waits for the projection to catch up before answering from what it has. */
export const CATCH_UP_TIMEOUT_MS = 2000;

export async function applyProjectedEvent(event: DomainEvent, m: EntityManager): Promise<void> {
  const p = event.payload;
  if (event.type === 'ConsentRecorded' || event.type === 'ConsentStatusChanged') {
    const consent = consentFromEvent(p);
    if (!consent) return;
    // A status change may carry only what changed; fall back on what was recorded.
    const known = await m.findOneBy(PartnerConsentRecord, { consentId: consent.consentId });
    if (consent.kind && consent.kind !== SHARE_WITH_PARTNER) return;
    const patientId = event.patientId ?? known?.patientId;
    const partnerId = consent.partnerId ?? known?.partnerId;
    if (!patientId || !partnerId || (!known && !consent.kind)) return;
    await m.upsert(PartnerConsentRecord, {
      consentId: consent.consentId, patientId, partnerId,
      status: consent.status || known?.status || '',
      periodStart: 'periodStart' in p ? consent.periodStart : known?.periodStart ?? null,
      periodEnd: 'periodEnd' in p ? consent.periodEnd : known?.periodEnd ?? null,
      eventPosition: event.id,
    }, ['consentId']);
  } else if (typeof p.socialNeedId === 'string' && event.patientId) {
    // SocialNeedStatusChanged may omit the category; keep the one recorded first.
    const known = await m.findOneBy(SocialNeedRecord, { id: p.socialNeedId });
    await m.upsert(SocialNeedRecord, {
      id: p.socialNeedId, patientId: event.patientId,
      category: typeof p.category === 'string' ? p.category : known?.category ?? '',
      status: typeof p.status === 'string' ? p.status : known?.status ?? '',
      eventPosition: event.id,
    }, ['id']);
  }
}

/** The running consumer per DataSource, so resolvers can wait for it (read-your-writes). */
const consumers = new WeakMap<DataSource, Consumer>();

export async function startProjections(deps: { ds: DataSource; transport: EventTransport; log: Logger }): Promise<Worker> {
  const consumer = await startConsumer({
    ds: deps.ds, transport: deps.transport, name: 'community-partners.projections', types: PROJECTED_EVENT_TYPES,
    // A seeded or long log is mostly other subgraphs' events: apply them in chunks, not one transaction each.
    eventsPerTransaction: 200,
    handle: applyProjectedEvent,
  });
  consumers.set(deps.ds, consumer);
  return {
    stop: async () => {
      consumers.delete(deps.ds);
      await consumer.stop();
    },
  };
}

/**
 * Waits (at most CATCH_UP_TIMEOUT_MS) until every event committed before the call
 * is applied. False on timeout or when no consumer runs (scripts), so callers can
 * decide; true when the projection is current.
 */
export async function catchUpProjections(ctx: SubgraphContext): Promise<boolean> {
  const consumer = consumers.get(ctx.db);
  if (!consumer) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), CATCH_UP_TIMEOUT_MS); });
  try {
    const current = await Promise.race([consumer.caughtUp().then(() => true as const), timeout]);
    if (!current) ctx.log.warn('consent projection did not catch up in time; answering from the projection as it is');
    return current;
  } finally {
    clearTimeout(timer);
  }
}

/** Once per request: partner reads see every consent change committed before the request (revocation is immediate). */
export function catchUpOncePerRequest(ctx: SubgraphContext): Promise<boolean> {
  return ctx.loaders.get<'projections', boolean>('catchUp', async (keys) => {
    const current = await catchUpProjections(ctx);
    return keys.map(() => current);
  }).load('projections');
}

const pairKey = (patientId: string, partnerId: string) => `${patientId}|${partnerId.toLowerCase()}`;

/** Whether each (patient, partner) pair has an active SHARE_WITH_PARTNER consent now; one query per batch. */
function activeConsentLoader(ctx: SubgraphContext) {
  return ctx.loaders.get<string, boolean>('activeConsent', async (keys) => {
    const patientIds = [...new Set(keys.map((k) => k.split('|')[0]))];
    const rows = await ctx.db.getRepository(PartnerConsentRecord).findBy({ patientId: In(patientIds) });
    const now = new Date();
    const active = new Set(rows.filter((r) => isConsentActive(r, now)).map((r) => pairKey(r.patientId, r.partnerId)));
    return keys.map((k) => active.has(k));
  });
}

export function hasActiveConsent(ctx: SubgraphContext, patientId: string, partnerId: string): Promise<boolean> {
  return activeConsentLoader(ctx).load(pairKey(patientId, partnerId));
}

/** The same check inside a writing transaction, against rows committed by then. */
export async function hasActiveConsentIn(m: EntityManager, patientId: string, partnerId: string): Promise<boolean> {
  const rows = await m.findBy(PartnerConsentRecord, { patientId, partnerId: partnerId.toLowerCase() });
  const now = new Date();
  return rows.some((r) => isConsentActive(r, now));
}

/**
 * Read-your-writes for the nurse who just recorded consent: when the projection
 * says no, wait for the consumer to catch up and ask again before refusing.
 */
export async function hasActiveConsentAfterCatchUp(ctx: SubgraphContext, patientId: string, partnerId: string): Promise<boolean> {
  if (await hasActiveConsentIn(ctx.db.manager, patientId, partnerId)) return true;
  await catchUpProjections(ctx);
  return hasActiveConsentIn(ctx.db.manager, patientId, partnerId);
}

/** The projected social need, waiting for the projection when it does not know the id yet. */
export async function findSocialNeedAfterCatchUp(ctx: SubgraphContext, id: string): Promise<SocialNeedRecord | null> {
  const repo = ctx.db.getRepository(SocialNeedRecord);
  const known = await repo.findOneBy({ id });
  if (known) return known;
  await catchUpProjections(ctx);
  return repo.findOneBy({ id });
}

/**
 * SQL for "this referral's patient has an active SHARE_WITH_PARTNER consent for its
 * partner now" — the rule of domain/consent.ts isConsentActive, so a partner's list
 * can be paged in SQL; the rows are still checked by the domain rule afterwards.
 */
export function activeConsentCondition(referralAlias: string): string {
  return `EXISTS (SELECT 1 FROM community_partners.partner_consent c
                   WHERE c.patient_id = ${referralAlias}.patient_id::text AND c.partner_id = lower(${referralAlias}.partner_id::text)
                     AND c.status = 'active' AND (c.period_start IS NULL OR c.period_start <= now()) AND (c.period_end IS NULL OR c.period_end > now()))`;
}
