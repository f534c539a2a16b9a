import {
  CHARLSON_LABELS,
  CHARLSON_WEIGHTS,
  CharlsonCategory as C,
  QUAN_2005_ICD10_PREFIXES,
  charlsonCategoryOf,
  charlsonIndex,
} from './charlson';

// Real ICD-10-CM codes, at least one per category (several at list edges).
const REAL_CODES: [string, C][] = [
  ['I21.4', C.MYOCARDIAL_INFARCTION],
  ['I22.0', C.MYOCARDIAL_INFARCTION],
  ['I25.2', C.MYOCARDIAL_INFARCTION],
  ['I50.9', C.CONGESTIVE_HEART_FAILURE],
  ['I50.23', C.CONGESTIVE_HEART_FAILURE],
  ['I11.0', C.CONGESTIVE_HEART_FAILURE],
  ['I13.0', C.CONGESTIVE_HEART_FAILURE],
  ['I42.5', C.CONGESTIVE_HEART_FAILURE],
  ['I42.9', C.CONGESTIVE_HEART_FAILURE],
  ['I25.5', C.CONGESTIVE_HEART_FAILURE],
  ['P29.0', C.CONGESTIVE_HEART_FAILURE],
  ['I70.211', C.PERIPHERAL_VASCULAR_DISEASE],
  ['I73.9', C.PERIPHERAL_VASCULAR_DISEASE],
  ['K55.1', C.PERIPHERAL_VASCULAR_DISEASE],
  ['Z95.828', C.PERIPHERAL_VASCULAR_DISEASE],
  ['I63.9', C.CEREBROVASCULAR_DISEASE],
  ['I60.9', C.CEREBROVASCULAR_DISEASE],
  ['I69.351', C.CEREBROVASCULAR_DISEASE],
  ['G45.9', C.CEREBROVASCULAR_DISEASE],
  ['H34.00', C.CEREBROVASCULAR_DISEASE],
  ['F03.90', C.DEMENTIA],
  ['F01.50', C.DEMENTIA],
  ['G30.9', C.DEMENTIA],
  ['G31.1', C.DEMENTIA],
  ['J44.9', C.CHRONIC_PULMONARY_DISEASE],
  ['J45.909', C.CHRONIC_PULMONARY_DISEASE],
  ['J40', C.CHRONIC_PULMONARY_DISEASE],
  ['J47.9', C.CHRONIC_PULMONARY_DISEASE],
  ['I27.89', C.CHRONIC_PULMONARY_DISEASE],
  ['M05.79', C.RHEUMATIC_DISEASE],
  ['M06.9', C.RHEUMATIC_DISEASE],
  ['M32.9', C.RHEUMATIC_DISEASE],
  ['M35.3', C.RHEUMATIC_DISEASE],
  ['K25.9', C.PEPTIC_ULCER_DISEASE],
  ['K28.9', C.PEPTIC_ULCER_DISEASE],
  ['B18.2', C.MILD_LIVER_DISEASE],
  ['K70.30', C.MILD_LIVER_DISEASE],
  ['K74.60', C.MILD_LIVER_DISEASE],
  ['K76.0', C.MILD_LIVER_DISEASE],
  ['Z94.4', C.MILD_LIVER_DISEASE],
  ['E11.9', C.DIABETES_WITHOUT_COMPLICATIONS],
  ['E11.65', C.DIABETES_WITHOUT_COMPLICATIONS],
  ['E10.9', C.DIABETES_WITHOUT_COMPLICATIONS],
  ['E11.22', C.DIABETES_WITH_COMPLICATIONS],
  ['E11.319', C.DIABETES_WITH_COMPLICATIONS],
  ['E11.40', C.DIABETES_WITH_COMPLICATIONS],
  ['E11.51', C.DIABETES_WITH_COMPLICATIONS],
  ['E10.21', C.DIABETES_WITH_COMPLICATIONS],
  ['G81.91', C.HEMIPLEGIA_PARAPLEGIA],
  ['G82.20', C.HEMIPLEGIA_PARAPLEGIA],
  ['G83.4', C.HEMIPLEGIA_PARAPLEGIA],
  ['G04.1', C.HEMIPLEGIA_PARAPLEGIA],
  ['N18.4', C.RENAL_DISEASE],
  ['N18.6', C.RENAL_DISEASE],
  ['N19', C.RENAL_DISEASE],
  ['I12.0', C.RENAL_DISEASE],
  ['I13.11', C.RENAL_DISEASE],
  ['Z99.2', C.RENAL_DISEASE],
  ['Z49.01', C.RENAL_DISEASE],
  ['N05.2', C.RENAL_DISEASE],
  ['C34.90', C.MALIGNANCY],
  ['C50.911', C.MALIGNANCY],
  ['C00.0', C.MALIGNANCY],
  ['C43.9', C.MALIGNANCY],
  ['C61', C.MALIGNANCY],
  ['C76.0', C.MALIGNANCY],
  ['C85.90', C.MALIGNANCY],
  ['C88.0', C.MALIGNANCY],
  ['C90.00', C.MALIGNANCY],
  ['C97', C.MALIGNANCY],
  ['K72.10', C.MODERATE_SEVERE_LIVER_DISEASE],
  ['K70.40', C.MODERATE_SEVERE_LIVER_DISEASE],
  ['K76.6', C.MODERATE_SEVERE_LIVER_DISEASE],
  ['I85.00', C.MODERATE_SEVERE_LIVER_DISEASE],
  ['I86.4', C.MODERATE_SEVERE_LIVER_DISEASE],
  ['C78.7', C.METASTATIC_SOLID_TUMOR],
  ['C79.51', C.METASTATIC_SOLID_TUMOR],
  ['C77.0', C.METASTATIC_SOLID_TUMOR],
  ['C80.1', C.METASTATIC_SOLID_TUMOR],
  ['B20', C.AIDS_HIV],
  ['B24', C.AIDS_HIV],
];

describe('charlsonCategoryOf — Quan 2005 ICD-10 mapping', () => {
  it.each(REAL_CODES)('%s → %s', (code, category) => {
    expect(charlsonCategoryOf(code)).toBe(category);
  });

  it('covers all 17 categories in the real-code table and in the prefix table', () => {
    expect(new Set(REAL_CODES.map(([, category]) => category)).size).toBe(17);
    expect(Object.keys(QUAN_2005_ICD10_PREFIXES)).toHaveLength(17);
    expect(Object.values(C)).toHaveLength(17);
    for (const category of Object.values(C)) {
      expect(QUAN_2005_ICD10_PREFIXES[category].length).toBeGreaterThan(0);
    }
  });

  it('Quan prefix lists are disjoint, so each code has one category', () => {
    const all = Object.values(QUAN_2005_ICD10_PREFIXES).flat();
    expect(new Set(all).size).toBe(all.length);
    // No 3-character prefix of one category swallows a 4-character prefix of another.
    for (const [category, prefixes] of Object.entries(QUAN_2005_ICD10_PREFIXES)) {
      for (const p of prefixes.filter((x) => x.length === 4)) {
        const parent = charlsonCategoryOf(p.slice(0, 3));
        if (parent !== null) expect(parent).toBe(category);
      }
    }
  });

  it('expands the published ranges exactly', () => {
    expect(QUAN_2005_ICD10_PREFIXES[C.CONGESTIVE_HEART_FAILURE]).toEqual([
      'I099', 'I110', 'I130', 'I132', 'I255', 'I420', 'I425', 'I426', 'I427', 'I428', 'I429', 'I43', 'I50', 'P290',
    ]);
    expect(QUAN_2005_ICD10_PREFIXES[C.METASTATIC_SOLID_TUMOR]).toEqual(['C77', 'C78', 'C79', 'C80']);
    expect(QUAN_2005_ICD10_PREFIXES[C.MALIGNANCY]).toHaveLength(27 + 5 + 5 + 1 + 14 + 17 + 5 + 1 + 8);
  });

  it.each([
    'I10', // essential hypertension
    'E78.5', // hyperlipidaemia
    'I48.91', // atrial fibrillation
    'I42.1', // obstructive hypertrophic cardiomyopathy: Quan lists I42.0 and I42.5–I42.9 only
    'K71.6', // toxic liver disease with hepatitis: Quan skips K71.6
    'N17.9', // acute kidney failure: only chronic renal disease counts
    'C44.91', // non-melanoma skin cancer: excluded by Quan
    'E08.22', // secondary diabetes: ICD-10-CM only, not in Quan 2005
    'C7B.01', // secondary neuroendocrine tumour: ICD-10-CM only, not in Quan 2005
  ])('%s maps to nothing', (code) => {
    expect(charlsonCategoryOf(code)).toBeNull();
  });

  it('returns null for malformed input instead of throwing', () => {
    expect(charlsonCategoryOf('')).toBeNull();
    expect(charlsonCategoryOf('I50..9')).toBeNull();
    expect(charlsonCategoryOf('heart failure')).toBeNull();
  });

  it('accepts dotted, undotted, lower-case and padded input alike', () => {
    for (const code of ['I50.9', 'I509', 'i50.9', ' i509 ']) {
      expect(charlsonCategoryOf(code)).toBe(C.CONGESTIVE_HEART_FAILURE);
    }
    expect(charlsonCategoryOf('E1122')).toBe(C.DIABETES_WITH_COMPLICATIONS);
    expect(charlsonCategoryOf('C7951')).toBe(C.METASTATIC_SOLID_TUMOR);
  });
});

describe('CHARLSON_WEIGHTS — Charlson 1987', () => {
  it('has the original weights', () => {
    const byWeight = (w: number) => Object.values(C).filter((c) => CHARLSON_WEIGHTS[c] === w);
    expect(byWeight(1)).toEqual([
      C.MYOCARDIAL_INFARCTION,
      C.CONGESTIVE_HEART_FAILURE,
      C.PERIPHERAL_VASCULAR_DISEASE,
      C.CEREBROVASCULAR_DISEASE,
      C.DEMENTIA,
      C.CHRONIC_PULMONARY_DISEASE,
      C.RHEUMATIC_DISEASE,
      C.PEPTIC_ULCER_DISEASE,
      C.MILD_LIVER_DISEASE,
      C.DIABETES_WITHOUT_COMPLICATIONS,
    ]);
    expect(byWeight(2)).toEqual([C.DIABETES_WITH_COMPLICATIONS, C.HEMIPLEGIA_PARAPLEGIA, C.RENAL_DISEASE, C.MALIGNANCY]);
    expect(byWeight(3)).toEqual([C.MODERATE_SEVERE_LIVER_DISEASE]);
    expect(byWeight(6)).toEqual([C.METASTATIC_SOLID_TUMOR, C.AIDS_HIV]);
  });

  it('has a short label for every category', () => {
    expect(CHARLSON_LABELS[C.CONGESTIVE_HEART_FAILURE]).toBe('CHF');
    expect(CHARLSON_LABELS[C.CHRONIC_PULMONARY_DISEASE]).toBe('COPD');
    expect(CHARLSON_LABELS[C.DIABETES_WITH_COMPLICATIONS]).toBe('diabetes with complications');
    expect(CHARLSON_LABELS[C.RENAL_DISEASE]).toBe('kidney disease');
    expect(CHARLSON_LABELS[C.METASTATIC_SOLID_TUMOR]).toBe('metastatic cancer');
    for (const c of Object.values(C)) expect(CHARLSON_LABELS[c].length).toBeGreaterThan(0);
  });
});

describe('charlsonIndex', () => {
  it('scores an empty or unmapped list as 0', () => {
    expect(charlsonIndex([])).toEqual({ score: 0, categories: [] });
    expect(charlsonIndex(['I10', 'E78.5', 'garbage'])).toEqual({ score: 0, categories: [] });
  });

  it('sums 1987 weights: CHF 1 + COPD 1 + renal 2 + metastatic 6 + AIDS 6 + severe liver 3 = 19', () => {
    const r = charlsonIndex(['I50.9', 'J44.9', 'N18.6', 'C78.7', 'B20', 'K72.10']);
    expect(r.score).toBe(19);
    expect(r.categories).toEqual([
      C.METASTATIC_SOLID_TUMOR,
      C.AIDS_HIV,
      C.MODERATE_SEVERE_LIVER_DISEASE,
      C.RENAL_DISEASE,
      C.CONGESTIVE_HEART_FAILURE,
      C.CHRONIC_PULMONARY_DISEASE,
    ]);
  });

  it('counts each category once', () => {
    expect(charlsonIndex(['I50.9', 'I50.23', 'I5023', 'I11.0'])).toEqual({
      score: 1,
      categories: [C.CONGESTIVE_HEART_FAILURE],
    });
  });

  it('diabetes with complications supersedes diabetes without (2, not 3)', () => {
    expect(charlsonIndex(['E11.9', 'E11.22'])).toEqual({ score: 2, categories: [C.DIABETES_WITH_COMPLICATIONS] });
    expect(charlsonIndex(['E11.9'])).toEqual({ score: 1, categories: [C.DIABETES_WITHOUT_COMPLICATIONS] });
  });

  it('moderate/severe liver supersedes mild liver (3, not 4)', () => {
    expect(charlsonIndex(['K74.60', 'I85.00'])).toEqual({ score: 3, categories: [C.MODERATE_SEVERE_LIVER_DISEASE] });
    expect(charlsonIndex(['K74.60'])).toEqual({ score: 1, categories: [C.MILD_LIVER_DISEASE] });
  });

  it('metastatic solid tumour supersedes any malignancy (6, not 8)', () => {
    expect(charlsonIndex(['C34.90', 'C79.51'])).toEqual({ score: 6, categories: [C.METASTATIC_SOLID_TUMOR] });
    expect(charlsonIndex(['C34.90'])).toEqual({ score: 2, categories: [C.MALIGNANCY] });
  });

  it('orders categories heaviest first, then enum order, whatever the input order', () => {
    const a = charlsonIndex(['J44.9', 'E11.22', 'I50.9', 'N18.4']);
    const b = charlsonIndex(['N18.4', 'I50.9', 'E11.22', 'J44.9']);
    expect(a.categories).toEqual([
      C.DIABETES_WITH_COMPLICATIONS,
      C.RENAL_DISEASE,
      C.CONGESTIVE_HEART_FAILURE,
      C.CHRONIC_PULMONARY_DISEASE,
    ]);
    expect(b).toEqual(a);
    expect(a.score).toBe(6);
  });
});
