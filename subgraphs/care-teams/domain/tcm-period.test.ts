/** CMS TCM once per 30-day period, local dates and medical decision-making (clinical-rules.md, "CMS TCM — further rules"). */
import { TcmComplexity, TcmStepKind, tcmSchedule } from './transitional-care';
import { periodContaining, reevaluateOpenSteps, suggestedTcmComplexity, tcmBillingCode, tcmDeadlines } from './tcm-period';

const NY = 'America/New_York';
const at = (iso: string) => new Date(iso);

describe('tcmSchedule on the practice\'s local dates (CMS TCM FAQs: "Dates are local calendar dates of the practice")', () => {
  it('a Wednesday 22:30 discharge in New York counts from Wednesday: contact due by the end of Friday, local', () => {
    const wednesdayEvening = at('2026-12-03T03:30:00Z'); // Wed 2 Dec 22:30 EST
    const local = tcmSchedule(wednesdayEvening, 'LOW', new Set(), NY);
    expect(local.steps[0]).toEqual({ kind: TcmStepKind.INTERACTIVE_CONTACT, dueAt: at('2026-12-05T04:59:59.999Z') }); // Fri 23:59:59.999 EST
    // Counted in UTC the same instant is a Thursday discharge, due Monday.
    expect(tcmSchedule(wednesdayEvening, 'LOW', new Set(), 'UTC').steps[0].dueAt).toEqual(at('2026-12-07T23:59:59.999Z'));
    // Calendar days and the period end are local too: 14 days → Wed 16 Dec, day 30 → Thu 31 Dec, end of day EST.
    expect(local.steps[2].dueAt).toEqual(at('2026-12-17T04:59:59.999Z'));
    expect(local.periodEnd).toEqual(at('2027-01-01T04:59:59.999Z'));
  });

  it('a holiday on the local calendar is skipped', () => {
    const s = tcmSchedule(at('2026-12-03T03:30:00Z'), 'LOW', new Set(['2026-12-04']), NY);
    expect(s.steps[0].dueAt).toEqual(at('2026-12-08T04:59:59.999Z')); // Thu, (Fri holiday), Mon
  });

  it('the practitioner\'s recorded decision-making sets the complexity, whatever the tier (CMS: complexity is the billing practitioner\'s MDM)', () => {
    const s = tcmSchedule(at('2026-06-01T15:00:00Z'), 'LOW', new Set(), 'UTC', TcmComplexity.HIGH);
    expect(s).toMatchObject({ complexity: TcmComplexity.HIGH, billingCode: '99496' });
    expect(s.steps[2].dueAt).toEqual(at('2026-06-08T23:59:59.999Z'));
    expect(tcmSchedule(at('2026-06-01T15:00:00Z'), 'HIGH', new Set(), 'UTC', TcmComplexity.MODERATE).billingCode).toBe('99495');
  });

  it('the risk tier only suggests: HIGH → high, otherwise moderate', () => {
    expect(suggestedTcmComplexity('HIGH')).toBe(TcmComplexity.HIGH);
    expect(suggestedTcmComplexity('MODERATE')).toBe(TcmComplexity.MODERATE);
    expect(suggestedTcmComplexity(null)).toBe(TcmComplexity.MODERATE);
    expect([tcmBillingCode(TcmComplexity.MODERATE), tcmBillingCode(TcmComplexity.HIGH)]).toEqual(['99495', '99496']);
  });
});

describe('one TCM per 30-day period (CMS TCM FAQs: a discharge inside the period does not start a second billable service)', () => {
  const first = { id: 'nov30', dischargedAt: at('2026-11-30T15:00:00Z'), periodEnd: at('2026-12-29T23:59:59.999Z') };

  it('a discharge on Dec 1 after a Nov 30 discharge falls in the open period; one after day 30 does not', () => {
    expect(periodContaining([first], at('2026-12-01T18:00:00Z'))).toBe(first);
    expect(periodContaining([first], at('2026-12-29T23:59:59.999Z'))).toBe(first);
    expect(periodContaining([first], at('2026-12-30T00:00:00Z'))).toBeNull();
    expect(periodContaining([first], at('2026-11-30T15:00:00Z'))).toBeNull(); // its own discharge
  });

  it('re-evaluates the open steps from the readmission\'s discharge, capped at the period end; done steps stay', () => {
    const readmissionDischarge = at('2026-12-01T18:00:00Z'); // Tuesday
    const deadlines = tcmDeadlines({ fromDischargeAt: readmissionDischarge, periodEnd: first.periodEnd, complexity: TcmComplexity.MODERATE, holidays: new Set(), timeZone: 'UTC' });
    expect(deadlines[TcmStepKind.INTERACTIVE_CONTACT]).toEqual(at('2026-12-03T23:59:59.999Z'));
    expect(deadlines[TcmStepKind.FACE_TO_FACE_VISIT]).toEqual(at('2026-12-15T23:59:59.999Z'));
    const steps = [
      { kind: TcmStepKind.INTERACTIVE_CONTACT, dueAt: at('2026-12-02T23:59:59.999Z'), completedAt: at('2026-12-01T09:00:00Z') },
      { kind: TcmStepKind.MEDICATION_RECONCILIATION, dueAt: at('2026-12-14T23:59:59.999Z'), completedAt: null },
      { kind: TcmStepKind.FACE_TO_FACE_VISIT, dueAt: at('2026-12-14T23:59:59.999Z'), completedAt: null },
    ];
    expect(reevaluateOpenSteps(steps, deadlines).map((s) => [s.kind, s.dueAt.toISOString()])).toEqual([
      [TcmStepKind.MEDICATION_RECONCILIATION, '2026-12-15T23:59:59.999Z'],
      [TcmStepKind.FACE_TO_FACE_VISIT, '2026-12-15T23:59:59.999Z'],
    ]);
    // A readmission discharged on day 25: the visit would be due after the period; it is due at its end.
    const late = tcmDeadlines({ fromDischargeAt: at('2026-12-24T12:00:00Z'), periodEnd: first.periodEnd, complexity: TcmComplexity.MODERATE, holidays: new Set(), timeZone: 'UTC' });
    expect(late[TcmStepKind.FACE_TO_FACE_VISIT]).toEqual(first.periodEnd);
  });
});
