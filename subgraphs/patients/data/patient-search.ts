/**
 * The population registry's search: every filter is served by an index of the
 * ClinicalRecordsAndRisk migration, and each order is a keyset (shared/pagination.ts)
 * walked on an index of the WorklistKeysetIndexes migration, so a page deep in the
 * worklist costs what the first does (issue 17).
 */
import type { DataSource } from 'typeorm';
import { keysetRows, type KeyedRow, type Keyset } from '../../../shared/pagination';
import type { SocialNeedCategory } from '../../../shared/vocabulary';
import type { CharlsonCategory } from '../domain/charlson';
import { CCM_MIN_CHRONIC_CONDITIONS } from '../domain/ccm-eligibility';
import type { RiskTier } from '../domain/lace';
import { panelCondition } from '../../../shared/care-relationships';
import { PatientRecord } from './entities';

export interface PatientSearch {
  riskTier?: RiskTier | null;
  minLaceScore?: number | null;
  /** Normalised ICD-10-CM code or category prefix ("E11", "I50.9"). */
  conditionCode?: string | null;
  charlsonCategory?: CharlsonCategory | null;
  socialNeedCategory?: SocialNeedCategory | null;
  postalCode?: string | null;
  ccmEligible?: boolean | null;
  /** Lower-case words, each the start of the given or family name; or the whole text an MRN. */
  nameWords?: string[];
  mrn?: string | null;
  deceased?: boolean | null;
  /** Whether an active care team manages the patient (enrolled), from the care-relationship projection. */
  careManaged?: boolean | null;
  /** Only the panel of this practitioner: patients whose active team lists them (clinicians who are not coordinators). */
  panelOf?: string | null;
}

export type SearchOrder = 'RISK_DESC' | 'NAME';

/**
 * The worklist orders as keysets. RISK_DESC: highest LACE first, the most recent
 * discharge first among equals, patients without a discharge last (the coalesce
 * sentinels sort below every score and date); the id, descending too, breaks ties,
 * so one row comparison bounds the index scan. The expressions are those of the
 * migration's indexes, character for character.
 */
export const WORKLIST_KEYSETS: Record<SearchOrder, Keyset> = {
  RISK_DESC: {
    list: 'patients:RISK_DESC',
    columns: [
      { expr: 'coalesce(p.lace_score, -1)', direction: 'DESC', type: 'int' },
      { expr: "coalesce(p.risk_discharged_at, '-infinity'::timestamptz)", direction: 'DESC', type: 'timestamptz' },
      { expr: 'p.id', direction: 'DESC', type: 'uuid' },
    ],
  },
  NAME: {
    list: 'patients:NAME',
    columns: [
      { expr: 'lower(p.family_name)', direction: 'ASC', type: 'text' },
      { expr: 'lower(p.given_name)', direction: 'ASC', type: 'text' },
      { expr: 'p.id', direction: 'ASC', type: 'uuid' },
    ],
  },
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** `first + 1` keyed rows after `after` (key values of WORKLIST_KEYSETS[order]); `count` counts every match, when asked. */
export async function searchPatients(
  db: DataSource, f: PatientSearch, order: SearchOrder, first: number, after: readonly string[] | null,
): Promise<{ rows: KeyedRow<PatientRecord>[]; count: () => Promise<number> }> {
  const qb = db.getRepository(PatientRecord).createQueryBuilder('p');
  if (f.riskTier) qb.andWhere('p.risk_tier = :riskTier', { riskTier: f.riskTier });
  if (f.minLaceScore !== null && f.minLaceScore !== undefined) qb.andWhere('p.lace_score >= :minLace', { minLace: f.minLaceScore });
  if (f.conditionCode) {
    qb.andWhere(
      `EXISTS (SELECT 1 FROM patients.condition c WHERE c.patient_id = p.id AND c.code LIKE :codePrefix
                 AND c.clinical_status IN ('active','recurrence','relapse'))`,
      { codePrefix: `${escapeLike(f.conditionCode)}%` },
    );
  }
  if (f.charlsonCategory) qb.andWhere('p.charlson_categories @> ARRAY[:charlson]::text[]', { charlson: f.charlsonCategory });
  if (f.socialNeedCategory) {
    qb.andWhere(
      `EXISTS (SELECT 1 FROM patients.social_need n WHERE n.patient_id = p.id AND n.category = :need
                 AND n.status IN ('identified','addressed'))`,
      { need: f.socialNeedCategory },
    );
  }
  if (f.postalCode) qb.andWhere('p.postal_code = :postalCode', { postalCode: f.postalCode });
  if (f.ccmEligible === true) qb.andWhere(`p.chronic_condition_count >= ${CCM_MIN_CHRONIC_CONDITIONS}`);
  if (f.ccmEligible === false) qb.andWhere(`p.chronic_condition_count < ${CCM_MIN_CHRONIC_CONDITIONS}`);
  if (f.deceased !== null && f.deceased !== undefined) qb.andWhere('p.deceased = :deceased', { deceased: f.deceased });
  if (f.careManaged !== null && f.careManaged !== undefined) {
    qb.andWhere(`${f.careManaged ? '' : 'NOT '}EXISTS (SELECT 1 FROM patients.access_care_team t WHERE t.patient_id = p.id AND t.status = 'active')`);
  }
  if (f.panelOf) qb.andWhere(panelCondition('patients', 'p.id', ':panelOf'), { panelOf: f.panelOf });
  if (f.nameWords?.length) {
    const words = f.nameWords.map((_, i) => `(lower(p.given_name) LIKE :w${i} OR lower(p.family_name) LIKE :w${i})`).join(' AND ');
    const params = Object.fromEntries(f.nameWords.map((w, i) => [`w${i}`, `${escapeLike(w)}%`]));
    qb.andWhere(f.mrn ? `((${words}) OR p.mrn = :mrn)` : `(${words})`, { ...params, mrn: f.mrn });
  }

  const counter = qb.clone();
  const count = async () => (await counter.select('count(*)::int', 'n').getRawOne<{ n: number }>())?.n ?? 0;
  return { rows: await keysetRows(qb, WORKLIST_KEYSETS[order], first, after), count };
}
