/** Input checks shared by the patient domain modules. */
import { badInput } from '../../../shared/errors';

/** Counts (Charlson score, ED visits, chronic conditions) are whole numbers ≥ 0. */
export function assertCount(value: number, field: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw badInput(`${field} must be a whole number of 0 or more (got ${String(value)})`, field);
  }
}

/** A real Date, not `new Date('garbage')`. */
export function assertValidDate(value: Date, field: string): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw badInput(`${field} must be a valid date`, field);
  }
}
