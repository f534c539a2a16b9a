/**
 * Issue 14 through the gateway, HEDIS PCR: an index stay enters the 30-day readmission
 * rate only once its follow-up window has passed — the others are reported as pending —
 * and observation stays count both as index stays and as readmissions (measurement year
 * 2020 on). Stays are recorded in the patients subgraph; metrics builds its read model
 * from the events. MIN_COHORT_SIZE is 1 so a handful of stays is published.
 */
import { Role } from '../shared/auth';
import type { Consumer } from '../shared/events';
import { startHub, type TestHub } from './support/hub';

const DAY = 86_400_000;
let hub: TestHub;
let analyst: string;
const saved = process.env.MIN_COHORT_SIZE;
beforeAll(async () => {
  process.env.MIN_COHORT_SIZE = '1';
  hub = await startHub();
  analyst = await hub.token({ sub: 'analyst-1', roles: [Role.ANALYST] });
});
afterAll(async () => {
  if (saved === undefined) delete process.env.MIN_COHORT_SIZE;
  else process.env.MIN_COHORT_SIZE = saved;
  await hub?.stop();
});

async function ok<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await hub.query<T>(query, variables, token);
  if (res.errors) throw new Error(`Unexpected errors: ${JSON.stringify(res.errors)}`);
  return res.data as T;
}
let mrn = 0;
const register = async () => (await ok(`mutation($i: RegisterPatientInput!) { registerPatient(input: $i) { id } }`, {
  i: { mrn: `PCR-${++mrn}`, givenName: 'Ola', familyName: 'Berg', birthDate: '1951-02-03', administrativeSex: 'MALE' },
})).registerPatient.id as string;
async function stay(patientId: string, admittedAt: Date, dischargedAt: Date, kind = 'INPATIENT'): Promise<void> {
  const id = (await ok(`mutation($i: AdmitPatientInput!) { admitPatient(input: $i) { id } }`, {
    i: { patientId, kind, admittedAt: admittedAt.toISOString(), acuity: 'EMERGENT', facility: 'Mercy', principalDiagnosis: 'I50.9' },
  })).admitPatient.id;
  await ok(`mutation($i: DischargePatientInput!) { dischargePatient(input: $i) { id } }`, { i: { encounterId: id, dischargedAt: dischargedAt.toISOString(), disposition: 'HOME' } });
}
const metricsCaughtUp = async () => {
  for (const w of hub.subgraphs.metrics.workers as unknown as Consumer[]) await w.caughtUp();
};

describe('30-day readmission KPI over closed windows (HEDIS PCR)', () => {
  const today = Math.floor(Date.now() / DAY) * DAY;
  const at = (daysAgo: number, hour = 10) => new Date(today - daysAgo * DAY + hour * 3_600_000);
  const from = new Date(today - 75 * DAY);
  const to = new Date(today + DAY);

  beforeAll(async () => {
    const a = await register();
    await stay(a, at(65), at(60)); // closed window…
    await stay(a, at(50), at(48), 'OBSERVATION'); // …readmitted by an observation stay (day 10): counts since MY2020; itself closed, not readmitted
    const b = await register();
    await stay(b, at(12), at(10)); // window open: pending…
    await stay(b, at(6), at(4), 'OBSERVATION'); // …though already readmitted; this observation index stay is pending too
    const c = await register();
    await stay(c, at(9), at(8), 'OBSERVATION'); // pending
    await metricsCaughtUp();
  });

  it('reports the open-window index stays as pending and computes the rate over the closed ones', async () => {
    const figure = (await ok(`query($f: KpiFilter) { kpi(key: READMISSION_30_DAY, filter: $f) { numerator denominator value pending suppressed } }`,
      { f: { from: from.toISOString(), to: to.toISOString() } }, analyst)).kpi;
    // Counting every discharge as "not readmitted yet" would say 2 of 5 (0.4); over closed windows it is 1 of 2, 3 pending.
    expect(figure).toEqual({ numerator: 1, denominator: 2, value: 0.5, pending: 3, suppressed: false });
  });

  it('a monthly series gives each month its pending stays; the months with only closed windows have none', async () => {
    const series: { month: string; numerator: number; denominator: number; pending: number }[] = (await ok(
      `query($f: KpiFilter) { kpiSeries(key: READMISSION_30_DAY, filter: $f) { month numerator denominator pending } }`,
      { f: { from: from.toISOString(), to: to.toISOString() } }, analyst)).kpiSeries;
    const monthOf = (d: Date) => d.toISOString().slice(0, 7);
    const expected = new Map<string, { numerator: number; denominator: number; pending: number }>();
    const add = (d: Date, key: 'denominator' | 'pending', readmitted = false) => {
      const m = expected.get(monthOf(d)) ?? { numerator: 0, denominator: 0, pending: 0 };
      m[key] += 1;
      if (readmitted) m.numerator += 1;
      expected.set(monthOf(d), m);
    };
    add(at(60), 'denominator', true);
    add(at(48), 'denominator');
    for (const d of [at(10), at(4), at(8)]) add(d, 'pending');
    for (const m of series) expect({ month: m.month, ...expected.get(m.month) ?? { numerator: 0, denominator: 0, pending: 0 } }).toEqual(m);
    expect(series.reduce((n, m) => n + m.pending, 0)).toBe(3);
    expect(series.some((m) => m.pending > 0)).toBe(true);
  });

  it('other KPIs report no pending figure', async () => {
    const figure = (await ok(`query($f: KpiFilter) { kpi(key: FOLLOW_UP_7_DAY, filter: $f) { pending } }`,
      { f: { from: from.toISOString(), to: to.toISOString() } }, analyst)).kpi;
    expect(figure.pending).toBeNull();
  });
});
