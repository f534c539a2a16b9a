/**
 * The partner contract: derived from the supergraph by @tag(name: "partner"),
 * served at /partner/graphql. Unit tests of the derivation on small composed
 * supergraphs, then the endpoint on the whole hub: validation, introspection,
 * which tokens each endpoint accepts.
 */
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { parse, printSchema } from 'graphql';
import { Role } from '../shared/auth';
import { buildContractSupergraph, ContractError, refuseOnPartnerEndpoint } from '../gateway/partner-contract';
import { postGraphQL, startHub, type TestHub } from './support/hub';
import { actors, codeOf, FOOD_BANK, partnerQuery, partnerUrl, seedDirectory, type Actors } from './partner-fixtures';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@tag", "@inaccessible", "@shareable"])';
const P = '@tag(name: "partner")';

/** The API schema partners would see for these subgraphs, printed. */
function contractOf(...subgraphs: string[]): string {
  const composed = composeServices(subgraphs.map((sdl, i) => ({ name: `s${i}`, url: `http://s${i}`, typeDefs: parse(`${LINK}\n${sdl}`) })));
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return printSchema(Supergraph.build(buildContractSupergraph(composed.supergraphSdl)).apiSchema().toGraphQLJSSchema());
}

describe('deriving the contract', () => {
  it('keeps tagged fields only; a type tag does not expose fields another subgraph adds', () => {
    const api = contractOf(
      `type Query { patient(id: ID! ${P}): Patient ${P}  patients: [Patient] }
       type Patient @key(fields: "id") ${P} { id: ID! ${P} name: String ${P} birthDate: String }`,
      `type Patient @key(fields: "id") ${P} { id: ID! risk: Float conditions: [String] }`,
    );
    expect(api).toMatch(/type Patient \{\s+id: ID!\s+name: String\s+\}/);
    expect(api).not.toMatch(/birthDate|risk|conditions|patients/);
  });

  it('drops a field whose required argument is untagged, and hides untagged optional arguments', () => {
    const api = contractOf(`type Query { a(id: ID!): String ${P}  b(id: ID! ${P}, debug: Boolean): String ${P}  c: String ${P} }`);
    expect(api).toMatch(/type Query \{\s+b\(id: ID!\): String\s+c: String\s+\}/);
  });

  it('drops types with no tagged field, and the fields that return them', () => {
    const api = contractOf(`type Query { me: Org ${P} } type Org { id: ID! ${P} risk: Risk ${P} } type Risk { score: Int }`);
    expect(api).not.toMatch(/Risk/);
    expect(api).toMatch(/type Org \{\s+id: ID!\s+\}/);
  });

  it('hides what no included root field reaches, enums and scalars included', () => {
    const api = contractOf(`type Query { me: String ${P} other: Hidden } type Hidden { x: Secret ${P} k: Kind ${P} } scalar Secret enum Kind { A B }`);
    expect(api).not.toMatch(/Hidden|Secret|Kind/);
  });

  it('drops an argument whose input type has an untagged required field', () => {
    const api = contractOf(`type Query { x: Int ${P} }
      type Mutation { complete(outcome: Outcome! ${P}): Boolean ${P}  note(n: Note ${P}): Boolean ${P} }
      input Outcome { text: String! ${P} codes: [String!]! }
      input Note { text: String ${P} internal: String }`);
    expect(api).not.toMatch(/complete|Outcome|internal/);
    expect(api).toMatch(/input Note \{\s+text: String\s+\}/);
  });

  it('keeps what the supergraph already made @inaccessible hidden', () => {
    const api = contractOf(`type Query { a: String ${P} @inaccessible  b: String ${P} }`);
    expect(api).toMatch(/type Query \{\s+b: String\s+\}/);
  });

  it('refuses a contract without a Query field', () => {
    expect(() => contractOf(`type Query { a: String } type Mutation { m: Boolean ${P} }`)).toThrow(ContractError);
  });
});

describe('which tokens /partner/graphql accepts', () => {
  it('only partner staff of one organization', () => {
    expect(refuseOnPartnerEndpoint({ sub: 'p', roles: [Role.PARTNER_STAFF], org: 'o' })).toBeNull();
    expect(refuseOnPartnerEndpoint({ sub: 'n', roles: [Role.NURSE] })).toMatch(/only partner tokens/);
    expect(refuseOnPartnerEndpoint({ sub: 'a', roles: [Role.ADMIN] })).toMatch(/only partner tokens/);
    expect(refuseOnPartnerEndpoint({ sub: 'x', roles: [Role.PARTNER_STAFF, Role.NURSE], org: 'o' })).toMatch(/must not also carry/);
  });
});

describe('/partner/graphql on the hub', () => {
  let hub: TestHub;
  let who: Actors;
  beforeAll(async () => {
    hub = await startHub();
    await seedDirectory(hub);
    who = await actors(hub);
  });
  afterAll(async () => { await hub?.stop(); });

  it('serves the partner its own directory entry', async () => {
    const res = await partnerQuery(hub, `{ myOrganization { id name acceptingReferrals capacity contacts { name phone } } }`, {}, who.foodBank);
    expect(res.errors).toBeUndefined();
    expect(res.data!.myOrganization).toMatchObject({ id: FOOD_BANK.id, name: FOOD_BANK.name, acceptingReferrals: true, capacity: 40 });
  });

  it.each([
    ['the patient registry', `{ patients { totalCount } }`],
    ['the directory search (other organizations)', `{ partners(category: FOOD_INSECURITY) { name } }`],
    ['who requested a referral', `{ myReferrals { edges { node { id requestedBy } } } }`],
    ['clinical patient fields', `{ myReferrals { edges { node { patient { birthDate } } } } }`],
    ['the patient\'s other referrals', `{ myReferrals { edges { node { patient { referrals { totalCount } } } } } }`],
    ['care plans', `{ myReferrals { edges { node { patient { carePlans { title } } } } } }`],
    ['the social need record', `{ myReferrals { edges { node { socialNeed { id } } } } }`],
    ['requester mutations', `mutation { sendReferral(input: { id: "x" }) { id } }`],
    ['KPI targets', `{ kpiTargets { key } }`],
  ])('a query for %s fails validation against the contract', async (_what, query) => {
    const res = await partnerQuery(hub, query, {}, who.foodBank);
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.data).toBeUndefined();
  });

  it('introspection shows only the contract', async () => {
    const res = await partnerQuery(hub, `{ __schema {
      queryType { fields { name } } mutationType { fields { name } }
      types { name kind fields { name } inputFields { name } } } }`, {}, who.foodBank);
    expect(res.errors).toBeUndefined();
    const schema = res.data!.__schema;
    const types = new Map<string, { name: string; kind: string; fields: { name: string }[] | null }>(
      schema.types.filter((t: { name: string }) => !t.name.startsWith('__')).map((t: { name: string }) => [t.name, t]),
    );
    const fieldsOf = (name: string) => types.get(name)?.fields?.map((f) => f.name).sort();

    // referralPerformance: the metrics subgraph's closed-loop figures, for the partner's own organization only.
    expect(schema.queryType.fields.map((f: { name: string }) => f.name).sort()).toEqual(['myOrganization', 'myReferrals', 'referral', 'referralPerformance']);
    expect(schema.mutationType.fields.map((f: { name: string }) => f.name).sort()).toEqual(
      ['acceptReferral', 'cancelReferral', 'completeReferral', 'failReferral', 'holdReferral', 'rejectReferral', 'resumeReferral', 'startReferral'],
    );
    // Minimum necessary: of the patient, only what a community organization needs to serve them.
    const patientAllowed = ['id', 'givenName', 'familyName', 'preferredLanguage', 'interpreterNeeded', 'phone', 'postalCode'];
    expect(fieldsOf('Patient')!.filter((f) => !patientAllowed.includes(f))).toEqual([]);
    expect(fieldsOf('Referral')).not.toEqual(expect.arrayContaining(['requestedBy']));
    expect(fieldsOf('Referral')).toEqual(expect.arrayContaining(['id', 'patient', 'partner', 'category', 'note', 'status', 'priority', 'outcome', 'history']));
    expect(fieldsOf('CommunityPartner')).not.toContain('distance');
    expect(fieldsOf('ReferralStatusChange')).not.toContain('actor');

    const allowedTypes = [
      'Query', 'Mutation', 'Subscription', 'Patient', 'Referral', 'ReferralStatusChange', 'ReferralOutcome', 'ServiceCoding', 'CommunityPartner', 'PartnerContact',
      'ReferralOutcomeInput', 'ServiceCodingInput',
      // the partner mutations' inputs (issue 15)
      'AcceptReferralInput', 'CancelReferralInput', 'CompleteReferralInput', 'FailReferralInput', 'HoldReferralInput', 'RejectReferralInput', 'ResumeReferralInput', 'StartReferralInput',
      'ReferralStatus', 'ReferralPriority', 'ReferralActorSide', 'SocialNeedCategory', 'DateTimeISO',
      'ReferralStatusChangeEvent', // the live subgraph's partner subscriptions
      'ReferralConnection', 'ReferralEdge', 'ReferralStatusChangeConnection', 'ReferralStatusChangeEdge', 'PageInfo', // myReferrals and Referral.history pages
      'ReferralPerformance', 'PartnerReferralPerformance', 'KpiFigure', 'KpiFilter', // metrics: the organization's own referral figures
      'ID', 'String', 'Boolean', 'Int', 'Float',
    ];
    expect([...types.keys()].filter((t) => !allowedTypes.includes(t))).toEqual([]);
  });

  it('refuses partner tokens on /graphql and clinical tokens on /partner/graphql', async () => {
    const onClinical = await postGraphQL(hub.gatewayUrl, `{ myOrganization { id } }`, {}, who.foodBank);
    expect(onClinical.status).toBe(403);
    expect(codeOf(onClinical)).toBe('FORBIDDEN');
    expect(onClinical.errors![0].message).toMatch(/partner\/graphql/);
    for (const token of [who.socialWorker, await hub.token({ roles: [Role.ADMIN] })]) {
      const res = await postGraphQL(partnerUrl(hub), `{ myOrganization { id } }`, {}, token);
      expect(res.status).toBe(403);
      expect(codeOf(res)).toBe('FORBIDDEN');
      expect(res.errors![0].message).toMatch(/partner/);
    }
    // A token mixing partner staff with a clinical role is not a valid token at all (shared/auth.ts), on either endpoint.
    const mixed = await hub.token({ roles: [Role.PARTNER_STAFF, Role.NURSE], org: FOOD_BANK.id });
    for (const url of [partnerUrl(hub), hub.gatewayUrl]) {
      const res = await postGraphQL(url, `{ myOrganization { id } }`, {}, mixed);
      expect(res.status).toBe(401);
      expect(codeOf(res)).toBe('UNAUTHENTICATED');
    }
  });

  it('requires a valid token', async () => {
    const none = await postGraphQL(partnerUrl(hub), `{ myOrganization { id } }`, {}, null);
    expect(none.status).toBe(401);
    expect(codeOf(none)).toBe('UNAUTHENTICATED');
  });
});
