/**
 * A patient's risk from the facts on record: LACE for every inpatient or
 * observation discharge, the current risk (the latest discharge's LACE), the
 * comorbidity burden, and the summary other subgraphs keep a copy of.
 *
 * The LACE of a discharge is fixed by what was known at that discharge (issue 14):
 * computed once, when the discharge is recorded — C from the conditions present on the
 * discharge day, E from the ED visits in the 6 months before that admission — and
 * kept with it (`keptDischarges`). The patient's current risk is a separate figure:
 * the latest discharge scored with the facts on record now, so a later diagnosis or
 * an entered-in-error correction moves it, never the discharge's own LACE.
 * Entered-in-error and refuted conditions count nowhere (FHIR verificationStatus).
 */
import { charlsonIndex, type CharlsonCategory } from './charlson';
import { activePartnerConsents, ccmConsentActive, type ConsentFacts } from './consent';
import { utcDay } from './dates';
import { countEdVisitsBefore, laceScore, type LaceResult, type RiskTier } from './lace';
import { riskDrivers } from './risk-drivers';
import { distinctDiseaseCount } from './diseases';
import {
  AdmissionAcuity, type ConditionClinicalStatus, type ConditionVerificationStatus, countsClinically, isPresentStatus,
} from './vocabulary';

export interface ConditionFacts {
  code: string;
  clinicalStatus: ConditionClinicalStatus;
  onsetDate: string | null;
  abatementDate: string | null;
  chronic: boolean;
  /** FHIR verificationStatus; absent means confirmed. */
  verificationStatus?: ConditionVerificationStatus | null;
}

export interface StayFacts {
  encounterId: string;
  admittedAt: Date;
  dischargedAt: Date;
  acuity: AdmissionAcuity;
}

export interface EdVisitFacts {
  startedAt: Date;
  endedAt: Date | null;
}

export interface DischargeLace extends LaceResult {
  encounterId: string;
  dischargedAt: Date;
  charlsonScore: number;
  charlsonCategories: CharlsonCategory[];
  /** ED visits counted for "E" (the real count; points cap at 4). */
  edVisits: number;
  drivers: string[];
}

export interface Comorbidity {
  /** Distinct chronic diseases currently present (CMS CCM counts conditions, not codes: diseases.ts). */
  chronicConditionCount: number;
  charlsonScore: number;
  charlsonCategories: CharlsonCategory[];
}

/** What care-teams and metrics keep of a patient (event PatientSummaryChanged). */
export interface PatientSummary {
  riskTier: RiskTier | null;
  laceScore: number | null;
  chronicConditionCount: number;
  charlsonCategories: CharlsonCategory[];
  ccmConsentActive: boolean;
  activePartnerConsents: string[];
}

export interface PatientAssessment {
  /** Every discharge's LACE with the facts in hand (new discharges keep it; see keptDischarges). */
  discharges: DischargeLace[];
  /** The current risk: the latest discharge scored with the facts on record now, or null before any discharge. */
  risk: DischargeLace | null;
  comorbidity: Comorbidity;
  summary: PatientSummary;
}

/** Present on `day`: begun by then (or onset unknown), and still present or abated no earlier than that day. */
export function presentOn(c: ConditionFacts, day: string): boolean {
  if (!countsClinically(c.verificationStatus)) return false;
  if (c.onsetDate !== null && c.onsetDate > day) return false;
  if (isPresentStatus(c.clinicalStatus)) return true;
  return c.abatementDate !== null && c.abatementDate >= day;
}

/**
 * The ED visit that led to the admission (still open when the patient was admitted)
 * belongs to the stay: LACE "E" counts the visits before it, not the index visit.
 */
const ledToAdmission = (visit: EdVisitFacts, stay: StayFacts): boolean =>
  visit.endedAt !== null && visit.startedAt.getTime() < stay.admittedAt.getTime() && visit.endedAt.getTime() >= stay.admittedAt.getTime();

/** LACE (van Walraven 2010) for one discharge; "A" is 3 for an EMERGENT admission only (acute = emergent). */
export function dischargeLace(stay: StayFacts, conditions: ConditionFacts[], edVisits: EdVisitFacts[]): DischargeLace {
  const day = utcDay(stay.dischargedAt);
  const charlson = charlsonIndex(conditions.filter((c) => presentOn(c, day)).map((c) => c.code));
  const prior = edVisits.filter((v) => !ledToAdmission(v, stay)).map((v) => v.startedAt);
  const edVisitCount = countEdVisitsBefore(stay.admittedAt, prior);
  const lace = laceScore({
    admittedAt: stay.admittedAt,
    dischargedAt: stay.dischargedAt,
    emergent: stay.acuity === AdmissionAcuity.EMERGENT,
    charlsonScore: charlson.score,
    edVisitsPrior6Months: edVisitCount,
  });
  return {
    ...lace,
    encounterId: stay.encounterId,
    dischargedAt: stay.dischargedAt,
    charlsonScore: charlson.score,
    charlsonCategories: charlson.categories,
    edVisits: edVisitCount,
    drivers: riskDrivers(lace, charlson, edVisitCount),
  };
}

/** Latest discharge first; ties broken by admission time, then id, so the choice is stable. */
function compareRecency(a: StayFacts, b: StayFacts): number {
  return b.dischargedAt.getTime() - a.dischargedAt.getTime()
    || b.admittedAt.getTime() - a.admittedAt.getTime()
    || (a.encounterId < b.encounterId ? 1 : a.encounterId > b.encounterId ? -1 : 0);
}

export function currentComorbidity(conditions: ConditionFacts[]): Comorbidity {
  const present = conditions.filter((c) => countsClinically(c.verificationStatus) && isPresentStatus(c.clinicalStatus));
  const charlson = charlsonIndex(present.map((c) => c.code));
  return {
    chronicConditionCount: distinctDiseaseCount(present.filter((c) => c.chronic).map((c) => c.code)),
    charlsonScore: charlson.score,
    charlsonCategories: charlson.categories,
  };
}

export function assessPatient(
  facts: { conditions: ConditionFacts[]; stays: StayFacts[]; edVisits: EdVisitFacts[]; consents: ConsentFacts[] },
  today: string,
): PatientAssessment {
  const byRecency = [...facts.stays].sort(compareRecency);
  const discharges = byRecency.map((stay) => dischargeLace(stay, facts.conditions, facts.edVisits));
  const risk = discharges[0] ?? null;
  const comorbidity = currentComorbidity(facts.conditions);
  return {
    discharges,
    risk,
    comorbidity,
    summary: {
      riskTier: risk?.tier ?? null,
      laceScore: risk?.score ?? null,
      chronicConditionCount: comorbidity.chronicConditionCount,
      charlsonCategories: comorbidity.charlsonCategories,
      ccmConsentActive: ccmConsentActive(facts.consents, today),
      activePartnerConsents: activePartnerConsents(facts.consents, today),
    },
  };
}

/**
 * The discharges whose LACE must be written: only those not yet scored. A discharge
 * already scored keeps its LACE, as known when it was recorded (issue 14).
 */
export function dischargesToScore<T extends { encounterId: string }>(discharges: readonly T[], alreadyScored: ReadonlySet<string>): T[] {
  return discharges.filter((d) => !alreadyScored.has(d.encounterId));
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Whether other subgraphs' copies need an update (a missing previous summary always does). */
export function summaryChanged(previous: PatientSummary | null, next: PatientSummary): boolean {
  if (!previous) return true;
  return previous.riskTier !== next.riskTier
    || previous.laceScore !== next.laceScore
    || previous.chronicConditionCount !== next.chronicConditionCount
    || previous.ccmConsentActive !== next.ccmConsentActive
    || !sameList(previous.charlsonCategories, next.charlsonCategories)
    || !sameList(previous.activePartnerConsents, next.activePartnerConsents);
}

/** The summary of a patient with nothing on record yet (at registration). */
export const EMPTY_SUMMARY: PatientSummary = {
  riskTier: null, laceScore: null, chronicConditionCount: 0, charlsonCategories: [], ccmConsentActive: false, activePartnerConsents: [],
};
