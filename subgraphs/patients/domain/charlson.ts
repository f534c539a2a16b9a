/**
 * Charlson comorbidity index from ICD-10-CM diagnosis codes.
 *
 * Mapping: Quan H, Sundararajan V, Halfon P, et al. "Coding algorithms for
 * defining comorbidities in ICD-9-CM and ICD-10 administrative data",
 * Med Care 2005;43(11):1130-9 — the published ICD-10 code lists for all 17
 * categories, matched by code prefix with the dot removed (I50.9 → "I509"
 * starts with "I50").
 *
 * Weights: the original Charlson 1987 weights (Charlson et al., J Chronic Dis
 * 1987;40:373-83), not Quan's 2011 re-weighting — LACE was derived with them
 * and most LACE implementations use them.
 *
 * Quan 2005 lists WHO ICD-10 codes; ICD-10-CM-only categories it does not list
 * (e.g. E08/E09 secondary diabetes, C4A, C7A/C7B) deliberately map to nothing,
 * so scores match the published algorithm.
 */
import { compactIcd10Code, isValidIcd10CmCode } from './icd10';

export enum CharlsonCategory {
  MYOCARDIAL_INFARCTION = 'MYOCARDIAL_INFARCTION',
  CONGESTIVE_HEART_FAILURE = 'CONGESTIVE_HEART_FAILURE',
  PERIPHERAL_VASCULAR_DISEASE = 'PERIPHERAL_VASCULAR_DISEASE',
  CEREBROVASCULAR_DISEASE = 'CEREBROVASCULAR_DISEASE',
  DEMENTIA = 'DEMENTIA',
  CHRONIC_PULMONARY_DISEASE = 'CHRONIC_PULMONARY_DISEASE',
  RHEUMATIC_DISEASE = 'RHEUMATIC_DISEASE',
  PEPTIC_ULCER_DISEASE = 'PEPTIC_ULCER_DISEASE',
  MILD_LIVER_DISEASE = 'MILD_LIVER_DISEASE',
  DIABETES_WITHOUT_COMPLICATIONS = 'DIABETES_WITHOUT_COMPLICATIONS',
  DIABETES_WITH_COMPLICATIONS = 'DIABETES_WITH_COMPLICATIONS',
  HEMIPLEGIA_PARAPLEGIA = 'HEMIPLEGIA_PARAPLEGIA',
  RENAL_DISEASE = 'RENAL_DISEASE',
  MALIGNANCY = 'MALIGNANCY',
  MODERATE_SEVERE_LIVER_DISEASE = 'MODERATE_SEVERE_LIVER_DISEASE',
  METASTATIC_SOLID_TUMOR = 'METASTATIC_SOLID_TUMOR',
  AIDS_HIV = 'AIDS_HIV',
}

/** Charlson 1987 weights (see the reference: 1, 2, 3 or 6 points per category). */
export const CHARLSON_WEIGHTS: Record<CharlsonCategory, number> = {
  [CharlsonCategory.MYOCARDIAL_INFARCTION]: 1,
  [CharlsonCategory.CONGESTIVE_HEART_FAILURE]: 1,
  [CharlsonCategory.PERIPHERAL_VASCULAR_DISEASE]: 1,
  [CharlsonCategory.CEREBROVASCULAR_DISEASE]: 1,
  [CharlsonCategory.DEMENTIA]: 1,
  [CharlsonCategory.CHRONIC_PULMONARY_DISEASE]: 1,
  [CharlsonCategory.RHEUMATIC_DISEASE]: 1,
  [CharlsonCategory.PEPTIC_ULCER_DISEASE]: 1,
  [CharlsonCategory.MILD_LIVER_DISEASE]: 1,
  [CharlsonCategory.DIABETES_WITHOUT_COMPLICATIONS]: 1,
  [CharlsonCategory.DIABETES_WITH_COMPLICATIONS]: 2,
  [CharlsonCategory.HEMIPLEGIA_PARAPLEGIA]: 2,
  [CharlsonCategory.RENAL_DISEASE]: 2,
  [CharlsonCategory.MALIGNANCY]: 2,
  [CharlsonCategory.MODERATE_SEVERE_LIVER_DISEASE]: 3,
  [CharlsonCategory.METASTATIC_SOLID_TUMOR]: 6,
  [CharlsonCategory.AIDS_HIV]: 6,
};

/** Short words a nurse reads at a glance (used in risk drivers). */
export const CHARLSON_LABELS: Record<CharlsonCategory, string> = {
  [CharlsonCategory.MYOCARDIAL_INFARCTION]: 'prior heart attack',
  [CharlsonCategory.CONGESTIVE_HEART_FAILURE]: 'CHF',
  [CharlsonCategory.PERIPHERAL_VASCULAR_DISEASE]: 'peripheral vascular disease',
  [CharlsonCategory.CEREBROVASCULAR_DISEASE]: 'stroke or TIA',
  [CharlsonCategory.DEMENTIA]: 'dementia',
  [CharlsonCategory.CHRONIC_PULMONARY_DISEASE]: 'COPD',
  [CharlsonCategory.RHEUMATIC_DISEASE]: 'rheumatic disease',
  [CharlsonCategory.PEPTIC_ULCER_DISEASE]: 'peptic ulcer',
  [CharlsonCategory.MILD_LIVER_DISEASE]: 'mild liver disease',
  [CharlsonCategory.DIABETES_WITHOUT_COMPLICATIONS]: 'diabetes',
  [CharlsonCategory.DIABETES_WITH_COMPLICATIONS]: 'diabetes with complications',
  [CharlsonCategory.HEMIPLEGIA_PARAPLEGIA]: 'hemiplegia or paraplegia',
  [CharlsonCategory.RENAL_DISEASE]: 'kidney disease',
  [CharlsonCategory.MALIGNANCY]: 'cancer',
  [CharlsonCategory.MODERATE_SEVERE_LIVER_DISEASE]: 'severe liver disease',
  [CharlsonCategory.METASTATIC_SOLID_TUMOR]: 'metastatic cancer',
  [CharlsonCategory.AIDS_HIV]: 'HIV/AIDS',
};

/** Three-character categories `from`..`to` within one letter, e.g. range('C', 0, 26) → C00..C26. */
const range3 = (letter: string, from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `${letter}${String(from + i).padStart(2, '0')}`);

/** Four-character subcategories `stem`+from..to, e.g. range4('I42', 5, 9) → I425..I429. */
const range4 = (stem: string, from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `${stem}${from + i}`);

/**
 * Quan et al. 2005, Table 1 (ICD-10 column), undotted prefixes.
 * "I43.x" is written "I43"; "I42.5–I42.9" is range4('I42', 5, 9).
 */
export const QUAN_2005_ICD10_PREFIXES: Record<CharlsonCategory, readonly string[]> = {
  // I21.x, I22.x, I25.2
  [CharlsonCategory.MYOCARDIAL_INFARCTION]: ['I21', 'I22', 'I252'],
  // I09.9, I11.0, I13.0, I13.2, I25.5, I42.0, I42.5–I42.9, I43.x, I50.x, P29.0
  [CharlsonCategory.CONGESTIVE_HEART_FAILURE]: [
    'I099', 'I110', 'I130', 'I132', 'I255', 'I420', ...range4('I42', 5, 9), 'I43', 'I50', 'P290',
  ],
  // I70.x, I71.x, I73.1, I73.8, I73.9, I77.1, I79.0, I79.2, K55.1, K55.8, K55.9, Z95.8, Z95.9
  [CharlsonCategory.PERIPHERAL_VASCULAR_DISEASE]: [
    'I70', 'I71', 'I731', 'I738', 'I739', 'I771', 'I790', 'I792', 'K551', 'K558', 'K559', 'Z958', 'Z959',
  ],
  // G45.x, G46.x, H34.0, I60.x–I69.x
  [CharlsonCategory.CEREBROVASCULAR_DISEASE]: ['G45', 'G46', 'H340', ...range3('I', 60, 69)],
  // F00.x–F03.x, F05.1, G30.x, G31.1
  [CharlsonCategory.DEMENTIA]: [...range3('F', 0, 3), 'F051', 'G30', 'G311'],
  // I27.8, I27.9, J40.x–J47.x, J60.x–J67.x, J68.4, J70.1, J70.3
  [CharlsonCategory.CHRONIC_PULMONARY_DISEASE]: [
    'I278', 'I279', ...range3('J', 40, 47), ...range3('J', 60, 67), 'J684', 'J701', 'J703',
  ],
  // M05.x, M06.x, M31.5, M32.x–M34.x, M35.1, M35.3, M36.0
  [CharlsonCategory.RHEUMATIC_DISEASE]: ['M05', 'M06', 'M315', ...range3('M', 32, 34), 'M351', 'M353', 'M360'],
  // K25.x–K28.x
  [CharlsonCategory.PEPTIC_ULCER_DISEASE]: range3('K', 25, 28),
  // B18.x, K70.0–K70.3, K70.9, K71.3–K71.5, K71.7, K73.x, K74.x, K76.0, K76.2–K76.4, K76.8, K76.9, Z94.4
  [CharlsonCategory.MILD_LIVER_DISEASE]: [
    'B18', ...range4('K70', 0, 3), 'K709', ...range4('K71', 3, 5), 'K717', 'K73', 'K74',
    'K760', ...range4('K76', 2, 4), 'K768', 'K769', 'Z944',
  ],
  // E10–E14 .0, .1, .6, .8, .9
  [CharlsonCategory.DIABETES_WITHOUT_COMPLICATIONS]: ['E10', 'E11', 'E12', 'E13', 'E14'].flatMap((s) =>
    [0, 1, 6, 8, 9].map((d) => `${s}${d}`),
  ),
  // E10–E14 .2–.5, .7
  [CharlsonCategory.DIABETES_WITH_COMPLICATIONS]: ['E10', 'E11', 'E12', 'E13', 'E14'].flatMap((s) =>
    [2, 3, 4, 5, 7].map((d) => `${s}${d}`),
  ),
  // G04.1, G11.4, G80.1, G80.2, G81.x, G82.x, G83.0–G83.4, G83.9
  [CharlsonCategory.HEMIPLEGIA_PARAPLEGIA]: [
    'G041', 'G114', 'G801', 'G802', 'G81', 'G82', ...range4('G83', 0, 4), 'G839',
  ],
  // I12.0, I13.1, N03.2–N03.7, N05.2–N05.7, N18.x, N19.x, N25.0, Z49.0–Z49.2, Z94.0, Z99.2
  [CharlsonCategory.RENAL_DISEASE]: [
    'I120', 'I131', ...range4('N03', 2, 7), ...range4('N05', 2, 7), 'N18', 'N19', 'N250',
    ...range4('Z49', 0, 2), 'Z940', 'Z992',
  ],
  // C00.x–C26.x, C30.x–C34.x, C37.x–C41.x, C43.x, C45.x–C58.x, C60.x–C76.x, C81.x–C85.x, C88.x, C90.x–C97.x
  [CharlsonCategory.MALIGNANCY]: [
    ...range3('C', 0, 26), ...range3('C', 30, 34), ...range3('C', 37, 41), 'C43', ...range3('C', 45, 58),
    ...range3('C', 60, 76), ...range3('C', 81, 85), 'C88', ...range3('C', 90, 97),
  ],
  // I85.0, I85.9, I86.4, I98.2, K70.4, K71.1, K72.1, K72.9, K76.5, K76.6, K76.7
  [CharlsonCategory.MODERATE_SEVERE_LIVER_DISEASE]: [
    'I850', 'I859', 'I864', 'I982', 'K704', 'K711', 'K721', 'K729', 'K765', 'K766', 'K767',
  ],
  // C77.x–C80.x
  [CharlsonCategory.METASTATIC_SOLID_TUMOR]: range3('C', 77, 80),
  // B20.x–B22.x, B24.x
  [CharlsonCategory.AIDS_HIV]: ['B20', 'B21', 'B22', 'B24'],
};

/** Prefix → category. Quan's lists are disjoint (a unit test checks), so a flat map is exact. */
const PREFIX_TO_CATEGORY: ReadonlyMap<string, CharlsonCategory> = new Map(
  (Object.entries(QUAN_2005_ICD10_PREFIXES) as [CharlsonCategory, readonly string[]][]).flatMap(
    ([category, prefixes]) => prefixes.map((p) => [p, category] as [string, CharlsonCategory]),
  ),
);

const CATEGORY_ORDER: readonly CharlsonCategory[] = Object.values(CharlsonCategory);

/**
 * Charlson category of one ICD-10-CM code ("I50.9", "i509"), or null when the
 * code is malformed or Quan 2005 does not list it. Prefixes are 3 or 4 characters;
 * the longer one is tried first.
 */
export function charlsonCategoryOf(icd10Code: string): CharlsonCategory | null {
  if (!isValidIcd10CmCode(icd10Code)) return null;
  const compact = compactIcd10Code(icd10Code);
  return PREFIX_TO_CATEGORY.get(compact.slice(0, 4)) ?? PREFIX_TO_CATEGORY.get(compact.slice(0, 3)) ?? null;
}

/**
 * Usual Charlson hierarchy: the severe form of a condition replaces the mild one,
 * so a patient is never scored twice for the same disease.
 */
const SUPERSEDES: readonly [severe: CharlsonCategory, mild: CharlsonCategory][] = [
  [CharlsonCategory.DIABETES_WITH_COMPLICATIONS, CharlsonCategory.DIABETES_WITHOUT_COMPLICATIONS],
  [CharlsonCategory.MODERATE_SEVERE_LIVER_DISEASE, CharlsonCategory.MILD_LIVER_DISEASE],
  [CharlsonCategory.METASTATIC_SOLID_TUMOR, CharlsonCategory.MALIGNANCY],
];

/**
 * Charlson index (1987 weights, Quan 2005 mapping) of a patient's diagnosis codes.
 * Each category counts once; unmapped or malformed codes are ignored. Categories
 * come heaviest weight first, then in enum order, so output is stable.
 */
export function charlsonIndex(icd10Codes: string[]): { score: number; categories: CharlsonCategory[] } {
  const found = new Set<CharlsonCategory>();
  for (const code of icd10Codes) {
    const category = charlsonCategoryOf(code);
    if (category) found.add(category);
  }
  for (const [severe, mild] of SUPERSEDES) {
    if (found.has(severe)) found.delete(mild);
  }
  const categories = [...found].sort(
    (a, b) => CHARLSON_WEIGHTS[b] - CHARLSON_WEIGHTS[a] || CATEGORY_ORDER.indexOf(a) - CATEGORY_ORDER.indexOf(b),
  );
  const score = categories.reduce((sum, c) => sum + CHARLSON_WEIGHTS[c], 0);
  return { score, categories };
}
