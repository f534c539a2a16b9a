import { HubError } from '../../../shared/errors';
import { assertPerformedOn, isPhysicianTime } from './ccm-time';
import { CareTeamRole } from './status';

describe('isPhysicianTime (CMS 99491: time personally by the physician)', () => {
  it.each([CareTeamRole.PRIMARY_CARE_PHYSICIAN, CareTeamRole.SPECIALIST])('%s counts as physician time', (role) => {
    expect(isPhysicianTime([role])).toBe(true);
  });
  it.each([CareTeamRole.CARE_COORDINATOR, CareTeamRole.NURSE_CASE_MANAGER, CareTeamRole.PHARMACIST, CareTeamRole.SOCIAL_WORKER])('%s is clinical staff time', (role) => {
    expect(isPhysicianTime([role])).toBe(false);
  });
  it('a coordinator who is also the team physician logs physician time', () => {
    expect(isPhysicianTime([CareTeamRole.CARE_COORDINATOR, CareTeamRole.PRIMARY_CARE_PHYSICIAN])).toBe(true);
  });
  it('no role, no physician time', () => expect(isPhysicianTime([])).toBe(false));
});

describe('assertPerformedOn (today is the local date: HUB_TIME_ZONE)', () => {
  const today = '2026-11-23';
  it('accepts today and past days', () => {
    expect(assertPerformedOn('2026-11-23', today)).toBe('2026-11-23');
    expect(assertPerformedOn('2026-10-31', today)).toBe('2026-10-31');
  });
  it('refuses a future day', () => {
    try {
      assertPerformedOn('2026-11-24', today);
      throw new Error('expected a throw');
    } catch (e) {
      expect((e as HubError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'performedOn' });
    }
  });
  it('refuses a date that does not exist', () => expect(() => assertPerformedOn('2026-02-30', today)).toThrow(/performedOn/));
});
