/** The ICD-10-CM code list (issue 14): shipped codes cover the project's own mappings; the CMS file format loads on top. */
import { CHARLSON_WEIGHTS, QUAN_2005_ICD10_PREFIXES, type CharlsonCategory } from './charlson';
import { HubError } from '../../../shared/errors';
import { codeCondition } from './condition-rules';
import { CHRONIC_CATEGORIES } from './diseases';
import { Icd10CodeList, SHIPPED_ICD10_CM_CODES, parseCmsIcd10CmFile, shippedIcd10CodeList } from './icd10-code-list';
import { compactIcd10Code, isValidIcd10CmCode } from './icd10';

const list = shippedIcd10CodeList();

describe('shipped ICD-10-CM list', () => {
  it('holds only well-formed codes', () => {
    for (const code of SHIPPED_ICD10_CM_CODES) expect([code, isValidIcd10CmCode(code)]).toEqual([code, true]);
  });

  it('has a code for every Quan 2005 Charlson prefix and every chronic-category default', () => {
    const compact = SHIPPED_ICD10_CM_CODES.map(compactIcd10Code);
    const missing = [
      ...(Object.keys(CHARLSON_WEIGHTS) as CharlsonCategory[]).flatMap((c) => QUAN_2005_ICD10_PREFIXES[c]),
      ...CHRONIC_CATEGORIES,
    ].filter((prefix) => !compact.some((code) => code.startsWith(prefix)))
      // Quan 2005 is written for WHO ICD-10: prefixes ICD-10-CM has no code under (E12, E14, E1x.0 coma, E1x.7 multiple
      // complications, F00, I64, J46, I79.2, I85.9, B21–B24) are not codes; the C, J6x, M3x, N0x and Z ranges are
      // covered by their common codes only (the full CMS list fills them in).
      .filter((prefix) => !/^(E12|E14|E1[013][07]|F00|I64|J46|I792|I859|B2[124]|F051|G801|G802|I278|I738|I98|K709|N03[3-7]|N05[3-7]|Z958|Z49|C[0-9]{2}|J6[0-7]|M3[2-4])/.test(prefix));
    expect(missing).toEqual([]);
  });

  it('refuses a well-formed code off the list with BAD_USER_INPUT on code, unless the caller says it is outside the list', () => {
    expect(list.has('Z99.99')).toBe(false);
    expect(list.has('e1122')).toBe(true);
    const refusal = (() => { try { codeCondition('Z99.99', undefined, list); return null; } catch (e) { return e as HubError; } })();
    expect(refusal?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'code' });
    expect(codeCondition('Z99.99', undefined, list, true)).toMatchObject({ code: 'Z99.99', codeOutsideList: true, chronic: false });
  });
});

describe('parseCmsIcd10CmFile — loading the full CMS list', () => {
  it('reads the "codes" format (CODE description) and the "order" format (fixed width), undotted to dotted', () => {
    const codesFile = 'A000    Cholera due to Vibrio cholerae 01, biovar cholerae\nZ9989   Dependence on other enabling machines and devices\n';
    const orderFile = '00001 A00     0 Cholera                                                  Cholera\n00002 A000    1 Cholera due to Vibrio cholerae 01, biovar cholerae       Cholera due to ...\n';
    expect(parseCmsIcd10CmFile(codesFile)).toEqual(['A00.0', 'Z99.89']);
    expect(parseCmsIcd10CmFile(orderFile)).toEqual(['A00', 'A00.0']);
    expect(new Icd10CodeList([...SHIPPED_ICD10_CM_CODES, ...parseCmsIcd10CmFile(codesFile)]).has('Z99.89')).toBe(true);
  });
});
