/**
 * Scoring of each shipped instrument against its published scoring table: PHQ-9
 * (Kroenke 2001: 0-4, 5-9, 10-14, 15-19, 20-27; item 9), GAD-7 (Spitzer 2006: 0-4,
 * 5-9, 10-14, 15-21) and the AHC HRSN core domains as its guide scores them.
 */
import { scoreResponse, instrumentProblems, type AnswerInput } from './assessment-scoring';
import { INSTRUMENTS, instrumentById } from './instruments';
import { AHC_HRSN } from './instruments/ahc-hrsn';
import { GAD_7 } from './instruments/gad-7';
import { PHQ_9 } from './instruments/phq-9';

const CODES = ['not-at-all', 'several-days', 'more-than-half-the-days', 'nearly-every-day'];
/** Answers with the given item values (0-3), in item order. */
const frequency = (prefix: string, values: number[]): AnswerInput[] => values.map((v, i) => ({ linkId: `${prefix}-${i + 1}`, answerCode: CODES[v] }));
/** Item values summing to `total` over `n` items, item 9 (PHQ-9) kept at 0 unless asked. */
function valuesFor(total: number, n: number, keepLastZero: boolean): number[] {
  const v = new Array(n).fill(0);
  let left = total;
  for (let i = 0; i < n && left > 0; i++) {
    if (keepLastZero && i === n - 1) break;
    v[i] = Math.min(3, left);
    left -= v[i];
  }
  if (left > 0) v[n - 1] += left;
  return v;
}

it('every instrument is consistent data (bands tile the range, rules name real items)', () => {
  for (const i of INSTRUMENTS) expect([i.id, instrumentProblems(i)]).toEqual([i.id, []]);
  expect(instrumentById('phq-9')).toBe(PHQ_9);
});

describe('PHQ-9', () => {
  const table: [number, string][] = [[0, 'MINIMAL'], [4, 'MINIMAL'], [5, 'MILD'], [9, 'MILD'], [10, 'MODERATE'], [14, 'MODERATE'],
    [15, 'MODERATELY_SEVERE'], [19, 'MODERATELY_SEVERE'], [20, 'SEVERE'], [27, 'SEVERE']];
  it.each(table)('total %i is %s', (total, band) => {
    const r = scoreResponse(PHQ_9, frequency('phq9', valuesFor(total, 9, total <= 24)));
    expect(r.totalScore).toBe(total);
    expect(r.interpretationCode).toBe(band);
  });

  it('every total 0-27 falls in exactly the published band', () => {
    for (let t = 0; t <= 27; t++) {
      const expected = t <= 4 ? 'MINIMAL' : t <= 9 ? 'MILD' : t <= 14 ? 'MODERATE' : t <= 19 ? 'MODERATELY_SEVERE' : 'SEVERE';
      expect(scoreResponse(PHQ_9, frequency('phq9', valuesFor(t, 9, t <= 24))).interpretationCode).toBe(expected);
    }
  });

  it('item 9 above 0 raises the suicide-risk flag whatever the total; 0 does not', () => {
    const lowButItem9 = scoreResponse(PHQ_9, frequency('phq9', [0, 0, 0, 0, 0, 0, 0, 0, 1]));
    expect(lowButItem9).toMatchObject({ totalScore: 1, interpretationCode: 'MINIMAL', flags: ['SUICIDE_RISK'] });
    expect(scoreResponse(PHQ_9, frequency('phq9', [3, 3, 3, 3, 3, 3, 3, 3, 0])).flags).toEqual([]);
  });

  it('refuses an unknown item, an unknown answer, a repeated item and a missing one, naming the answer', () => {
    const all = frequency('phq9', [0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const err = (answers: AnswerInput[]) => { try { scoreResponse(PHQ_9, answers); } catch (e) { return e as { extensions: Record<string, unknown> }; } throw new Error('accepted'); };
    expect(err([...all.slice(0, 8), { linkId: 'phq9-10', answerCode: 'not-at-all' }]).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.answers[8].linkId' });
    expect(err([{ linkId: 'phq9-1', answerCode: 'always' }, ...all.slice(1)]).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.answers[0].answerCode' });
    expect(err([...all, all[0]]).extensions).toMatchObject({ field: 'input.answers[9].linkId' });
    expect(err(all.slice(0, 8)).extensions).toMatchObject({ field: 'input.answers' });
  });
});

describe('GAD-7', () => {
  it('bands every total 0-21 as published', () => {
    for (let t = 0; t <= 21; t++) {
      const r = scoreResponse(GAD_7, frequency('gad7', valuesFor(t, 7, false)));
      const expected = t <= 4 ? 'MINIMAL' : t <= 9 ? 'MILD' : t <= 14 ? 'MODERATE' : 'SEVERE';
      expect([t, r.totalScore, r.interpretationCode]).toEqual([t, t, expected]);
    }
    expect(scoreResponse(GAD_7, frequency('gad7', [1, 1, 1, 1, 1, 0, 0])).flags).toEqual([]);
  });
});

describe('AHC HRSN core domains', () => {
  const negative: Record<string, string> = {
    'living-situation': 'steady-place', 'food-worry': 'never-true', 'food-did-not-last': 'never-true', transportation: 'no', utilities: 'no',
    'safety-hurt': 'never', 'safety-insult': 'never', 'safety-threaten': 'never', 'safety-scream': 'never',
  };
  const screen = (changes: Record<string, string> = {}) => {
    const r = scoreResponse(AHC_HRSN, Object.entries({ ...negative, ...changes }).map(([linkId, answerCode]) => ({ linkId, answerCode })));
    return Object.fromEntries(r.domains.map((d) => [d.code, d.positive]));
  };
  const none = { HOUSING_INSTABILITY: false, FOOD_INSECURITY: false, TRANSPORTATION: false, UTILITIES: false, INTERPERSONAL_SAFETY: false };

  it('all negative: no domain positive, no total score', () => {
    expect(screen()).toEqual(none);
    expect(scoreResponse(AHC_HRSN, Object.entries(negative).map(([linkId, answerCode]) => ({ linkId, answerCode }))).totalScore).toBeNull();
  });
  it('food insecurity: "often true" or "sometimes true" to either food item', () => {
    expect(screen({ 'food-worry': 'sometimes-true' })).toEqual({ ...none, FOOD_INSECURITY: true });
    expect(screen({ 'food-did-not-last': 'often-true' })).toEqual({ ...none, FOOD_INSECURITY: true });
  });
  it('housing instability: worried about losing it, or no steady place', () => {
    expect(screen({ 'living-situation': 'worried-about-losing' }).HOUSING_INSTABILITY).toBe(true);
    expect(screen({ 'living-situation': 'no-steady-place' }).HOUSING_INSTABILITY).toBe(true);
  });
  it('transportation "yes"; utilities "yes" or "already shut off"', () => {
    expect(screen({ transportation: 'yes' })).toEqual({ ...none, TRANSPORTATION: true });
    expect(screen({ utilities: 'already-shut-off' })).toEqual({ ...none, UTILITIES: true });
    expect(screen({ utilities: 'yes' }).UTILITIES).toBe(true);
  });
  it('interpersonal safety: the four items (1-5) summing over 10; exactly 10 is negative', () => {
    // 3+3+2+2 = 10: not positive; 3+3+3+2 = 11: positive.
    expect(screen({ 'safety-hurt': 'sometimes', 'safety-insult': 'sometimes', 'safety-threaten': 'rarely', 'safety-scream': 'rarely' }).INTERPERSONAL_SAFETY).toBe(false);
    expect(screen({ 'safety-hurt': 'sometimes', 'safety-insult': 'sometimes', 'safety-threaten': 'sometimes', 'safety-scream': 'rarely' }).INTERPERSONAL_SAFETY).toBe(true);
  });
});
