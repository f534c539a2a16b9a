import { HubError } from '../../../shared/errors';
import { PartnerCandidate, rankPartners, UNKNOWN_DISTANCE } from './partner-matching';

function partner(id: string, over: Partial<PartnerCandidate> = {}): PartnerCandidate {
  return {
    id,
    categories: ['food'],
    serviceArea: [],
    languages: ['en'],
    acceptingReferrals: true,
    capacity: null,
    ...over,
  };
}

const ids = (r: { partner: PartnerCandidate }[]) => r.map((x) => x.partner.id);

describe('rankPartners', () => {
  const partners = [
    partner('far', { serviceArea: ['10100'], capacity: 50 }),
    partner('in-area', { serviceArea: ['10001', '10002'], capacity: 1 }),
    partner('near', { serviceArea: ['10010', '20000'] }),
    partner('nowhere', { serviceArea: [], capacity: 999 }),
    partner('housing', { categories: ['housing'], serviceArea: ['10001'] }),
  ];

  it('orders nearest service area first with the ZIP distance proxy, no area last', () => {
    const r = rankPartners(partners, { category: 'food', postalCode: '10002' });
    expect(ids(r)).toEqual(['in-area', 'near', 'far', 'nowhere']);
    expect(r.map((x) => x.distance)).toEqual([0, 8, 98, UNKNOWN_DISTANCE]);
  });

  it('uses the 5-digit part of a ZIP+4', () => {
    const r = rankPartners(partners, { category: 'food', postalCode: '10012-1234' });
    expect(r[0]).toMatchObject({ partner: { id: 'near' }, distance: 2 });
  });

  it('filters by category case-insensitively', () => {
    expect(ids(rankPartners(partners, { category: 'HOUSING' }))).toEqual(['housing']);
    expect(rankPartners(partners, { category: 'legal' })).toEqual([]);
  });

  it('breaks distance ties by capacity (desc, unstated last) then id', () => {
    const tied = [
      partner('b', { serviceArea: ['30301'], capacity: 5 }),
      partner('a', { serviceArea: ['30301'], capacity: 5 }),
      partner('big', { serviceArea: ['30301'], capacity: 20 }),
      partner('unknown', { serviceArea: ['30301'], capacity: null }),
      partner('zero', { serviceArea: ['30301'], capacity: 0 }),
    ];
    expect(ids(rankPartners(tied, { postalCode: '30301' }))).toEqual(['big', 'a', 'b', 'zero', 'unknown']);
  });

  it('without a postal code, partners with a service area tie at 0 and those without come last', () => {
    const r = rankPartners(partners, { category: 'food' });
    expect(ids(r)).toEqual(['far', 'in-area', 'near', 'nowhere']);
    expect(r.map((x) => x.distance)).toEqual([0, 0, 0, UNKNOWN_DISTANCE]);
  });

  it('matches languages case-insensitively on the ISO primary subtag', () => {
    const list = [
      partner('en', { languages: ['en'] }),
      partner('es', { languages: ['ES'] }),
      partner('es-mx', { languages: ['en', 'es-MX'] }),
    ];
    expect(ids(rankPartners(list, { language: 'es' }))).toEqual(['es', 'es-mx']);
    expect(ids(rankPartners(list, { language: 'Es' }))).toEqual(['es', 'es-mx']);
    expect(ids(rankPartners(list, { language: 'vi' }))).toEqual([]);
  });

  it('acceptingOnly drops partners that are not accepting referrals', () => {
    const list = [partner('open'), partner('closed', { acceptingReferrals: false, capacity: 100 })];
    expect(ids(rankPartners(list, { acceptingOnly: true }))).toEqual(['open']);
    expect(ids(rankPartners(list, {}))).toEqual(['closed', 'open']);
  });

  it('rejects a postal code that is not a US ZIP', () => {
    expect(() => rankPartners(partners, { postalCode: 'K1A 0B1' })).toThrow(HubError);
    let caught: unknown;
    try {
      rankPartners(partners, { postalCode: '1234' });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(HubError);
    expect((caught as HubError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'postalCode' });
  });

  it('does not mutate the input', () => {
    const copy = partners.map((p) => p.id);
    rankPartners(partners, { postalCode: '10002' });
    expect(partners.map((p) => p.id)).toEqual(copy);
  });
});
