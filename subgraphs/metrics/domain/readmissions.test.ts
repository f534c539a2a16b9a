import { HubError } from '../../../shared/errors';
import {
  allStayOutcomes, evaluateReadmissions, followUpWindowClosed, pcrRate, pendingCutoff, isPregnancyOrPerinatal, PcrExclusion, Stay } from './readmissions';

const at = (iso: string) => new Date(iso.length === 10 ? `${iso}T12:00:00Z` : iso);

function stay(encounterId: string, patientId: string, admitted: string, discharged: string, over: Partial<Stay> = {}): Stay {
  return {
    encounterId,
    patientId,
    kind: 'INPATIENT',
    admittedAt: at(admitted),
    dischargedAt: at(discharged),
    disposition: 'HOME',
    planned: false,
    principalDiagnosis: 'I50.9',
    ...over,
  };
}

const JANUARY = { start: new Date('2026-01-01T00:00:00Z'), end: new Date('2026-02-01T00:00:00Z') };

describe('evaluateReadmissions — 30-day window', () => {
  it('counts a readmission on calendar day 30 and not on day 31', () => {
    const r = evaluateReadmissions(
      [
        stay('a1', 'pA', '2026-01-05', '2026-01-10T23:00:00Z'),
        stay('a2', 'pA', '2026-02-09T00:30:00Z', '2026-02-12'), // day 30 (29 days 1.5 h elapsed)
        stay('b1', 'pB', '2026-01-05', '2026-01-10T01:00:00Z'),
        stay('b2', 'pB', '2026-02-10T00:10:00Z', '2026-02-12'), // day 31, though < 31 × 24 h elapsed
      ],
      JANUARY,
    );
    expect(r.denominator).toBe(2);
    expect(r.numerator).toBe(1);
    const a = r.indexStays.find((s) => s.patientId === 'pA')!;
    const b = r.indexStays.find((s) => s.patientId === 'pB')!;
    expect(a).toMatchObject({ readmitted: true, readmissionEncounterId: 'a2', excludedReason: null });
    expect(b).toMatchObject({ readmitted: false, readmissionEncounterId: null });
  });

  it('a readmission after the period still counts for an index stay in the period', () => {
    const r = evaluateReadmissions(
      [stay('1', 'p', '2026-01-25', '2026-01-28'), stay('2', 'p', '2026-02-15', '2026-02-18')],
      JANUARY,
    );
    expect(r.indexStays.map((s) => s.encounterIds)).toEqual([['1']]);
    expect(r.numerator).toBe(1);
  });
});

describe('evaluateReadmissions — index stays', () => {
  it('only stays whose final discharge falls in [start, end) are index stays', () => {
    const r = evaluateReadmissions(
      [
        stay('dec', 'p1', '2025-12-20', '2025-12-31T23:59:59Z'),
        stay('first', 'p2', '2025-12-29', '2026-01-01T00:00:00Z'),
        stay('last', 'p3', '2026-01-29', '2026-01-31T23:59:59Z'),
        stay('feb', 'p4', '2026-01-29', '2026-02-01T00:00:00Z'),
      ],
      JANUARY,
    );
    expect(r.indexStays.map((s) => s.encounterIds[0])).toEqual(['first', 'last']);
    expect(r.denominator).toBe(2);
    expect(r.excluded).toEqual([]);
  });

  it('observation stays are index stays', () => {
    const r = evaluateReadmissions([stay('obs', 'p', '2026-01-03', '2026-01-04', { kind: 'OBSERVATION' })], JANUARY);
    expect(r.denominator).toBe(1);
  });

  it('a readmission may itself be an index stay (discharge count, not member count)', () => {
    const r = evaluateReadmissions(
      [
        stay('s1', 'p', '2026-01-02', '2026-01-04'),
        stay('s2', 'p', '2026-01-10', '2026-01-14'),
        stay('s3', 'p', '2026-01-20', '2026-01-22'),
      ],
      JANUARY,
    );
    expect(r.denominator).toBe(3);
    expect(r.numerator).toBe(2);
    expect(r.indexStays.map((s) => s.readmissionEncounterId)).toEqual(['s2', 's3', null]);
  });

  it('rejects a discharge before admission and an empty period', () => {
    expect(() => evaluateReadmissions([stay('x', 'p', '2026-01-05', '2026-01-04')], JANUARY)).toThrow(HubError);
    expect(() => evaluateReadmissions([], { start: JANUARY.end, end: JANUARY.start })).toThrow(HubError);
  });
});

describe('evaluateReadmissions — exclusions', () => {
  it('excludes death during the stay, same-day stays and pregnancy/perinatal diagnoses', () => {
    const r = evaluateReadmissions(
      [
        stay('died', 'p1', '2026-01-03', '2026-01-06', { disposition: 'EXPIRED' }),
        stay('same-day', 'p2', '2026-01-05T08:00:00Z', '2026-01-05T20:00:00Z'),
        stay('delivery', 'p3', '2026-01-07', '2026-01-09', { principalDiagnosis: 'O80' }),
        stay('newborn', 'p4', '2026-01-07', '2026-01-09', { principalDiagnosis: 'P07.30' }),
        stay('prenatal', 'p5', '2026-01-07', '2026-01-09', { principalDiagnosis: 'Z34.90' }),
        stay('kept', 'p6', '2026-01-07', '2026-01-09', { principalDiagnosis: 'J44.1' }),
      ],
      JANUARY,
    );
    expect(r.denominator).toBe(1);
    expect(r.indexStays[0].encounterIds).toEqual(['kept']);
    const reasons = Object.fromEntries(r.excluded.map((s) => [s.encounterIds[0], s.excludedReason]));
    expect(reasons).toEqual({
      died: PcrExclusion.DIED,
      'same-day': PcrExclusion.SAME_DAY,
      delivery: PcrExclusion.PREGNANCY_OR_PERINATAL,
      newborn: PcrExclusion.PREGNANCY_OR_PERINATAL,
      prenatal: PcrExclusion.PREGNANCY_OR_PERINATAL,
    });
  });

  it('an overnight stay of under 24 hours is not a same-day stay', () => {
    const r = evaluateReadmissions([stay('s', 'p', '2026-01-05T22:00:00Z', '2026-01-06T06:00:00Z')], JANUARY);
    expect(r.denominator).toBe(1);
  });

  it('recognises the pregnancy and perinatal code ranges', () => {
    for (const c of ['O00.0', 'o9a.211', 'O99.89', 'Z33.1', 'Z3A.39', 'P00.0', 'P96.9']) expect(isPregnancyOrPerinatal(c)).toBe(true);
    for (const c of ['I50.9', 'Z30.0', 'Z35.0', 'N39.0', null, undefined, '']) expect(isPregnancyOrPerinatal(c)).toBe(false);
  });

  it('an excluded stay still can be a readmission for an earlier index stay (death after readmission)', () => {
    const r = evaluateReadmissions(
      [stay('i', 'p', '2026-01-02', '2026-01-05'), stay('r', 'p', '2026-01-12', '2026-01-15', { disposition: 'EXPIRED' })],
      JANUARY,
    );
    expect(r.numerator).toBe(1);
    expect(r.excluded.map((s) => s.encounterIds)).toEqual([['r']]);
  });
});

describe('evaluateReadmissions — direct transfers', () => {
  it('merges a TRANSFERRED discharge with the admission that day: first admission, last discharge', () => {
    const r = evaluateReadmissions(
      [
        stay('b', 'p', '2026-01-05T18:00:00Z', '2026-01-12'),
        stay('a', 'p', '2026-01-01', '2026-01-05T15:00:00Z', { disposition: 'TRANSFERRED' }),
      ],
      JANUARY,
    );
    expect(r.denominator).toBe(1);
    expect(r.numerator).toBe(0); // the second hospital is not a readmission
    expect(r.indexStays[0]).toMatchObject({
      encounterIds: ['a', 'b'],
      admittedAt: at('2026-01-01'),
      dischargedAt: at('2026-01-12'),
    });
  });

  it('merges an admission on the next calendar day, not one two days later', () => {
    const r = evaluateReadmissions(
      [
        stay('a', 'p', '2026-01-01', '2026-01-05T23:00:00Z'),
        stay('b', 'p', '2026-01-06T01:00:00Z', '2026-01-08'),
        stay('c', 'p', '2026-01-10', '2026-01-12'),
      ],
      JANUARY,
    );
    expect(r.indexStays.map((s) => s.encounterIds)).toEqual([['a', 'b'], ['c']]);
    expect(r.indexStays[0].readmissionEncounterId).toBe('c');
  });

  it('a TRANSFERRED stay followed by an admission days later is not merged (it is a readmission)', () => {
    const r = evaluateReadmissions(
      [stay('a', 'p', '2026-01-01', '2026-01-05', { disposition: 'TRANSFERRED' }), stay('b', 'p', '2026-01-11', '2026-01-13')],
      JANUARY,
    );
    expect(r.denominator).toBe(2);
    expect(r.indexStays[0].readmissionEncounterId).toBe('b');
  });

  it('uses the final discharge to place a merged stay in the period', () => {
    const r = evaluateReadmissions(
      [
        stay('dec', 'p1', '2025-12-28', '2025-12-31', { disposition: 'TRANSFERRED' }),
        stay('jan', 'p1', '2025-12-31T20:00:00Z', '2026-01-04'),
        stay('jan-end', 'p2', '2026-01-20', '2026-01-31', { disposition: 'TRANSFERRED' }),
        stay('feb', 'p2', '2026-02-01', '2026-02-03'),
      ],
      JANUARY,
    );
    expect(r.indexStays.map((s) => s.encounterIds)).toEqual([['dec', 'jan']]);
    expect(r.indexStays[0].admittedAt).toEqual(at('2025-12-28'));
  });

  it('merging happens before the same-day exclusion', () => {
    const r = evaluateReadmissions(
      [
        stay('a', 'p', '2026-01-05T08:00:00Z', '2026-01-05T20:00:00Z', { kind: 'OBSERVATION', disposition: 'TRANSFERRED' }),
        stay('b', 'p', '2026-01-05T21:00:00Z', '2026-01-07'),
      ],
      JANUARY,
    );
    expect(r.denominator).toBe(1);
    expect(r.excluded).toEqual([]);
  });
});

describe('evaluateReadmissions — numerator', () => {
  it('a planned readmission does not count, a later unplanned one within 30 days does', () => {
    const planned = evaluateReadmissions(
      [stay('i', 'p', '2026-01-02', '2026-01-05'), stay('chemo', 'p', '2026-01-15', '2026-01-17', { planned: true })],
      JANUARY,
    );
    expect(planned.indexStays[0].readmitted).toBe(false);
    expect(planned.numerator).toBe(0);

    const thenUnplanned = evaluateReadmissions(
      [
        stay('i', 'p', '2026-01-02', '2026-01-05'),
        stay('chemo', 'p', '2026-01-15', '2026-01-17', { planned: true }),
        stay('sepsis', 'p', '2026-01-25', '2026-01-29'),
      ],
      JANUARY,
    );
    expect(thenUnplanned.indexStays[0].readmissionEncounterId).toBe('sepsis');
  });

  it('an observation return is a readmission (HEDIS PCR MY2020+: observation stays count as readmissions); so is observation converted to inpatient', () => {
    const obs = evaluateReadmissions(
      [stay('i', 'p', '2026-01-02', '2026-01-05'), stay('obs', 'p', '2026-01-12', '2026-01-13', { kind: 'OBSERVATION' })],
      JANUARY,
    );
    expect(obs.indexStays.find((s) => s.encounterIds[0] === 'i')).toMatchObject({ readmitted: true, readmissionEncounterId: 'obs' });
    expect(obs.numerator).toBe(1);
    // A planned observation return is still not one.
    const planned = evaluateReadmissions(
      [stay('i', 'p', '2026-01-02', '2026-01-05'), stay('obs', 'p', '2026-01-12', '2026-01-13', { kind: 'OBSERVATION', planned: true })],
      JANUARY,
    );
    expect(planned.numerator).toBe(0);

    const converted = evaluateReadmissions(
      [
        stay('i', 'p', '2026-01-02', '2026-01-05'),
        stay('obs', 'p', '2026-01-12', '2026-01-13', { kind: 'OBSERVATION', disposition: 'TRANSFERRED' }),
        stay('ip', 'p', '2026-01-13', '2026-01-16'),
      ],
      JANUARY,
    );
    expect(converted.indexStays[0]).toMatchObject({ encounterIds: ['i'], readmitted: true, readmissionEncounterId: 'obs' });
  });

  it('a pregnancy readmission is not counted', () => {
    const r = evaluateReadmissions(
      [stay('i', 'p', '2026-01-02', '2026-01-05'), stay('labour', 'p', '2026-01-20', '2026-01-22', { principalDiagnosis: 'O80' })],
      JANUARY,
    );
    expect(r.numerator).toBe(0);
  });

  it('another patient\u2019s admission is never a readmission', () => {
    const r = evaluateReadmissions([stay('i', 'p1', '2026-01-02', '2026-01-05'), stay('x', 'p2', '2026-01-10', '2026-01-12')], JANUARY);
    expect(r.numerator).toBe(0);
    expect(r.denominator).toBe(2);
  });
});

describe('allStayOutcomes — the read model view of one patient', () => {
  const open = (encounterId: string, admitted: string, over: Partial<Stay> = {}) => ({ ...stay(encounterId, 'p', admitted, admitted, over), dischargedAt: null });

  it('reports every merged stay once, with its outcome and final disposition', () => {
    const r = allStayOutcomes([
      stay('a', 'p', '2026-01-02', '2026-01-05', { disposition: 'TRANSFERRED' }),
      stay('b', 'p', '2026-01-05T18:00:00Z', '2026-01-09', { disposition: 'HOME_HEALTH' }),
      stay('c', 'p', '2026-01-20', '2026-01-22'),
      stay('d', 'p', '2026-03-01', '2026-03-03', { disposition: 'EXPIRED' }),
    ]);
    expect(r.map((s) => [s.encounterIds, s.readmitted, s.excludedReason, s.finalDisposition, s.inProgress])).toEqual([
      [['a', 'b'], true, null, 'HOME_HEALTH', false],
      [['c'], false, null, 'HOME', false],
      [['d'], false, PcrExclusion.DIED, 'EXPIRED', false],
    ]);
  });

  it('an admission in progress is already a readmission, and not yet an index stay', () => {
    const r = allStayOutcomes([stay('a', 'p', '2026-01-02', '2026-01-05'), open('b', '2026-01-20')]);
    expect(r[0]).toMatchObject({ encounterIds: ['a'], readmitted: true, readmissionEncounterId: 'b' });
    expect(r[1]).toMatchObject({ encounterIds: ['b'], inProgress: true, dischargedAt: null, readmitted: false, excludedReason: null });
  });

  it('a planned admission in progress is not a readmission', () => {
    const r = allStayOutcomes([stay('a', 'p', '2026-01-02', '2026-01-05'), open('b', '2026-01-20', { planned: true })]);
    expect(r[0].readmitted).toBe(false);
  });

  it('a transfer still in progress holds back the stay it continues', () => {
    const r = allStayOutcomes([stay('a', 'p', '2026-01-02', '2026-01-05', { disposition: 'TRANSFERRED' }), open('b', '2026-01-05T20:00:00Z')]);
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ encounterIds: ['a', 'b'], inProgress: true, dischargedAt: null });
  });
});

describe('pending index stays (HEDIS PCR: an index stay enters the rate only once its 30-day window has passed)', () => {
  const d = (iso: string) => new Date(iso);
  it('the window is closed from calendar day 31 after the discharge date on', () => {
    expect(followUpWindowClosed(d('2026-01-05T23:00:00Z'), d('2026-02-04T23:59:59Z'))).toBe(false); // day 30
    expect(followUpWindowClosed(d('2026-01-05T23:00:00Z'), d('2026-02-05T00:00:00Z'))).toBe(true); // day 31
    expect(pendingCutoff(d('2026-02-05T12:00:00Z'))).toEqual(d('2026-01-06T00:00:00Z'));
  });

  it('reports stays whose window is open as pending and computes the rate over closed windows only', () => {
    const asOf = d('2026-02-10T12:00:00Z');
    const stays = [
      { dischargedAt: d('2026-01-02T10:00:00Z'), readmitted: true },
      { dischargedAt: d('2026-01-03T10:00:00Z'), readmitted: false },
      { dischargedAt: d('2026-01-20T10:00:00Z'), readmitted: false }, // open: would bias the month low
      { dischargedAt: d('2026-01-25T10:00:00Z'), readmitted: true }, // open too, though already readmitted
    ];
    expect(pcrRate(stays, asOf)).toEqual({ denominator: 2, numerator: 1, pending: 2 });
  });
});
