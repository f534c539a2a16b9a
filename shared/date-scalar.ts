/**
 * `Date`: a calendar date (FHIR `date`, ISO 8601 `YYYY-MM-DD`), next to
 * `DateTimeISO` for instants (issue 15). Defined once here and used by every
 * subgraph for birth, onset, abatement, due, screening, consent-period and
 * similar days; each subgraph prints the same `scalar Date`, so composition
 * merges them. Months (`YYYY-MM`) stay String.
 *
 * Input (a variable or a literal) must be a string naming a day that exists:
 * "2026-02-30", "0000-01-01" (PostgreSQL has no year 0) and "2026-1-5" are
 * refused with BAD_USER_INPUT (reason INVALID_DATE). Output is what the entity
 * holds: TypeORM reads `date` columns as "YYYY-MM-DD" strings; a JS Date is
 * written as its UTC day.
 */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date in ISO 8601 basic calendar form. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year === 0 || month < 1 || month > 12 || day < 1) return false;
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day);
  return t.getUTCFullYear() === year && t.getUTCMonth() === month - 1 && t.getUTCDate() === day;
}

const refused = (value: unknown) =>
  new GraphQLError(`Date must be a calendar date that exists, as YYYY-MM-DD (for example 2026-02-28); got ${JSON.stringify(value) ?? String(value)}`, {
    extensions: { code: 'BAD_USER_INPUT', reason: 'INVALID_DATE' },
  });

/**
 * The input field a refused Date variable value was at, as BAD_USER_INPUT names it
 * elsewhere (`performedOn`, `target.dueDate`): GraphQL's coercion message says
 * `Variable "$i" got invalid value "2026-02-30" at "i.performedOn"; ...`, the
 * variable's own name dropped. Undefined when the variable is the Date itself.
 */
export function invalidDateField(message: string): string | undefined {
  const at = /^Variable "\$[_A-Za-z][_0-9A-Za-z]*" got invalid value .*? at "([^"]+)";/s.exec(message)?.[1];
  const field = at?.replace(/^[^.[]+\.?/, '');
  return field || undefined;
}

function parse(value: unknown): string {
  if (!isCalendarDate(value)) throw refused(value);
  return value;
}

export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date without a time zone, ISO 8601 YYYY-MM-DD (for example 2026-02-28); instants are DateTimeISO',
  serialize(value) {
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw new GraphQLError('Date cannot serialize an invalid Date');
      return value.toISOString().slice(0, 10);
    }
    if (typeof value === 'string' && isCalendarDate(value)) return value;
    throw new GraphQLError(`Date cannot serialize ${JSON.stringify(value) ?? String(value)}: not a YYYY-MM-DD calendar date`);
  },
  parseValue: parse,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw refused(ast.kind === Kind.NULL ? null : (ast as { value?: unknown }).value ?? ast.kind);
    return parse(ast.value);
  },
});
