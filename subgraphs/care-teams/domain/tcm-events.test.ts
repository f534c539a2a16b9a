import { medicationReconciliationDueAfterVisit, readDischarge } from './tcm-events';

const valid = {
  encounterId: 'enc-1', kind: 'INPATIENT', admittedAt: '2026-11-10T08:00:00Z', dischargedAt: '2026-11-20T15:00:00Z',
  disposition: 'HOME', acuity: 'EMERGENT', planned: false, lace: { score: 12, tier: 'HIGH', l: 5, a: 3, c: 2, e: 2 }, somethingNew: 1,
};

describe('readDischarge', () => {
  it('reads the PatientDischarged payload, ignoring fields it does not know', () => {
    expect(readDischarge(valid)).toEqual({
      discharge: {
        encounterId: 'enc-1', encounterKind: 'INPATIENT', disposition: 'HOME',
        admittedAt: new Date('2026-11-10T08:00:00Z'), dischargedAt: new Date('2026-11-20T15:00:00Z'), laceTier: 'HIGH',
      },
    });
  });
  it('a missing or unknown LACE tier is null, not an error', () => {
    expect(readDischarge({ ...valid, lace: undefined })).toMatchObject({ discharge: { laceTier: null } });
    expect(readDischarge({ ...valid, lace: { tier: 'EXTREME' } })).toMatchObject({ discharge: { laceTier: null } });
  });
  it('a missing admission time is null', () => {
    expect(readDischarge({ ...valid, admittedAt: undefined })).toMatchObject({ discharge: { admittedAt: null } });
  });
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no encounter id', { encounterId: '' }, /encounterId/],
    ['a bad discharge time', { dischargedAt: 'yesterday' }, /dischargedAt/],
    ['no discharge time', { dischargedAt: undefined }, /dischargedAt/],
    ['an unknown encounter kind', { kind: 'SPACESHIP' }, /encounter kind/],
    ['an unknown disposition', { disposition: 'MOON' }, /disposition/],
  ])('is unreadable with %s', (_what, patch, reason) => {
    const result = readDischarge({ ...valid, ...patch });
    expect(result).toEqual({ unreadable: expect.stringMatching(reason) });
  });
});

describe('medicationReconciliationDueAfterVisit (CMS TCM: no later than the visit)', () => {
  const due = new Date('2026-11-27T23:59:59.999Z');
  it('an early visit brings the deadline forward to the end of the visit day', () => {
    expect(medicationReconciliationDueAfterVisit(due, new Date('2026-11-23T10:00:00Z')).toISOString()).toBe('2026-11-23T23:59:59.999Z');
  });
  it('a visit on the deadline day leaves it as it is', () => {
    expect(medicationReconciliationDueAfterVisit(due, new Date('2026-11-27T09:00:00Z'))).toEqual(due);
  });
  it('a late visit never pushes the deadline later', () => {
    expect(medicationReconciliationDueAfterVisit(due, new Date('2026-12-02T09:00:00Z'))).toEqual(due);
  });
});
