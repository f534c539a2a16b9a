import { HubError } from '../../../shared/errors';
import { monthOfIsoDate, parseCalendarMonth, parseIsoDate } from './dates';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as HubError).extensions;
  }
  throw new Error('expected a throw');
};

describe('parseIsoDate', () => {
  it('accepts real calendar dates, including 29 February in a leap year', () => {
    expect(parseIsoDate('2026-11-23', 'd')).toBe('2026-11-23');
    expect(parseIsoDate('2028-02-29', 'd')).toBe('2028-02-29');
    expect(parseIsoDate(' 2026-01-05 ', 'd')).toBe('2026-01-05');
  });
  it.each(['2026-02-29', '2026-02-30', '2026-13-01', '2026-00-10', '26-11-23', '2026/11/23', '2026-11-23T10:00:00Z', ''])(
    'refuses %p as BAD_USER_INPUT naming the field',
    (v) => expect(codeOf(() => parseIsoDate(v, 'targetDueDate'))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'targetDueDate' }),
  );
});

describe('parseCalendarMonth', () => {
  it('gives the half-open UTC bounds of the month', () => {
    const m = parseCalendarMonth('2026-11');
    expect(m).toMatchObject({ month: '2026-11', firstDay: '2026-11-01', nextFirstDay: '2026-12-01' });
    expect(m.start.toISOString()).toBe('2026-11-01T00:00:00.000Z');
    expect(m.end.toISOString()).toBe('2026-12-01T00:00:00.000Z');
  });
  it('rolls December over into the next year', () => {
    expect(parseCalendarMonth('2026-12')).toMatchObject({ nextFirstDay: '2027-01-01' });
  });
  it('knows February is short', () => {
    expect(parseCalendarMonth('2027-02').nextFirstDay).toBe('2027-03-01');
  });
  it.each(['2026-13', '2026-00', '2026-1', '2026-11-01', 'November'])('refuses %p', (v) =>
    expect(codeOf(() => parseCalendarMonth(v))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'month' }));
  it('monthOfIsoDate takes the month of a date', () => expect(monthOfIsoDate('2026-11-30')).toBe('2026-11'));
});
