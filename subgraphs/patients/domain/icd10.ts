/**
 * ICD-10-CM code format: normalisation and validation.
 *
 * An ICD-10-CM code is a letter, a digit, an alphanumeric (the three-character
 * category), then optionally a dot and 1–4 alphanumerics (e.g. "E11.22",
 * "T36.0X1A", "U07.1"). We store codes in the canonical dotted form so that
 * equality and prefix matching (Charlson / Quan 2005) behave the same whatever
 * the source system sent.
 */
import { badInput } from '../../../shared/errors';

/** Dotted or undotted; case and surrounding whitespace are handled before matching. */
const ICD10_CM_PATTERN = /^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$/;

/**
 * Trim, uppercase and put the dot after the three-character category:
 * "e1122 " → "E11.22", "I10" → "I10". Input that is not an ICD-10-CM code is
 * returned trimmed and uppercased only (validate with isValidIcd10CmCode).
 */
export function normalizeIcd10Code(code: string): string {
  const cleaned = String(code ?? '').trim().toUpperCase();
  if (!ICD10_CM_PATTERN.test(cleaned)) return cleaned;
  const compact = cleaned.replace('.', '');
  return compact.length > 3 ? `${compact.slice(0, 3)}.${compact.slice(3)}` : compact;
}

/** The code without its dot ("E11.22" → "E1122"), the form prefix tables use. */
export function compactIcd10Code(code: string): string {
  return normalizeIcd10Code(code).replace('.', '');
}

/** True for a well-formed ICD-10-CM code (dotted or not, any case, surrounding spaces ignored). */
export function isValidIcd10CmCode(code: string): boolean {
  if (typeof code !== 'string') return false;
  return ICD10_CM_PATTERN.test(code.trim().toUpperCase());
}

/** The normalised code, or a BAD_USER_INPUT error naming `field`. */
export function assertIcd10CmCode(code: string, field = 'code'): string {
  if (!isValidIcd10CmCode(code)) {
    throw badInput(
      `"${String(code ?? '').trim()}" is not an ICD-10-CM code (expected e.g. E11.22 or I50.9)`,
      field,
    );
  }
  return normalizeIcd10Code(code);
}
