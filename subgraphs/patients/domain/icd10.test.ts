import { HubError } from '../../../shared/errors';
import { assertIcd10CmCode, compactIcd10Code, isValidIcd10CmCode, normalizeIcd10Code } from './icd10';

describe('normalizeIcd10Code', () => {
  it.each([
    ['E11.22', 'E11.22'],
    ['E1122', 'E11.22'],
    ['  e11.22 ', 'E11.22'],
    ['i509', 'I50.9'],
    ['I10', 'I10'],
    ['t360x1a', 'T36.0X1A'],
    ['U071', 'U07.1'],
  ])('%p → %p', (input, expected) => {
    expect(normalizeIcd10Code(input)).toBe(expected);
  });

  it('leaves non-codes trimmed and uppercased but not dotted', () => {
    expect(normalizeIcd10Code(' hello ')).toBe('HELLO');
  });

  it('compacts to the undotted form', () => {
    expect(compactIcd10Code('e11.22')).toBe('E1122');
  });
});

describe('isValidIcd10CmCode', () => {
  it.each(['E11.22', 'E1122', 'I10', 'I50.9', 'T36.0X1A', 'T360X1A', 'U07.1', 'C4A.0', 'M1A.00X0', ' z99.2 '])(
    'accepts %p',
    (code) => {
      expect(isValidIcd10CmCode(code)).toBe(true);
    },
  );

  it.each([
    '',
    '   ',
    'E1',
    '11.22',
    'EE1.22',
    'E11.',
    'E11.22345',
    'E11222345',
    'E1.122',
    'E11..2',
    'E11-22',
    'E11.2 2',
    'not a code',
    '1E11',
  ])('rejects %p', (code) => {
    expect(isValidIcd10CmCode(code)).toBe(false);
  });

  it('rejects non-strings', () => {
    expect(isValidIcd10CmCode(undefined as unknown as string)).toBe(false);
    expect(isValidIcd10CmCode(42 as unknown as string)).toBe(false);
  });
});

describe('assertIcd10CmCode', () => {
  it('returns the normalised code', () => {
    expect(assertIcd10CmCode(' e1122 ')).toBe('E11.22');
  });

  it('throws BAD_USER_INPUT naming the default field', () => {
    try {
      assertIcd10CmCode('garbage');
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(HubError);
      expect((e as HubError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
    }
  });

  it('names the given field', () => {
    expect(() => assertIcd10CmCode('', 'diagnoses[2]')).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'diagnoses[2]' }) }),
    );
  });
});
