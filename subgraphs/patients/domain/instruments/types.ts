/**
 * The shape of a standardized instrument as data (after FHIR Questionnaire): items
 * with their answer options and values, how a total is scored and banded, which
 * answers raise a safety flag, and which item groups are screening domains that map
 * to a social need. The scoring engine (../assessment-scoring.ts) reads only this, so
 * adding an instrument is adding one data file to the registry (./index.ts).
 */
import type { SocialNeedCategory } from '../../../../shared/vocabulary';

export interface AnswerOption {
  /** Stable code of the answer (FHIR Questionnaire.item.answerOption.valueCoding.code). */
  code: string;
  display: string;
  /** Points the answer scores (ordinal value); null when the option is not scored. */
  value: number | null;
}

export interface InstrumentItem {
  /** FHIR Questionnaire.item.linkId. */
  linkId: string;
  text: string;
  options: readonly AnswerOption[];
}

export interface ScoreBand {
  /** Inclusive bounds of the total. */
  min: number;
  max: number;
  code: string;
  display: string;
}

/** A sum of option values over items, interpreted by bands that must tile [min, max]. */
export interface TotalScoring {
  items: readonly string[];
  min: number;
  max: number;
  bands: readonly ScoreBand[];
}

/** An answer that must reach a clinician at once, whatever the total (e.g. PHQ-9 item 9). */
export interface SafetyFlagRule {
  code: string;
  display: string;
  linkId: string;
  /** Raised when the item's value is at least this. */
  minValue: number;
}

/** When a screening domain is positive, as the instrument's guide says. */
export type DomainRule =
  | { kind: 'ANY_ANSWER_IN'; codes: readonly string[] }
  | { kind: 'SUM_GREATER_THAN'; threshold: number };

export interface ScreeningDomain {
  code: string;
  display: string;
  items: readonly string[];
  positiveWhen: DomainRule;
  /** The social need a positive domain creates or updates. */
  socialNeedCategory: SocialNeedCategory;
}

/** Which part of the patient's record the responses belong to: decides who records and reads them (shared/access-policy.ts). */
export type InstrumentRecord = 'ASSESSMENTS' | 'SOCIAL_NEEDS';

export interface Instrument {
  /** The id clients pass to recordAssessment ("PHQ-9"). */
  id: string;
  version: string;
  title: string;
  /** LOINC code of the panel. */
  loinc: string;
  citation: string;
  record: InstrumentRecord;
  items: readonly InstrumentItem[];
  total?: TotalScoring;
  safetyFlags?: readonly SafetyFlagRule[];
  domains?: readonly ScreeningDomain[];
}
