/**
 * Optimistic concurrency and revision history.
 *
 * Every editable record carries a version number; a client sends back the
 * version it read, and an update against a newer version is refused rather
 * than silently overwriting a colleague's change.
 */
import { badInput, conflict } from '../../../shared/errors';

/** Throws CONFLICT when the record moved on since the client read it. */
export function assertExpectedVersion(entity: string, currentVersion: number, expectedVersion: number): void {
  // A malformed version is a client bug, not a concurrent edit: report it as such.
  if (!Number.isInteger(expectedVersion) || expectedVersion < 1) {
    throw badInput('expectedVersion must be a positive whole number', 'expectedVersion', { expectedVersion });
  }
  if (currentVersion !== expectedVersion) {
    throw conflict(
      `${entity} was changed by someone else (now version ${currentVersion}, you had ${expectedVersion})`,
      { currentVersion, expectedVersion },
    );
  }
}

/** One changed field in a revision. `before`/`after` are JSON-ready (Dates as ISO strings, undefined as null). */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
}

/**
 * The JSON form a value is stored and compared in: Dates become ISO strings,
 * undefined becomes null, object keys are sorted so key order never counts as a change.
 */
export function toJsonValue(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = toJsonValue(v);
    }
    return out;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * The fields whose JSON value differs between two snapshots, in `fields` order.
 * `prefix` qualifies nested records, e.g. "goals[<id>]." gives "goals[<id>].description".
 */
export function diffFields<T extends object>(before: T, after: T, fields: (keyof T)[], prefix = ''): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const b = toJsonValue(before[field]);
    const a = toJsonValue(after[field]);
    if (JSON.stringify(b) !== JSON.stringify(a)) {
      changes.push({ field: `${prefix}${String(field)}`, before: b, after: a });
    }
  }
  return changes;
}

/**
 * Changes to a keyed child collection (e.g. a plan's goals): an added item is a
 * change from null to its snapshot, a removed one from its snapshot to null, and
 * a kept item contributes its field changes under "<name>[<id>].".
 */
export function diffCollection<T extends { id: string }>(
  name: string,
  before: readonly T[],
  after: readonly T[],
  fields: (keyof T)[],
): FieldChange[] {
  const snapshot = (item: T) => toJsonValue(Object.fromEntries(fields.map((f) => [f, item[f]])));
  const beforeById = new Map(before.map((item) => [item.id, item]));
  const afterIds = new Set(after.map((item) => item.id));
  const changes: FieldChange[] = [];
  for (const item of after) {
    const old = beforeById.get(item.id);
    if (!old) changes.push({ field: `${name}[${item.id}]`, before: null, after: snapshot(item) });
    else changes.push(...diffFields(old, item, fields, `${name}[${item.id}].`));
  }
  for (const item of before) {
    if (!afterIds.has(item.id)) changes.push({ field: `${name}[${item.id}]`, before: snapshot(item), after: null });
  }
  return changes;
}
