import { consentFromEvent, isConsentActive } from './consent';

describe('consentFromEvent', () => {
  it('reads the patients subgraph payload, FHIR codes or GraphQL enum spellings', () => {
    const a = consentFromEvent({ consentId: 'c1', kind: 'SHARE_WITH_PARTNER', status: 'ACTIVE', partnerOrgId: 'ABC-1', periodStart: '2025-01-01T09:00:00Z', periodEnd: null, active: true });
    expect(a).toEqual({ consentId: 'c1', kind: 'SHARE_WITH_PARTNER', status: 'active', partnerId: 'abc-1', periodStart: new Date('2025-01-01T09:00:00Z'), periodEnd: null });
    const b = consentFromEvent({ consentId: 'c2', kind: 'share-with-partner', status: 'entered_in_error' });
    expect(b).toMatchObject({ kind: 'SHARE_WITH_PARTNER', status: 'entered-in-error', partnerId: null, periodStart: null, periodEnd: null });
  });

  it('treats a date-only end as covering that whole day', () => {
    const c = consentFromEvent({ consentId: 'c3', kind: 'SHARE_WITH_PARTNER', status: 'active', partnerOrgId: 'p', periodStart: '2025-03-01', periodEnd: '2025-03-31' })!;
    expect(c.periodStart).toEqual(new Date('2025-03-01T00:00:00Z'));
    expect(c.periodEnd).toEqual(new Date('2025-04-01T00:00:00Z'));
  });

  it('ignores payloads without a consent id and unparseable dates', () => {
    expect(consentFromEvent({ kind: 'SHARE_WITH_PARTNER' })).toBeNull();
    expect(consentFromEvent({ consentId: 'c4', periodStart: 'soon' })!.periodStart).toBeNull();
  });
});

describe('isConsentActive', () => {
  const at = new Date('2025-06-15T12:00:00Z');
  it('needs status active', () => {
    expect(isConsentActive({ status: 'active', periodStart: null, periodEnd: null }, at)).toBe(true);
    for (const status of ['inactive', 'draft', 'proposed', 'rejected', 'entered-in-error']) {
      expect(isConsentActive({ status, periodStart: null, periodEnd: null }, at)).toBe(false);
    }
  });
  it('needs the instant inside the period (end exclusive)', () => {
    const period = { status: 'active', periodStart: new Date('2025-06-01T00:00:00Z'), periodEnd: new Date('2025-06-15T12:00:00Z') };
    expect(isConsentActive(period, new Date('2025-06-15T11:59:59Z'))).toBe(true);
    expect(isConsentActive(period, at)).toBe(false);
    expect(isConsentActive(period, new Date('2025-05-31T23:59:59Z'))).toBe(false);
  });
});
