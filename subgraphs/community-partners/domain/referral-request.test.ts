import { HubError } from '../../../shared/errors';
import { MAX_NOTE_LENGTH, normaliseNote, normaliseOutcome, statusReasonFor } from './referral-request';
import { ReferralStatus as S } from './referral-status';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof HubError && e.code === 'BAD_USER_INPUT') return e.extensions.field as string;
    throw e;
  }
  return undefined;
}

describe('statusReasonFor', () => {
  it.each([S.REJECTED, S.FAILED, S.CANCELLED, S.ENTERED_IN_ERROR])('requires a reason for %s', (to) => {
    expect(fieldOf(() => statusReasonFor(to, undefined))).toBe('reason');
    expect(fieldOf(() => statusReasonFor(to, '   '))).toBe('reason');
    expect(statusReasonFor(to, '  moved away ')).toBe('moved away');
  });

  it.each([S.REQUESTED, S.ACCEPTED, S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED])('makes the reason optional for %s', (to) => {
    expect(statusReasonFor(to, null)).toBeNull();
    expect(statusReasonFor(to, '')).toBeNull();
    expect(statusReasonFor(to, 'waiting for documents')).toBe('waiting for documents');
  });

  it('refuses an overlong reason', () => {
    expect(fieldOf(() => statusReasonFor(S.REJECTED, 'x'.repeat(1001)))).toBe('reason');
  });
});

describe('normaliseNote', () => {
  it('trims, turns blank into null and caps the length', () => {
    expect(normaliseNote('  call after 5pm ')).toBe('call after 5pm');
    expect(normaliseNote('  ')).toBeNull();
    expect(normaliseNote(undefined)).toBeNull();
    expect(fieldOf(() => normaliseNote('x'.repeat(MAX_NOTE_LENGTH + 1)))).toBe('note');
  });
});

describe('normaliseOutcome', () => {
  it('keeps the words and the codes, trimmed', () => {
    expect(normaliseOutcome({
      text: ' Delivered two weeks of groceries ',
      services: [{ system: 'http://snomed.info/sct', code: ' 467771000124109 ', display: ' Assistance with application for food pantry program ' }, { code: 'BOX' }],
    })).toEqual({
      text: 'Delivered two weeks of groceries',
      services: [
        { system: 'http://snomed.info/sct', code: '467771000124109', display: 'Assistance with application for food pantry program' },
        { system: null, code: 'BOX', display: null },
      ],
    });
  });

  it('allows an outcome in words only', () => {
    expect(normaliseOutcome({ text: 'Enrolled in SNAP' })).toEqual({ text: 'Enrolled in SNAP', services: [] });
  });

  it('names the offending field', () => {
    expect(fieldOf(() => normaliseOutcome({ text: '  ' }))).toBe('outcome.text');
    expect(fieldOf(() => normaliseOutcome({ text: 'ok', services: [{ code: ' ' }] }))).toBe('outcome.services');
    expect(fieldOf(() => normaliseOutcome({ text: 'ok', services: [{ system: 'not a uri', code: 'A' }] }))).toBe('outcome.services');
  });
});
