/**
 * What a registry entry must satisfy (FHIR Patient): a non-empty MRN and names,
 * a real birth date that is not in the future, a BCP-47 language tag, and a death
 * date that is neither before birth nor in the future.
 */
import { badInput } from '../../../shared/errors';
import { assertIsoDate, assertNotAfterToday, utcDay } from './dates';

/** BCP-47 as registries send it: "en", "es", "zh-Hant", "pt-BR". */
const LANGUAGE_TAG = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function requiredText(value: string | null | undefined, field: string): string {
  const trimmed = (value ?? '').trim();
  if (!trimmed) throw badInput(`${field} must not be empty`, field);
  return trimmed;
}

/** Optional free text: blank becomes null. */
export const optionalText = (value: string | null | undefined): string | null => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
};

export function birthDateOf(value: string, today: string): string {
  const date = assertIsoDate(value, 'birthDate');
  assertNotAfterToday(date, today, 'birthDate');
  return date;
}

export function languageOf(value: string | null | undefined): string {
  const tag = optionalText(value) ?? 'en';
  if (!LANGUAGE_TAG.test(tag)) throw badInput(`preferredLanguage must be a BCP-47 language tag such as "en" or "es" (got "${tag}")`, 'preferredLanguage');
  return tag;
}

export function emailOf(value: string | null | undefined): string | null {
  const email = optionalText(value);
  if (email !== null && !EMAIL.test(email)) throw badInput(`"${email}" is not an email address`, 'email');
  return email;
}

/** A death is recorded with the flag and, when known, its time: after birth and not in the future. */
export function deathOf(
  input: { deceased?: boolean | null; deceasedAt?: Date | null },
  current: { deceased: boolean; deceasedAt: Date | null; birthDate: string },
  now: Date,
): { deceased: boolean; deceasedAt: Date | null } {
  const deceased = input.deceased ?? (input.deceasedAt ? true : current.deceased);
  if (!deceased) {
    if (input.deceasedAt) throw badInput('deceasedAt is only recorded for a deceased patient', 'deceasedAt');
    return { deceased: false, deceasedAt: null };
  }
  const deceasedAt = input.deceasedAt === undefined ? current.deceasedAt : input.deceasedAt;
  if (deceasedAt) {
    if (Number.isNaN(deceasedAt.getTime())) throw badInput('deceasedAt must be a valid time', 'deceasedAt');
    if (deceasedAt.getTime() > now.getTime()) throw badInput('deceasedAt cannot be in the future', 'deceasedAt');
    if (utcDay(deceasedAt) < current.birthDate) throw badInput('deceasedAt cannot be before the birth date', 'deceasedAt');
  }
  return { deceased: true, deceasedAt };
}
