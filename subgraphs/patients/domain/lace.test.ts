import { HubError } from '../../../shared/errors';
import {
  ED_LOOKBACK_MONTHS,
  RiskTier,
  acuityPoints,
  comorbidityPoints,
  countEdVisitsBefore,
  edLookbackStart,
  edVisitPoints,
  laceScore,
  lengthOfStayDays,
  lengthOfStayPoints,
  riskTierOf,
} from './lace';

const utc = (iso: string) => new Date(iso);

/** Asserts fn throws BAD_USER_INPUT on `field`. */
function expectBadInput(fn: () => unknown, field: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(HubError);
  expect((thrown as HubError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
}

describe('LACE L — length of stay points', () => {
  it.each([
    [0, 0],
    [1, 1],
    [2, 2],
    [3, 3],
    [4, 4],
    [6, 4],
    [7, 5],
    [13, 5],
    [14, 7],
    [45, 7],
  ])('%i days → %i points', (days, points) => {
    expect(lengthOfStayPoints(days)).toBe(points);
  });

  it('treats a fractional stay under 1 day as 0 and 3.5 days as 3', () => {
    expect(lengthOfStayPoints(0.9)).toBe(0);
    expect(lengthOfStayPoints(3.5)).toBe(3);
    expect(lengthOfStayPoints(6.9)).toBe(4);
    expect(lengthOfStayPoints(13.9)).toBe(5);
  });

  it('rejects negative or non-numeric lengths', () => {
    expectBadInput(() => lengthOfStayPoints(-1), 'lengthOfStayDays');
    expectBadInput(() => lengthOfStayPoints(Number.NaN), 'lengthOfStayDays');
  });
});

describe('LACE A — acuity points', () => {
  it('emergent admission → 3', () => expect(acuityPoints(true)).toBe(3));
  it('elective admission → 0', () => expect(acuityPoints(false)).toBe(0));
});

describe('LACE C — comorbidity points', () => {
  it.each([
    [0, 0],
    [1, 1],
    [2, 2],
    [3, 3],
    [4, 5],
    [5, 5],
    [12, 5],
  ])('Charlson %i → %i points', (charlson, points) => {
    expect(comorbidityPoints(charlson)).toBe(points);
  });

  it('rejects negative and fractional scores', () => {
    expectBadInput(() => comorbidityPoints(-1), 'charlsonScore');
    expectBadInput(() => comorbidityPoints(2.5), 'charlsonScore');
  });
});

describe('LACE E — ED visit points', () => {
  it.each([
    [0, 0],
    [1, 1],
    [2, 2],
    [3, 3],
    [4, 4],
    [7, 4],
  ])('%i visits → %i points', (visits, points) => {
    expect(edVisitPoints(visits)).toBe(points);
  });

  it('rejects negative counts', () => {
    expectBadInput(() => edVisitPoints(-1), 'edVisitsPrior6Months');
  });
});

describe('risk tiers', () => {
  it.each([
    [0, RiskTier.LOW],
    [4, RiskTier.LOW],
    [5, RiskTier.MODERATE],
    [9, RiskTier.MODERATE],
    [10, RiskTier.HIGH],
    [19, RiskTier.HIGH],
  ])('score %i → %s', (score, tier) => {
    expect(riskTierOf(score)).toBe(tier);
  });

  it('rejects a negative score', () => {
    expectBadInput(() => riskTierOf(-1), 'score');
  });
});

describe('lengthOfStayDays — midnights between UTC dates', () => {
  it('same-day discharge is 0 days', () => {
    expect(lengthOfStayDays(utc('2024-03-10T08:00:00Z'), utc('2024-03-10T20:00:00Z'))).toBe(0);
  });

  it('crossing one midnight is 1 day even if only 2 hours elapsed', () => {
    expect(lengthOfStayDays(utc('2024-03-10T23:00:00Z'), utc('2024-03-11T01:00:00Z'))).toBe(1);
  });

  it('23 hours on the same UTC date is still 0 days', () => {
    expect(lengthOfStayDays(utc('2024-03-10T00:30:00Z'), utc('2024-03-10T23:30:00Z'))).toBe(0);
  });

  it('counts across month ends and leap days', () => {
    expect(lengthOfStayDays(utc('2024-02-27T10:00:00Z'), utc('2024-03-02T09:00:00Z'))).toBe(4);
    expect(lengthOfStayDays(utc('2023-12-31T22:00:00Z'), utc('2024-01-14T06:00:00Z'))).toBe(14);
  });

  it('admission and discharge at the same instant is 0 days', () => {
    const t = utc('2024-03-10T12:00:00Z');
    expect(lengthOfStayDays(t, new Date(t.getTime()))).toBe(0);
  });

  it('throws BAD_USER_INPUT on dischargedAt when discharge precedes admission', () => {
    expectBadInput(() => lengthOfStayDays(utc('2024-03-10T12:00:00Z'), utc('2024-03-10T11:59:00Z')), 'dischargedAt');
    expectBadInput(() => lengthOfStayDays(utc('2024-03-10T12:00:00Z'), utc('2024-03-01T12:00:00Z')), 'dischargedAt');
  });

  it('rejects invalid dates', () => {
    expectBadInput(() => lengthOfStayDays(new Date('nope'), utc('2024-03-10T12:00:00Z')), 'admittedAt');
    expectBadInput(() => lengthOfStayDays(utc('2024-03-10T12:00:00Z'), new Date('nope')), 'dischargedAt');
  });
});

describe('laceScore', () => {
  it('adds the four components: 5-day emergent stay, Charlson 4, 3 ED visits → 4+3+5+3 = 15 HIGH', () => {
    expect(
      laceScore({
        admittedAt: utc('2024-05-01T14:00:00Z'),
        dischargedAt: utc('2024-05-06T10:00:00Z'),
        emergent: true,
        charlsonScore: 4,
        edVisitsPrior6Months: 3,
      }),
    ).toEqual({ lengthOfStayDays: 5, l: 4, a: 3, c: 5, e: 3, score: 15, tier: RiskTier.HIGH });
  });

  it('elective same-day stay, no comorbidity, no ED use → 0 LOW', () => {
    expect(
      laceScore({
        admittedAt: utc('2024-05-01T08:00:00Z'),
        dischargedAt: utc('2024-05-01T17:00:00Z'),
        emergent: false,
        charlsonScore: 0,
        edVisitsPrior6Months: 0,
      }),
    ).toEqual({ lengthOfStayDays: 0, l: 0, a: 0, c: 0, e: 0, score: 0, tier: RiskTier.LOW });
  });

  it('maximum is 19: ≥14 days, emergent, Charlson ≥4, ≥4 ED visits', () => {
    const r = laceScore({
      admittedAt: utc('2024-01-01T00:00:00Z'),
      dischargedAt: utc('2024-02-01T00:00:00Z'),
      emergent: true,
      charlsonScore: 9,
      edVisitsPrior6Months: 10,
    });
    expect(r).toMatchObject({ lengthOfStayDays: 31, l: 7, a: 3, c: 5, e: 4, score: 19, tier: RiskTier.HIGH });
  });

  it('lands on the moderate band: 2 days, emergent, Charlson 1 → 2+3+1+0 = 6', () => {
    const r = laceScore({
      admittedAt: utc('2024-05-01T20:00:00Z'),
      dischargedAt: utc('2024-05-03T09:00:00Z'),
      emergent: true,
      charlsonScore: 1,
      edVisitsPrior6Months: 0,
    });
    expect(r).toMatchObject({ score: 6, tier: RiskTier.MODERATE });
  });

  it('throws badInput on dischargedAt if discharge is before admission', () => {
    expectBadInput(
      () =>
        laceScore({
          admittedAt: utc('2024-05-06T10:00:00Z'),
          dischargedAt: utc('2024-05-01T10:00:00Z'),
          emergent: true,
          charlsonScore: 0,
          edVisitsPrior6Months: 0,
        }),
      'dischargedAt',
    );
  });

  it('throws badInput on negative counts', () => {
    const base = {
      admittedAt: utc('2024-05-01T10:00:00Z'),
      dischargedAt: utc('2024-05-02T10:00:00Z'),
      emergent: false,
      charlsonScore: 0,
      edVisitsPrior6Months: 0,
    };
    expectBadInput(() => laceScore({ ...base, charlsonScore: -2 }), 'charlsonScore');
    expectBadInput(() => laceScore({ ...base, edVisitsPrior6Months: -1 }), 'edVisitsPrior6Months');
  });
});

describe('ED look-back window (6 calendar months before admission, UTC)', () => {
  it('is 6 months', () => expect(ED_LOOKBACK_MONTHS).toBe(6));

  it('goes back 6 calendar months keeping the time of day', () => {
    expect(edLookbackStart(utc('2024-07-15T09:30:00Z')).toISOString()).toBe('2024-01-15T09:30:00.000Z');
  });

  it('crosses the year boundary', () => {
    expect(edLookbackStart(utc('2024-03-10T00:00:00Z')).toISOString()).toBe('2023-09-10T00:00:00.000Z');
  });

  it('clamps to the end of a shorter month (31 Aug → 29 Feb in a leap year, 28 Feb otherwise)', () => {
    expect(edLookbackStart(utc('2024-08-31T12:00:00Z')).toISOString()).toBe('2024-02-29T12:00:00.000Z');
    expect(edLookbackStart(utc('2023-08-31T12:00:00Z')).toISOString()).toBe('2023-02-28T12:00:00.000Z');
  });

  const admittedAt = utc('2024-07-15T09:30:00Z');
  const start = utc('2024-01-15T09:30:00Z');

  it('counts a visit exactly at the window start', () => {
    expect(countEdVisitsBefore(admittedAt, [start])).toBe(1);
  });

  it('ignores a visit 1 ms before the window start', () => {
    expect(countEdVisitsBefore(admittedAt, [new Date(start.getTime() - 1)])).toBe(0);
  });

  it('counts a visit 1 ms before admission', () => {
    expect(countEdVisitsBefore(admittedAt, [new Date(admittedAt.getTime() - 1)])).toBe(1);
  });

  it('ignores a visit at the admission instant and after it', () => {
    expect(countEdVisitsBefore(admittedAt, [admittedAt, utc('2024-07-20T00:00:00Z')])).toBe(0);
  });

  it('counts only the visits inside the window', () => {
    const visits = [
      utc('2023-12-31T00:00:00Z'), // out: before window
      utc('2024-02-01T00:00:00Z'), // in
      utc('2024-05-05T18:00:00Z'), // in
      utc('2024-07-15T03:00:00Z'), // in: same day, before admission
      utc('2024-08-01T00:00:00Z'), // out: after admission
    ];
    expect(countEdVisitsBefore(admittedAt, visits)).toBe(3);
    expect(countEdVisitsBefore(admittedAt, [])).toBe(0);
  });

  it('rejects invalid visit dates', () => {
    expectBadInput(() => countEdVisitsBefore(admittedAt, [new Date('nope')]), 'edVisitTimes');
  });
});
