import { ccmCodesForMonth, isSubstantialPlanChange, minutesBucket, type CcmMonth } from './ccm';

const month = (over: Partial<CcmMonth>): CcmMonth => ({
  // A revised month is taken as one with the practitioner's moderate/high decision-making unless said otherwise.
  clinicalStaffMinutes: 0, physicianMinutes: 0, carePlanEstablishedOrRevised: false, complexDecisionMaking: over.carePlanEstablishedOrRevised ?? false,
  consentActive: true, chronicConditionCount: 2, ...over,
});
const codes = (m: Partial<CcmMonth>) => ccmCodesForMonth(month(m)).map((c) => (c.units > 1 ? `${c.code}x${c.units}` : c.code));

describe('ccmCodesForMonth', () => {
  it('needs consent and two chronic conditions', () => {
    expect(codes({ clinicalStaffMinutes: 45, consentActive: false })).toEqual([]);
    expect(codes({ clinicalStaffMinutes: 45, chronicConditionCount: 1 })).toEqual([]);
  });

  it('99490 from 20 minutes, 99439 per further full 20, at most twice', () => {
    expect(codes({ clinicalStaffMinutes: 19 })).toEqual([]);
    expect(codes({ clinicalStaffMinutes: 20 })).toEqual(['99490']);
    expect(codes({ clinicalStaffMinutes: 39 })).toEqual(['99490']);
    expect(codes({ clinicalStaffMinutes: 40 })).toEqual(['99490', '99439']);
    expect(codes({ clinicalStaffMinutes: 120 })).toEqual(['99490', '99439x2']);
  });

  it('99487 needs 60 minutes and a plan established or revised that month; 99489 per further 30', () => {
    expect(codes({ clinicalStaffMinutes: 59, carePlanEstablishedOrRevised: true })).toEqual(['99490', '99439']);
    expect(codes({ clinicalStaffMinutes: 60, carePlanEstablishedOrRevised: true })).toEqual(['99487']);
    expect(codes({ clinicalStaffMinutes: 90, carePlanEstablishedOrRevised: true })).toEqual(['99487', '99489']);
    expect(codes({ clinicalStaffMinutes: 90 })).toEqual(['99490', '99439x2']);
  });

  it('99487 also needs the billing practitioner\'s moderate or high decision-making (CMS CCM: decided by the billing practitioner)', () => {
    expect(codes({ clinicalStaffMinutes: 90, carePlanEstablishedOrRevised: true, complexDecisionMaking: false })).toEqual(['99490', '99439x2']);
    expect(codes({ clinicalStaffMinutes: 90, carePlanEstablishedOrRevised: false, complexDecisionMaking: true })).toEqual(['99490', '99439x2']);
  });

  it('picks the family covering more minutes, 99491 on a tie (care-teams examples)', () => {
    expect(codes({ physicianMinutes: 45 })).toEqual(['99490', '99439']); // 40 covered beats 30
    expect(codes({ physicianMinutes: 30, clinicalStaffMinutes: 45 })).toEqual(['99490', '99439x2']);
    expect(codes({ physicianMinutes: 30 })).toEqual(['99491']); // 30 vs 20
    expect(codes({ physicianMinutes: 60 })).toEqual(['99491', '99437']); // 60 vs 60: tie → 99491
  });
});

describe('minutesBucket', () => {
  it.each([[0, '0'], [1, '1-19'], [19, '1-19'], [20, '20-39'], [59, '40-59'], [60, '60-89'], [90, '90+']])('%i → %s', (m, b) => {
    expect(minutesBucket(m)).toBe(b);
  });
});

describe('isSubstantialPlanChange', () => {
  const change = (changeKind: string, over: Partial<{ changedFields: string[]; status: string; previousStatus: string | null }> = {}) =>
    isSubstantialPlanChange({ changeKind, changedFields: [], status: 'active', previousStatus: 'active', ...over });
  it('activating a draft establishes the plan; resuming one does not', () => {
    expect(change('STATUS_CHANGED', { previousStatus: 'draft' })).toBe(true);
    expect(change('STATUS_CHANGED', { previousStatus: 'on-hold' })).toBe(false);
    expect(change('STATUS_CHANGED', { previousStatus: 'active', status: 'completed' })).toBe(false);
  });
  it('creating: only an active plan is established; a draft is not', () => {
    expect(change('CREATED')).toBe(true);
    expect(change('CREATED', { status: 'draft' })).toBe(false);
  });
  it('content revisions count, cosmetic ones and progress do not', () => {
    expect(change('UPDATED', { changedFields: ['description'] })).toBe(true);
    expect(change('UPDATED', { changedFields: ['title', 'periodEnd'] })).toBe(false);
    expect(change('GOAL_ADDED')).toBe(true);
    expect(change('ACTIVITY_ADDED')).toBe(true);
    expect(change('GOAL_UPDATED', { changedFields: ['goals[g1].targetValue'] })).toBe(true);
    expect(change('GOAL_UPDATED', { changedFields: ['goals[g1].achievementStatus'] })).toBe(false);
    expect(change('ACTIVITY_UPDATED', { changedFields: ['activities[a1].status'] })).toBe(false);
  });
});
