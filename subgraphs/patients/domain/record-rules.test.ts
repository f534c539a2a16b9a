/** The input rules of the registry and the clinical records: each one names the field it rejects. */
import { HubError } from '../../../shared/errors';
import { clinicalStatusOf, codeCondition, onsetDateOf } from './condition-rules';
import { shippedIcd10CodeList } from './icd10-code-list';
import { activePartnerConsents, ccmConsentActive, consentInForce, consentStatusChanges, consentTermsOf } from './consent';
import { assertIsoDate, isIsoDate, utcDay } from './dates';
import {
  assertAdmissionConsistent, assertStayKind, assertVisitKind, assertVisitTimes, costOf, principalDiagnosisOf, visitAcuity,
} from './encounter-rules';
import { birthDateOf, deathOf, emailOf, languageOf, requiredText } from './patient-rules';
import { AdmissionAcuity, ConditionClinicalStatus as S, ConsentKind, ConsentStatus as CS, EncounterKind as K } from './vocabulary';

/** Asserts fn throws the hub error `code`, naming `field` when given. */
function expectError(fn: () => unknown, code: string, field?: string): void {
  const error = (() => { try { fn(); return null; } catch (e) { return e; } })();
  expect(error).toBeInstanceOf(HubError);
  expect((error as HubError).extensions).toMatchObject({ code, ...(field ? { field } : {}) });
}
const TODAY = '2024-06-15';

describe('dates', () => {
  it('accepts real calendar dates only', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('2024-13-01')).toBe(false);
    expect(isIsoDate('2024-6-1')).toBe(false);
    expect(assertIsoDate(' 2024-06-01 ', 'onsetDate')).toBe('2024-06-01');
    expectError(() => assertIsoDate('yesterday', 'onsetDate'), 'BAD_USER_INPUT', 'onsetDate');
    expect(utcDay(new Date('2024-06-15T23:30:00-05:00'))).toBe('2024-06-16');
  });
});

describe('patient rules', () => {
  it('birth date: a real date, today at the latest', () => {
    expect(birthDateOf(TODAY, TODAY)).toBe(TODAY);
    expectError(() => birthDateOf('2024-06-16', TODAY), 'BAD_USER_INPUT', 'birthDate');
    expectError(() => birthDateOf('1950-02-30', TODAY), 'BAD_USER_INPUT', 'birthDate');
  });

  it('names, language and email', () => {
    expect(requiredText('  Rosa ', 'givenName')).toBe('Rosa');
    expectError(() => requiredText(' ', 'familyName'), 'BAD_USER_INPUT', 'familyName');
    expect(languageOf(undefined)).toBe('en');
    expect(languageOf('zh-Hant')).toBe('zh-Hant');
    expectError(() => languageOf('Spanish'), 'BAD_USER_INPUT', 'preferredLanguage');
    expect(emailOf('')).toBeNull();
    expectError(() => emailOf('rosa@'), 'BAD_USER_INPUT', 'email');
  });

  it('death: flag and time, after birth, not in the future', () => {
    const alive = { deceased: false, deceasedAt: null, birthDate: '1950-01-01' };
    const now = new Date('2024-06-15T12:00:00Z');
    expect(deathOf({ deceasedAt: new Date('2024-06-01T08:00:00Z') }, alive, now)).toEqual({ deceased: true, deceasedAt: new Date('2024-06-01T08:00:00Z') });
    expect(deathOf({ deceased: true }, alive, now)).toEqual({ deceased: true, deceasedAt: null });
    expect(deathOf({ deceased: false }, { ...alive, deceased: true, deceasedAt: now }, now)).toEqual({ deceased: false, deceasedAt: null });
    expectError(() => deathOf({ deceased: false, deceasedAt: now }, alive, now), 'BAD_USER_INPUT', 'deceasedAt');
    expectError(() => deathOf({ deceasedAt: new Date('2024-06-16T00:00:00Z') }, alive, now), 'BAD_USER_INPUT', 'deceasedAt');
    expectError(() => deathOf({ deceasedAt: new Date('1949-12-31T00:00:00Z') }, alive, now), 'BAD_USER_INPUT', 'deceasedAt');
  });
});

describe('condition rules', () => {
  it('normalises the code, maps its Charlson category and defaults chronic (Charlson or a chronic category: I10 hypertension)', () => {
    const list = shippedIcd10CodeList();
    expect(codeCondition('i509', undefined, list)).toEqual({ code: 'I50.9', charlsonCategory: 'CONGESTIVE_HEART_FAILURE', chronic: true, codeOutsideList: false });
    expect(codeCondition('I10', undefined, list)).toEqual({ code: 'I10', charlsonCategory: null, chronic: true, codeOutsideList: false });
    expect(codeCondition('R07.9', undefined, list).chronic).toBe(false);
    expect(codeCondition('R07.9', true, list).chronic).toBe(true);
    expect(codeCondition('I50.9', false, list).chronic).toBe(false);
    expectError(() => codeCondition('CHF', undefined, list), 'BAD_USER_INPUT', 'code');
  });

  it('onset: optional, not in the future', () => {
    expect(onsetDateOf(null, TODAY)).toBeNull();
    expect(onsetDateOf(TODAY, TODAY)).toBe(TODAY);
    expectError(() => onsetDateOf('2024-06-16', TODAY), 'BAD_USER_INPUT', 'onsetDate');
  });

  it('a present status has no abatement; an abated one keeps its day', () => {
    expect(clinicalStatusOf(S.RELAPSE, null, null, TODAY)).toEqual({ clinicalStatus: S.RELAPSE, abatementDate: null });
    expectError(() => clinicalStatusOf(S.ACTIVE, '2024-01-01', null, TODAY), 'BAD_USER_INPUT', 'abatementDate');
    // Issue 14: RESOLVED and REMISSION need their abatement date; INACTIVE still defaults to today.
    expectError(() => clinicalStatusOf(S.RESOLVED, undefined, '2020-01-01', TODAY), 'BAD_USER_INPUT', 'abatementDate');
    expect(clinicalStatusOf(S.INACTIVE, undefined, '2020-01-01', TODAY)).toEqual({ clinicalStatus: S.INACTIVE, abatementDate: TODAY });
    expect(clinicalStatusOf(S.REMISSION, '2024-01-01', '2020-01-01', TODAY)).toEqual({ clinicalStatus: S.REMISSION, abatementDate: '2024-01-01' });
    expectError(() => clinicalStatusOf(S.INACTIVE, '2019-12-31', '2020-01-01', TODAY), 'BAD_USER_INPUT', 'abatementDate');
    expectError(() => clinicalStatusOf(S.INACTIVE, '2024-06-16', null, TODAY), 'BAD_USER_INPUT', 'abatementDate');
  });
});

describe('encounter rules', () => {
  it('stays are admitted, visits recorded', () => {
    assertStayKind(K.INPATIENT);
    assertStayKind(K.OBSERVATION);
    for (const k of [K.EMERGENCY, K.OUTPATIENT, K.TELEHEALTH, K.HOME_VISIT]) {
      expectError(() => assertStayKind(k), 'BAD_USER_INPUT', 'kind');
      assertVisitKind(k);
    }
    expectError(() => assertVisitKind(K.INPATIENT), 'BAD_USER_INPUT', 'kind');
    expect(visitAcuity(K.EMERGENCY)).toBe(AdmissionAcuity.EMERGENT);
    expect(visitAcuity(K.TELEHEALTH)).toBeNull();
  });

  it('a planned admission is not emergent', () => {
    assertAdmissionConsistent(AdmissionAcuity.ELECTIVE, true);
    assertAdmissionConsistent(AdmissionAcuity.EMERGENT, false);
    expectError(() => assertAdmissionConsistent(AdmissionAcuity.EMERGENT, true), 'BAD_USER_INPUT', 'planned');
  });

  it('times, cost and principal diagnosis', () => {
    assertVisitTimes(new Date('2024-01-01T10:00:00Z'), new Date('2024-01-01T10:00:00Z'));
    assertVisitTimes(new Date('2024-01-01T10:00:00Z'), null);
    expectError(() => assertVisitTimes(new Date('2024-01-01T10:00:00Z'), new Date('2024-01-01T09:59:59Z')), 'BAD_USER_INPUT', 'endedAt');
    expect(costOf(1234.567)).toBe(1234.57);
    expect(costOf(0)).toBe(0);
    expect(costOf(undefined)).toBeNull();
    expectError(() => costOf(-0.01), 'BAD_USER_INPUT', 'cost');
    expectError(() => costOf(Number.POSITIVE_INFINITY), 'BAD_USER_INPUT', 'cost');
    expect(principalDiagnosisOf('j449')).toBe('J44.9');
    expect(principalDiagnosisOf(' ')).toBeNull();
    expectError(() => principalDiagnosisOf('COPD'), 'BAD_USER_INPUT', 'principalDiagnosis');
  });
});

describe('consent', () => {
  const active = { status: CS.ACTIVE, periodStart: '2024-01-01', periodEnd: '2024-12-31' };

  it('is in force while active and inside its period, both ends inclusive', () => {
    expect(consentInForce(active, '2024-01-01')).toBe(true);
    expect(consentInForce(active, '2024-12-31')).toBe(true);
    expect(consentInForce(active, '2023-12-31')).toBe(false);
    expect(consentInForce(active, '2025-01-01')).toBe(false);
    expect(consentInForce({ ...active, periodStart: null, periodEnd: null }, '1999-01-01')).toBe(true);
    for (const status of [CS.DRAFT, CS.PROPOSED, CS.REJECTED, CS.INACTIVE, CS.ENTERED_IN_ERROR]) {
      expect(consentInForce({ ...active, status }, '2024-06-01')).toBe(false);
    }
  });

  it('summarises CCM consent and the partners shared with', () => {
    const consents = [
      { kind: ConsentKind.CCM_SERVICES, partnerOrgId: null, ...active },
      { kind: ConsentKind.SHARE_WITH_PARTNER, partnerOrgId: 'org-b', ...active },
      { kind: ConsentKind.SHARE_WITH_PARTNER, partnerOrgId: 'org-a', ...active },
      { kind: ConsentKind.SHARE_WITH_PARTNER, partnerOrgId: 'org-a', ...active, periodStart: null },
    ];
    expect(ccmConsentActive(consents, '2024-06-01')).toBe(true);
    expect(ccmConsentActive(consents, '2025-06-01')).toBe(false);
    expect(activePartnerConsents(consents, '2024-06-01')).toEqual(['org-a', 'org-b']);
  });

  it('a partner consent names its organization (stored lower-case); periods run forward', () => {
    expect(consentTermsOf({ kind: ConsentKind.SHARE_WITH_PARTNER, partnerOrgId: ' ABC-1 ' }).partnerOrgId).toBe('abc-1');
    expectError(() => consentTermsOf({ kind: ConsentKind.SHARE_WITH_PARTNER }), 'BAD_USER_INPUT', 'partnerOrgId');
    expectError(() => consentTermsOf({ kind: ConsentKind.CCM_SERVICES, partnerOrgId: 'x' }), 'BAD_USER_INPUT', 'partnerOrgId');
    expectError(() => consentTermsOf({ kind: ConsentKind.CCM_SERVICES, periodStart: '2024-02-01', periodEnd: '2024-01-31' }), 'BAD_USER_INPUT', 'periodEnd');
    expectError(() => consentTermsOf({ kind: ConsentKind.CCM_SERVICES, periodStart: '2024-02-30' }), 'BAD_USER_INPUT', 'periodStart');
  });

  it('moves along FHIR Consent.status', () => {
    expect(consentStatusChanges(CS.PROPOSED, CS.ACTIVE)).toBe(true);
    expect(consentStatusChanges(CS.DRAFT, CS.REJECTED)).toBe(true);
    expect(consentStatusChanges(CS.ACTIVE, CS.INACTIVE)).toBe(true);
    expect(consentStatusChanges(CS.INACTIVE, CS.INACTIVE)).toBe(false);
    expect(consentStatusChanges(CS.INACTIVE, CS.ENTERED_IN_ERROR)).toBe(true);
    expectError(() => consentStatusChanges(CS.ACTIVE, CS.DRAFT), 'CONFLICT');
    expectError(() => consentStatusChanges(CS.INACTIVE, CS.ACTIVE), 'CONFLICT');
    expectError(() => consentStatusChanges(CS.ENTERED_IN_ERROR, CS.ACTIVE), 'CONFLICT');
  });
});
