/**
 * The ICD-10-CM code list in force: the shipped list (domain/icd10-code-list.ts) plus,
 * when present, the full CMS list at `<HUB_DATA_DIR>/icd10cm-codes.txt` (CMS's
 * "icd10cm-codes-YYYY.txt" or "icd10cm-order-YYYY.txt", copied there under that name).
 * Read once per process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../../../shared/config';
import { Icd10CodeList, SHIPPED_ICD10_CM_CODES, parseCmsIcd10CmFile } from '../domain/icd10-code-list';

export const CMS_ICD10_FILE_NAME = 'icd10cm-codes.txt';

let list: Icd10CodeList | null = null;

export function icd10CodeList(): Icd10CodeList {
  if (list) return list;
  const file = path.join(config.dataDir, CMS_ICD10_FILE_NAME);
  const cms = fs.existsSync(file) ? parseCmsIcd10CmFile(fs.readFileSync(file, 'utf8')) : [];
  list = new Icd10CodeList([...SHIPPED_ICD10_CM_CODES, ...cms]);
  return list;
}
