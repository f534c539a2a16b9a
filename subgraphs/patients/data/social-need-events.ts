/** The events of a social need, one shape for every writer (recordSocialNeed, a screening, a referral outcome). */
import type { SocialNeedRecord } from './entities';
import type { PatientEvent } from './patient-change';

export const socialNeedEvent = (type: string, n: SocialNeedRecord, extra: Record<string, unknown> = {}): PatientEvent => ({
  type, aggregateType: 'SocialNeed', aggregateId: n.id,
  payload: { socialNeedId: n.id, category: n.category, status: n.status, instrument: n.instrument, screenedAt: n.screenedAt, ...extra },
});
