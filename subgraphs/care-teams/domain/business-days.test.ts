import { HubError } from '../../../shared/errors';
import {
  addBusinessDays,
  addCalendarDays,
  endOfUtcDay,
  isBusinessDay,
  parseHolidayCalendar,
  startOfUtcDay,
  toIsoDate,
} from './business-days';

const d = (iso: string) => new Date(iso);
const none = new Set<string>();
const usHolidays2026 = parseHolidayCalendar('2026-05-25,2026-09-07,2026-11-26,2026-12-25');

describe('parseHolidayCalendar', () => {
  it('parses a comma-separated list of ISO dates, tolerating spaces', () => {
    expect([...parseHolidayCalendar('2026-11-26, 2026-12-25')]).toEqual(['2026-11-26', '2026-12-25']);
  });

  it('treats an empty setting (or stray commas) as no holidays', () => {
    expect(parseHolidayCalendar('').size).toBe(0);
    expect(parseHolidayCalendar(' , ').size).toBe(0);
    expect([...parseHolidayCalendar('2026-11-26,')]).toEqual(['2026-11-26']);
  });

  it('collapses duplicates', () => {
    expect(parseHolidayCalendar('2026-12-25,2026-12-25').size).toBe(1);
  });

  it.each(['2026-02-30', '2026-13-01', '26-11-26', '2026/11/26', 'Thanksgiving', '2026-11-26T00:00:00Z', '2026-1-5'])(
    'refuses the malformed date %p',
    (bad) => {
      let err: unknown;
      try {
        parseHolidayCalendar(`2026-12-25,${bad}`);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(HubError);
      expect((err as HubError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'holidays', value: bad });
    },
  );

  it('accepts a leap day only in a leap year', () => {
    expect(parseHolidayCalendar('2028-02-29').has('2028-02-29')).toBe(true);
    expect(() => parseHolidayCalendar('2026-02-29')).toThrow(HubError);
  });
});

describe('isBusinessDay', () => {
  it('is true Monday to Friday and false at the weekend', () => {
    expect(isBusinessDay(d('2026-03-13T12:00:00Z'), none)).toBe(true); // Friday
    expect(isBusinessDay(d('2026-03-14T12:00:00Z'), none)).toBe(false); // Saturday
    expect(isBusinessDay(d('2026-03-15T12:00:00Z'), none)).toBe(false); // Sunday
    expect(isBusinessDay(d('2026-03-16T12:00:00Z'), none)).toBe(true); // Monday
  });

  it('is false on a holiday', () => {
    expect(isBusinessDay(d('2026-11-26T15:00:00Z'), usHolidays2026)).toBe(false);
    expect(isBusinessDay(d('2026-11-26T15:00:00Z'), none)).toBe(true);
  });

  it('goes by the UTC date', () => {
    // Friday 23:30 in New York is already Saturday in UTC.
    expect(isBusinessDay(d('2026-03-13T23:30:00-05:00'), none)).toBe(false);
    expect(isBusinessDay(d('2026-03-14T00:30:00+02:00'), none)).toBe(true); // still Friday in UTC
  });
});

describe('addBusinessDays', () => {
  it('counts from the next day: Monday + 2 is Wednesday, end of day', () => {
    expect(addBusinessDays(d('2026-03-16T09:00:00Z'), 2, none)).toEqual(d('2026-03-18T23:59:59.999Z'));
  });

  it('skips the weekend: a Friday discharge is due Tuesday', () => {
    expect(addBusinessDays(d('2026-03-13T16:45:00Z'), 2, none)).toEqual(d('2026-03-17T23:59:59.999Z'));
  });

  it('a Thursday discharge is due Monday', () => {
    expect(addBusinessDays(d('2026-03-12T10:00:00Z'), 2, none)).toEqual(d('2026-03-16T23:59:59.999Z'));
  });

  it('a Saturday discharge counts Monday as day 1: due Tuesday', () => {
    expect(addBusinessDays(d('2026-03-14T08:00:00Z'), 2, none)).toEqual(d('2026-03-17T23:59:59.999Z'));
  });

  it('a Sunday discharge is also due Tuesday', () => {
    expect(addBusinessDays(d('2026-03-15T08:00:00Z'), 2, none)).toEqual(d('2026-03-17T23:59:59.999Z'));
  });

  it('skips Thanksgiving: a Wednesday 2026-11-25 discharge is due Monday 2026-11-30', () => {
    expect(addBusinessDays(d('2026-11-25T14:00:00Z'), 2, usHolidays2026)).toEqual(d('2026-11-30T23:59:59.999Z'));
    // Without the holiday calendar it would be Friday.
    expect(addBusinessDays(d('2026-11-25T14:00:00Z'), 2, none)).toEqual(d('2026-11-27T23:59:59.999Z'));
  });

  it('a discharge on Thanksgiving itself counts Friday and Monday', () => {
    expect(addBusinessDays(d('2026-11-26T10:00:00Z'), 2, usHolidays2026)).toEqual(d('2026-11-30T23:59:59.999Z'));
  });

  it('skips a Monday holiday after a weekend: Friday before Labor Day is due Wednesday', () => {
    expect(addBusinessDays(d('2026-09-04T17:00:00Z'), 2, usHolidays2026)).toEqual(d('2026-09-09T23:59:59.999Z'));
  });

  it('skips a holiday Friday and the weekend (Christmas 2026)', () => {
    expect(addBusinessDays(d('2026-12-24T10:00:00Z'), 1, usHolidays2026)).toEqual(d('2026-12-28T23:59:59.999Z'));
  });

  it('crosses a year end', () => {
    expect(addBusinessDays(d('2026-12-31T10:00:00Z'), 2, none)).toEqual(d('2027-01-04T23:59:59.999Z'));
  });

  it('returns the end of the starting day for 0 days', () => {
    expect(addBusinessDays(d('2026-03-14T08:00:00Z'), 0, none)).toEqual(d('2026-03-14T23:59:59.999Z'));
  });

  it('uses the UTC date of the start instant', () => {
    // Late Friday evening in California is Saturday in UTC, so the deadline is Tuesday either way.
    expect(addBusinessDays(d('2026-03-13T20:00:00-08:00'), 2, none)).toEqual(d('2026-03-17T23:59:59.999Z'));
    // Thursday 20:00 in California is Friday 04:00 UTC: due Tuesday, not Monday.
    expect(addBusinessDays(d('2026-03-12T20:00:00-08:00'), 2, none)).toEqual(d('2026-03-17T23:59:59.999Z'));
  });

  it.each([-1, 1.5, Number.NaN])('refuses %p days', (n) => {
    expect(() => addBusinessDays(d('2026-03-13T00:00:00Z'), n, none)).toThrow(HubError);
  });
});

describe('UTC day helpers', () => {
  it('find the start and end of the UTC day and its ISO date', () => {
    const t = d('2026-03-13T16:45:12.345Z');
    expect(startOfUtcDay(t)).toEqual(d('2026-03-13T00:00:00.000Z'));
    expect(endOfUtcDay(t)).toEqual(d('2026-03-13T23:59:59.999Z'));
    expect(toIsoDate(t)).toBe('2026-03-13');
    expect(addCalendarDays(t, 7)).toEqual(d('2026-03-20T16:45:12.345Z'));
  });
});
