/**
 * Only the gateway reaches the subgraphs (issue 11): a user's own token sent straight
 * to a subgraph — clinical or partner, `_entities` and `_service` included — is
 * refused; the gateway's internal token works; a partner-marked request is held to
 * the partner contract at the subgraph itself. And the token rules of shared/auth.ts,
 * through both gateway endpoints: exp required, a maximum lifetime, no iat/nbf in the
 * future beyond the skew, partner staff never mixed with another role.
 */
import { SignJWT } from 'jose';
import { Role } from '../shared/auth';
import { SUBGRAPH_NAMES } from '../shared/config';
import { FOOD_BANK, partnerUrl, seedDirectory } from './partner-fixtures';
import { internalTokenFor, postGraphQL, startHub, type TestHub } from './support/hub';

let hub: TestHub;
beforeAll(async () => {
  hub = await startHub();
  await seedDirectory(hub);
});
afterAll(async () => { await hub?.stop(); });

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { __typename } }`;
const representation = { __typename: 'Patient', id: '00000000-0000-4000-8000-000000000000' };

describe('direct subgraph calls', () => {
  const userTokens = async () => ({
    clinical: await hub.token({ sub: 'demo-nurse', roles: [Role.NURSE] }),
    admin: await hub.token({ sub: 'test-admin', roles: [Role.ADMIN] }),
    partner: await hub.token({ sub: 'fb-staff', roles: [Role.PARTNER_STAFF], org: FOOD_BANK.id }),
  });

  it.each(SUBGRAPH_NAMES)('%s refuses a user token (clinical, admin or partner) for _service, _entities and a root field', async (name) => {
    const url = hub.subgraphs[name].url;
    for (const [who, token] of Object.entries(await userTokens())) {
      for (const [query, variables] of [['{ _service { sdl } }', {}], [ENTITIES, { r: [representation] }], ['{ __typename }', {}]] as const) {
        const res = await postGraphQL(url, query, variables, token);
        expect({ who, query, code: res.errors?.[0]?.extensions?.code, data: res.data ?? null }).toEqual({ who, query, code: 'UNAUTHENTICATED', data: null });
        expect(res.status).toBe(401);
      }
    }
  });

  it.each(SUBGRAPH_NAMES)('%s refuses no token and a token signed with the user key', async (name) => {
    const url = hub.subgraphs[name].url;
    expect((await postGraphQL(url, '{ _service { sdl } }', {}, null)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    // A token that imitates the gateway's claims but is signed with the users' secret.
    const forged = await new SignJWT({ roles: ['admin'], endpoint: 'clinical', channel: 'http' })
      .setProtectedHeader({ alg: 'HS256', typ: 'hub-caller+jwt' }).setIssuer('care-team-hub:gateway').setAudience('care-team-hub:subgraphs')
      .setSubject('intruder').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(process.env.JWT_SECRET!));
    expect((await postGraphQL(url, '{ _service { sdl } }', {}, forged)).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it.each(SUBGRAPH_NAMES)('%s answers the gateway\'s internal token (_service and _entities)', async (name) => {
    const token = await internalTokenFor({ sub: 'test-admin', roles: [Role.ADMIN] });
    const sdl = await postGraphQL<{ _service: { sdl: string } }>(hub.subgraphs[name].url, '{ _service { sdl } }', {}, token);
    expect(sdl.errors).toBeUndefined();
    expect(sdl.data!._service.sdl).toContain('@key');
    const entities = await postGraphQL(hub.subgraphs[name].url, ENTITIES, { r: [representation] }, token);
    expect(entities.errors?.find((e) => e.extensions?.code === 'UNAUTHENTICATED')).toBeUndefined();
  });

  it('a gateway request works end to end (the gateway signs for the caller)', async () => {
    const res = await hub.query('{ kpiTargets { key } }', {}, await hub.token({ roles: [Role.NURSE] }));
    expect(res.errors).toBeUndefined();
  });

  it('a partner-marked request for an untagged field is refused at the subgraph', async () => {
    const partner = await internalTokenFor({ sub: 'fb-staff', roles: [Role.PARTNER_STAFF], org: FOOD_BANK.id }, 'partner');
    const untagged = await postGraphQL(hub.subgraphs.patients.url, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { mrn birthDate } } }`, { r: [representation] }, partner);
    expect(untagged.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PARTNER_CONTRACT_ONLY', field: 'Patient.mrn' });
    expect(untagged.data ?? null).toBeNull();
    const root = await postGraphQL(hub.subgraphs.patients.url, '{ patients(first: 1) { totalCount } }', {}, partner);
    expect(root.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'PARTNER_CONTRACT_ONLY' });
    // The same caller on a tagged field is served.
    const tagged = await postGraphQL(hub.subgraphs['community-partners'].url, '{ myOrganization { name } }', {}, partner);
    expect(tagged.errors).toBeUndefined();
  });
});

describe('token rules, through both gateway endpoints', () => {
  const secret = () => new TextEncoder().encode(process.env.JWT_SECRET!);
  const now = () => Math.floor(Date.now() / 1000);
  const endpoints = () => ({
    clinical: { url: hub.gatewayUrl, query: '{ kpiTargets { key } }', claims: { roles: ['nurse'] } },
    partner: { url: partnerUrl(hub), query: '{ myOrganization { name } }', claims: { roles: ['partner_staff'], org: FOOD_BANK.id } },
  });
  const mint = (claims: Record<string, unknown>, set: (j: SignJWT) => SignJWT) =>
    set(new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('rules-user')).sign(secret());

  const cases: [string, (j: SignJWT) => SignJWT, RegExp | null][] = [
    ['a valid token is accepted', (j) => j.setIssuedAt().setExpirationTime('1h'), null],
    ['exp is required', (j) => j.setIssuedAt(), /exp is required/],
    ['a lifetime over JWT_MAX_LIFETIME_HOURS (12 h) is refused', (j) => j.setIssuedAt().setExpirationTime('13h'), /longer than the 12 h/],
    ['without iat, exp more than 12 h from now is refused', (j) => j.setExpirationTime('13h'), /longer than the 12 h/],
    ['iat in the future beyond the skew is refused', (j) => j.setIssuedAt(now() + 600).setExpirationTime(now() + 3600), /issued in the future/],
    ['nbf in the future beyond the skew is refused', (j) => j.setIssuedAt().setNotBefore(now() + 600).setExpirationTime('1h'), /not valid yet|nbf/],
    ['iat within the skew is accepted', (j) => j.setIssuedAt(now() + 30).setExpirationTime('1h'), null],
  ];

  for (const endpoint of ['clinical', 'partner'] as const) {
    it.each(cases)(`${endpoint}: %s`, async (_name, set, refusal) => {
      const e = endpoints()[endpoint];
      const res = await postGraphQL(e.url, e.query, {}, await mint(e.claims, set));
      if (!refusal) {
        expect(res.errors).toBeUndefined();
        return;
      }
      expect(res.status).toBe(401);
      expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.errors?.[0].message).toMatch(refusal);
    });
  }

  it.each([['nurse'], ['admin'], ['analyst'], ['care_coordinator']])('partner_staff mixed with %s is refused at /graphql and /partner/graphql', async (other) => {
    const token = await mint({ roles: ['partner_staff', other], org: FOOD_BANK.id }, (j) => j.setIssuedAt().setExpirationTime('1h'));
    for (const e of Object.values(endpoints())) {
      const res = await postGraphQL(e.url, e.query, {}, token);
      expect(res.status).toBe(401);
      expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(res.errors?.[0].message).toMatch(/partner token may carry no other role/);
    }
  });
});
