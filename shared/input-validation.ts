/**
 * The input layer every subgraph gets without thinking: shared/federation.ts runs
 * `assertCleanArguments` on the arguments of every Query and Mutation field before
 * its resolver, so no string a client sends can reach PostgreSQL or a domain rule
 * in a shape that would fail there as an INTERNAL_SERVER_ERROR (issue 11).
 *
 * Refused, with BAD_USER_INPUT and `field` naming the argument path
 * (`input.members[0].practitionerId`):
 * - NUL characters (PostgreSQL text cannot hold U+0000);
 * - lone UTF-16 surrogates (not encodable as UTF-8, so not storable either);
 * - strings longer than their documented maximum (`maxLengthOf`).
 * Types, enums, Int range and non-finite Floats are already refused by GraphQL's own
 * coercion (BAD_USER_INPUT at the gateway), calendar dates by the `Date` scalar
 * (shared/date-scalar.ts); other domain rules (a date not in the future, ...) belong
 * to each subgraph's domain code.
 */
import { badInput } from './errors';

/** Free text (notes, reasons, outcomes, descriptions): the default maximum. */
export const MAX_TEXT_LENGTH = 10_000;

/**
 * Shorter maxima, by the argument's (or input field's) name — one naming rule per
 * kind of value, so a new field is covered by its name:
 * identifiers (`id`, `…Id`, `…Ids` items, `mrn`) 128; page cursors (`after`, `before`,
 * `cursor`) 4,096, since a keyset cursor carries its row's sort key (two names, at most
 * 200 characters each: shared/pagination.ts);
 * codes and short tokens (`code`, `…Code`, `system`, `language`, `…Language`, `kind`, `category`) 64;
 * contact data (`phone`, `email`) 254; names and titles (`name`, `…Name`, `title`) 200;
 * addresses and urls (`…address…`, `url`, `website`) 1,000.
 */
export const LENGTH_RULES: readonly { test: RegExp; max: number; what: string }[] = [
  { test: /^(after|before|cursor)$/, max: 4_096, what: 'a cursor' },
  { test: /^(id|ids|mrn)$|Ids?$/, max: 128, what: 'an identifier' },
  { test: /^(code|system|language|kind|category|sex|status)$|(Code|Language)$/, max: 64, what: 'a code' },
  { test: /^(phone|email|telecom)$|(Phone|Email)$/, max: 254, what: 'contact data' },
  { test: /^(name|title)$|(Name|Title)$/, max: 200, what: 'a name' },
  { test: /address|Address|^(url|website)$/, max: 1_000, what: 'an address' },
];

export function maxLengthOf(name: string): number {
  return LENGTH_RULES.find((r) => r.test.test(name))?.max ?? MAX_TEXT_LENGTH;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be accepted for the named field, or null. */
export function stringProblem(value: string, name: string): string | null {
  if (value.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(value)) return 'contains an invalid character (a lone UTF-16 surrogate)';
  const max = maxLengthOf(name);
  if (value.length > max) return `is longer than ${max} characters`;
  return null;
}

/**
 * Throws BAD_USER_INPUT for the first string anywhere in `args` that breaks a rule
 * above; `field` is its path. The name a list item is judged by is its list's.
 */
export function assertCleanArguments(args: unknown, path = '', name = ''): void {
  if (typeof args === 'string') {
    const problem = stringProblem(args, name);
    if (problem) throw badInput(`${path || 'input'} ${problem}`, path || undefined, { reason: 'INVALID_STRING' });
    return;
  }
  if (Array.isArray(args)) {
    args.forEach((item, i) => assertCleanArguments(item, `${path}[${i}]`, name));
    return;
  }
  if (args && typeof args === 'object') {
    for (const [key, value] of Object.entries(args)) assertCleanArguments(value, path ? `${path}.${key}` : key, key);
  }
}
