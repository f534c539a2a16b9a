import { median, ReferralRecord, referralOutcomes, referralOutcomesByPartner } from './referrals';

const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000);

function ref(id: string, over: Partial<ReferralRecord> = {}): ReferralRecord {
  return {
    id,
    partnerId: 'food-bank',
    sentAt: day(0),
    acceptedAt: null,
    rejectedAt: null,
    closedAt: null,
    status: 'requested',
    ...over,
  };
}

describe('median', () => {
  it('odd count: middle value of the sorted list', () => {
    expect(median([9, 1, 5])).toBe(5);
  });
  it('even count: mean of the two middle values', () => {
    expect(median([4, 1, 3, 10])).toBe(3.5);
  });
  it('empty: null; single value: itself', () => {
    expect(median([])).toBeNull();
    expect(median([7])).toBe(7);
  });
  it('does not reorder the input', () => {
    const v = [3, 1, 2];
    median(v);
    expect(v).toEqual([3, 1, 2]);
  });
});

describe('referralOutcomes', () => {
  const referrals = [
    ref('draft', { sentAt: null, status: 'draft' }),
    ref('cancelled-draft', { sentAt: null, status: 'cancelled', closedAt: day(1) }),
    ref('error', { status: 'entered-in-error', closedAt: day(1) }),
    ref('waiting', { status: 'requested' }),
    ref('done-2d', { acceptedAt: day(1), closedAt: day(2), status: 'completed' }),
    ref('done-6d', { acceptedAt: day(1), closedAt: day(6), status: 'completed' }),
    ref('done-no-accept-ts', { closedAt: day(4), status: 'COMPLETED' }),
    ref('rejected', { rejectedAt: day(1), closedAt: day(1), status: 'rejected' }),
    ref('failed', { acceptedAt: day(1), closedAt: day(9), status: 'failed' }),
    ref('working', { status: 'IN_PROGRESS' }),
  ];

  it('counts sent referrals and the completed ones as closed loops', () => {
    const r = referralOutcomes(referrals);
    expect(r.sent).toBe(7);
    expect(r.closed).toBe(3);
    expect(r.closedLoopRate).toBeCloseTo(3 / 7, 12);
  });

  it('median days from sent to close over closed loops only', () => {
    expect(referralOutcomes(referrals).medianDaysToClose).toBe(4);
    expect(referralOutcomes(referrals.filter((r) => r.id !== 'done-no-accept-ts')).medianDaysToClose).toBe(4);
    expect(
      referralOutcomes([ref('a', { status: 'completed', closedAt: new Date(day(0).getTime() + 36 * 3_600_000) })]).medianDaysToClose,
    ).toBe(1.5);
  });

  it('acceptance rate = accepted / (accepted + rejected) responses; unanswered referrals left out', () => {
    // accepted: done-2d, done-6d, done-no-accept-ts (completed implies accepted), failed, working; rejected: 1
    expect(referralOutcomes(referrals).acceptanceRate).toBeCloseTo(5 / 6, 12);
    expect(referralOutcomes(referrals)).toMatchObject({ accepted: 5, responded: 6 });
    expect(referralOutcomes([ref('a', { acceptedAt: day(1), status: 'accepted' }), ref('r', { status: 'rejected' })]).acceptanceRate).toBe(0.5);
    expect(referralOutcomes([ref('cancelled-after-accept', { acceptedAt: day(1), status: 'cancelled' })]).acceptanceRate).toBe(1);
  });

  it('returns nulls rather than dividing by zero', () => {
    expect(referralOutcomes([])).toEqual({ sent: 0, closed: 0, closedLoopRate: null, medianDaysToClose: null, acceptanceRate: null, accepted: 0, responded: 0 });
    expect(referralOutcomes([ref('waiting')])).toEqual({
      sent: 1,
      closed: 0,
      closedLoopRate: 0,
      medianDaysToClose: null,
      acceptanceRate: null,
      accepted: 0,
      responded: 0,
    });
  });

  it('per partner', () => {
    const byPartner = referralOutcomesByPartner([
      ...referrals,
      ref('housing-1', { partnerId: 'housing', status: 'rejected', rejectedAt: day(2) }),
      ref('housing-2', { partnerId: 'housing', status: 'completed', acceptedAt: day(1), closedAt: day(10) }),
    ]);
    expect([...byPartner.keys()].sort()).toEqual(['food-bank', 'housing']);
    expect(byPartner.get('food-bank')).toEqual(referralOutcomes(referrals));
    expect(byPartner.get('housing')).toEqual({
      sent: 2,
      closed: 1,
      closedLoopRate: 0.5,
      medianDaysToClose: 10,
      acceptanceRate: 0.5,
      accepted: 1,
      responded: 2,
    });
  });
});
