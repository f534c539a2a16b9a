import { Kind } from 'graphql';
import { DateScalar, invalidDateField, isCalendarDate } from './date-scalar';

describe('Date scalar', () => {
  it('accepts days that exist and refuses the rest with BAD_USER_INPUT', () => {
    for (const ok of ['2024-02-29', '2026-02-28', '0001-01-01', '9999-12-31']) expect(DateScalar.parseValue(ok)).toBe(ok);
    for (const bad of ['2023-02-29', '2026-02-30', '2026-13-01', '2026-00-10', '0000-01-01', '2026-1-05', '2026-03-01T00:00:00Z', '', 20260301, null]) {
      expect(isCalendarDate(bad)).toBe(false);
      expect(() => DateScalar.parseValue(bad)).toThrow(expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', reason: 'INVALID_DATE' } }));
    }
    expect(DateScalar.parseLiteral({ kind: Kind.STRING, value: '2026-02-28' })).toBe('2026-02-28');
    expect(() => DateScalar.parseLiteral({ kind: Kind.STRING, value: '2026-02-30' })).toThrow(/calendar date/);
    expect(() => DateScalar.parseLiteral({ kind: Kind.INT, value: '20260228' })).toThrow(/calendar date/);
  });

  it('serializes what the entity holds: a date column string, or a Date as its UTC day', () => {
    expect(DateScalar.serialize('2026-02-28')).toBe('2026-02-28');
    expect(DateScalar.serialize(new Date('2026-03-01T23:30:00Z'))).toBe('2026-03-01');
    expect(() => DateScalar.serialize('yesterday')).toThrow();
  });

  it('names the input field of a refused variable value', () => {
    expect(invalidDateField('Variable "$i" got invalid value "2026-02-30" at "i.performedOn"; Date must be')).toBe('performedOn');
    expect(invalidDateField('Variable "$input" got invalid value "x" at "input.target.dueDate"; Date must be')).toBe('target.dueDate');
    expect(invalidDateField('Variable "$d" got invalid value "2026-02-30"; Date must be')).toBeUndefined();
  });
});
