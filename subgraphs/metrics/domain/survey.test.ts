import { HubError } from '../../../shared/errors';
import { validateSurveyResponse } from './survey';

const today = new Date('2026-11-23T21:00:00Z');
const fieldOf = (fn: () => unknown) => {
  try { fn(); } catch (e) { if (e instanceof HubError) return e.extensions.field; throw e; }
  return undefined;
};

describe('validateSurveyResponse', () => {
  it('accepts a response and normalises it', () => {
    expect(validateSurveyResponse({ score: 4, respondedOn: '2026-11-23', comment: '  Very kind nurse ' }, today)).toEqual({ score: 4, respondedOn: '2026-11-23', comment: 'Very kind nurse' });
    expect(validateSurveyResponse({ score: 1, respondedOn: '2026-01-31', comment: '   ' }, today).comment).toBeNull();
  });
  it.each([0, 6, 4.5])('refuses score %p', (score) => {
    expect(fieldOf(() => validateSurveyResponse({ score, respondedOn: '2026-11-01' }, today))).toBe('score');
  });
  it.each(['2026-02-30', '23/11/2026', '2026-11-24', ''])('refuses respondedOn %p (not a date, or in the future)', (respondedOn) => {
    expect(fieldOf(() => validateSurveyResponse({ score: 5, respondedOn }, today))).toBe('respondedOn');
  });
  it('refuses an overlong comment', () => {
    expect(fieldOf(() => validateSurveyResponse({ score: 5, respondedOn: '2026-11-01', comment: 'x'.repeat(2001) }, today))).toBe('comment');
  });
});
