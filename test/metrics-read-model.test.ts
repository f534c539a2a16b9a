/**
 * The metrics read model on hand-built events (the payloads of docs/events.md),
 * recorded through the outbox and applied by the running consumer; figures read
 * over HTTP from the metrics subgraph: each KPI's rules, suppression, access,
 * batching, freshness and replay determinism.
 */
import crypto from 'node:crypto';
import { Role } from '../shared/auth';
import { QueryCounter } from '../shared/database';
import { PgNotifyTransport, recordEvent, type Consumer } from '../shared/events';
import { logger } from '../shared/logger';
import { startSubgraph, type RunningSubgraph } from '../shared/subgraph';
import { rebuildReadModel, startReadModelConsumer } from '../subgraphs/metrics/data/read-model';
import { metricsSubgraph } from '../subgraphs/metrics/main';
import { createTestDatabase, internalTokenFor, postGraphQL } from './support/hub';

let db: { url: string; drop(): Promise<void> };
let metrics: RunningSubgraph;
let consumer: Consumer;
const counter = new QueryCounter();
const tokens: Record<string, string> = {};

beforeAll(async () => {
  process.env.MIN_COHORT_SIZE = '1'; // rule tests count small hand-built cohorts; suppression is tested on its own
  process.env.EVENT_POLL_MS = '600000'; // NOTIFY wakes the consumer; no background polls while statements are counted
  db = await createTestDatabase();
  metrics = await startSubgraph(metricsSubgraph, { databaseUrl: db.url, port: 0, counter });
  // The read model is the subgraph's own consumer, after the shared care-relationship one (shared/subgraph.ts).
  consumer = metrics.workers[metrics.workers.length - 1] as Consumer;
  // Subgraphs answer only the gateway: these calls carry the caller as the gateway signs it.
  tokens.admin = await internalTokenFor({ sub: 'admin-1', roles: [Role.ADMIN] });
  tokens.analyst = await internalTokenFor({ sub: 'analyst-1', roles: [Role.ANALYST] });
  tokens.nurse = await internalTokenFor({ sub: 'nurse-1', roles: [Role.NURSE] });
  tokens.otherNurse = await internalTokenFor({ sub: 'nurse-2', roles: [Role.NURSE] });
  tokens.partnerA = await internalTokenFor({ sub: 'partner-a-user', roles: [Role.PARTNER_STAFF], org: PARTNER_A }, 'partner');
});
afterAll(async () => {
  delete process.env.MIN_COHORT_SIZE;
  delete process.env.EVENT_POLL_MS;
  await consumer?.stop();
  await metrics?.stop();
  await db?.drop();
});

const PARTNER_A = crypto.randomUUID();
const PARTNER_B = crypto.randomUUID();
const id = () => crypto.randomUUID();

/** Records one event as its source subgraph would; `at` back-dates the envelope (the referral status time). */
async function emit(source: string, type: string, patientId: string | null, payload: Record<string, unknown>, at?: string): Promise<string> {
  return metrics.ds.transaction(async (m) => {
    const position = await recordEvent(m, source, { type, aggregateType: type, aggregateId: String(payload.encounterId ?? payload.referralId ?? payload.careTeamId ?? patientId), patientId, actor: 'test', payload });
    if (at) await m.query('UPDATE hub_events.event_log SET occurred_at = $2 WHERE id = $1', [position, at]);
    return position;
  });
}

const admit = (patientId: string, encounterId: string, admittedAt: string, over: Record<string, unknown> = {}) =>
  emit('patients', 'PatientAdmitted', patientId, { encounterId, kind: 'INPATIENT', admittedAt, acuity: 'EMERGENT', planned: false, facility: 'Mercy', principalDiagnosis: 'I50.9', ...over });

async function stay(patientId: string, admittedAt: string, dischargedAt: string, over: Record<string, unknown> = {}): Promise<string> {
  const encounterId = id();
  await admit(patientId, encounterId, admittedAt, over);
  await emit('patients', 'PatientDischarged', patientId, {
    encounterId, kind: 'INPATIENT', admittedAt, dischargedAt, disposition: 'HOME', acuity: 'EMERGENT', planned: false, principalDiagnosis: 'I50.9',
    cost: 12000, lace: { score: 11, tier: 'HIGH', l: 4, a: 3, c: 2, e: 2 }, ...over,
  });
  return encounterId;
}

const visit = (patientId: string, kind: string, startedAt: string, cost = 200) =>
  emit('patients', 'EncounterRecorded', patientId, { encounterId: id(), kind, startedAt, endedAt: startedAt, cost });

const summary = (patientId: string, over: Record<string, unknown>, at?: string) =>
  emit('patients', 'PatientSummaryChanged', patientId, {
    riskTier: null, laceScore: null, chronicConditionCount: 2, charlsonCategories: [], ccmConsentActive: false, activePartnerConsents: [], ...over,
  }, at);

async function formTeam(patientId: string, members: { practitionerId: string; role: string }[], at?: string): Promise<string> {
  const careTeamId = id();
  await emit('care-teams', 'CareTeamFormed', patientId, { careTeamId, members: members.map((x) => ({ ...x, membershipId: id() })) }, at);
  return careTeamId;
}

const plan = (patientId: string, carePlanId: string, version: number, changeKind: string, status: string, at?: string) =>
  emit('care-teams', 'CarePlanChanged', patientId, { carePlanId, careTeamId: null, version, changeKind, changedFields: ['status'], status }, at);

async function gql(query: string, variables: Record<string, unknown> = {}, token = tokens.analyst) {
  await consumer.caughtUp();
  return postGraphQL<Record<string, any>>(metrics.url, query, variables, token);
}

const FIGURE = 'key numerator denominator value target comparator targetMet suppressed suppressionReason month';
const KPI = `query($key: KpiKey!, $filter: KpiFilter) { kpi(key: $key, filter: $filter) { ${FIGURE} } }`;
async function kpi(key: string, from: string, to: string, token = tokens.analyst, extra: Record<string, unknown> = {}) {
  const res = await gql(KPI, { key, filter: { from, to, ...extra } }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.kpi;
}

describe('30-day readmissions (HEDIS PCR, observed)', () => {
  const MARCH = ['2025-03-01T00:00:00Z', '2025-04-01T00:00:00Z'] as const;
  const p = { A: id(), B: id(), C: id(), D: id(), E: id(), F: id(), G: id(), H: id() };

  beforeAll(async () => {
    await stay(p.A, '2025-03-02T10:00:00Z', '2025-03-05T23:00:00Z');
    await stay(p.A, '2025-04-04T00:30:00Z', '2025-04-08T12:00:00Z'); // calendar day 30 after discharge: a readmission
    await stay(p.B, '2025-03-02T10:00:00Z', '2025-03-05T01:00:00Z');
    await stay(p.B, '2025-04-05T00:10:00Z', '2025-04-09T12:00:00Z'); // day 31: not one (though under 31 × 24 h)
    await stay(p.C, '2025-03-03T10:00:00Z', '2025-03-06T10:00:00Z', { disposition: 'EXPIRED' }); // died: excluded
    await stay(p.D, '2025-03-07T08:00:00Z', '2025-03-07T20:00:00Z'); // same-day: excluded
    await stay(p.E, '2025-03-10T08:00:00Z', '2025-03-12T09:00:00Z', { disposition: 'TRANSFERRED' }); // direct transfer…
    await stay(p.E, '2025-03-12T11:00:00Z', '2025-03-15T10:00:00Z'); // …merged into one index stay
    await stay(p.E, '2025-03-20T09:00:00Z', '2025-03-22T10:00:00Z', { planned: true, acuity: 'ELECTIVE' }); // planned: not a readmission
    await stay(p.F, '2025-03-18T09:00:00Z', '2025-03-20T10:00:00Z', { kind: 'OBSERVATION' }); // observation index stay…
    await stay(p.F, '2025-03-25T09:00:00Z', '2025-03-26T10:00:00Z', { kind: 'OBSERVATION' }); // …observation-only return: a readmission (HEDIS PCR MY2020+)
    await stay(p.G, '2025-03-08T09:00:00Z', '2025-03-10T10:00:00Z', { principalDiagnosis: 'O80' }); // pregnancy: excluded
    await stay(p.H, '2025-03-25T09:00:00Z', '2025-03-28T10:00:00Z');
    await admit(p.H, id(), '2025-04-10T09:00:00Z'); // still in hospital: already a readmission
  });

  it('counts index stays and readmissions as the rules say', async () => {
    // Index stays in March: A, B, E (merged), E's planned stay, F, F's return, H — C, D and G are excluded.
    // Readmitted: A (day 30), F (its observation return counts since HEDIS MY2020), H (admitted again).
    expect(await kpi('READMISSION_30_DAY', ...MARCH)).toMatchObject({
      key: 'READMISSION_30_DAY', numerator: 3, denominator: 7, target: 0.15, comparator: 'LESS_THAN', targetMet: false, suppressed: false,
    });
  });

  it('a readmission in April counts for the March index stay; April has its own index stays', async () => {
    // April discharges: A's and B's second stays; H's admission is still in progress.
    expect(await kpi('READMISSION_30_DAY', '2025-04-01T00:00:00Z', '2025-05-01T00:00:00Z')).toMatchObject({ numerator: 0, denominator: 2 });
  });

  it('a replayed or duplicated event changes nothing', async () => {
    const before = await kpi('READMISSION_30_DAY', ...MARCH);
    const encounterId = (await metrics.ds.query(`SELECT encounter_id FROM metrics.stay WHERE patient_id = $1 ORDER BY admitted_at LIMIT 1`, [p.A]))[0].encounter_id;
    await emit('patients', 'PatientDischarged', p.A, { encounterId, kind: 'INPATIENT', admittedAt: '2025-03-02T10:00:00Z', dischargedAt: '2025-03-05T23:00:00Z', disposition: 'HOME', planned: false, cost: 12000 });
    expect(await kpi('READMISSION_30_DAY', ...MARCH)).toEqual(before);
  });

  it('H\'s discharge later makes the in-progress stay an index stay of its month', async () => {
    const [{ encounter_id }] = await metrics.ds.query(`SELECT encounter_id FROM metrics.stay WHERE patient_id = $1 AND discharged_at IS NULL`, [p.H]);
    await emit('patients', 'PatientDischarged', p.H, { encounterId: encounter_id, kind: 'INPATIENT', admittedAt: '2025-04-10T09:00:00Z', dischargedAt: '2025-04-14T09:00:00Z', disposition: 'HOME', planned: false, cost: 9000 });
    expect(await kpi('READMISSION_30_DAY', '2025-04-01T00:00:00Z', '2025-05-01T00:00:00Z')).toMatchObject({ numerator: 0, denominator: 3 });
    expect(await kpi('READMISSION_30_DAY', ...MARCH)).toMatchObject({ numerator: 3, denominator: 7 });
  });

  it('as a monthly time series', async () => {
    const res = await gql(`query($filter: KpiFilter) { kpiSeries(key: READMISSION_30_DAY, filter: $filter) { month numerator denominator value } }`,
      { filter: { from: '2025-02-01T00:00:00Z', to: '2025-05-01T00:00:00Z' } });
    expect(res.data!.kpiSeries).toEqual([
      { month: '2025-02', numerator: 0, denominator: 0, value: null },
      { month: '2025-03', numerator: 3, denominator: 7, value: 3 / 7 },
      { month: '2025-04', numerator: 0, denominator: 3, value: 0 },
    ]);
  });

  it('refuses a reversed period, naming the field', async () => {
    const res = await gql(KPI, { key: 'READMISSION_30_DAY', filter: { from: MARCH[1], to: MARCH[0] } });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
  });
});

describe('follow-up within 7 days of discharge', () => {
  it('counts outpatient, telehealth and home visits on days 1–7 after a discharge home', async () => {
    const p = [id(), id(), id(), id(), id()];
    await visit(p[0], 'OUTPATIENT', '2025-05-12T15:00:00Z'); // recorded before the discharge it follows: order does not matter
    await stay(p[0], '2025-05-01T09:00:00Z', '2025-05-05T12:00:00Z'); // day 7 visit: met
    await stay(p[1], '2025-05-01T09:00:00Z', '2025-05-05T12:00:00Z');
    await visit(p[1], 'TELEHEALTH', '2025-05-13T09:00:00Z'); // day 8: not met
    await stay(p[2], '2025-05-01T09:00:00Z', '2025-05-05T12:00:00Z');
    await visit(p[2], 'EMERGENCY', '2025-05-06T09:00:00Z'); // an ED visit is no follow-up
    await stay(p[3], '2025-05-01T09:00:00Z', '2025-05-05T12:00:00Z', { disposition: 'SKILLED_NURSING' }); // not expected to follow up
    await stay(p[4], '2025-05-01T09:00:00Z', '2025-05-05T12:00:00Z');
    await visit(p[4], 'HOME_VISIT', '2025-05-05T18:00:00Z'); // discharge day itself does not count
    expect(await kpi('FOLLOW_UP_7_DAY', '2025-05-01T00:00:00Z', '2025-06-01T00:00:00Z')).toMatchObject({ numerator: 1, denominator: 4, targetMet: false });
  });
});

describe('transitional care timeliness (CMS TCM)', () => {
  const episode = (patientId: string, episodeId: string, steps: { kind: string; dueAt: string; completedAt: string | null }[], type = 'TransitionalCareEpisodeOpened') =>
    emit('care-teams', type, patientId, { episodeId, encounterId: id(), dischargedAt: '2025-06-02T15:00:00Z', steps: steps.map((s) => ({ ...s, status: s.completedAt ? 'MET' : 'PENDING' })) });

  it('contact within 2 business days; face-to-face by its due date (7 or 14 days)', async () => {
    const CONTACT_DUE = '2025-06-04T23:59:59.999Z'; // Monday discharge + 2 business days
    const [e1, e2, e3] = [id(), id(), id()];
    await episode(id(), e1, [{ kind: 'INTERACTIVE_CONTACT', dueAt: CONTACT_DUE, completedAt: '2025-06-03T10:00:00Z' }, { kind: 'FACE_TO_FACE_VISIT', dueAt: '2025-06-16T23:59:59.999Z', completedAt: '2025-06-10T10:00:00Z' }]);
    await episode(id(), e2, [{ kind: 'INTERACTIVE_CONTACT', dueAt: CONTACT_DUE, completedAt: '2025-06-05T09:00:00Z' }, { kind: 'FACE_TO_FACE_VISIT', dueAt: '2025-06-16T23:59:59.999Z', completedAt: null }]);
    const p3 = id();
    await episode(p3, e3, [{ kind: 'INTERACTIVE_CONTACT', dueAt: CONTACT_DUE, completedAt: null }, { kind: 'FACE_TO_FACE_VISIT', dueAt: '2025-06-09T23:59:59.999Z', completedAt: null }]);
    await episode(p3, e3, [{ kind: 'INTERACTIVE_CONTACT', dueAt: CONTACT_DUE, completedAt: '2025-06-04T16:00:00Z' }, { kind: 'FACE_TO_FACE_VISIT', dueAt: '2025-06-09T23:59:59.999Z', completedAt: '2025-06-12T10:00:00Z' }], 'TransitionalCareStepChanged');
    const JUNE = ['2025-06-01T00:00:00Z', '2025-07-01T00:00:00Z'] as const;
    expect(await kpi('TCM_INTERACTIVE_CONTACT', ...JUNE)).toMatchObject({ numerator: 2, denominator: 3, target: 0.9, comparator: 'AT_LEAST', targetMet: false });
    expect(await kpi('TCM_FACE_TO_FACE', ...JUNE)).toMatchObject({ numerator: 1, denominator: 3 });
  });
});

describe('care plan coverage of HIGH-risk patients, risk tiers, cost and CCM', () => {
  const tagged = (category: string) => ({ conditionCategory: category });

  it('coverage now and at a past instant, from the tier and plan-status history', async () => {
    const [k1, k2, k3, k4] = [id(), id(), id(), id()];
    const [plan1, plan2, plan4] = [id(), id(), id()];
    const categories = ['AIDS_HIV'];
    await summary(k1, { riskTier: 'HIGH', charlsonCategories: categories }, '2025-01-10T00:00:00Z');
    await summary(k2, { riskTier: 'HIGH', charlsonCategories: categories }, '2025-01-10T00:00:00Z');
    await summary(k3, { riskTier: 'HIGH', charlsonCategories: categories }, '2025-03-10T00:00:00Z');
    await summary(k4, { riskTier: 'MODERATE', charlsonCategories: categories }, '2025-01-10T00:00:00Z');
    await plan(k1, plan1, 1, 'CREATED', 'active', '2025-01-15T00:00:00Z');
    await plan(k2, plan2, 1, 'CREATED', 'draft', '2025-01-15T00:00:00Z');
    await plan(k4, plan4, 1, 'CREATED', 'active', '2025-01-15T00:00:00Z');
    const FEB = ['2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z'] as const;
    expect(await kpi('CARE_PLAN_COVERAGE_HIGH_RISK', ...FEB, tokens.analyst, tagged('AIDS_HIV'))).toMatchObject({ numerator: 1, denominator: 2 });
    await plan(k2, plan2, 2, 'STATUS_CHANGED', 'active');
    const now = new Date();
    const current = await kpi('CARE_PLAN_COVERAGE_HIGH_RISK', '2026-01-01T00:00:00Z', new Date(now.getTime() + 86_400_000).toISOString(), tokens.analyst, tagged('AIDS_HIV'));
    expect(current).toMatchObject({ numerator: 2, denominator: 3, target: 0.9, targetMet: false });
    expect(await kpi('CARE_PLAN_COVERAGE_HIGH_RISK', ...FEB, tokens.analyst, tagged('AIDS_HIV'))).toMatchObject({ numerator: 1, denominator: 2 });

    const res = await gql(`query($f: KpiFilter) { kpis(filter: $f) { riskTierDistribution { patients suppressed tiers { tier patients share } } } }`, { f: tagged('AIDS_HIV') });
    expect(res.data!.kpis.riskTierDistribution).toEqual({
      patients: 4, suppressed: false,
      tiers: [{ tier: 'LOW', patients: 0, share: 0 }, { tier: 'MODERATE', patients: 1, share: 0.25 }, { tier: 'HIGH', patients: 3, share: 0.75 }, { tier: null, patients: 0, share: 0 }],
    });
    // At the end of January 2025 k3 had no tier yet (its first summary came in March).
    const past = await gql(`query($f: KpiFilter) { kpis(filter: $f) { riskTierDistribution { asOf tiers { tier patients } } } }`, { f: { from: FEB[0], to: FEB[1], ...tagged('AIDS_HIV') } });
    expect(past.data!.kpis.riskTierDistribution).toEqual({
      asOf: FEB[1].replace('Z', '.000Z'),
      tiers: [{ tier: 'LOW', patients: 0 }, { tier: 'MODERATE', patients: 1 }, { tier: 'HIGH', patients: 2 }, { tier: null, patients: 1 }],
    });
  });

  it('cost per case: managed against not managed patients', async () => {
    const [m1, m2, n1] = [id(), id(), id()];
    for (const p of [m1, m2, n1]) await summary(p, { charlsonCategories: ['METASTATIC_SOLID_TUMOR'] }, '2025-08-01T00:00:00Z');
    await formTeam(m1, [{ practitionerId: 'coord-x', role: 'CARE_COORDINATOR' }], '2025-08-01T00:00:00Z');
    await formTeam(m2, [{ practitionerId: 'coord-x', role: 'CARE_COORDINATOR' }], '2025-08-01T00:00:00Z');
    await stay(m1, '2025-09-08T09:00:00Z', '2025-09-10T10:00:00Z', { cost: 10000 });
    await visit(m1, 'OUTPATIENT', '2025-09-15T10:00:00Z', 200);
    await visit(n1, 'EMERGENCY', '2025-09-03T10:00:00Z', 1500);
    await visit(n1, 'EMERGENCY', '2025-10-03T10:00:00Z', 900); // after the period
    const res = await gql(`query($f: KpiFilter) { kpis(filter: $f) { costPerCase { managed { patients totalCost meanCost } notManaged { patients totalCost meanCost } } } }`,
      { f: { from: '2025-09-01T00:00:00Z', to: '2025-10-01T00:00:00Z', ...tagged('METASTATIC_SOLID_TUMOR') } });
    expect(res.errors).toBeUndefined();
    expect(res.data!.kpis.costPerCase).toEqual({
      managed: { patients: 2, totalCost: 10200, meanCost: 5100 },
      notManaged: { patients: 1, totalCost: 1500, meanCost: 1500 },
    });
  });

  it('CCM: patients reaching each billable code in the month, and the minutes distribution', async () => {
    const c = [id(), id(), id(), id(), id()];
    for (const p of c) await summary(p, { charlsonCategories: ['DEMENTIA'], chronicConditionCount: 3, ccmConsentActive: p !== c[4] });
    const log = (patientId: string, minutes: number, byPhysician = false) =>
      emit('care-teams', 'CcmTimeLogged', patientId, { entryId: id(), minutes, performedOn: '2025-10-14', practitionerId: 'p', byPhysician });
    await log(c[0], 10); await log(c[0], 15); // 25 → 99490
    await log(c[1], 45); // → 99490 + 99439
    await log(c[2], 35, true); // physician 35 → 99491
    await log(c[3], 70); // with the plan established this month and the practitioner's moderate decision-making → 99487
    await plan(c[3], id(), 1, 'CREATED', 'active', '2025-10-03T00:00:00Z');
    await emit('care-teams', 'CcmDecisionMakingRecorded', c[3], { month: '2025-10', complexity: 'MODERATE', practitionerId: 'p' });
    await log(c[4], 50); // no consent: not billable
    const res = await gql(`query($f: KpiFilter) { kpis(filter: $f) { ccm { patientMonths codes { code patientMonths } minutes { minutes patientMonths } } } }`,
      { f: { from: '2025-10-01T00:00:00Z', to: '2025-11-01T00:00:00Z', ...tagged('DEMENTIA') } });
    expect(res.errors).toBeUndefined();
    const ccm = res.data!.kpis.ccm;
    expect(ccm.patientMonths).toBe(5);
    expect(Object.fromEntries(ccm.codes.map((x: { code: string; patientMonths: number }) => [x.code, x.patientMonths])))
      .toEqual({ 99490: 2, 99439: 1, 99491: 1, 99437: 0, 99487: 1, 99489: 0 });
    expect(ccm.minutes).toEqual([
      { minutes: '1-19', patientMonths: 0 }, { minutes: '20-39', patientMonths: 2 }, { minutes: '40-59', patientMonths: 2 },
      { minutes: '60-89', patientMonths: 1 }, { minutes: '90+', patientMonths: 0 },
    ]);
  });
});

describe('closed-loop referrals', () => {
  const JULY = { from: '2025-07-01T00:00:00Z', to: '2025-08-01T00:00:00Z' };
  const referred = id();
  const status = (referralId: string, partnerId: string, s: string, at: string, previousStatus: string | null = null) =>
    emit('community-partners', 'ReferralStatusChanged', referred, { referralId, partnerId, category: 'FOOD_INSECURITY', socialNeedId: id(), status: s, previousStatus, statusReason: null, actorSide: 'PARTNER' }, at);

  beforeAll(async () => {
    const [r1, r2, r3, r4, r5] = [id(), id(), id(), id(), id()];
    await status(r1, PARTNER_A, 'requested', '2025-07-01T09:00:00Z');
    await status(r1, PARTNER_A, 'accepted', '2025-07-02T09:00:00Z', 'requested');
    await status(r1, PARTNER_A, 'completed', '2025-07-05T09:00:00Z', 'accepted'); // closed in 4 days
    await status(r2, PARTNER_A, 'requested', '2025-07-03T09:00:00Z');
    await status(r2, PARTNER_A, 'rejected', '2025-07-04T09:00:00Z', 'requested');
    await status(r3, PARTNER_B, 'requested', '2025-07-10T09:00:00Z');
    await status(r3, PARTNER_B, 'accepted', '2025-07-11T09:00:00Z', 'requested');
    await status(r3, PARTNER_B, 'IN_PROGRESS', '2025-07-12T09:00:00Z', 'accepted'); // GraphQL spelling is understood
    await status(r3, PARTNER_B, 'completed', '2025-07-20T09:00:00Z', 'in-progress'); // closed in 10 days
    await status(r4, PARTNER_B, 'draft', '2025-07-10T09:00:00Z');
    await status(r4, PARTNER_B, 'cancelled', '2025-07-11T09:00:00Z', 'draft'); // never sent
    await status(r5, PARTNER_B, 'requested', '2025-07-15T09:00:00Z'); // no answer yet
  });

  const PERFORMANCE = `query($f: KpiFilter) { referralPerformance(filter: $f) {
    closedLoop { numerator denominator value } medianDaysToClose { denominator value unit } acceptance { numerator denominator }
    byPartner { partnerId sent closedLoop { numerator denominator } medianDaysToClose { value } acceptance { numerator denominator } } } }`;

  it('overall and per partner', async () => {
    const res = await gql(PERFORMANCE, { f: JULY });
    expect(res.errors).toBeUndefined();
    const r = res.data!.referralPerformance;
    expect(r.closedLoop).toEqual({ numerator: 2, denominator: 4, value: 0.5 });
    expect(r.medianDaysToClose).toEqual({ denominator: 2, value: 7, unit: 'DAYS' });
    expect(r.acceptance).toEqual({ numerator: 2, denominator: 3 });
    const byPartner = Object.fromEntries(r.byPartner.map((x: { partnerId: string }) => [x.partnerId, x]));
    expect(byPartner[PARTNER_A]).toMatchObject({ sent: 2, closedLoop: { numerator: 1, denominator: 2 }, medianDaysToClose: { value: 4 }, acceptance: { numerator: 1, denominator: 2 } });
    expect(byPartner[PARTNER_B]).toMatchObject({ sent: 2, closedLoop: { numerator: 1, denominator: 2 }, medianDaysToClose: { value: 10 }, acceptance: { numerator: 1, denominator: 1 } });
  });

  it('partner staff see only their own organization\'s figures, and nothing else', async () => {
    const own = await gql(PERFORMANCE, { f: JULY }, tokens.partnerA);
    expect(own.errors).toBeUndefined();
    expect(own.data!.referralPerformance.closedLoop).toEqual({ numerator: 1, denominator: 2, value: 0.5 });
    expect(own.data!.referralPerformance.byPartner.map((x: { partnerId: string }) => x.partnerId)).toEqual([PARTNER_A]);
    const other = await gql(PERFORMANCE, { f: { ...JULY, partnerId: PARTNER_B } }, tokens.partnerA);
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const narrowed = await gql(PERFORMANCE, { f: { ...JULY, riskTier: 'HIGH' } }, tokens.partnerA);
    expect(narrowed.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    for (const q of ['{ kpis { readmission30Day { value } } }', '{ kpi(key: READMISSION_30_DAY) { value } }', '{ metricsFreshness { appliedPosition } }']) {
      expect((await gql(q, {}, tokens.partnerA)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
  });
});

describe('patient satisfaction surveys', () => {
  const RECORD = `mutation($i: RecordSatisfactionSurveyInput!) { recordSatisfactionSurvey(input: $i) { id score respondedOn comment recordedBy patient { id } } }`;
  const patient = id();
  const AUGUST = ['2025-08-01T00:00:00Z', '2025-09-01T00:00:00Z'] as const;

  beforeAll(async () => {
    await emit('patients', 'PatientRegistered', patient, { mrn: 'S-1', birthDate: '1950-01-01', postalCode: '02139' });
    await formTeam(patient, [{ practitionerId: 'nurse-1', role: 'NURSE_CASE_MANAGER' }, { practitionerId: 'coord-1', role: 'CARE_COORDINATOR' }]);
  });

  it('a team member records responses; satisfied = 4 or 5, target > 85 %', async () => {
    for (const [score, day] of [[5, '03'], [4, '05'], [3, '09'], [2, '12'], [5, '30']] as const) {
      const res = await gql(RECORD, { i: { patientId: patient, score, respondedOn: `2025-08-${day}`, comment: score < 3 ? 'Waited too long for a call back' : null } }, tokens.nurse);
      expect(res.errors).toBeUndefined();
      expect(res.data!.recordSatisfactionSurvey).toMatchObject({ score, recordedBy: 'nurse-1', patient: { id: patient } });
    }
    expect(await kpi('PATIENT_SATISFACTION', ...AUGUST)).toMatchObject({ numerator: 3, denominator: 5, value: 0.6, target: 0.85, comparator: 'GREATER_THAN', targetMet: false });
    const [{ n }] = await metrics.ds.query(`SELECT count(*)::int AS n FROM hub_events.event_log WHERE type = 'SatisfactionSurveyRecorded' AND patient_id = $1`, [patient]);
    expect(n).toBe(5);
  });

  it('refuses bad input, unknown patients and non-members; writes nothing', async () => {
    const bad = await gql(RECORD, { i: { patientId: patient, score: 6, respondedOn: '2025-08-01' } }, tokens.nurse);
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'score' });
    const future = await gql(RECORD, { i: { patientId: patient, score: 4, respondedOn: '2099-01-01' } }, tokens.nurse);
    expect(future.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'respondedOn' });
    expect((await gql(RECORD, { i: { patientId: patient, score: 4, respondedOn: '2025-08-01' } }, tokens.otherNurse)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await gql(RECORD, { i: { patientId: patient, score: 4, respondedOn: '2025-08-01' } }, tokens.analyst)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await gql(RECORD, { i: { patientId: id(), score: 4, respondedOn: '2025-08-01' } }, tokens.admin)).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(await kpi('PATIENT_SATISFACTION', ...AUGUST)).toMatchObject({ denominator: 5 });
  });
});

describe('access to figures', () => {
  const MAY_2024 = ['2024-05-01T00:00:00Z', '2024-06-01T00:00:00Z'] as const;
  const mine = [id(), id()];
  const theirs = id();
  let myTeam: string;
  let theirTeam: string;

  beforeAll(async () => {
    myTeam = await formTeam(mine[0], [{ practitionerId: 'nurse-1', role: 'NURSE_CASE_MANAGER' }]);
    await formTeam(mine[1], [{ practitionerId: 'nurse-1', role: 'NURSE_CASE_MANAGER' }]);
    theirTeam = await formTeam(theirs, [{ practitionerId: 'nurse-2', role: 'NURSE_CASE_MANAGER' }]);
    for (const p of [...mine, theirs]) await stay(p, '2024-05-02T09:00:00Z', '2024-05-04T09:00:00Z');
    await stay(theirs, '2024-05-10T09:00:00Z', '2024-05-12T09:00:00Z');
  });

  it('analysts see the population; a care team member only their own panel', async () => {
    expect(await kpi('READMISSION_30_DAY', ...MAY_2024, tokens.analyst)).toMatchObject({ numerator: 1, denominator: 4 });
    expect(await kpi('READMISSION_30_DAY', ...MAY_2024, tokens.nurse)).toMatchObject({ numerator: 0, denominator: 2 });
    expect(await kpi('READMISSION_30_DAY', ...MAY_2024, tokens.otherNurse)).toMatchObject({ numerator: 1, denominator: 2 });
  });

  it('a member may narrow to their own team, not to another', async () => {
    expect(await kpi('READMISSION_30_DAY', ...MAY_2024, tokens.nurse, { careTeamId: myTeam })).toMatchObject({ denominator: 1 });
    const res = await gql(KPI, { key: 'READMISSION_30_DAY', filter: { careTeamId: theirTeam } }, tokens.nurse);
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('an ended membership takes the patient out of the panel', async () => {
    const second = await internalTokenFor({ sub: 'nurse-3', roles: [Role.NURSE] });
    const patient = id();
    const careTeamId = id();
    const membershipId = id();
    await emit('care-teams', 'CareTeamFormed', patient, { careTeamId, members: [{ practitionerId: 'nurse-3', role: 'NURSE_CASE_MANAGER', membershipId }] });
    await stay(patient, '2024-05-02T09:00:00Z', '2024-05-04T09:00:00Z');
    expect(await kpi('READMISSION_30_DAY', ...MAY_2024, second)).toMatchObject({ denominator: 1 });
    await emit('care-teams', 'CareTeamMembershipEnded', patient, { careTeamId, membershipId, practitionerId: 'nurse-3', role: 'NURSE_CASE_MANAGER' });
    expect(await kpi('READMISSION_30_DAY', ...MAY_2024, second)).toMatchObject({ denominator: 0 });
  });

  it('a proposed team is no panel until it becomes active', async () => {
    const member = await internalTokenFor({ sub: 'nurse-4', roles: [Role.NURSE] });
    const patient = id();
    const careTeamId = id();
    await emit('care-teams', 'CareTeamFormed', patient, { careTeamId, status: 'proposed', members: [{ practitionerId: 'nurse-4', role: 'NURSE_CASE_MANAGER', membershipId: id() }] });
    await stay(patient, '2024-05-02T09:00:00Z', '2024-05-04T09:00:00Z');
    expect(await kpi('READMISSION_30_DAY', ...MAY_2024, member)).toMatchObject({ denominator: 0 });
    await emit('care-teams', 'CareTeamStatusChanged', patient, { careTeamId, status: 'active', previousStatus: 'proposed' });
    expect(await kpi('READMISSION_30_DAY', ...MAY_2024, member)).toMatchObject({ denominator: 1 });
    await emit('care-teams', 'CareTeamStatusChanged', patient, { careTeamId, status: 'suspended', previousStatus: 'active' });
    expect(await kpi('READMISSION_30_DAY', ...MAY_2024, member)).toMatchObject({ denominator: 0 });
  });

  it('partner staff and unknown roles are refused', async () => {
    expect((await gql(KPI, { key: 'READMISSION_30_DAY' }, tokens.partnerA)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('small-cohort suppression', () => {
  afterEach(() => { process.env.MIN_COHORT_SIZE = '1'; });

  it('withholds figures of cohorts under MIN_COHORT_SIZE (default 11), publishes 11', async () => {
    delete process.env.MIN_COHORT_SIZE;
    const OCT_2024 = ['2024-10-01T00:00:00Z', '2024-11-01T00:00:00Z'] as const;
    const patients = Array.from({ length: 11 }, id);
    for (const p of patients.slice(0, 10)) await stay(p, '2024-10-02T09:00:00Z', '2024-10-05T09:00:00Z');
    expect(await kpi('READMISSION_30_DAY', ...OCT_2024)).toEqual({
      key: 'READMISSION_30_DAY', numerator: null, denominator: null, value: null, target: 0.15, comparator: 'LESS_THAN', targetMet: null,
      suppressed: true, suppressionReason: 'Suppressed: fewer than 11 cases in the cohort', month: '2024-10',
    });
    await stay(patients[10], '2024-10-02T09:00:00Z', '2024-10-05T09:00:00Z');
    expect(await kpi('READMISSION_30_DAY', ...OCT_2024)).toMatchObject({ numerator: 0, denominator: 11, suppressed: false });
    const dist = await gql(`query($f: KpiFilter) { kpis(filter: $f) { riskTierDistribution { patients suppressed tiers { patients suppressed } } } }`, { f: { conditionCategory: 'AIDS_HIV' } });
    expect(dist.data!.kpis.riskTierDistribution).toMatchObject({ patients: null, suppressed: true });
    process.env.MIN_COHORT_SIZE = '5';
    expect(await kpi('READMISSION_30_DAY', ...OCT_2024, tokens.analyst)).toMatchObject({ denominator: 11 });
  });
});

describe('editable KPI targets', () => {
  it('an admin moves a target, the figures are judged against it, and the change is on the log', async () => {
    const UPDATE = `mutation($key: KpiKey!, $target: Float!) { updateKpiTarget(input: { key: $key, target: $target }) { key target updatedBy } }`;
    const MARCH = ['2025-03-01T00:00:00Z', '2025-04-01T00:00:00Z'] as const; // 3 of 7: 0.43
    expect(await kpi('READMISSION_30_DAY', ...MARCH)).toMatchObject({ target: 0.15, targetMet: false });
    expect((await gql(UPDATE, { key: 'READMISSION_30_DAY', target: 0.3 }, tokens.analyst)).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await gql(UPDATE, { key: 'READMISSION_30_DAY', target: 1.5 }, tokens.admin)).errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'target' });
    // The key is the KpiKey enum (issue 15): an unknown one is refused by GraphQL coercion before the resolver.
    expect((await gql(UPDATE, { key: 'NO_SUCH_KPI', target: 0.3 }, tokens.admin)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const updated = await gql(UPDATE, { key: 'READMISSION_30_DAY', target: 0.45 }, tokens.admin);
    expect(updated.data!.updateKpiTarget).toEqual({ key: 'READMISSION_30_DAY', target: 0.45, updatedBy: 'admin-1' });
    expect(await kpi('READMISSION_30_DAY', ...MARCH)).toMatchObject({ target: 0.45, targetMet: true });
    const [change] = await metrics.ds.query(`SELECT actor, payload FROM hub_events.event_log WHERE type = 'KpiTargetChanged' ORDER BY id DESC LIMIT 1`);
    expect(change).toEqual({ actor: 'admin-1', payload: { key: 'READMISSION_30_DAY', target: 0.45, previousTarget: 0.15, comparator: 'LESS_THAN' } });
    await gql(UPDATE, { key: 'READMISSION_30_DAY', target: 0.15 }, tokens.admin);
  });
});

describe('Patient.utilization and CareTeam.performance', () => {
  const ago = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
  const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Patient { id utilization { admissions12Months edVisits6Months readmissions30Day } } } }`;
  const patients = Array.from({ length: 30 }, id);

  beforeAll(async () => {
    for (const p of patients) await formTeam(p, [{ practitionerId: 'nurse-u', role: 'NURSE_CASE_MANAGER' }]);
    const [u] = patients;
    await stay(u, ago(400), ago(395)); // more than 12 months ago
    await stay(u, ago(100), ago(96));
    await stay(u, ago(80), ago(75)); // readmitted 16 days after the previous discharge
    await visit(u, 'EMERGENCY', ago(20));
    await visit(u, 'EMERGENCY', ago(90));
    await visit(u, 'EMERGENCY', ago(150));
    await visit(u, 'EMERGENCY', ago(200)); // more than 6 months ago
    await visit(u, 'OUTPATIENT', ago(10));
  });

  it('counts admissions (12 months), ED visits (6 months) and readmissions', async () => {
    const res = await gql(ENTITIES, { r: [{ __typename: 'Patient', id: patients[0] }] }, tokens.admin);
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities[0].utilization).toEqual({ admissions12Months: 2, edVisits6Months: 3, readmissions30Day: 1 });
  });

  it('is PHI: team members and admins only', async () => {
    const member = await internalTokenFor({ sub: 'nurse-u', roles: [Role.NURSE] });
    expect((await gql(ENTITIES, { r: [{ __typename: 'Patient', id: patients[0] }] }, member)).data!._entities[0].utilization.admissions12Months).toBe(2);
    for (const [token, reason] of [[tokens.nurse, 'NOT_ON_CARE_TEAM'], [tokens.analyst, 'ROLE_NOT_ALLOWED']]) {
      const res = await gql(ENTITIES, { r: [{ __typename: 'Patient', id: patients[0] }] }, token);
      expect(res.errors?.[0]).toMatchObject({ path: ['_entities', 0, 'utilization'], extensions: { code: 'FORBIDDEN', reason, patientId: patients[0] } });
      expect(res.data!._entities[0].utilization).toBeNull();
    }
    // Partner staff are held to the partner contract before anything resolves: no utilization at all.
    const partner = await gql(ENTITIES, { r: [{ __typename: 'Patient', id: patients[0] }] }, tokens.partnerA);
    expect(partner.errors?.length).toBeGreaterThan(0);
    expect(partner.data?._entities?.[0]?.utilization ?? null).toBeNull();
  });

  it('is batched: 3 and 30 patients cost the same number of SQL statements', async () => {
    const measure = async (n: number) => {
      await consumer.caughtUp();
      const before = counter.count;
      const res = await postGraphQL<Record<string, any>>(metrics.url, ENTITIES, { r: patients.slice(0, n).map((p) => ({ __typename: 'Patient', id: p })) }, tokens.admin);
      expect(res.data!._entities).toHaveLength(n);
      return counter.count - before;
    };
    expect(await measure(30)).toBe(await measure(3));
  });

  it('CareTeam.performance: the team\'s figures, batched across teams', async () => {
    const teams: string[] = (await metrics.ds.query(`SELECT care_team_id FROM metrics.care_team WHERE patient_id = ANY($1) ORDER BY care_team_id`, [patients])).map((r: { care_team_id: string }) => r.care_team_id);
    const q = `query($r: [_Any!]!) { _entities(representations: $r) { ... on CareTeam { id performance(from: "${ago(120)}") {
      readmission30Day { numerator denominator } followUp7Day { denominator } costPerCase { managed { patients } } monthly { readmission30Day { denominator } } } } } }`;
    const measure = async (n: number, token = tokens.analyst) => {
      await consumer.caughtUp();
      const before = counter.count;
      const res = await postGraphQL<Record<string, any>>(metrics.url, q, { r: teams.slice(0, n).map((t) => ({ __typename: 'CareTeam', id: t })) }, token);
      expect(res.errors).toBeUndefined();
      return { statements: counter.count - before, entities: res.data!._entities };
    };
    const three = await measure(3);
    const thirty = await measure(30);
    expect(thirty.statements).toBe(three.statements);
    const withStays = thirty.entities.find((e: { performance: { readmission30Day: { denominator: number } } }) => e.performance.readmission30Day.denominator > 0);
    expect(withStays.performance.readmission30Day).toEqual({ numerator: 1, denominator: 2 });
    const outsider = await postGraphQL<Record<string, any>>(metrics.url, q, { r: [{ __typename: 'CareTeam', id: teams[0] }] }, tokens.nurse);
    expect(outsider.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('freshness', () => {
  it('reports the lag while events wait, and none once applied', async () => {
    const Q = '{ metricsFreshness { lastEventPosition appliedPosition positionsBehind lagSeconds } }';
    const caught = (await gql(Q)).data!.metricsFreshness;
    expect(caught).toMatchObject({ positionsBehind: 0, lagSeconds: 0 });
    expect(caught.appliedPosition).toBe(caught.lastEventPosition);

    await consumer.stop();
    const position = await emit('patients', 'PatientRegistered', id(), { mrn: 'F-1' });
    await new Promise((r) => setTimeout(r, 300));
    const behind = (await postGraphQL<Record<string, any>>(metrics.url, Q, {}, tokens.analyst)).data!.metricsFreshness;
    expect(behind.lastEventPosition).toBe(position);
    expect(behind.positionsBehind).toBeGreaterThanOrEqual(1);
    expect(behind.lagSeconds).toBeGreaterThan(0.2);

    consumer = await startReadModelConsumer(metrics.ds, new PgNotifyTransport(db.url), logger('metrics'));
    expect((await gql(Q)).data!.metricsFreshness).toMatchObject({ appliedPosition: position, positionsBehind: 0, lagSeconds: 0 });
  });
});

describe('replay determinism', () => {
  it('rebuilding the read model from position 0 gives identical tables and figures', async () => {
    const REPORT = `query($f: KpiFilter) { kpis(filter: $f) { figures { ${FIGURE} } costPerCase { managed { patients totalCost } notManaged { patients totalCost } }
      riskTierDistribution { patients tiers { tier patients } } ccm { patientMonths codes { code patientMonths } }
      monthly { month figures { key numerator denominator } } } referralPerformance(filter: $f) { byPartner { partnerId sent } } }`;
    const f = { from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' };
    const figures = async () => {
      const res = await gql(REPORT, { f });
      expect(res.errors).toBeUndefined();
      return res.data;
    };
    const snapshot = async () => {
      const tables: Record<string, unknown[]> = {};
      for (const t of ['patient', 'condition', 'care_team', 'care_team_member', 'care_plan', 'care_plan_change', 'stay', 'hospital_stay', 'visit', 'tcm_episode', 'ccm_time', 'referral', 'patient_risk_history']) {
        tables[t] = await metrics.ds.query(`SELECT * FROM metrics.${t} ORDER BY 1, 2`);
      }
      return tables;
    };
    const before = { figures: await figures(), tables: await snapshot() };
    expect(before.tables.hospital_stay.length).toBeGreaterThan(30);

    await consumer.caughtUp();
    const result = await rebuildReadModel(metrics.ds);
    expect(Number(result.position)).toBeGreaterThan(100);
    expect({ figures: await figures(), tables: await snapshot() }).toEqual(before);
  });
});
