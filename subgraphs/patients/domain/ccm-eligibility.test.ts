import { HubError } from '../../../shared/errors';
import { ccmEligibility } from './ccm-eligibility';

describe('ccmEligibility — CMS CCM (≥2 chronic conditions; consent reported separately)', () => {
  it('2 conditions with consent: eligible', () => {
    expect(ccmEligibility({ chronicConditionCount: 2, ccmConsentActive: true })).toEqual({
      eligible: true,
      chronicConditionCount: 2,
      consentActive: true,
      reasons: ['2 chronic conditions', 'CCM consent on file'],
    });
  });

  it('2 conditions without consent: clinically eligible, consent flagged', () => {
    expect(ccmEligibility({ chronicConditionCount: 2, ccmConsentActive: false })).toEqual({
      eligible: true,
      chronicConditionCount: 2,
      consentActive: false,
      reasons: ['2 chronic conditions', 'CCM consent not on file'],
    });
  });

  it('1 condition: not eligible, says why (singular)', () => {
    expect(ccmEligibility({ chronicConditionCount: 1, ccmConsentActive: true })).toEqual({
      eligible: false,
      chronicConditionCount: 1,
      consentActive: true,
      reasons: ['1 chronic condition', 'CCM needs at least 2 chronic conditions', 'CCM consent on file'],
    });
  });

  it('0 conditions: not eligible', () => {
    const r = ccmEligibility({ chronicConditionCount: 0, ccmConsentActive: false });
    expect(r.eligible).toBe(false);
    expect(r.reasons).toEqual(['0 chronic conditions', 'CCM needs at least 2 chronic conditions', 'CCM consent not on file']);
  });

  it('many conditions: eligible', () => {
    const r = ccmEligibility({ chronicConditionCount: 7, ccmConsentActive: true });
    expect(r.eligible).toBe(true);
    expect(r.reasons[0]).toBe('7 chronic conditions');
  });

  it.each([-1, 1.5, Number.NaN])('rejects count %p as BAD_USER_INPUT', (count) => {
    let thrown: unknown;
    try {
      ccmEligibility({ chronicConditionCount: count, ccmConsentActive: true });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(HubError);
    expect((thrown as HubError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'chronicConditionCount' });
  });
});
