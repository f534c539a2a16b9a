import { CharlsonCategory as C, charlsonIndex } from './charlson';
import { LaceResult, RiskTier, laceScore } from './lace';
import { riskDrivers } from './risk-drivers';

const lace = (over: Partial<LaceResult>): LaceResult => ({
  lengthOfStayDays: 0,
  l: 0,
  a: 0,
  c: 0,
  e: 0,
  score: 0,
  tier: RiskTier.LOW,
  ...over,
});

describe('riskDrivers', () => {
  it('lists every contributing component in plain words', () => {
    const charlson = charlsonIndex(['I50.9', 'J44.9', 'E11.22']);
    const result = laceScore({
      admittedAt: new Date('2024-05-01T14:00:00Z'),
      dischargedAt: new Date('2024-05-06T10:00:00Z'),
      emergent: true,
      charlsonScore: charlson.score,
      edVisitsPrior6Months: 3,
    });
    expect(riskDrivers(result, charlson, 3)).toEqual([
      'Length of stay 5 days',
      'Emergent admission',
      'Charlson 4: diabetes with complications, CHF, COPD',
      '3 ED visits in 6 months',
    ]);
  });

  it('lists nothing when no component adds points', () => {
    expect(riskDrivers(lace({}), { score: 0, categories: [] }, 0)).toEqual([]);
  });

  it('uses the singular for 1 day and 1 ED visit', () => {
    expect(riskDrivers(lace({ lengthOfStayDays: 1, l: 1, e: 1 }), { score: 0, categories: [] }, 1)).toEqual([
      'Length of stay 1 day',
      '1 ED visit in 6 months',
    ]);
  });

  it('omits a same-day stay (0 points) and an elective admission', () => {
    const drivers = riskDrivers(
      lace({ lengthOfStayDays: 0, l: 0, a: 0, c: 2, score: 2 }),
      { score: 2, categories: [C.RENAL_DISEASE] },
      0,
    );
    expect(drivers).toEqual(['Charlson 2: kidney disease']);
  });

  it('names metastatic cancer and falls back to the bare score without categories', () => {
    expect(riskDrivers(lace({ c: 5 }), { score: 6, categories: [C.METASTATIC_SOLID_TUMOR] }, 0)).toEqual([
      'Charlson 6: metastatic cancer',
    ]);
    expect(riskDrivers(lace({ c: 3 }), { score: 3, categories: [] }, 0)).toEqual(['Charlson 3']);
  });

  it('reports the real ED count even when points are capped at 4', () => {
    expect(riskDrivers(lace({ e: 4 }), { score: 0, categories: [] }, 7)).toEqual(['7 ED visits in 6 months']);
  });
});
