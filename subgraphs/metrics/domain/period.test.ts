import { HubError } from '../../../shared/errors';
import { addUtcMonths } from './dates';
import { monthOf, monthlyPeriods, resolvePeriod, utilizationWindows } from './period';

const d = (iso: string) => new Date(iso);

describe('addUtcMonths', () => {
  it('keeps the time of day and clamps to the end of a shorter month', () => {
    expect(addUtcMonths(d('2026-03-31T10:15:00Z'), -1).toISOString()).toBe('2026-02-28T10:15:00.000Z');
    expect(addUtcMonths(d('2024-03-31T00:00:00Z'), -1).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(addUtcMonths(d('2026-11-23T21:00:00Z'), -12).toISOString()).toBe('2025-11-23T21:00:00.000Z');
    expect(addUtcMonths(d('2026-12-15T00:00:00Z'), 1).toISOString()).toBe('2027-01-15T00:00:00.000Z');
  });
});

describe('resolvePeriod', () => {
  const now = d('2026-11-23T21:00:00Z');
  it('defaults to the last 12 calendar months including the current one, ending now', () => {
    const p = resolvePeriod({}, now);
    expect(p).toEqual({ from: d('2025-12-01T00:00:00Z'), to: now });
    expect(monthlyPeriods(p)).toHaveLength(12);
  });
  it('a `to` on a month boundary does not pull in the next month', () => {
    expect(resolvePeriod({ to: d('2026-07-01T00:00:00Z') }, now).from).toEqual(d('2025-07-01T00:00:00Z'));
  });
  it('refuses an empty or reversed period, naming the field', () => {
    const err = (() => { try { resolvePeriod({ from: now, to: now }, now); } catch (e) { return e as HubError; } })();
    expect(err?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    expect(() => resolvePeriod({ from: d('2000-01-01T00:00:00Z') }, now)).toThrow(HubError);
  });
});

describe('monthlyPeriods / monthOf', () => {
  it('clips the first and last month to the period', () => {
    const months = monthlyPeriods({ from: d('2026-01-15T00:00:00Z'), to: d('2026-03-10T00:00:00Z') });
    expect(months.map((m) => [m.month, m.from.toISOString(), m.to.toISOString()])).toEqual([
      ['2026-01', '2026-01-15T00:00:00.000Z', '2026-02-01T00:00:00.000Z'],
      ['2026-02', '2026-02-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'],
      ['2026-03', '2026-03-01T00:00:00.000Z', '2026-03-10T00:00:00.000Z'],
    ]);
  });
  it('names the month of a one-month period only', () => {
    expect(monthOf({ from: d('2026-02-01T00:00:00Z'), to: d('2026-03-01T00:00:00Z') })).toBe('2026-02');
    expect(monthOf({ from: d('2026-02-01T00:00:00Z'), to: d('2026-03-02T00:00:00Z') })).toBeNull();
  });
});

describe('utilizationWindows', () => {
  it('looks back 12 and 6 calendar months', () => {
    expect(utilizationWindows(d('2026-08-31T12:00:00Z'))).toEqual({ admissionsSince: d('2025-08-31T12:00:00Z'), edVisitsSince: d('2026-02-28T12:00:00Z') });
  });
});
