/**
 * The ICD-10-CM code list a diagnosis is checked against (issue 14: "ICD-10 codes
 * only format-checked"). The project ships a curated list — every code its own
 * mappings name (Charlson/Quan 2005 subcategories, the chronic-condition defaults
 * in diseases.ts, the HEDIS PCR pregnancy/perinatal examples) plus the common codes
 * of those categories — and can load the full CMS list on top of it: put CMS's
 * "icd10cm-order-YYYY.txt" or "icd10cm-codes-YYYY.txt" at `<HUB_DATA_DIR>/icd10cm-codes.txt"
 * (https://www.cms.gov/medicare/coding-billing/icd-10-codes, "Code Descriptions in
 * Tabular Order"); `parseCmsIcd10CmFile` reads either format. A code outside the list
 * is refused unless the caller says it is outside the list (`codeOutsideList`).
 * Pure: the file is read in data/icd10-code-list.ts.
 */
import { normalizeIcd10Code } from './icd10';

/** Dotted canonical codes. Categories (three characters) are listed where they are codes in use (N18, I10, B20). */
export const SHIPPED_ICD10_CM_CODES: readonly string[] = [
  // Myocardial infarction (I21, I22, I25.2)
  'I21', 'I21.01', 'I21.02', 'I21.09', 'I21.11', 'I21.19', 'I21.21', 'I21.29', 'I21.3', 'I21.4', 'I21.9', 'I21.A1', 'I21.A9',
  'I22.0', 'I22.1', 'I22.2', 'I22.8', 'I22.9', 'I25.2',
  // Congestive heart failure (I09.9, I11.0, I13.0, I13.2, I25.5, I42.0, I42.5–I42.9, I43, I50, P29.0)
  'I09.9', 'I11.0', 'I11.9', 'I13.0', 'I13.2', 'I25.5', 'I42.0', 'I42.5', 'I42.6', 'I42.7', 'I42.8', 'I42.9', 'I43',
  'I50', 'I50.1', 'I50.20', 'I50.21', 'I50.22', 'I50.23', 'I50.30', 'I50.31', 'I50.32', 'I50.33', 'I50.40', 'I50.41', 'I50.42', 'I50.43',
  'I50.810', 'I50.811', 'I50.812', 'I50.813', 'I50.814', 'I50.82', 'I50.83', 'I50.84', 'I50.89', 'I50.9', 'P29.0',
  // Peripheral vascular disease
  'I70.0', 'I70.1', 'I70.90', 'I70.91', 'I70.92', 'I71.2', 'I71.4', 'I71.9', 'I73.1', 'I73.89', 'I73.9', 'I77.1', 'I79.0', 'I79.8',
  'K55.1', 'K55.8', 'K55.9', 'Z95.818', 'Z95.828', 'Z95.9',
  // Cerebrovascular disease
  'G45.0', 'G45.1', 'G45.8', 'G45.9', 'G46.0', 'H34.00', 'I60.9', 'I61.9', 'I62.9', 'I63.9', 'I63.50', 'I65.29', 'I66.9', 'I67.2', 'I67.9',
  'I68.0', 'I68.2', 'I68.8', 'I69.30', 'I69.351', 'I69.354', 'I69.398',
  // Dementia
  'F01.50', 'F01.51', 'F02.80', 'F02.81', 'F03.90', 'F03.91', 'F05', 'G30.0', 'G30.1', 'G30.8', 'G30.9', 'G31.1',
  // Chronic pulmonary disease
  'I27.81', 'I27.83', 'I27.89', 'I27.9', 'J40', 'J41.0', 'J41.1', 'J41.8', 'J42', 'J43.0', 'J43.1', 'J43.2', 'J43.8', 'J43.9',
  'J44.0', 'J44.1', 'J44.9', 'J45.20', 'J45.30', 'J45.40', 'J45.50', 'J45.901', 'J45.902', 'J45.909', 'J45.990', 'J45.998', 'J47.9',
  'J60', 'J61', 'J62.8', 'J63.2', 'J64', 'J65', 'J66.0', 'J67.9', 'J68.4', 'J70.1', 'J70.3',
  // Rheumatic disease
  'M05.79', 'M05.9', 'M06.9', 'M31.5', 'M32.9', 'M32.10', 'M33.90', 'M34.9', 'M35.1', 'M35.3', 'M36.0',
  // Peptic ulcer disease
  'K25.7', 'K25.9', 'K26.7', 'K26.9', 'K27.7', 'K27.9', 'K28.7', 'K28.9',
  // Liver disease, mild and moderate/severe
  'B18.1', 'B18.2', 'B18.9', 'K70.0', 'K70.10', 'K70.2', 'K70.30', 'K70.31', 'K70.40', 'K70.9', 'K71.3', 'K71.4', 'K71.50', 'K71.7',
  'K71.10', 'K72.10', 'K72.11', 'K72.90', 'K72.91', 'K73.9', 'K74.60', 'K74.69', 'K76.0', 'K76.2', 'K76.3', 'K76.4', 'K76.5', 'K76.6',
  'K76.7', 'K76.89', 'K76.9', 'Z94.4', 'I85.00', 'I85.01', 'I85.10', 'I85.11', 'I86.4', 'I98.2',
  // Diabetes (E10, E11, E13), with and without complications
  'E10.9', 'E10.10', 'E10.21', 'E10.22', 'E10.319', 'E10.40', 'E10.51', 'E10.65', 'E10.8', 'E11.9', 'E11.00', 'E11.10', 'E11.11',
  'E11.21', 'E11.22', 'E11.29', 'E11.319', 'E11.40', 'E11.42', 'E11.51', 'E11.65', 'E11.69', 'E11.8', 'E13.00', 'E13.10', 'E13.22',
  'E13.319', 'E13.40', 'E13.51', 'E13.65', 'E13.8', 'E13.9',
  // Hemiplegia or paraplegia
  'G04.1', 'G11.4', 'G80.1', 'G80.2', 'G81.90', 'G81.91', 'G81.92', 'G82.20', 'G82.50', 'G83.0', 'G83.10', 'G83.20', 'G83.30', 'G83.4', 'G83.9',
  // Renal disease
  'I12.0', 'I12.9', 'I13.10', 'I13.11', 'N03.2', 'N05.2', 'N18', 'N18.1', 'N18.2', 'N18.30', 'N18.31', 'N18.32', 'N18.4', 'N18.5',
  'N18.6', 'N18.9', 'N19', 'N25.0', 'Z49.01', 'Z49.02', 'Z49.31', 'Z94.0', 'Z99.2',
  // Malignancy and metastatic solid tumour
  'C18.9', 'C20', 'C25.9', 'C34.90', 'C34.91', 'C34.92', 'C43.9', 'C50.911', 'C50.912', 'C50.919', 'C61', 'C67.9', 'C64.9', 'C71.9',
  'C73', 'C81.90', 'C83.30', 'C85.90', 'C90.00', 'C91.10', 'C92.00', 'C77.9', 'C78.00', 'C78.7', 'C79.31', 'C79.51', 'C80.1',
  // AIDS/HIV
  'B20',
  // Chronic conditions outside Charlson (diseases.ts defaults)
  'I10', 'I25.10', 'I25.119', 'I48.0', 'I48.91', 'E78.00', 'E78.5', 'E66.01', 'E66.9', 'E03.9', 'F32.9', 'F32.A', 'F33.1', 'F33.9',
  'F20.9', 'F31.9', 'F41.1', 'G20', 'G20.A1', 'G40.909', 'G47.33', 'M17.0', 'M17.11', 'M17.12', 'M19.90', 'M81.0', 'D63.1', 'K21.9',
  // HEDIS PCR exclusions (pregnancy, perinatal), examples
  'O80', 'O09.90', 'O26.90', 'Z33.1', 'Z34.90', 'Z3A.39', 'P07.30', 'P22.1',
  // Common acute and symptom codes
  'R06.02', 'R07.9', 'R07.89', 'R55', 'J18.9', 'J96.01', 'N39.0', 'A41.9', 'U07.1', 'S72.001A', 'T36.0X1A', 'Z00.00',
];

/** A set of codes to check against: the shipped list, optionally with the full CMS list. */
export class Icd10CodeList {
  private readonly codes: Set<string>;
  constructor(codes: Iterable<string>) {
    this.codes = new Set([...codes].map(normalizeIcd10Code));
  }
  has(code: string): boolean {
    return this.codes.has(normalizeIcd10Code(code));
  }
  get size(): number {
    return this.codes.size;
  }
}

export const shippedIcd10CodeList = (): Icd10CodeList => new Icd10CodeList(SHIPPED_ICD10_CM_CODES);

/**
 * Codes of a CMS ICD-10-CM file. "icd10cm-codes" lines are `CODE  description`;
 * "icd10cm-order" lines are `NNNNN CODE    B description` (fixed width). Codes come
 * undotted ("E1122") and are returned dotted.
 */
export function parseCmsIcd10CmFile(text: string): string[] {
  const codes: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const order = /^\d{5}\s+([A-Z0-9]{3,7})\s+[01]\s/.exec(line);
    const plain = order ? null : /^([A-Z][0-9][0-9A-Z]{1,5})\s/.exec(line);
    const code = order?.[1] ?? plain?.[1];
    if (code) codes.push(normalizeIcd10Code(code));
  }
  return codes;
}
