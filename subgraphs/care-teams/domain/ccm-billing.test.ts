import { HubError } from '../../../shared/errors';
import { assertMinutes, ccmBillableCodes, CcmTimeEntry } from './ccm-billing';

const staff = (minutes: number): CcmTimeEntry => ({ minutes, byPhysician: false });
const physician = (minutes: number): CcmTimeEntry => ({ minutes, byPhysician: true });

// A revised month is taken as one the practitioner recorded moderate/high decision-making for, unless `mdm` says otherwise.
function bill(entries: CcmTimeEntry[], opts: Partial<{ revised: boolean; consent: boolean; conditions: number; mdm: boolean }> = {}) {
  return ccmBillableCodes({
    entries,
    carePlanEstablishedOrRevised: opts.revised ?? false,
    complexDecisionMaking: opts.mdm ?? opts.revised ?? false,
    consentActive: opts.consent ?? true,
    chronicConditionCount: opts.conditions ?? 2,
  });
}
/** Codes as "code×units" for compact assertions. */
const codes = (r: ReturnType<typeof bill>) => r.codes.map((c) => `${c.code}×${c.units}`);

describe('non-complex CCM (99490 / 99439), clinical staff time', () => {
  it.each<[number, string[]]>([
    [20, ['99490×1']],
    [39, ['99490×1']],
    [40, ['99490×1', '99439×1']],
    [59, ['99490×1', '99439×1']],
    [60, ['99490×1', '99439×2']],
    [80, ['99490×1', '99439×2']], // CMS pays 99439 at most twice a month
    [200, ['99490×1', '99439×2']],
  ])('%i minutes → %p', (minutes, expected) => {
    const r = bill([staff(minutes)]);
    expect(r.billable).toBe(true);
    expect(r.notBillableReason).toBeNull();
    expect(codes(r)).toEqual(expected);
  });

  it('19 minutes is not billable and says why', () => {
    const r = bill([staff(19)]);
    expect(r.billable).toBe(false);
    expect(r.codes).toEqual([]);
    expect(r.notBillableReason).toMatch(/^19 minutes .*at least 20 minutes/);
    expect(r.clinicalStaffMinutes).toBe(19);
  });

  it('adds up the month’s entries', () => {
    const r = bill([staff(12), staff(8), staff(20)]);
    expect(r.totalMinutes).toBe(40);
    expect(r.clinicalStaffMinutes).toBe(40);
    expect(r.physicianMinutes).toBe(0);
    expect(codes(r)).toEqual(['99490×1', '99439×1']);
  });

  it('describes each code', () => {
    const r = bill([staff(40)]);
    expect(r.codes).toEqual([
      { code: '99490', units: 1, description: expect.stringContaining('first 20 minutes') },
      { code: '99439', units: 1, description: expect.stringContaining('each additional 20 minutes') },
    ]);
  });

  it('no time logged at all is not billable', () => {
    const r = bill([]);
    expect(r).toMatchObject({ totalMinutes: 0, billable: false, codes: [] });
  });
});

describe('complex CCM (99487 / 99489)', () => {
  it.each<[number, string[]]>([
    [60, ['99487×1']],
    [80, ['99487×1']],
    [89, ['99487×1']],
    [90, ['99487×1', '99489×1']],
    [119, ['99487×1', '99489×1']],
    [120, ['99487×1', '99489×2']],
  ])('%i minutes with the care plan established or revised → %p', (minutes, expected) => {
    expect(codes(bill([staff(minutes)], { revised: true }))).toEqual(expected);
  });

  it('60 minutes without a plan revision stays non-complex', () => {
    expect(codes(bill([staff(60)], { revised: false }))).toEqual(['99490×1', '99439×2']);
  });

  it('90 minutes without a plan revision is capped non-complex, never 99489', () => {
    expect(codes(bill([staff(90)], { revised: false }))).toEqual(['99490×1', '99439×2']);
  });

  it('59 minutes with a plan revision falls back to non-complex', () => {
    expect(codes(bill([staff(59)], { revised: true }))).toEqual(['99490×1', '99439×1']);
  });

  it('counts the physician’s minutes toward the 60 and bills no 99491 alongside', () => {
    expect(codes(bill([staff(30), physician(30)], { revised: true }))).toEqual(['99487×1']);
  });
});

describe('physician CCM (99491 / 99437)', () => {
  it('29 physician minutes: not enough for 99491, so they count as staff time toward 99490', () => {
    const r = bill([physician(29)]);
    expect(codes(r)).toEqual(['99490×1']);
    expect(r.physicianMinutes).toBe(29);
    expect(r.clinicalStaffMinutes).toBe(0);
  });

  it('30 physician minutes → 99491', () => {
    const r = bill([physician(30)]);
    expect(codes(r)).toEqual(['99491×1']);
    expect(r.codes[0].description).toMatch(/personally by the physician/);
  });

  it('45 physician minutes → 99491 alone would account for 30, 99490 + 99439 for 40: the latter is billed', () => {
    expect(codes(bill([physician(45)]))).toEqual(['99490×1', '99439×1']);
  });

  it('99437 needs a full additional 30: 89 physician minutes → 99491 + 99437 (tie with 99490 + 2 × 99439 goes to 99491)', () => {
    expect(codes(bill([physician(89)]))).toEqual(['99491×1', '99437×1']);
  });

  it('60 physician minutes → 99491 + 99437', () => {
    expect(codes(bill([physician(60)]))).toEqual(['99491×1', '99437×1']);
  });

  it('95 physician minutes → 99491 + 2 × 99437', () => {
    expect(codes(bill([physician(95)]))).toEqual(['99491×1', '99437×2']);
  });

  it('never bills 99491 and 99490 in the same month; physician minutes are not double counted', () => {
    // 99491 would account for 60 minutes, 99490+99439 for 60 of the 70: tie → 99491.
    const tie = bill([physician(60), staff(10)]);
    expect(codes(tie)).toEqual(['99491×1', '99437×1']);
    expect(tie).toMatchObject({ totalMinutes: 70, physicianMinutes: 60, clinicalStaffMinutes: 10 });

    // 99491 would account for 30 minutes, 99490+2×99439 for 60: the staff family is billed.
    expect(codes(bill([physician(30), staff(45)]))).toEqual(['99490×1', '99439×2']);
  });
});

describe('CCM eligibility', () => {
  it('is not billable without active consent, whatever the time', () => {
    const r = bill([staff(90), physician(60)], { consent: false, revised: true });
    expect(r.billable).toBe(false);
    expect(r.codes).toEqual([]);
    expect(r.notBillableReason).toMatch(/consent/);
    expect(r).toMatchObject({ totalMinutes: 150, clinicalStaffMinutes: 90, physicianMinutes: 60 });
  });

  it.each([0, 1])('is not billable with %i chronic condition(s)', (n) => {
    const r = bill([staff(45)], { conditions: n });
    expect(r.billable).toBe(false);
    expect(r.codes).toEqual([]);
    expect(r.notBillableReason).toBe(
      `Chronic care management requires two or more chronic conditions; the patient has ${n}`,
    );
  });

  it('is billable from two chronic conditions', () => {
    expect(bill([staff(20)], { conditions: 2 }).billable).toBe(true);
    expect(bill([staff(20)], { conditions: 5 }).billable).toBe(true);
  });

  it('refuses a malformed chronic condition count', () => {
    expect(() => bill([staff(20)], { conditions: -1 })).toThrow(HubError);
    expect(() => bill([staff(20)], { conditions: 1.5 })).toThrow(HubError);
  });
});

describe('assertMinutes', () => {
  it('accepts positive whole minutes', () => {
    expect(() => assertMinutes(1)).not.toThrow();
    expect(() => assertMinutes(240)).not.toThrow();
  });

  it.each([0, -5, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %p on the minutes field', (m) => {
    let err: unknown;
    try {
      assertMinutes(m);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'minutes' });
  });

  it('is applied to every entry before anything is billed', () => {
    expect(() => bill([staff(30), staff(0)])).toThrow('Minutes must be a positive whole number');
  });
});

describe('complex CCM needs the billing practitioner\'s moderate or high decision-making (CMS CCM: decided by the billing practitioner)', () => {
  it('a revised plan and 90 minutes without recorded decision-making is non-complex', () => {
    expect(codes(bill([staff(90)], { revised: true, mdm: false }))).toEqual(['99490×1', '99439×2']);
    expect(codes(bill([staff(90)], { revised: true, mdm: true }))).toEqual(['99487×1', '99489×1']);
  });

  it('decision-making without a plan established or revised is not complex either', () => {
    expect(codes(bill([staff(90)], { revised: false, mdm: true }))).toEqual(['99490×1', '99439×2']);
  });
});

describe('CCM invariants over a grid of months', () => {
  const families = [['99490', '99439'], ['99487', '99489'], ['99491', '99437']];

  it('bills one code family at most, respects the caps, and billable matches codes', () => {
    for (const revised of [false, true]) {
      for (let s = 0; s <= 130; s += 1) {
        for (let p = 0; p <= 100; p += 5) {
          const entries = [...(s ? [staff(s)] : []), ...(p ? [physician(p)] : [])];
          const r = bill(entries, { revised });
          const billed = new Set(r.codes.map((c) => c.code));
          const used = families.filter((f) => f.some((c) => billed.has(c)));
          expect(used.length).toBeLessThanOrEqual(1);
          expect(r.billable).toBe(r.codes.length > 0);
          expect(r.notBillableReason === null).toBe(r.billable);
          expect(r.codes.find((c) => c.code === '99439')?.units ?? 0).toBeLessThanOrEqual(2);
          // An add-on is never billed without its base code.
          if (billed.has('99439')) expect(billed.has('99490')).toBe(true);
          if (billed.has('99489')) expect(billed.has('99487')).toBe(true);
          if (billed.has('99437')) expect(billed.has('99491')).toBe(true);
          // 20 countable minutes in the month always bill something.
          expect(r.billable).toBe(s + p >= 20);
          if (!revised) expect(billed.has('99487')).toBe(false);
        }
      }
    }
  });
});
