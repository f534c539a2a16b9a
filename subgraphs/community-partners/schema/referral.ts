/**
 * Closed-loop referrals (Gravity SDOH: a ServiceRequest and a Task owned by the
 * community partner): the requester drafts, sends, cancels or marks
 * entered-in-error; the partner accepts, rejects, starts, holds, resumes, fails,
 * completes or cancels. Each change is checked by domain/referral-status.ts and
 * written with its history entry and ReferralStatusChanged event in one transaction.
 *
 * Access (schema/access.ts): on /graphql every referral read and write asks
 * `ctx.access` for PatientData.REFERRALS of its patient (FORBIDDEN with reason and
 * patientId when refused); on /partner/graphql rows outside the organization or
 * the patient's consent do not exist, and every row shown is noted as a disclosure.
 */
import { Arg, Ctx, Directive, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { In, type EntityManager } from 'typeorm';
import { PatientData } from '../../../shared/access';
import { badInput, conflict, forbidden, notFound } from '../../../shared/errors';
import { recordEvent } from '../../../shared/events';
import { alignByKey, isUuid } from '../../../shared/federation';
import {
  AFTER_DESCRIPTION, childPages, connectionOf, decodeKeysetCursor, FIRST_DESCRIPTION, keysetRows, pageSize, type ChildKeyset, type Keyset,
} from '../../../shared/pagination';
import type { SubgraphContext } from '../../../shared/subgraph';
import { CommunityPartnerRecord, ReferralRecord, ReferralStatusChangeRecord } from '../data/entities';
import { historyEntry, STATUS_TIME, statusChangedEvent } from '../data/referral-history';
import {
  activeConsentCondition, catchUpOncePerRequest, findSocialNeedAfterCatchUp, hasActiveConsent, hasActiveConsentAfterCatchUp, hasActiveConsentIn,
} from '../data/projections';
import { normaliseNote, normaliseOutcome, ReferralPriority, statusReasonFor, type ReferralOutcome as Outcome } from '../domain/referral-request';
import { assertReferralTransition, ReferralActor, ReferralStatus as S } from '../domain/referral-status';
import { isAddressedTo, onPartnerSide, partnerOf, referralActorOf } from './access';
import { partnerById } from './partner';
import {
  AcceptReferralInput, CancelReferralInput, CommunityPartner, CompleteReferralInput, CreateReferralInput, FailReferralInput, HoldReferralInput,
  MarkReferralEnteredInErrorInput, Patient, PARTNER, Referral, ReferralConnection, ReferralOutcome, ReferralOutcomeInput, RejectReferralInput,
  ReferralStatusChangeConnection, ResumeReferralInput, SendReferralInput, SocialNeed, StartReferralInput,
} from './types';

/** The entity name audit records use for what this file serves. */
const REFERRAL = 'Referral';

/*
 * Lists that grow are Relay connections with keyset cursors (shared/pagination.ts;
 * issues 11, 15, 17): each order ends in the id, so it is total and a row inserted
 * between two page reads never shifts what was read.
 */
/** A patient's referrals, newest first. */
const PATIENT_REFERRALS: ChildKeyset = {
  list: 'Patient.referrals', table: 'community_partners.referral', alias: 'r', parent: 'patient_id', identity: ['id'],
  columns: [{ expr: 'r.created_at', direction: 'DESC', type: 'timestamptz' }, { expr: 'r.id', direction: 'DESC', type: 'uuid' }],
};
/** A partner's referrals, most recently sent first (a referral never sent, e.g. entered in error from a draft, last). */
const MY_REFERRALS: Keyset = {
  list: 'myReferrals',
  columns: [
    { expr: "coalesce(r.requested_at, '-infinity'::timestamptz)", direction: 'DESC', type: 'timestamptz' },
    { expr: 'r.id', direction: 'DESC', type: 'uuid' },
  ],
};
/** A referral's status changes, oldest first (the id is the order they were written in). */
const REFERRAL_HISTORY: ChildKeyset = {
  list: 'Referral.history', table: 'community_partners.referral_status_change', alias: 'h', parent: 'referral_id', identity: ['id'],
  columns: [{ expr: 'h.id', direction: 'ASC', type: 'bigint' }],
};

export const referralById = (ctx: SubgraphContext) =>
  ctx.loaders.get<string, ReferralRecord | null>('referralById', async (ids) =>
    alignByKey(ids, await ctx.db.getRepository(ReferralRecord).findBy({ id: In([...ids]) }), (r) => r.id));

/** Pages of patients' referrals and referrals' histories: one query per batch of parents (a window per parent). */
const referralsByPatient = (ctx: SubgraphContext) => childPages(ctx, ReferralRecord, PATIENT_REFERRALS, (r) => r.patientId);
const historyByReferral = (ctx: SubgraphContext) => childPages(ctx, ReferralStatusChangeRecord, REFERRAL_HISTORY, (h) => h.referralId);

/**
 * Partner side, row-level: addressed to the organization, not a draft, consent
 * active — read after the consent projection caught up, so a revocation applies at
 * once. What is shown is noted as a disclosure to the organization (§164.528).
 */
async function visibleToPartner(ctx: SubgraphContext, rows: (ReferralRecord | null)[]): Promise<(ReferralRecord | null)[]> {
  const p = partnerOf(ctx, 'read referrals on the partner endpoint');
  await catchUpOncePerRequest(ctx);
  const visible = await Promise.all(rows.map(async (r) => (r && isAddressedTo(r, p) && (await hasActiveConsent(ctx, r.patientId, r.partnerId)) ? r : null)));
  const shown = visible.filter((r): r is ReferralRecord => r !== null);
  ctx.access.noteDisclosure([...new Set(shown.map((r) => r.patientId))], REFERRAL);
  return visible;
}

/**
 * `__resolveReference` for Referral. Partner side: null where it does not exist for
 * them. Clinical side: null when missing, FORBIDDEN (at that path) when the caller
 * may not read the patient's referrals.
 */
export async function resolveReferralReference(ref: { id: string }, ctx: SubgraphContext): Promise<ReferralRecord | null> {
  const row = isUuid(ref.id) ? await referralById(ctx).load(ref.id) : null;
  if (onPartnerSide(ctx)) return (await visibleToPartner(ctx, [row]))[0];
  if (!row) return null;
  await ctx.access.assert(row.patientId, PatientData.REFERRALS, 'read', REFERRAL);
  return row;
}

/** NOT_FOUND alike for a missing referral and one a partner may not see; FORBIDDEN for a clinician outside the team. */
async function requireVisibleReferral(ctx: SubgraphContext, id: string): Promise<ReferralRecord> {
  const row = await resolveReferralReference({ id }, ctx);
  if (!row) throw notFound('Referral', id);
  return row;
}

/** The requester's write: the referral exists and the caller may write the patient's referrals. */
async function requireWritableReferral(ctx: SubgraphContext, id: string): Promise<ReferralRecord> {
  const row = isUuid(id) ? await referralById(ctx).load(id) : null;
  if (!row) throw notFound('Referral', id);
  await ctx.access.assert(row.patientId, PatientData.REFERRALS, 'write', REFERRAL);
  return row;
}

/** Whether consent is active is itself the patient's consent record: read under CONSENTS before answering. */
async function requireConsent(ctx: SubgraphContext, patientId: string, partnerId: string): Promise<void> {
  await ctx.access.assert(patientId, PatientData.CONSENTS, 'read', 'Consent');
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
async function changeStatus(ctx: SubgraphContext, id: string, to: S, input: { reason?: string | null; outcome?: ReferralOutcomeInput; needRemains?: string | null } = {}): Promise<ReferralRecord> {
  const actor = referralActorOf(ctx);
  const current = actor === ReferralActor.PARTNER ? await requireVisibleReferral(ctx, id) : await requireWritableReferral(ctx, id);
  // On-hold resumes to the state it left (Task.status); heldFrom is that state.
  const check = (r: ReferralRecord) => assertReferralTransition({ from: r.status as S, to, actor, resumeTo: r.heldFrom as S | null });
  check(current);
  const reason = statusReasonFor(to, input.reason);
  // Whether the social need remains travels with the outcome in the event: the patients subgraph resolves the need or keeps it open (issue 13).
  const needRemains = input.needRemains?.trim() || null;
  const outcome = to === S.COMPLETED ? { ...normaliseOutcome(input.outcome ?? { text: '' }), needMet: needRemains === null, needRemainsReason: needRemains } : undefined;
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
  @Query(() => Referral, {
    nullable: true,
    description: "One referral; NOT_FOUND when it does not exist (or, for a partner, is not theirs to see); FORBIDDEN outside the patient's care team",
  })
  referral(@Directive(PARTNER) @Arg('id', () => ID) id: string, @Ctx() ctx: SubgraphContext) {
    return requireVisibleReferral(ctx, id);
  }

  @Directive(PARTNER)
  @Query(() => ReferralConnection, {
    nullable: true,
    description: "Partner staff: the referrals addressed to their organization (with the patient's active consent), most recently sent first, paged",
  })
  async myReferrals(
    @Ctx() ctx: SubgraphContext,
    @Directive(PARTNER) @Arg('status', () => [S], { nullable: true }) status?: S[] | null,
    @Directive(PARTNER) @Arg('first', () => Int, { nullable: true, description: FIRST_DESCRIPTION }) first?: number | null,
    @Directive(PARTNER) @Arg('after', () => String, { nullable: true, description: AFTER_DESCRIPTION }) after?: string | null,
  ) {
    const { org } = partnerOf(ctx, 'list their referrals');
    const limit = pageSize(first);
    const afterKey = decodeKeysetCursor(MY_REFERRALS, after);
    if (!isUuid(org)) return connectionOf(MY_REFERRALS, [], false, afterKey, async () => 0);
    await catchUpOncePerRequest(ctx);
    // Consent narrows in SQL so a page is full; visibleToPartner still applies the domain rule to what comes back.
    const qb = ctx.db.getRepository(ReferralRecord).createQueryBuilder('r')
      .where('r.partner_id = :org', { org })
      .andWhere('r.status <> :draft', { draft: S.DRAFT })
      .andWhere(activeConsentCondition('r'));
    if (status?.length) qb.andWhere('r.status IN (:...status)', { status });
    const counter = qb.clone();
    const rows = await keysetRows(qb, MY_REFERRALS, limit, afterKey);
    // Only the page is checked and noted as disclosed; the extra row read only says whether more follow.
    const visible = await visibleToPartner(ctx, rows.slice(0, limit).map((r) => r.node));
    return connectionOf(MY_REFERRALS, rows.slice(0, limit).filter((_, i) => visible[i] !== null), rows.length > limit, afterKey,
      async () => (await counter.select('count(*)::int', 'n').getRawOne<{ n: number }>())?.n ?? 0);
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

  // The row was checked where it entered the answer (by id, reference, list or write): its fields need no second check.
  @FieldResolver(() => ReferralStatusChangeConnection, { description: 'Status changes, oldest first, paged' })
  history(
    @Root() r: ReferralRecord,
    @Ctx() ctx: SubgraphContext,
    @Directive(PARTNER) @Arg('first', () => Int, { nullable: true, description: FIRST_DESCRIPTION }) first?: number | null,
    @Directive(PARTNER) @Arg('after', () => String, { nullable: true, description: AFTER_DESCRIPTION }) after?: string | null,
  ) {
    // Stamped with updatedAt: a status change in the same request (a later mutation) is not answered from an older page.
    return historyByReferral(ctx).load(r.id, pageSize(first), decodeKeysetCursor(REFERRAL_HISTORY, after), r.updatedAt?.getTime() ?? null);
  }

  @Mutation(() => Referral, { description: 'Drafts a referral, or sends it at once with send: true (needs active SHARE_WITH_PARTNER consent)' })
  async createReferral(@Arg('input') input: CreateReferralInput, @Ctx() ctx: SubgraphContext) {
    if (!isUuid(input.patientId)) throw badInput('patientId is not a patient id', 'patientId');
    await ctx.access.assert(input.patientId, PatientData.REFERRALS, 'write', REFERRAL);
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
  sendReferral(@Arg('input') input: SendReferralInput, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, input.id, S.REQUESTED);
  }

  @Mutation(() => Referral, { description: 'Requester: withdraws a referral made by mistake, before the partner acted on it' })
  markReferralEnteredInError(@Arg('input') input: MarkReferralEnteredInErrorInput, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, input.id, S.ENTERED_IN_ERROR, { reason: input.reason });
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Either side cancels a referral that has not ended' })
  cancelReferral(@Directive(PARTNER) @Arg('input') input: CancelReferralInput, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, input.id, S.CANCELLED, { reason: input.reason });
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Partner: takes the referral on' })
  acceptReferral(@Directive(PARTNER) @Arg('input') input: AcceptReferralInput, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, input.id, S.ACCEPTED);
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Partner: declines the referral, saying why' })
  rejectReferral(@Directive(PARTNER) @Arg('input') input: RejectReferralInput, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, input.id, S.REJECTED, { reason: input.reason });
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Partner: starts delivering the service (in-progress)' })
  startReferral(@Directive(PARTNER) @Arg('input') input: StartReferralInput, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, input.id, S.IN_PROGRESS);
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Partner: pauses the referral (on-hold); resumeReferral returns it to where it was' })
  holdReferral(@Directive(PARTNER) @Arg('input') input: HoldReferralInput, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, input.id, S.ON_HOLD, { reason: input.reason ?? null });
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Partner: resumes an on-hold referral to the status it was paused from' })
  async resumeReferral(@Directive(PARTNER) @Arg('input') { id }: ResumeReferralInput, @Ctx() ctx: SubgraphContext) {
    const current = await requireVisibleReferral(ctx, id);
    if (current.status !== S.ON_HOLD || !current.heldFrom) throw badInput(`Only an on-hold referral can resume; this one is ${current.status}`, 'status');
    return changeStatus(ctx, id, current.heldFrom as S);
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Partner: could not deliver the service, saying why' })
  failReferral(@Directive(PARTNER) @Arg('input') input: FailReferralInput, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, input.id, S.FAILED, { reason: input.reason });
  }

  @Directive(PARTNER)
  @Mutation(() => Referral, { description: 'Partner: closes the loop with what was done (Task.output)' })
  completeReferral(@Directive(PARTNER) @Arg('input') input: CompleteReferralInput, @Ctx() ctx: SubgraphContext) {
    return changeStatus(ctx, input.id, S.COMPLETED, { outcome: input.outcome, needRemains: input.needRemains });
  }
}

@Resolver(() => Patient)
export class PatientReferralsResolver {
  // Nullable: FORBIDDEN here (or this subgraph down) leaves the rest of the patient's screen standing (issues 10, 12).
  @FieldResolver(() => ReferralConnection, {
    nullable: true,
    description: 'Social care referrals for the patient, newest first, paged; FORBIDDEN outside the care team',
  })
  async referrals(
    @Root() patient: Patient,
    @Ctx() ctx: SubgraphContext,
    @Arg('first', () => Int, { nullable: true, description: FIRST_DESCRIPTION }) first?: number | null,
    @Arg('after', () => String, { nullable: true, description: AFTER_DESCRIPTION }) after?: string | null,
  ) {
    const limit = pageSize(first);
    const afterKey = decodeKeysetCursor(PATIENT_REFERRALS, after);
    await ctx.access.assert(patient.id, PatientData.REFERRALS, 'read', REFERRAL);
    return isUuid(patient.id) ? referralsByPatient(ctx).load(patient.id, limit, afterKey) : referralsByPatient(ctx).empty(afterKey);
  }
}
