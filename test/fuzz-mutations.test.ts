/**
 * Bad input answers cleanly (issue 11): every mutation of every subgraph, read from
 * the gateway's own schema so a new mutation is covered without editing this file,
 * gets malformed values in each argument and input field — NUL, lone surrogates,
 * strings past their maximum, wrong types, impossible dates (0000-01-01, Feb 30),
 * invalid DateTimes, 2^53 / 1e309 / NaN numbers, unknown enum values, a required
 * field left out — through the gateway. None may answer INTERNAL_SERVER_ERROR, and
 * a refused write leaves every table of every subgraph schema and the event log
 * exactly as it was (no half-writes).
 */
import crypto from 'node:crypto';
import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  isLeafType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLInputType,
} from 'graphql';
import { Client } from 'pg';
import { Role } from '../shared/auth';
import { assertCleanArguments, maxLengthOf } from '../shared/input-validation';
import { FOOD_BANK, seedDirectory } from './partner-fixtures';
import { startHub, type TestHub } from './support/hub';

let hub: TestHub;
let db: Client;
let adminToken: string;
const ids: Record<string, string> = {};

/** The tables a refused write must not touch. */
const SCHEMAS = ['patients', 'care_teams', 'community_partners', 'metrics'];
let countSql = '';

beforeAll(async () => {
  hub = await startHub();
  await seedDirectory(hub);
  adminToken = await hub.token({ sub: 'test-admin', roles: [Role.ADMIN] });
  db = new Client({ connectionString: hub.databaseUrl });
  await db.connect();
  const { rows } = await db.query<{ s: string; t: string }>(
    `SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND (table_schema = ANY($1) OR (table_schema = 'hub_events' AND table_name = 'event_log')) ORDER BY 1, 2`,
    [SCHEMAS],
  );
  countSql = `SELECT ${rows.map((r) => `(SELECT count(*) FROM "${r.s}"."${r.t}") AS "${r.s}.${r.t}"`).join(', ')}`;

  // Real entities to point ids at, so malformed values reach the domain code, not only "not found".
  const patient = await hub.query(`mutation($i: RegisterPatientInput!) { registerPatient(input: $i) { id } }`, {
    i: { mrn: 'FUZZ-1', givenName: 'Ada', familyName: 'Fuzz', birthDate: '1950-03-01', administrativeSex: 'FEMALE', postalCode: '02139' },
  });
  ids.patientId = patient.data!.registerPatient.id;
  const team = await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
    i: { patientId: ids.patientId, name: 'Fuzz team', members: [{ practitionerId: 'fuzz-coord', role: 'CARE_COORDINATOR' }] },
  });
  ids.careTeamId = team.data!.formCareTeam.id;
  const plan = await hub.query(`mutation($i: CreateCarePlanInput!) { createCarePlan(input: $i) { id } }`, { i: { careTeamId: ids.careTeamId, title: 'Fuzz plan' } });
  ids.carePlanId = plan.data!.createCarePlan.id;
  ids.partnerId = FOOD_BANK.id;
  ids.partnerOrgId = FOOD_BANK.id;
  ids.practitionerId = 'fuzz-coord';
  await hub.settle();
}, 120_000);
afterAll(async () => {
  await db?.end();
  await hub?.stop();
});

async function rowCounts(): Promise<Record<string, string>> {
  await hub.settle(); // background consumers of earlier accepted writes first
  return (await db.query(countSql)).rows[0];
}

/** A value that would be accepted for the type (as far as types go). */
function plausible(type: GraphQLInputType, name: string): unknown {
  const t = getNullableType(type);
  if (isListType(t)) return [plausible(t.ofType, name)];
  if (isInputObjectType(t)) return Object.fromEntries(Object.values(t.getFields()).map((f) => [f.name, plausible(f.type, f.name)]));
  if (isEnumType(t)) return t.getValues()[0].value;
  switch (t.name) {
    case 'Int': return /version/i.test(name) ? 1 : 2;
    case 'Float': return 1.5;
    case 'Boolean': return true;
    case 'ID': return ids[name] ?? ids[name.replace(/s$/, '')] ?? crypto.randomUUID();
    case 'String':
      if (/month/i.test(name)) return '2026-11';
      if (/date|Date|On$/.test(name)) return '2026-11-02';
      if (/postal/i.test(name)) return '02139';
      if (/language/i.test(name)) return 'en';
      return 'fuzz';
    case 'Date': return '2026-11-02'; // calendar dates (shared/date-scalar.ts)
    default: return new Date().toISOString(); // DateTimeISO and other custom scalars here are date-times
  }
}

const RAW = '\u0001raw:'; // a marker replaced by a raw JSON number after JSON.stringify (1e309 is not JSON.stringify-able)
const raw = (n: string) => `${RAW}${n}`;

/** The malformed values for one leaf, by kind. */
function malformed(type: GraphQLInputType, name: string): [string, unknown][] {
  const t = getNullableType(type);
  if (isListType(t)) return [['list: wrong type', { not: 'a list' }], ['list: null item', [null]], ...malformed(t.ofType, name).slice(0, 3).map(([k, v]) => [`list item ${k}`, [v]] as [string, unknown])];
  if (isInputObjectType(t)) return [['object: a string instead', 'x']];
  if (isEnumType(t)) return [['enum: unknown value', 'NOT_A_VALUE'], ['enum: lower case', String(t.getValues()[0].value).toLowerCase()]];
  if (!isScalarType(t)) return [];
  switch (t.name) {
    case 'Int': return [['int: 2^53', raw('9007199254740992')], ['int: 1e309', raw('1e309')], ['int: negative', -1], ['int: NaN string', 'NaN'], ['int: fraction', 1.5]];
    case 'Float': return [['float: 1e309', raw('1e309')], ['float: -1e309', raw('-1e309')], ['float: NaN string', 'NaN'], ['float: 2^53', raw('9007199254740993')]];
    case 'Boolean': return [['boolean: a string', 'yes']];
    case 'ID':
    case 'String':
      return [
        ['string: NUL byte', 'a\u0000b'],
        ['string: lone surrogate', 'a\ud800b'],
        ['string: lone low surrogate', '\udc00'],
        ['string: 10,001 characters', 'x'.repeat(10_001)],
        ['string: wrong type', 42],
        ['string: empty', ''],
        ['date: year 0000', '0000-01-01'],
        ['date: Feb 30', '2021-02-30'],
        ['date: garbage', '2021-13-45T99:99'],
      ];
    case 'Date': // refused by the scalar itself, before any resolver
      return [['date: year 0000', '0000-01-01'], ['date: Feb 30', '2021-02-30'], ['date: garbage', '2021-13-45T99:99'], ['date: a date-time', '2021-03-01T10:00:00Z'], ['date: empty', ''], ['date: number', 20210301]];
    default:
      return [['datetime: invalid', 'not-a-date'], ['datetime: Feb 30', '2021-02-30T10:00:00Z'], ['datetime: year 0000', '0000-01-01T00:00:00Z'], ['datetime: empty', ''], ['datetime: number', raw('1e309')]];
  }
}

interface Case { mutation: string; path: string; kind: string; variables: Record<string, unknown> }

/** Every case of one mutation: each argument and (nested) input field gets each malformed kind, and goes missing. */
function casesOf(field: GraphQLField<unknown, unknown>): Case[] {
  const base = Object.fromEntries(field.args.map((a) => [a.name, plausible(a.type, a.name)]));
  const out: Case[] = [];
  const walk = (holder: Record<string, unknown>, def: GraphQLArgument | GraphQLInputField, path: string, root: Record<string, unknown>) => {
    const set = (v: unknown, kind: string) => {
      const copy = structuredClone(root);
      const target = path.split('.').slice(0, -1).reduce<Record<string, unknown>>((o, k) => (Array.isArray(o[k]) ? (o[k] as Record<string, unknown>[])[0] : o[k]) as Record<string, unknown>, copy);
      if (v === undefined) delete target[def.name];
      else target[def.name] = v;
      out.push({ mutation: field.name, path, kind, variables: copy });
    };
    for (const [kind, v] of malformed(def.type, def.name)) set(v, kind);
    if (isNonNullType(def.type)) set(undefined, 'missing required');
    const inner = getNamedType(def.type);
    if (isInputObjectType(inner) && path.split('.').length < 6) {
      const value = holder[def.name];
      const obj = (Array.isArray(value) ? value[0] : value) as Record<string, unknown>;
      for (const f of Object.values(inner.getFields())) walk(obj, f, `${path}.${f.name}`, root);
    }
  };
  for (const a of field.args) walk(base, a, a.name, base);
  return out;
}

function operationOf(field: GraphQLField<unknown, unknown>): string {
  const vars = field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = isLeafType(getNamedType(field.type)) ? '' : ' { __typename }';
  return `mutation${vars ? `(${vars})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`;
}

async function send(query: string, variables: Record<string, unknown>) {
  const body = JSON.stringify({ query, variables }).replace(new RegExp(`"${RAW}([^"]+)"`, 'g'), '$1');
  const res = await fetch(hub.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` }, body });
  const text = await res.text();
  try {
    return { status: res.status, ...(JSON.parse(text) as { data?: Record<string, unknown> | null; errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[] }) };
  } catch {
    return { status: res.status, errors: [{ message: `not JSON: ${text.slice(0, 200)}`, extensions: { code: 'NOT_JSON' } }] };
  }
}

it('every mutation answers malformed input without INTERNAL_SERVER_ERROR and without half-writes', async () => {
  const schema = hub.gateway.gateway.schema!;
  const mutations = Object.values(schema.getMutationType()!.getFields());
  expect(mutations.length).toBeGreaterThan(30);
  const cases = mutations.flatMap((m) => casesOf(m).map((c) => ({ ...c, query: operationOf(m) })));
  expect(cases.length).toBeGreaterThanOrEqual(500);

  const internal: string[] = [];
  const halfWrites: string[] = [];
  const unnamed: string[] = [];
  let refused = 0;
  for (const c of cases) {
    const before = await rowCounts();
    const res = await send(c.query, c.variables);
    const label = `${c.mutation} ${c.path} <${c.kind}>`;
    for (const e of res.errors ?? []) {
      const code = e.extensions?.code;
      if (code === 'INTERNAL_SERVER_ERROR' || code === 'NOT_JSON' || code === undefined || res.status >= 500) internal.push(`${label}: ${res.status} ${code} ${e.message}`);
      // A refusal of the input names what was wrong: a field (the input layer, the domain) or the variable (GraphQL coercion).
      if (code === 'BAD_USER_INPUT' && !e.extensions?.field && !/\$\w+|Variable|argument|field/i.test(e.message)) unnamed.push(`${label}: ${e.message}`);
    }
    // The shared input layer (shared/input-validation.ts) refuses these before any resolver runs, naming the field.
    if (/NUL byte|surrogate|10,001/.test(c.kind) && !/wrong type/.test(c.kind)) {
      const named = res.errors?.some((e) => e.extensions?.code === 'BAD_USER_INPUT' && String(e.extensions?.field ?? '').replace(/\[\d+\]/g, '') === c.path);
      if (!named) unnamed.push(`${label}: expected BAD_USER_INPUT with field ${c.path}, got ${JSON.stringify(res.errors?.map((e) => [e.extensions?.code, e.extensions?.field, e.message]))}`);
    }
    const wrote = res.data?.[c.mutation] !== undefined && res.data?.[c.mutation] !== null;
    if (!wrote) {
      refused += 1;
      const after = await rowCounts();
      const changed = Object.keys(before).filter((k) => before[k] !== after[k]);
      if (changed.length) halfWrites.push(`${label}: ${changed.map((k) => `${k} ${before[k]}→${after[k]}`).join(', ')}`);
    }
  }
  // eslint-disable-next-line no-console
  console.log(`fuzz: ${cases.length} malformed inputs across ${mutations.length} mutations, ${refused} refused`);
  expect({ internal, halfWrites, unnamed }).toEqual({ internal: [], halfWrites: [], unnamed: [] });
}, 900_000);

describe('the shared input layer', () => {
  const refusal = (args: unknown) => {
    try {
      assertCleanArguments(args);
      return null;
    } catch (e) {
      return { code: (e as { extensions: { code: string } }).extensions.code, field: (e as { extensions: { field?: string } }).extensions.field };
    }
  };
  it('refuses NUL, lone surrogates and over-long strings anywhere in the arguments, naming the path', () => {
    expect(refusal({ input: { note: 'a\u0000' } })).toEqual({ code: 'BAD_USER_INPUT', field: 'input.note' });
    expect(refusal({ input: { members: [{ practitionerId: 'ok' }, { practitionerId: '\ud800' }] } })).toEqual({ code: 'BAD_USER_INPUT', field: 'input.members[1].practitionerId' });
    expect(refusal({ reason: '\udc00x' })).toEqual({ code: 'BAD_USER_INPUT', field: 'reason' });
    expect(refusal({ input: { familyName: 'x'.repeat(201) } })).toEqual({ code: 'BAD_USER_INPUT', field: 'input.familyName' });
    expect(refusal({ input: { note: 'x'.repeat(10_001) } })).toEqual({ code: 'BAD_USER_INPUT', field: 'input.note' });
  });
  it('accepts what is well formed: surrogate pairs (emoji), text up to its maximum, non-strings', () => {
    expect(refusal({ input: { note: 'Prefers calls 📞 in Spanish', familyName: 'x'.repeat(200), count: 3, at: new Date(), tags: ['a', null] } })).toBeNull();
    expect(refusal({ note: 'x'.repeat(10_000) })).toBeNull();
  });
  it('documents its maxima by naming rule', () => {
    expect([maxLengthOf('patientId'), maxLengthOf('mrn'), maxLengthOf('postalCode'), maxLengthOf('familyName'), maxLengthOf('phone'), maxLengthOf('note')]).toEqual([128, 128, 64, 200, 254, 10_000]);
  });
});
