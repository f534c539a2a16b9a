import { HubError } from '../../../shared/errors';
import {
  assertReferralTransition,
  CLOSED_LOOP_STATUSES,
  isTerminal,
  OPEN_REFERRAL_STATUSES,
  ReferralActor,
  ReferralStatus as S,
  REFERRAL_TRANSITIONS,
  whoMaySet,
} from './referral-status';

const { REQUESTER, PARTNER } = ReferralActor;
const ALL = Object.values(S);

function errorOf(fn: () => void): HubError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof HubError) return e;
    throw e;
  }
  return undefined;
}

/** The expected state machine, written out independently of REFERRAL_TRANSITIONS. */
const EXPECTED: Array<[S, S, ReferralActor]> = [
  [S.DRAFT, S.REQUESTED, REQUESTER],
  [S.DRAFT, S.CANCELLED, REQUESTER],
  [S.DRAFT, S.CANCELLED, PARTNER],
  [S.DRAFT, S.ENTERED_IN_ERROR, REQUESTER],
  [S.REQUESTED, S.ACCEPTED, PARTNER],
  [S.REQUESTED, S.REJECTED, PARTNER],
  [S.REQUESTED, S.CANCELLED, REQUESTER],
  [S.REQUESTED, S.CANCELLED, PARTNER],
  [S.REQUESTED, S.ENTERED_IN_ERROR, REQUESTER],
  [S.ACCEPTED, S.IN_PROGRESS, PARTNER],
  [S.ACCEPTED, S.ON_HOLD, PARTNER],
  [S.ACCEPTED, S.COMPLETED, PARTNER],
  [S.ACCEPTED, S.FAILED, PARTNER],
  [S.ACCEPTED, S.CANCELLED, REQUESTER],
  [S.ACCEPTED, S.CANCELLED, PARTNER],
  [S.IN_PROGRESS, S.ON_HOLD, PARTNER],
  [S.IN_PROGRESS, S.COMPLETED, PARTNER],
  [S.IN_PROGRESS, S.FAILED, PARTNER],
  [S.IN_PROGRESS, S.CANCELLED, REQUESTER],
  [S.IN_PROGRESS, S.CANCELLED, PARTNER],
  [S.ON_HOLD, S.ACCEPTED, PARTNER],
  [S.ON_HOLD, S.IN_PROGRESS, PARTNER],
  [S.ON_HOLD, S.CANCELLED, REQUESTER],
  [S.ON_HOLD, S.CANCELLED, PARTNER],
  [S.ON_HOLD, S.FAILED, PARTNER],
];

describe('whoMaySet (Gravity status ownership)', () => {
  it.each([
    [S.DRAFT, [REQUESTER]],
    [S.REQUESTED, [REQUESTER]],
    [S.ENTERED_IN_ERROR, [REQUESTER]],
    [S.ACCEPTED, [PARTNER]],
    [S.REJECTED, [PARTNER]],
    [S.IN_PROGRESS, [PARTNER]],
    [S.ON_HOLD, [PARTNER]],
    [S.FAILED, [PARTNER]],
    [S.COMPLETED, [PARTNER]],
    [S.CANCELLED, [REQUESTER, PARTNER]],
  ])('%s → %j', (status, actors) => {
    expect(whoMaySet(status)).toEqual(actors);
  });
});

describe('assertReferralTransition', () => {
  it.each(EXPECTED)('allows %s → %s by %s', (from, to, actor) => {
    expect(() => assertReferralTransition({ from, to, actor })).not.toThrow();
  });

  it('refuses every other (from, to, actor) combination with FORBIDDEN or BAD_USER_INPUT', () => {
    let refused = 0;
    for (const from of ALL) {
      for (const to of ALL) {
        for (const actor of [REQUESTER, PARTNER]) {
          const allowed = EXPECTED.some(([f, t, a]) => f === from && t === to && a === actor);
          const err = errorOf(() => assertReferralTransition({ from, to, actor }));
          if (allowed) {
            expect(err).toBeUndefined();
          } else {
            expect(err).toBeDefined();
            const ownsStatus = whoMaySet(to).includes(actor);
            expect(err!.extensions.code).toBe(ownsStatus ? 'BAD_USER_INPUT' : 'FORBIDDEN');
            refused++;
          }
        }
      }
    }
    expect(refused).toBe(10 * 10 * 2 - EXPECTED.length);
  });

  describe('requester side', () => {
    it.each([S.ACCEPTED, S.REJECTED, S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED, S.FAILED])(
      'cannot set %s (partner-owned) → FORBIDDEN',
      (to) => {
        const err = errorOf(() => assertReferralTransition({ from: S.REQUESTED, to, actor: REQUESTER }));
        expect(err?.extensions.code).toBe('FORBIDDEN');
        expect(err?.message).toBe(`The referring care team cannot set a referral to ${to}`);
      },
    );

    it('cannot mark an accepted referral entered-in-error (cancel instead)', () => {
      const err = errorOf(() => assertReferralTransition({ from: S.ACCEPTED, to: S.ENTERED_IN_ERROR, actor: REQUESTER }));
      expect(err?.extensions.code).toBe('BAD_USER_INPUT');
      expect(err?.extensions.field).toBe('status');
      expect(err?.message).toContain('accepted');
      expect(err?.message).toContain('entered-in-error');
    });

    it('cannot re-request a completed referral', () => {
      const err = errorOf(() => assertReferralTransition({ from: S.COMPLETED, to: S.REQUESTED, actor: REQUESTER }));
      expect(err?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'status', from: 'completed', to: 'requested' });
    });

    it('cannot cancel a terminal referral', () => {
      for (const from of [S.REJECTED, S.FAILED, S.COMPLETED, S.CANCELLED, S.ENTERED_IN_ERROR]) {
        expect(errorOf(() => assertReferralTransition({ from, to: S.CANCELLED, actor: REQUESTER }))?.extensions.code).toBe(
          'BAD_USER_INPUT',
        );
      }
    });
  });

  describe('partner side', () => {
    it.each([S.DRAFT, S.REQUESTED, S.ENTERED_IN_ERROR])('cannot set %s (requester-owned) → FORBIDDEN', (to) => {
      const err = errorOf(() => assertReferralTransition({ from: S.ACCEPTED, to, actor: PARTNER }));
      expect(err?.extensions.code).toBe('FORBIDDEN');
      expect(err?.message).toBe(`A community partner cannot set a referral to ${to}`);
    });

    it('cannot act on a draft it has not received', () => {
      expect(errorOf(() => assertReferralTransition({ from: S.DRAFT, to: S.ACCEPTED, actor: PARTNER }))?.extensions.code).toBe(
        'BAD_USER_INPUT',
      );
    });

    it('cannot complete before accepting, or start work on a rejected referral', () => {
      expect(errorOf(() => assertReferralTransition({ from: S.REQUESTED, to: S.COMPLETED, actor: PARTNER }))?.message).toBe(
        'A referral cannot move from requested to completed',
      );
      expect(errorOf(() => assertReferralTransition({ from: S.REJECTED, to: S.IN_PROGRESS, actor: PARTNER }))?.message).toBe(
        'A referral cannot move from rejected to in-progress (rejected is final)',
      );
    });

    it('cannot go back from in-progress to accepted except via on-hold', () => {
      expect(errorOf(() => assertReferralTransition({ from: S.IN_PROGRESS, to: S.ACCEPTED, actor: PARTNER }))?.extensions.code).toBe(
        'BAD_USER_INPUT',
      );
    });
  });

  describe('on-hold resume', () => {
    it('resumes to the status it was paused from', () => {
      expect(() =>
        assertReferralTransition({ from: S.ON_HOLD, to: S.IN_PROGRESS, actor: PARTNER, resumeTo: S.IN_PROGRESS }),
      ).not.toThrow();
      expect(() =>
        assertReferralTransition({ from: S.ON_HOLD, to: S.ACCEPTED, actor: PARTNER, resumeTo: S.ACCEPTED }),
      ).not.toThrow();
    });

    it('refuses resuming to a different status than the one it left', () => {
      const err = errorOf(() =>
        assertReferralTransition({ from: S.ON_HOLD, to: S.IN_PROGRESS, actor: PARTNER, resumeTo: S.ACCEPTED }),
      );
      expect(err?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'status', from: 'on-hold', to: 'in-progress' });
      expect(err?.message).toContain('accepted');
      expect(
        errorOf(() => assertReferralTransition({ from: S.ON_HOLD, to: S.ACCEPTED, actor: PARTNER, resumeTo: S.IN_PROGRESS }))
          ?.extensions.code,
      ).toBe('BAD_USER_INPUT');
    });

    it('cancel/fail from on-hold is allowed whatever it was paused from', () => {
      expect(() =>
        assertReferralTransition({ from: S.ON_HOLD, to: S.CANCELLED, actor: REQUESTER, resumeTo: S.IN_PROGRESS }),
      ).not.toThrow();
      expect(() => assertReferralTransition({ from: S.ON_HOLD, to: S.FAILED, actor: PARTNER, resumeTo: S.ACCEPTED })).not.toThrow();
    });

    it('cannot resume to completed directly or stay on hold', () => {
      expect(errorOf(() => assertReferralTransition({ from: S.ON_HOLD, to: S.COMPLETED, actor: PARTNER }))?.extensions.code).toBe(
        'BAD_USER_INPUT',
      );
      expect(errorOf(() => assertReferralTransition({ from: S.ON_HOLD, to: S.ON_HOLD, actor: PARTNER }))?.extensions.code).toBe(
        'BAD_USER_INPUT',
      );
    });
  });

  it('rejects unknown status strings', () => {
    const err = errorOf(() =>
      assertReferralTransition({ from: S.DRAFT, to: 'received' as unknown as S, actor: REQUESTER }),
    );
    expect(err?.extensions.code).toBe('BAD_USER_INPUT');
  });
});

describe('status groups', () => {
  it('terminal statuses', () => {
    expect(ALL.filter(isTerminal).sort()).toEqual(
      [S.CANCELLED, S.COMPLETED, S.ENTERED_IN_ERROR, S.FAILED, S.REJECTED].sort(),
    );
  });

  it('open statuses are the sent, non-terminal ones', () => {
    expect([...OPEN_REFERRAL_STATUSES].sort()).toEqual([S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD, S.REQUESTED].sort());
    expect(OPEN_REFERRAL_STATUSES.some(isTerminal)).toBe(false);
  });

  it('only completed closes the loop', () => {
    expect(CLOSED_LOOP_STATUSES).toEqual([S.COMPLETED]);
  });

  it('every target in the table is a known status', () => {
    for (const targets of Object.values(REFERRAL_TRANSITIONS)) for (const t of targets) expect(ALL).toContain(t);
  });
});
