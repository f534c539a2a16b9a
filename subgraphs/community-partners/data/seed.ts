/**
 * The community-partners subgraph's part of the demo population: the partner
 * directory once, then each batch's referrals (scripts/seed/population.ts) with
 * their status history and the ReferralStatusChanged events a live loop would have
 * emitted, stamped with when each step happened.
 */
import type { DataSource } from 'typeorm';
import { DEMO_PARTNERS, DEMO_PRACTITIONERS, type DemoPatient, type DemoReferral } from '../../../scripts/seed/population';
import { recordEvents, type NewEvent } from '../../../shared/events';
import type { SeedBatch } from '../../../shared/subgraph';
import { ReferralPriority } from '../domain/referral-request';
import { ReferralActor, ReferralStatus as S } from '../domain/referral-status';
import { ReferralRecord, ReferralStatusChangeRecord } from './entities';
import { historyEntry, STATUS_TIME, statusChangedEvent, type StatusChange } from './referral-history';

/** The partner side's actor in seeded history (the demo partner token's subject). */
const DEMO_PARTNER_STAFF = 'demo-partner-user';
/** Gravity: a rejection carries a reason; the population does not say which. */
const DEMO_REJECTION_REASON = 'Outside eligibility: household income above the program limit';

async function seedDirectory(ds: DataSource): Promise<void> {
  for (const p of DEMO_PARTNERS) {
    await ds.query(
      `INSERT INTO community_partners.community_partner (id, name, description, categories, eligibility_notes, service_area, languages, hours, accepting_referrals, capacity, contacts)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
      [p.id, p.name, p.description, p.categories, p.eligibilityNotes, p.serviceArea, p.languages, p.hours, p.acceptingReferrals, p.capacity, JSON.stringify(p.contacts)],
    );
  }
}

/** One demo referral as the row, history entries and events the live workflow would have written. */
function referralOf(patient: DemoPatient, d: DemoReferral) {
  const steps = d.history.map((h) => ({ status: h.status as S, at: h.at }));
  const last = steps[steps.length - 1];
  const reason = last.status === S.REJECTED ? DEMO_REJECTION_REASON : null;
  const outcome = d.outcome ? { text: d.outcome, services: [] } : undefined;
  const row: Partial<ReferralRecord> = {
    id: d.id, patientId: patient.id, partnerId: d.partnerId, socialNeedId: d.socialNeedId, category: d.category, priority: ReferralPriority.ROUTINE,
    note: d.note, status: last.status, statusReason: reason, requestedBy: d.requestedBy,
    requestedByName: DEMO_PRACTITIONERS.find((x) => x.id === d.requestedBy)?.name ?? null,
    outcomeText: outcome?.text ?? null, outcomeServices: [], heldFrom: null, createdAt: steps[0].at, updatedAt: last.at,
  };
  for (const s of steps) {
    const column = STATUS_TIME[s.status];
    if (column) Object.assign(row, { [column]: s.at });
  }
  const changes: StatusChange[] = steps.map((s, i) => {
    const byRequester = s.status === S.REQUESTED;
    return {
      referral: row as ReferralRecord, from: i === 0 ? null : steps[i - 1].status, to: s.status, at: s.at,
      actorSide: byRequester ? ReferralActor.REQUESTER : ReferralActor.PARTNER, actor: byRequester ? d.requestedBy : DEMO_PARTNER_STAFF,
      reason: s === last ? reason : null, outcome: s === last ? outcome : undefined,
    };
  });
  return { row, changes };
}

export async function seedCommunityPartners(ds: DataSource, { patients, first }: SeedBatch): Promise<void> {
  if (first) await seedDirectory(ds);
  const referrals = patients.flatMap((p) => p.referrals.map((d) => referralOf(p, d)));
  if (referrals.length === 0) return;
  const changes = referrals.flatMap((r) => r.changes);
  await ds.transaction(async (m) => {
    await m.insert(ReferralRecord, referrals.map((r) => r.row));
    await m.insert(ReferralStatusChangeRecord, changes.map(historyEntry));
    const events: NewEvent[] = changes.map((c) => statusChangedEvent(c, c.at));
    await recordEvents(m, 'community-partners', events);
  });
}
