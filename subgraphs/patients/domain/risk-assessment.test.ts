import { CharlsonCategory as C } from './charlson';
import { RiskTier } from './lace';
import {
  EMPTY_SUMMARY, assessPatient, currentComorbidity, dischargeLace, dischargesToScore, presentOn, summaryChanged,
  type ConditionFacts, type EdVisitFacts, type StayFacts,
} from './risk-assessment';
import { AdmissionAcuity, ConditionClinicalStatus as S, ConditionVerificationStatus as V, ConsentKind, ConsentStatus } from './vocabulary';

const at = (iso: string) => new Date(iso);
const condition = (code: string, over: Partial<ConditionFacts> = {}): ConditionFacts => ({
  code, clinicalStatus: S.ACTIVE, onsetDate: '2020-01-01', abatementDate: null, chronic: true, ...over,
});
const stay = (id: string, admitted: string, discharged: string, acuity = AdmissionAcuity.EMERGENT): StayFacts => ({
  encounterId: id, admittedAt: at(admitted), dischargedAt: at(discharged), acuity,
});
const ed = (started: string, ended: string | null = null): EdVisitFacts => ({ startedAt: at(started), endedAt: ended ? at(ended) : null });

describe('presentOn — a condition counted for a day', () => {
  it('counts active, recurrence and relapse from onset on', () => {
    for (const s of [S.ACTIVE, S.RECURRENCE, S.RELAPSE]) expect(presentOn(condition('I50.9', { clinicalStatus: s }), '2024-05-01')).toBe(true);
    expect(presentOn(condition('I50.9', { onsetDate: '2024-05-01' }), '2024-05-01')).toBe(true);
    expect(presentOn(condition('I50.9', { onsetDate: '2024-05-02' }), '2024-05-01')).toBe(false);
    expect(presentOn(condition('I50.9', { onsetDate: null }), '1900-01-01')).toBe(true);
  });

  it('counts an abated condition up to and including its abatement day', () => {
    const resolved = condition('I50.9', { clinicalStatus: S.RESOLVED, abatementDate: '2024-05-01' });
    expect(presentOn(resolved, '2024-05-01')).toBe(true);
    expect(presentOn(resolved, '2024-05-02')).toBe(false);
    expect(presentOn(condition('I50.9', { clinicalStatus: S.REMISSION, abatementDate: null }), '2024-05-01')).toBe(false);
  });
});

describe('dischargeLace', () => {
  const s = stay('e1', '2024-05-01T14:00:00Z', '2024-05-06T10:00:00Z');

  it('scores with the conditions present on the discharge day and the ED visits before admission', () => {
    const lace = dischargeLace(s, [
      condition('I50.9'), condition('J44.9'), condition('E11.22'),
      condition('C78.00', { onsetDate: '2024-05-07' }), // diagnosed after discharge
      condition('N18.4', { clinicalStatus: S.RESOLVED, abatementDate: '2024-04-30' }), // gone before
    ], [ed('2024-04-01T00:00:00Z'), ed('2024-02-01T00:00:00Z'), ed('2024-03-01T00:00:00Z'), ed('2023-10-31T00:00:00Z'), ed('2024-05-10T00:00:00Z')]);
    expect(lace).toMatchObject({
      encounterId: 'e1', lengthOfStayDays: 5, l: 4, a: 3, c: 5, e: 3, score: 15, tier: RiskTier.HIGH,
      charlsonScore: 4, charlsonCategories: [C.DIABETES_WITH_COMPLICATIONS, C.CONGESTIVE_HEART_FAILURE, C.CHRONIC_PULMONARY_DISEASE], edVisits: 3,
      drivers: ['Length of stay 5 days', 'Emergent admission', 'Charlson 4: diabetes with complications, CHF, COPD', '3 ED visits in 6 months'],
    });
  });

  it('does not count the ED visit that led to the admission', () => {
    const visits = [ed('2024-05-01T09:00:00Z', '2024-05-01T14:00:00Z'), ed('2024-04-20T09:00:00Z', '2024-04-20T13:00:00Z')];
    expect(dischargeLace(s, [], visits).e).toBe(1);
    // Still open (no end recorded) and before admission: counted, we cannot tell it led to the stay.
    expect(dischargeLace(s, [], [ed('2024-05-01T09:00:00Z')]).e).toBe(1);
  });

  it('gives acuity points to EMERGENT admissions only', () => {
    expect(dischargeLace({ ...s, acuity: AdmissionAcuity.URGENT }, [], []).a).toBe(0);
    expect(dischargeLace({ ...s, acuity: AdmissionAcuity.ELECTIVE }, [], []).a).toBe(0);
    expect(dischargeLace(s, [], []).a).toBe(3);
  });
});

describe('currentComorbidity', () => {
  it('counts distinct chronic codes currently present and their Charlson index', () => {
    expect(currentComorbidity([
      condition('I50.9'), condition('I50.9'), condition('I10', { chronic: true }), condition('J06.9', { chronic: false }),
      condition('J44.9', { clinicalStatus: S.RESOLVED, abatementDate: '2024-01-01' }),
    ])).toEqual({ chronicConditionCount: 2, charlsonScore: 1, charlsonCategories: [C.CONGESTIVE_HEART_FAILURE] });
  });
});

describe('issue 14 — conditions and scores as of discharge', () => {
  it('CMS CCM counts diseases, not codes: E11.9 and E11.22 are one (clinical-rules.md "CMS CCM — conditions")', () => {
    expect(currentComorbidity([condition('E11.9'), condition('E11.22')]).chronicConditionCount).toBe(1);
    expect(currentComorbidity([condition('E11.9'), condition('E11.22'), condition('I10')]).chronicConditionCount).toBe(2);
  });

  it('an entered-in-error or refuted condition counts in no score or eligibility (FHIR Condition.verificationStatus)', () => {
    const wrong = condition('J44.9', { verificationStatus: V.ENTERED_IN_ERROR });
    expect(presentOn(wrong, '2024-05-01')).toBe(false);
    expect(presentOn(condition('J44.9', { verificationStatus: V.REFUTED }), '2024-05-01')).toBe(false);
    expect(presentOn(condition('J44.9', { verificationStatus: V.PROVISIONAL }), '2024-05-01')).toBe(true);
    expect(currentComorbidity([wrong, condition('I10')])).toEqual({ chronicConditionCount: 1, charlsonScore: 0, charlsonCategories: [] });
  });

  it('a discharge already scored keeps its LACE: only unscored discharges are written (LACE as known at that discharge)', () => {
    const ds = [{ encounterId: 'june' }, { encounterId: 'dec' }];
    expect(dischargesToScore(ds, new Set(['june']))).toEqual([{ encounterId: 'dec' }]);
    expect(dischargesToScore(ds, new Set())).toEqual(ds);
  });
});

describe('assessPatient', () => {
  const consents = [
    { kind: ConsentKind.CCM_SERVICES, status: ConsentStatus.ACTIVE, partnerOrgId: null, periodStart: '2024-01-01', periodEnd: null },
    { kind: ConsentKind.SHARE_WITH_PARTNER, status: ConsentStatus.ACTIVE, partnerOrgId: 'b-org', periodStart: null, periodEnd: null },
    { kind: ConsentKind.SHARE_WITH_PARTNER, status: ConsentStatus.ACTIVE, partnerOrgId: 'a-org', periodStart: null, periodEnd: '2024-12-31' },
    { kind: ConsentKind.SHARE_WITH_PARTNER, status: ConsentStatus.INACTIVE, partnerOrgId: 'c-org', periodStart: null, periodEnd: null },
  ];

  it('takes the latest discharge as the current risk and summarises for other subgraphs', () => {
    const a = assessPatient({
      conditions: [condition('N18.4'), condition('I10')],
      stays: [stay('old', '2024-01-01T10:00:00Z', '2024-01-15T10:00:00Z'), stay('new', '2024-06-01T10:00:00Z', '2024-06-02T10:00:00Z', AdmissionAcuity.ELECTIVE)],
      edVisits: [],
      consents,
    }, '2024-07-01');
    expect(a.discharges.map((d) => [d.encounterId, d.score])).toEqual([['new', 3], ['old', 12]]);
    expect(a.risk?.encounterId).toBe('new');
    expect(a.summary).toEqual({
      riskTier: RiskTier.LOW, laceScore: 3, chronicConditionCount: 2, charlsonCategories: [C.RENAL_DISEASE],
      ccmConsentActive: true, activePartnerConsents: ['a-org', 'b-org'],
    });
    expect(assessPatient({ conditions: [], stays: [], edVisits: [], consents }, '2025-01-01').summary).toMatchObject({
      riskTier: null, laceScore: null, activePartnerConsents: ['b-org'],
    });
  });

  it('breaks a tie between discharges at the same instant by the later admission', () => {
    const a = assessPatient({
      conditions: [],
      stays: [stay('long', '2024-05-01T10:00:00Z', '2024-05-10T10:00:00Z'), stay('short', '2024-05-09T10:00:00Z', '2024-05-10T10:00:00Z')],
      edVisits: [], consents: [],
    }, '2024-06-01');
    expect(a.risk?.encounterId).toBe('short');
  });
});

describe('summaryChanged', () => {
  const base = { ...EMPTY_SUMMARY, charlsonCategories: [C.RENAL_DISEASE], activePartnerConsents: ['a'] };
  it('is true with no previous summary and for any moved value, false for an equal one', () => {
    expect(summaryChanged(null, base)).toBe(true);
    expect(summaryChanged(base, { ...base, charlsonCategories: [C.RENAL_DISEASE], activePartnerConsents: ['a'] })).toBe(false);
    expect(summaryChanged(base, { ...base, riskTier: RiskTier.HIGH })).toBe(true);
    expect(summaryChanged(base, { ...base, laceScore: 0 })).toBe(true);
    expect(summaryChanged(base, { ...base, chronicConditionCount: 1 })).toBe(true);
    expect(summaryChanged(base, { ...base, ccmConsentActive: true })).toBe(true);
    expect(summaryChanged(base, { ...base, charlsonCategories: [] })).toBe(true);
    expect(summaryChanged(base, { ...base, activePartnerConsents: ['b'] })).toBe(true);
  });
});
