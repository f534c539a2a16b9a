/**
 * Plain-language reasons behind a LACE score, so a nurse sees why a patient is
 * flagged. Only components that add points are listed, in LACE order.
 */
import { CHARLSON_LABELS, CharlsonCategory } from './charlson';
import { ED_LOOKBACK_MONTHS, LaceResult } from './lace';

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export function riskDrivers(
  lace: LaceResult,
  charlson: { score: number; categories: CharlsonCategory[] },
  edVisits: number,
): string[] {
  const drivers: string[] = [];
  if (lace.l > 0) {
    drivers.push(`Length of stay ${plural(lace.lengthOfStayDays, 'day', 'days')}`);
  }
  if (lace.a > 0) {
    drivers.push('Emergent admission');
  }
  if (lace.c > 0) {
    const labels = charlson.categories.map((c) => CHARLSON_LABELS[c]);
    drivers.push(labels.length ? `Charlson ${charlson.score}: ${labels.join(', ')}` : `Charlson ${charlson.score}`);
  }
  if (lace.e > 0) {
    drivers.push(`${plural(edVisits, 'ED visit', 'ED visits')} in ${ED_LOOKBACK_MONTHS} months`);
  }
  return drivers;
}
