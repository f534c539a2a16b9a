import { parseHolidayCalendar } from './business-days';
import {
  DischargeDisposition,
  EncounterKind,
  qualifiesForTcm,
  TcmComplexity,
  tcmSchedule,
  TcmStepKind,
  TcmStepStatus,
  tcmStepStatus,
} from './transitional-care';

const d = (iso: string) => new Date(iso);
const none = new Set<string>();
const holidays = parseHolidayCalendar('2026-09-07,2026-11-26,2026-12-25');

describe('qualifiesForTcm', () => {
  const cases: [DischargeDisposition, boolean, RegExp][] = [
    ['HOME', true, /community/],
    ['HOME_HEALTH', true, /home health/],
    ['LEFT_AMA', true, /against medical advice/],
    ['SKILLED_NURSING', false, /skilled nursing/],
    ['REHAB', false, /rehabilitation/],
    ['TRANSFERRED', false, /Transferred/],
    ['HOSPICE', false, /hospice/],
    ['EXPIRED', false, /died/],
  ];

  it.each(cases)('inpatient discharge with disposition %s → qualifies=%p', (disposition, qualifies, reason) => {
    const result = qualifiesForTcm({ encounterKind: 'INPATIENT', disposition });
    expect(result.qualifies).toBe(qualifies);
    expect(result.reason).toMatch(reason);
  });

  it.each(cases)('observation stay with disposition %s → qualifies=%p', (disposition, qualifies) => {
    expect(qualifiesForTcm({ encounterKind: 'OBSERVATION', disposition }).qualifies).toBe(qualifies);
  });

  it.each<[EncounterKind, RegExp]>([
    ['EMERGENCY', /emergency department visit/],
    ['OUTPATIENT', /outpatient visit/],
    ['TELEHEALTH', /telehealth visit/],
    ['HOME_VISIT', /home visit/],
  ])('a %s encounter never qualifies, even when the patient goes home', (encounterKind, reason) => {
    const result = qualifiesForTcm({ encounterKind, disposition: 'HOME' });
    expect(result).toEqual({ qualifies: false, reason: expect.stringMatching(reason) });
    expect(result.reason).toMatch(/inpatient or observation/);
  });
});

describe('tcmSchedule', () => {
  const stepDue = (s: ReturnType<typeof tcmSchedule>, kind: TcmStepKind) => s.steps.find((x) => x.kind === kind)!.dueAt;

  it('HIGH risk → high complexity, 99496, face-to-face within 7 calendar days', () => {
    const s = tcmSchedule(d('2026-03-13T16:45:00Z'), 'HIGH', none); // Friday
    expect(s.complexity).toBe(TcmComplexity.HIGH);
    expect(s.billingCode).toBe('99496');
    expect(stepDue(s, TcmStepKind.FACE_TO_FACE_VISIT)).toEqual(d('2026-03-20T23:59:59.999Z'));
  });

  it.each(['LOW', 'MODERATE'] as const)('%s risk → moderate complexity, 99495, face-to-face within 14 days', (tier) => {
    const s = tcmSchedule(d('2026-03-13T16:45:00Z'), tier, none);
    expect(s.complexity).toBe(TcmComplexity.MODERATE);
    expect(s.billingCode).toBe('99495');
    expect(stepDue(s, TcmStepKind.FACE_TO_FACE_VISIT)).toEqual(d('2026-03-27T23:59:59.999Z'));
  });

  it('interactive contact is due 2 business days after a Friday discharge: Tuesday', () => {
    const s = tcmSchedule(d('2026-03-13T16:45:00Z'), 'MODERATE', none);
    expect(stepDue(s, TcmStepKind.INTERACTIVE_CONTACT)).toEqual(d('2026-03-17T23:59:59.999Z'));
  });

  it('a Saturday discharge: contact due Tuesday, visit counted in calendar days from Saturday', () => {
    const s = tcmSchedule(d('2026-03-14T10:00:00Z'), 'HIGH', none);
    expect(stepDue(s, TcmStepKind.INTERACTIVE_CONTACT)).toEqual(d('2026-03-17T23:59:59.999Z'));
    expect(stepDue(s, TcmStepKind.FACE_TO_FACE_VISIT)).toEqual(d('2026-03-21T23:59:59.999Z'));
  });

  it('holidays move the contact deadline but not the calendar-day visit deadline', () => {
    // Wednesday before Thanksgiving 2026.
    const s = tcmSchedule(d('2026-11-25T14:00:00Z'), 'HIGH', holidays);
    expect(stepDue(s, TcmStepKind.INTERACTIVE_CONTACT)).toEqual(d('2026-11-30T23:59:59.999Z'));
    expect(stepDue(s, TcmStepKind.FACE_TO_FACE_VISIT)).toEqual(d('2026-12-02T23:59:59.999Z'));
  });

  it('a Monday holiday after a Friday discharge pushes contact to Wednesday', () => {
    const s = tcmSchedule(d('2026-09-04T17:00:00Z'), 'MODERATE', holidays);
    expect(stepDue(s, TcmStepKind.INTERACTIVE_CONTACT)).toEqual(d('2026-09-09T23:59:59.999Z'));
  });

  it('medication reconciliation is due no later than the face-to-face visit', () => {
    for (const tier of ['LOW', 'MODERATE', 'HIGH'] as const) {
      const s = tcmSchedule(d('2026-03-13T16:45:00Z'), tier, none);
      expect(stepDue(s, TcmStepKind.MEDICATION_RECONCILIATION)).toEqual(stepDue(s, TcmStepKind.FACE_TO_FACE_VISIT));
    }
  });

  it('lists the three steps once each, contact first', () => {
    const s = tcmSchedule(d('2026-03-13T16:45:00Z'), 'HIGH', none);
    expect(s.steps.map((x) => x.kind)).toEqual([
      TcmStepKind.INTERACTIVE_CONTACT,
      TcmStepKind.MEDICATION_RECONCILIATION,
      TcmStepKind.FACE_TO_FACE_VISIT,
    ]);
  });

  it('the 30-day period is the discharge day plus the next 29 days', () => {
    expect(tcmSchedule(d('2026-03-13T16:45:00Z'), 'HIGH', none).periodEnd).toEqual(d('2026-04-11T23:59:59.999Z'));
    expect(tcmSchedule(d('2026-12-15T00:00:00Z'), 'LOW', none).periodEnd).toEqual(d('2027-01-13T23:59:59.999Z'));
  });

  it('ignores the time of day of the discharge', () => {
    const early = tcmSchedule(d('2026-03-13T00:00:00Z'), 'HIGH', none);
    const late = tcmSchedule(d('2026-03-13T23:59:59.999Z'), 'HIGH', none);
    expect(late).toEqual(early);
  });
});

describe('tcmStepStatus', () => {
  const due = d('2026-03-17T23:59:59.999Z');
  const justAfter = d('2026-03-18T00:00:00.000Z');

  it('is MET when completed before the deadline, whenever it is checked', () => {
    expect(tcmStepStatus(due, d('2026-03-16T10:00:00Z'), d('2026-03-16T11:00:00Z'))).toBe(TcmStepStatus.MET);
    expect(tcmStepStatus(due, d('2026-03-16T10:00:00Z'), d('2026-04-30T00:00:00Z'))).toBe(TcmStepStatus.MET);
  });

  it('is MET when completed at the deadline instant', () => {
    expect(tcmStepStatus(due, due, justAfter)).toBe(TcmStepStatus.MET);
  });

  it('is MISSED when completed one millisecond late', () => {
    expect(tcmStepStatus(due, justAfter, justAfter)).toBe(TcmStepStatus.MISSED);
  });

  it('is PENDING while open up to and including the deadline instant', () => {
    expect(tcmStepStatus(due, null, d('2026-03-14T00:00:00Z'))).toBe(TcmStepStatus.PENDING);
    expect(tcmStepStatus(due, null, due)).toBe(TcmStepStatus.PENDING);
  });

  it('is MISSED when still open after the deadline', () => {
    expect(tcmStepStatus(due, null, justAfter)).toBe(TcmStepStatus.MISSED);
  });
});
