import { firstFollowUpVisit, followUpWithin7Days, needsFollowUp, tcmTimeliness } from './timeliness';

const d = (iso: string) => new Date(iso);

describe('tcmTimeliness', () => {
  const now = d('2026-03-10T12:00:00Z');
  const faceToFaceLater = { faceToFaceDueAt: d('2026-03-20T23:59:59Z'), faceToFaceAt: null };

  it('counts on-time, late and missed contacts; leaves pending ones out', () => {
    const r = tcmTimeliness(
      [
        { interactiveContactDueAt: d('2026-03-05T23:59:59Z'), interactiveContactAt: d('2026-03-05T23:59:59Z'), ...faceToFaceLater }, // exactly at deadline: met
        { interactiveContactDueAt: d('2026-03-05T23:59:59Z'), interactiveContactAt: d('2026-03-06T09:00:00Z'), ...faceToFaceLater }, // late
        { interactiveContactDueAt: d('2026-03-05T23:59:59Z'), interactiveContactAt: null, ...faceToFaceLater }, // missed
        { interactiveContactDueAt: d('2026-03-12T23:59:59Z'), interactiveContactAt: null, ...faceToFaceLater }, // pending
        { interactiveContactDueAt: d('2026-03-12T23:59:59Z'), interactiveContactAt: d('2026-03-09T10:00:00Z'), ...faceToFaceLater }, // met early
        { interactiveContactDueAt: now, interactiveContactAt: null, ...faceToFaceLater }, // due right now: not yet passed
      ],
      now,
    );
    expect(r.contact).toEqual({ numerator: 2, denominator: 4 });
    expect(r.faceToFace).toEqual({ numerator: 0, denominator: 0 });
  });

  it('scores the face-to-face deadline independently', () => {
    const contactDone = { interactiveContactDueAt: d('2026-03-02T23:59:59Z'), interactiveContactAt: d('2026-03-02T10:00:00Z') };
    const r = tcmTimeliness(
      [
        { ...contactDone, faceToFaceDueAt: d('2026-03-08T23:59:59Z'), faceToFaceAt: d('2026-03-08T16:00:00Z') },
        { ...contactDone, faceToFaceDueAt: d('2026-03-08T23:59:59Z'), faceToFaceAt: d('2026-03-09T00:00:00Z') },
        { ...contactDone, faceToFaceDueAt: d('2026-03-10T11:59:59Z'), faceToFaceAt: null },
        { ...contactDone, faceToFaceDueAt: d('2026-03-15T23:59:59Z'), faceToFaceAt: d('2026-03-10T08:00:00Z') },
      ],
      now,
    );
    expect(r.faceToFace).toEqual({ numerator: 2, denominator: 4 });
    expect(r.contact).toEqual({ numerator: 4, denominator: 4 });
  });

  it('returns zero rates for no episodes', () => {
    expect(tcmTimeliness([], now)).toEqual({ contact: { numerator: 0, denominator: 0 }, faceToFace: { numerator: 0, denominator: 0 } });
  });
});

describe('followUpWithin7Days', () => {
  const discharge = { patientId: 'p', dischargedAt: d('2026-03-01T15:00:00Z') };
  const later = d('2026-03-20T00:00:00Z');

  it('a visit on calendar day 7 counts, day 8 does not', () => {
    expect(followUpWithin7Days([discharge], [{ patientId: 'p', at: d('2026-03-08T23:59:00Z'), kind: 'OUTPATIENT' }], later)).toEqual({
      numerator: 1,
      denominator: 1,
    });
    expect(followUpWithin7Days([discharge], [{ patientId: 'p', at: d('2026-03-09T00:01:00Z'), kind: 'OUTPATIENT' }], later)).toEqual({
      numerator: 0,
      denominator: 1,
    });
  });

  it('a visit on the discharge date itself does not count; the next morning does', () => {
    expect(followUpWithin7Days([discharge], [{ patientId: 'p', at: d('2026-03-01T20:00:00Z'), kind: 'HOME_VISIT' }], later).numerator).toBe(0);
    expect(followUpWithin7Days([discharge], [{ patientId: 'p', at: d('2026-03-02T08:00:00Z'), kind: 'HOME_VISIT' }], later).numerator).toBe(1);
  });

  it('only OUTPATIENT, TELEHEALTH and HOME_VISIT visits of the same patient count', () => {
    const at = d('2026-03-03T10:00:00Z');
    const count = (kind: string, patientId = 'p') => followUpWithin7Days([discharge], [{ patientId, at, kind }], later).numerator;
    expect(count('OUTPATIENT')).toBe(1);
    expect(count('telehealth')).toBe(1);
    expect(count('HOME_VISIT')).toBe(1);
    expect(count('EMERGENCY')).toBe(0);
    expect(count('INPATIENT')).toBe(0);
    expect(count('OUTPATIENT', 'someone-else')).toBe(0);
  });

  it('a discharge without follow-up is pending through day 7 and counted from day 8', () => {
    expect(followUpWithin7Days([discharge], [], d('2026-03-08T23:59:59Z'))).toEqual({ numerator: 0, denominator: 0 });
    expect(followUpWithin7Days([discharge], [], d('2026-03-09T00:00:00Z'))).toEqual({ numerator: 0, denominator: 1 });
  });

  it('a recent discharge already followed up is counted', () => {
    const now = d('2026-03-04T12:00:00Z');
    expect(followUpWithin7Days([discharge], [{ patientId: 'p', at: d('2026-03-03T09:00:00Z'), kind: 'TELEHEALTH' }], now)).toEqual({
      numerator: 1,
      denominator: 1,
    });
  });

  it('a scheduled visit after now does not count yet', () => {
    const now = d('2026-03-04T12:00:00Z');
    expect(followUpWithin7Days([discharge], [{ patientId: 'p', at: d('2026-03-05T09:00:00Z'), kind: 'OUTPATIENT' }], now)).toEqual({
      numerator: 0,
      denominator: 0,
    });
  });

  it('evaluates each discharge of a patient separately', () => {
    const r = followUpWithin7Days(
      [discharge, { patientId: 'p', dischargedAt: d('2026-03-12T10:00:00Z') }],
      [{ patientId: 'p', at: d('2026-03-05T09:00:00Z'), kind: 'OUTPATIENT' }],
      later,
    );
    expect(r).toEqual({ numerator: 1, denominator: 2 });
  });
});

describe('firstFollowUpVisit / needsFollowUp', () => {
  const discharged = d('2026-03-02T15:00:00Z');
  it('finds the earliest follow-up kind visit on days 1–7, ignoring ED visits and the discharge day', () => {
    const visits = [
      { at: d('2026-03-02T18:00:00Z'), kind: 'OUTPATIENT', id: 'same-day' },
      { at: d('2026-03-04T09:00:00Z'), kind: 'EMERGENCY', id: 'ed' },
      { at: d('2026-03-09T23:00:00Z'), kind: 'HOME_VISIT', id: 'day-7' },
      { at: d('2026-03-05T10:00:00Z'), kind: 'telehealth', id: 'day-3' },
      { at: d('2026-03-10T08:00:00Z'), kind: 'OUTPATIENT', id: 'day-8' },
    ];
    expect(firstFollowUpVisit(discharged, visits)?.id).toBe('day-3');
    expect(firstFollowUpVisit(discharged, visits.filter((v) => v.id !== 'day-3'))?.id).toBe('day-7');
    expect(firstFollowUpVisit(discharged, visits.filter((v) => !['day-3', 'day-7'].includes(v.id)))).toBeNull();
  });
  it('expects a follow-up only after a discharge to the community', () => {
    expect(['HOME', 'home_health', 'LEFT_AMA'].map(needsFollowUp)).toEqual([true, true, true]);
    expect(['SKILLED_NURSING', 'REHAB', 'HOSPICE', 'TRANSFERRED', 'EXPIRED', null].map(needsFollowUp)).toEqual([false, false, false, false, false, false]);
  });
});
