import { HubError } from '../../../shared/errors';
import { costFigure, KpiComparator, kpiFigure, mean, measureFigure, monthKey, monthsBetween, satisfaction, suppressCells } from './kpi';

const C = KpiComparator;

function errorOf(fn: () => unknown): HubError | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof HubError) return e;
    throw e;
  }
  return undefined;
}

describe('kpiFigure', () => {
  it('suppresses a cohort of 10 when the minimum is 11', () => {
    expect(kpiFigure({ numerator: 2, denominator: 10, target: 0.15, comparator: C.LESS_THAN, minimumCohort: 11 })).toEqual({
      numerator: null,
      denominator: null,
      value: null,
      target: 0.15,
      comparator: C.LESS_THAN,
      targetMet: null,
      suppressed: true,
      suppressionReason: 'Suppressed: fewer than 11 cases in the cohort',
    });
  });

  it('publishes a cohort of 11', () => {
    const f = kpiFigure({ numerator: 1, denominator: 11, target: 0.15, comparator: C.LESS_THAN, minimumCohort: 11 });
    expect(f).toMatchObject({ numerator: 1, denominator: 11, suppressed: false, suppressionReason: null, targetMet: true });
    expect(f.value).toBeCloseTo(1 / 11, 12);
  });

  it('defaults the minimum cohort to 11', () => {
    expect(kpiFigure({ numerator: 0, denominator: 10, target: null, comparator: C.AT_LEAST }).suppressed).toBe(true);
    expect(kpiFigure({ numerator: 0, denominator: 11, target: null, comparator: C.AT_LEAST }).suppressed).toBe(false);
  });

  it('a zero denominator is not suppressed but has no value', () => {
    expect(kpiFigure({ numerator: 0, denominator: 0, target: 0.8, comparator: C.AT_LEAST, minimumCohort: 11 })).toMatchObject({
      numerator: 0,
      denominator: 0,
      value: null,
      targetMet: null,
      suppressed: false,
    });
  });

  it.each([
    [C.LESS_THAN, 3, 20, false], // 0.15 is not < 0.15
    [C.LESS_THAN, 2, 20, true],
    [C.AT_MOST, 3, 20, true],
    [C.AT_MOST, 4, 20, false],
    [C.GREATER_THAN, 3, 20, false],
    [C.GREATER_THAN, 4, 20, true],
    [C.AT_LEAST, 3, 20, true],
    [C.AT_LEAST, 2, 20, false],
  ])('%s 0.15 with %i/%i → %s', (comparator, numerator, denominator, met) => {
    expect(kpiFigure({ numerator, denominator, target: 0.15, comparator, minimumCohort: 11 }).targetMet).toBe(met);
  });

  it('targetMet is null without a target', () => {
    expect(kpiFigure({ numerator: 5, denominator: 20, target: null, comparator: C.AT_LEAST, minimumCohort: 11 }).targetMet).toBeNull();
  });

  it('target equality holds for ratios that are not exact in binary (7/10 vs 0.7)', () => {
    expect(kpiFigure({ numerator: 14, denominator: 20, target: 0.7, comparator: C.AT_LEAST, minimumCohort: 11 }).targetMet).toBe(true);
  });

  it('rejects impossible counts', () => {
    expect(errorOf(() => kpiFigure({ numerator: 5, denominator: 4, target: null, comparator: C.AT_LEAST, minimumCohort: 11 }))?.extensions)
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'numerator' });
    expect(errorOf(() => kpiFigure({ numerator: 0, denominator: -1, target: null, comparator: C.AT_LEAST, minimumCohort: 11 }))?.extensions)
      .toMatchObject({ code: 'BAD_USER_INPUT', field: 'denominator' });
  });
});

describe('satisfaction', () => {
  it('counts 4 and 5 as satisfied', () => {
    expect(satisfaction([1, 2, 3, 4, 5, 5, 4])).toEqual({ satisfied: 4, responses: 7 });
    expect(satisfaction([])).toEqual({ satisfied: 0, responses: 0 });
  });

  it.each([0, 6, 3.5, NaN, -1])('rejects %p', (score) => {
    expect(errorOf(() => satisfaction([4, score]))?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'score' });
  });
});

describe('monthKey / monthsBetween', () => {
  it('keys by UTC month', () => {
    expect(monthKey(new Date('2026-11-15T12:00:00Z'))).toBe('2026-11');
    expect(monthKey(new Date('2026-11-30T23:30:00-05:00'))).toBe('2026-12'); // 04:30 UTC on Dec 1
    expect(monthKey(new Date('2026-01-01T00:00:00Z'))).toBe('2026-01');
  });

  it('lists months inclusively, across a year end', () => {
    expect(monthsBetween(new Date('2025-11-20T00:00:00Z'), new Date('2026-02-01T00:00:00Z'))).toEqual([
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
    ]);
    expect(monthsBetween(new Date('2026-03-01T00:00:00Z'), new Date('2026-03-31T23:59:59Z'))).toEqual(['2026-03']);
    expect(monthsBetween(new Date('2025-01-15T00:00:00Z'), new Date('2026-01-15T00:00:00Z'))).toHaveLength(13);
  });

  it('rejects an end before the start', () => {
    expect(errorOf(() => monthsBetween(new Date('2026-03-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z')))?.extensions.code).toBe(
      'BAD_USER_INPUT',
    );
  });
});

describe('mean', () => {
  it('averages, null when empty', () => {
    expect(mean([1, 2, 3, 4])).toBe(2.5);
    expect(mean([])).toBeNull();
  });
});

describe('measureFigure', () => {
  it('reports a statistic over a cohort, judged against the target', () => {
    expect(measureFigure({ value: 9.5, cohort: 12, target: 14, comparator: C.AT_MOST, minimumCohort: 11 })).toMatchObject({
      numerator: null, denominator: 12, value: 9.5, targetMet: true, suppressed: false,
    });
    expect(measureFigure({ value: 15, cohort: 12, target: 14, comparator: C.AT_MOST, minimumCohort: 11 }).targetMet).toBe(false);
  });
  it('withholds a small cohort and has no value for an empty one', () => {
    expect(measureFigure({ value: 3, cohort: 10, target: 14, comparator: C.AT_MOST, minimumCohort: 11 })).toMatchObject({ value: null, denominator: null, suppressed: true });
    expect(measureFigure({ value: null, cohort: 0, target: 14, comparator: C.AT_MOST, minimumCohort: 11 })).toMatchObject({ value: null, denominator: 0, targetMet: null, suppressed: false });
  });
});

describe('costFigure', () => {
  it('means over patients, withholding small cohorts', () => {
    expect(costFigure({ patients: 20, totalCost: 5000, minimumCohort: 11 })).toEqual({ patients: 20, totalCost: 5000, meanCost: 250, suppressed: false, suppressionReason: null });
    expect(costFigure({ patients: 5, totalCost: 5000, minimumCohort: 11 })).toMatchObject({ patients: null, meanCost: null, suppressed: true });
    expect(costFigure({ patients: 0, totalCost: 0, minimumCohort: 11 }).meanCost).toBeNull();
  });
});

describe('suppressCells', () => {
  it('withholds cells of 1–10 and, when only one is withheld, the next smallest too', () => {
    expect(suppressCells([{ key: 'LOW', count: 40 }, { key: 'MODERATE', count: 25 }, { key: 'HIGH', count: 3 }], 11)).toEqual([
      { key: 'LOW', count: 40, suppressed: false },
      { key: 'MODERATE', count: null, suppressed: true },
      { key: 'HIGH', count: null, suppressed: true },
    ]);
  });
  it('leaves zero cells and large cells alone', () => {
    expect(suppressCells([{ key: 'a', count: 0 }, { key: 'b', count: 11 }, { key: 'c', count: 12 }], 11).every((c) => !c.suppressed)).toBe(true);
  });
  it('two small cells protect each other', () => {
    expect(suppressCells([{ key: 'a', count: 2 }, { key: 'b', count: 3 }, { key: 'c', count: 50 }], 11).map((c) => c.count)).toEqual([null, null, 50]);
  });
});
