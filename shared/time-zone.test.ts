/** The organization's local calendar (CMS TCM FAQs: "Dates are local calendar dates of the practice"). */
import { addIsoDays, endOfLocalDay, isTimeZone, isoWeekday, localIsoDate, localIsoMonth, startOfLocalDay } from './time-zone';

describe('local dates in an IANA zone', () => {
  it('a Wednesday 22:30 in New York is Wednesday there, Thursday in UTC', () => {
    const at = new Date('2026-12-03T03:30:00Z');
    expect(localIsoDate(at, 'America/New_York')).toBe('2026-12-02');
    expect(localIsoDate(at, 'UTC')).toBe('2026-12-03');
    expect(localIsoMonth(new Date('2026-12-01T03:00:00Z'), 'America/New_York')).toBe('2026-11');
  });

  it('local day bounds follow daylight saving (EST −5, EDT −4; 8 March 2026 is 23 hours long)', () => {
    expect(endOfLocalDay('2026-12-07', 'America/New_York').toISOString()).toBe('2026-12-08T04:59:59.999Z');
    expect(endOfLocalDay('2026-07-01', 'America/New_York').toISOString()).toBe('2026-07-02T03:59:59.999Z');
    expect(startOfLocalDay('2026-03-08', 'America/New_York').toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(endOfLocalDay('2026-03-08', 'America/New_York').toISOString()).toBe('2026-03-09T03:59:59.999Z');
    expect(endOfLocalDay('2026-12-07', 'UTC').toISOString()).toBe('2026-12-07T23:59:59.999Z');
  });

  it('calendar arithmetic on plain dates, and zone names checked', () => {
    expect(addIsoDays('2026-11-30', 1)).toBe('2026-12-01');
    expect(addIsoDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(isoWeekday('2026-12-02')).toBe(3);
    expect(isTimeZone('America/New_York')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});
