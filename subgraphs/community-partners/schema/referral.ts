/**
 * Closed-loop referrals (Gravity SDOH: a ServiceRequest and a Task owned by the
 * community partner): the requester drafts, sends, cancels or marks
 * entered-in-error; the partner accepts, rejects, starts, holds, resumes, fails,
 * completes or cancels. Each change is checked by domain/referral-status.ts and
 * written with its history entry and ReferralStatusChanged event in one transaction.
 */
import { Arg, Ctx, Directive, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { In, type EntityManager } from 'typeorm';
import { badInput, conflict, forbidden, notFound } from '../../../shared/errors';
import { recordEvent } from '../../../shared/events';
import { alignByKey, groupByKey, isUuid } from '../../../shared/federation';
import type { SubgraphContext } from '../../../shared/subgraph';
import { CommunityPartnerRecord, ReferralRecord, ReferralStatusChangeRecord } from '../data/entities';
import { historyEntry, STATUS_TIME, statusChangedEvent } from '../data/referral-history';
import {
  catchUpOncePerRequest, findSocialNeedAfterCatchUp, hasActiveConsent, hasActiveConsentAfterCatchUp, hasActiveConsentIn,
} from '../data/projections';
import { normaliseNote, normaliseOutcome, ReferralPriority, statusReasonFor, type ReferralOutcome as Outcome } from '../domain/referral-request';
import { assertReferralTransition, ReferralActor, ReferralStatus as S } from '../domain/referral-status';
import { assertPartnerStaff, assertRequester, isAddressedTo, isPartnerPrincipal, referralActorOf } from './access';
import { partnerById } from './partner';
import {
  CommunityPartner, CreateReferralInput, Patient, PARTNER, Referral, ReferralOutcome, ReferralOutcomeInput, ReferralStatusChange, SocialNeed,
} from './types';

export const referralById = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, ReferralRecord | null>('referralById', async (ids) =>
    alignByKey(ids, await ctx.db.getRepository(ReferralRecord).findBy({ id: In([...ids]) }), (r) => r.id));

const referralsByPatient = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, ReferralRecord[]>('referralsByPatient', async (ids) =>
    groupByKey(ids, await ctx.db.getRepository(ReferralRecord).find({ where: { patientId: In([...ids]) }, order: { createdAt: 'ASC' } }), (r) => r.patientId));

const historyByReferral = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, ReferralStatusChangeRecord[]>('historyByReferral', async (ids) =>
    groupByKey(ids, await ctx.db.getRepository(ReferralStatusChangeRecord).find({ where: { referralId: In([...ids]) }, order: { id: 'ASC' } }), (h) => h.referralId));

/**
 * Row-level visibility: requesters see every referral; partner staff only those
 * addressed to their organization, not drafts, while consent is active — read
 * after the consent projection caught up, so a revocation applies at once.
 */
async function visibleReferrals(ctx: SubgraphContext, rows: (ReferralRecord | null)[]): Promise<(ReferralRecord | null)[]> {
  const p = ctx.principal;
  if (!isPartnerPrincipal(p)) {
    assertRequester(p);
    return rows;
  }
  await catchUpOncePerRequest(ctx);
  return Promise.all(rows.map(async (r) => (r && isAddressedTo(r, p) && (await hasActiveConsent(ctx, r.patientId, r.partnerId)) ? r : null)));
}

/** `__resolveReference` for Referral: null where the caller may not see it. */
export async function resolveReferralReference(ref: { id: string }, ctx: SubgraphContext): Promise<ReferralRecord | null> {
  const row = isUuid(ref.id) ? await referralById(ctx).load(ref.id) : null;
  return (await visibleReferrals(ctx, [row]))[0];
}

/** NOT_FOUND alike for a missing referral and one the caller may not see. */
async function requireVisibleReferral(ctx: SubgraphContext, id: string): Promise<ReferralRecord> {
  const row = await resolveReferralReference({ id }, ctx);
  if (!row) throw notFound('Referral', id);
  return row;
}

async function requireConsent(ctx: SubgraphContext, patientId: string, partnerId: string): Promise<void> {
  if (!(await hasActiveConsentAfterCatchUp(ctx, patientId, partnerId))) throw consentMissing();
}
const consentMissing = () =>
  forbidden('Consent is missing: the patient has no active SHARE_WITH_PARTNER consent for this partner, so the referral cannot be sent', { reason: 'CONSENT_MISSING' });

function assertAcceptingReferrals(partner: CommunityPartnerRecord): void {
  if (!partner.acceptingReferrals) throw conflict(`${partner.name} is not accepting referrals now`, { field: 'partnerId' });
}

interface Change {
  to: S;
  actor: ReferralActor;
  reason: string | null;
  outcome?: Outcome;
}

/** Applies one status change to a locked row: times, hold bookkeeping, outcome, history and event. */
async function writeStatusChange(m: EntityManager, ctx: SubgraphContext, row: ReferralRecord, change: Change, from: S | null): Promise<ReferralRecord> {
  const now = new Date();
  row.status = change.to;
  row.statusReason = change.reason;
  row.heldFrom = change.to === S.ON_HOLD ? from : null;
  const timeColumn = STATUS_TIME[change.to];
  if (timeColumn) Object.assign(row, { [timeColumn]: now });
  if (change.outcome) {
    row.outcomeText = change.outcome.text;
    row.outcomeServices = change.outcome.services;
  }
  const saved = await m.save(row);
  const recorded = { referral: saved, from, to: change.to, actorSide: change.actor, actor: ctx.principal.sub, reason: change.reason, outcome: change.outcome, at: now };
  await m.insert(ReferralStatusChangeRecord, historyEntry(recorded));
  await recordEvent(m, ctx.source, statusChangedEvent(recorded));
  return saved;
}

/**
 * One status change by whoever asks: visibility, Gravity ownership and allowed
 * transitions (checked first on the loaded row, again under the row lock),
 * consent when sending, then the write.
 */
async function changeStatus(ctx: SubgraphContext, id: string, to: S, input: { reason?: string | null; outcome?: ReferralOutcomeInput } = {}): Promise<ReferralRecord> {
  const actor = referralActorOf(ctx.principal);
  const current = await requireVisibleReferral(ctx, id);
  // On-hold resumes to the state it left (Task.status); heldFrom is that state.
  const check = (r: ReferralRecord) => assertReferralTransition({ from: r.status as S, to, actor, resumeTo: r.heldFrom as S | null });
  check(current);
  const reason = statusReasonFor(to, input.reason);
  const outcome = to === S.COMPLETED ? normaliseOutcome(input.outcome ?? { text: '' }) : undefined;
  if (to === S.REQUESTED) {
    const partner = await partnerById(ctx).load(current.partnerId);
    if (partner) assertAcceptingReferrals(partner);
    await requireConsent(ctx, current.patientId, current.partnerId);
  }
  return ctx.db.transaction(async (m) => {
    const row = await m.findOne(ReferralRecord, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!row) throw notFound('Referral', id);
    // Consent may have been revoked since the checks above: partners lose the row, sending is refused.
    const consented = actor === ReferralActor.PARTNER || to === S.REQUESTED ? await hasActiveConsentIn(m, row.patientId, row.partnerId) : true;
    if (!consented) throw actor === ReferralActor.PARTNER ? notFound('Referral', id) : consentMissing();
    check(row);
    return writeStatusChange(m, ctx, row, { to, actor, reason, outcome }, row.status as S);
  });
}

@Resolver(() => Referral)
export class ReferralResolver {
  @Directive(PARTNER)
  @Query(() => Referral, { description: 'One referral; NOT_FOUND when it does not exist or is not visible to the caller' })
  referral(@Directive(PARTNER) @Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext) {
    return requireVisibleReferral(ctx, id);
  }

  @Directive(PARTNER)
  @Query(() => [Referral], { description: "Partner staff: the referrals addressed to their organization (with the patient's active consent), newest first" })
  async myReferrals(
    @Ctx() ctx: SubgraphContext,
    @Directive(PARTNER) @Arg('status', () => [S], { nullable: true }) status?: S[] | null,
  ) {
    assertPartnerStaff(ctx.principal, 'list their referrals');
    if (!isUuid(ctx.principal.org)) return [];
    const qb = ctx.db.getRepository(ReferralRecord).createQueryBuilder('r')
      .where('r.partner_id = :org', { org: ctx.principal.org })
      .andWhere('r.status <> :draft', { draft: S.DRAFT })
      .orderBy('r.requested_at', 'DESC', 'NULLS LAST').addOrderBy('r.id');
    if (status?.length) qb.andWhere('r.status IN (:...status)', { status });
    const rows = await visibleReferrals(ctx, await qb.getMany());
    return rows.filter((r): r is ReferralRecord => r !== null);
  }

  @FieldResolver(() => Patient)
  patient(@Root() r: ReferralRecord): Patient {
    return { id: r.patientId };
  }

  @FieldResolver(() => SocialNeed, { nullable: true })
  socialNeed(@Root() r: ReferralRecord): SocialNeed | null {
    return r.socialNeedId ? { id: r.socialNeedId } : null;
  }

  @FieldResolver(() => CommunityPartner)
  partner(@Root() r: ReferralRecord, @Ctx() ctx: SubgraphContext) {
    return partnerById(ctx).load(r.partnerId);
  }

  @FieldResolver(() => ReferralOutcome, { nullable: true })
  outcome(@Root() r: ReferralRecord): ReferralOutcome | null {
    return r.outcomeText === null ? null : { text: r.outcomeText, services: r.outcomeServices };
  }

  @FieldResolver(() => [ReferralStatusChange])
  history(@Root() r: ReferralRecord, @Ctx() ctx: SubgraphContext) {
    return historyByReferral(ctx).load(r.id);
  }

  @Mutation(() => Referral, { description: 'Drafts a referral, or sends it at once with send: true (needs active SHARE_WITH_PARTNER consent)' })
  async createReferral(@Arg('input') input: CreateReferralInput, @Ctx() ctx: SubgraphContext) {
    assertRequester(ctx.principal, 'make referrals');
    if (!isUuid(input.patientId)) throw badInput('patientId is not a patient id', 'patientId');
    const partner = isUuid(input.partnerId) ? await partnerById(ctx).load(input.partnerId) : null;
    if (!partner) throw badInput(`No community partner ${input.partnerId}`, 'partnerId');
    let category = input.category ?? null;
    if (input.socialNeedId) {
      const need = isUuid(input.socialNeedId) ? await findSocialNeedAfterCatchUp(ctx, input.socialNeedId) : null;
      if (!need || need.patientId !== input.patientId) throw badInput(`No social need ${input.socialNeedId} for this patient`, 'socialNeedId');
      if (category && category !== need.category) throw badInput(`The social need is ${need.category}, not ${category}`, 'category');
      category = need.category as typeof category;
    }
    if (!category) throw badInput('category is required when no socialNeedId is given', 'category');
    if (!partner.categories.includes(category)) throw badInput(`${partner.name} does not serve ${category}`, 'partnerId');
    const note = normaliseNote(input.note);
    const to = input.send ? S.REQUESTED : S.DRAFT;
    if (input.send) {
      assertAcceptingReferrals(partner);
      await requireConsent(ctx, input.patientId, partner.id);
    }
    return ctx.db.transaction(async (m) => {
      if (input.send && !(await hasActiveConsentIn(m, input.patientId, partner.id))) throw consentMissing();
      const row = m.create(ReferralRecord, {
        patientId: input.patientId, partnerId: partner.id, socialNeedId: input.socialNeedId ?? null, category, priority: input.priority ?? ReferralPriority.ROUTINE, note,
        status: to, statusReason: null, requestedBy: ctx.principal.sub, requestedByName: ctx.principal.name ?? null, outcomeServices: [],
      });
      return writeStatusChange(m, ctx, row, { to, actor: ReferralActor.REQUESTER, reason: null }, null);
    });
  }

  @Mutation(() => Referral, { description: 'Sends a draft to the partner (requested); needs active SHARE_WITH_PARTNER consent' })
  sendReferral(@Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, id, S.REQUESTED);
  }

  @Mutation(() => Referral, { description: 'Requester: withdraws a referral made by mistake, before the partner acted on it' })
  markReferralEnteredInError(@Arg('id', () => ID) id: string, @Arg('reason') reason: string, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, id, S.ENTERED_IN_ERROR, { reason });
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Either side cancels a referral that has not ended' })
  cancelReferral(@Directive(PARTNER) @Arg('id', () => ID) id: string, @Directive(PARTNER) @Arg('reason') reason: string, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, id, S.CANCELLED, { reason });
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Partner: takes the referral on' })
  acceptReferral(@Directive(PARTNER) @Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, id, S.ACCEPTED);
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Partner: declines the referral, saying why' })
  rejectReferral(@Directive(PARTNER) @Arg('id', () => ID) id: string, @Directive(PARTNER) @Arg('reason') reason: string, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, id, S.REJECTED, { reason });
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Partner: starts delivering the service (in-progress)' })
  startReferral(@Directive(PARTNER) @Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, id, S.IN_PROGRESS);
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Partner: pauses the referral (on-hold); resumeReferral returns it to where it was' })
  holdReferral(
    @Directive(PARTNER) @Arg('id', () => ID) id: string,
    @Directive(PARTNER) @Arg('reason', () => String, { nullable: true }) reason: string | null,
    @Ctx() ctx: SubgraphContext,
  ) {
    return changeStatus(ctx, id, S.ON_HOLD, { reason });
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Partner: resumes an on-hold referral to the status it was paused from' })
  async resumeReferral(@Directive(PARTNER) @Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext) {
    const current = await requireVisibleReferral(ctx, id);
    if (current.status !== S.ON_HOLD || !current.heldFrom) throw badInput(`Only an on-hold referral can resume; this one is ${current.status}`, 'status');
    return changeStatus(ctx, id, current.heldFrom as S);
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Partner: could not deliver the service, saying why' })
  failReferral(@Directive(PARTNER) @Arg('id', () => ID) id: string, @Directive(PARTNER) @Arg('reason') reason: string, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, id, S.FAILED, { reason });
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Partner: closes the loop with what was done (Task.output)' })
  completeReferral(
    @Directive(PARTNER) @Arg('id', () => ID) id: string,
    @Directive(PARTNER) @Arg('outcome', () => ReferralOutcomeInput) outcome: ReferralOutcomeInput,
    @Ctx() ctx: SubgraphContext,
  ) {
    return changeStatus(ctx, id, S.COMPLETED, { outcome });
  }
}

@Resolver(() => Patient)
export class PatientReferralsResolver {
  @FieldResolver(() => [Referral], { description: 'Social care referrals for the patient' })
  referrals(@Root() patient: Patient, @Ctx() ctx: SubgraphContext) {
    assertRequester(ctx.principal);
    return referralsByPatient(ctx).load(patient.id);
  }
}
