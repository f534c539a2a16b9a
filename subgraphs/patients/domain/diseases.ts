/**
 * Diseases, not codes (CMS CCM: "two or more chronic conditions" counts conditions —
 * several codes of one disease count once; clinical-rules.md, "CMS CCM — conditions").
 *
 * The mapping: a code's disease is its ICD-10-CM three-character category (E11.9 and
 * E11.22 are both E11, type 2 diabetes mellitus), except where ICD-10-CM splits one
 * disease over several categories, listed in DISEASE_GROUPS (emphysema J43 and COPD J44
 * are one chronic obstructive pulmonary disease; I50 and I11.0 heart failure...). A
 * clinician may set `chronic` on any condition; where they do not, CHRONIC_CATEGORIES
 * (and the Charlson categories, long-lasting comorbidities by construction) say it.
 */
import { charlsonCategoryOf } from './charlson';
import { compactIcd10Code } from './icd10';

/** Categories (or subcategories, undotted) that name one disease across ICD-10-CM categories. */
const DISEASE_GROUPS: Readonly<Record<string, string>> = {
  J43: 'J44', // emphysema is a form of COPD
  I110: 'I50', // hypertensive heart disease with heart failure: heart failure
  I130: 'I50',
  I132: 'I50',
  E10: 'E10', E11: 'E11', E13: 'E13', // type 1, type 2 and other diabetes stay distinct diseases
  F01: 'F03', F02: 'F03', G30: 'F03', // dementias (vascular, in other diseases, Alzheimer's): dementia
  I48: 'I48',
  N18: 'N18', I12: 'N18', I131: 'N18', // CKD with or without hypertension: chronic kidney disease
  F32: 'F33', // depressive episode and recurrent depressive disorder: major depression
  J45: 'J45',
};

/**
 * Chronic by default (expected to last ≥12 months or until death, CMS CCM eligibility)
 * though Quan 2005 does not list them: essential hypertension I10, coronary disease
 * I25.1, atrial fibrillation I48, hyperlipidaemia E78, obesity E66, hypothyroidism E03,
 * depression F32/F33, schizophrenia F20, bipolar F31, anxiety F41, Parkinson's G20,
 * epilepsy G40, sleep apnoea G47.3, osteoarthritis M17/M19, osteoporosis M81,
 * GERD K21, anaemia in CKD D63.1.
 */
export const CHRONIC_CATEGORIES: readonly string[] = [
  'I10', 'I251', 'I48', 'E78', 'E66', 'E03', 'F32', 'F33', 'F20', 'F31', 'F41', 'G20', 'G40', 'G473', 'M17', 'M19', 'M81', 'K21', 'D631',
];

/** The disease a code belongs to ("E11.22" → "E11", "J43.9" → "J44"): the key CCM counts once. */
export function diseaseOf(code: string): string {
  const compact = compactIcd10Code(code);
  return DISEASE_GROUPS[compact.slice(0, 4)] ?? DISEASE_GROUPS[compact.slice(0, 3)] ?? compact.slice(0, 3);
}

/** Chronic unless the clinician says otherwise: a Charlson category or CHRONIC_CATEGORIES. */
export function chronicByDefault(code: string): boolean {
  const compact = compactIcd10Code(code);
  return charlsonCategoryOf(code) !== null || CHRONIC_CATEGORIES.some((c) => compact.startsWith(c));
}

/** Distinct diseases among codes (CMS CCM counts diseases, not diagnosis codes). */
export function distinctDiseaseCount(codes: readonly string[]): number {
  return new Set(codes.map(diseaseOf)).size;
}
