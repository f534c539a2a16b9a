/**
 * Turns read-model rows into KPI figures with the domain rules. Every figure is
 * loaded through a per-request DataLoader keyed by slot (period and care team),
 * so a report and its 12 monthly reports, or the performance of a list of care
 * teams, cost one query per KPI, not one per month or per team.
 */
import { config } from '../../../shared/config';
import type { Audience } from './access';
import type { SubgraphContext } from '../../../shared/subgraph';
import {
  ccmPatientMonths, costTotals, coverageCounts, followUpRows, readmissionCounts, referralRows, riskTierCounts, surveyScores, tcmRows,
  type Counts, type Slot,
} from '../data/figures';
import { KpiTargetRecord } from '../data/entities';
import { CCM_CODES, CCM_MINUTE_BUCKETS, ccmCodesForMonth, minutesBucket } from '../domain/ccm';
import { costFigure, isSmallCohort, KpiComparator, kpiFigure, measureFigure, satisfaction, suppressCells } from '../domain/kpi';
import { monthlyPeriods, monthOf, resolvePeriod, type Period } from '../domain/period';
import { referralOutcomes, referralOutcomesByPartner, type ReferralOutcomes } from '../domain/referrals';
import { followUpWithin7Days, tcmTimeliness } from '../domain/timeliness';
import {
  CcmReport, CostPerCase, KpiFigure, KpiKey, KpiReport, PartnerReferralPerformance, ReferralPerformance, RiskTier, RiskTierDistribution,
  type ReportScope,
} from './types';

const requestTimes = new WeakMap<object, Date>();

/** One "now" per request, so every figure of a response is computed at the same instant (and loaders batch across it). */
export function requestNow(ctx: SubgraphContext): Date {
  let now = requestTimes.get(ctx.loaders);
  if (!now) {
    now = new Date();
    requestTimes.set(ctx.loaders, now);
  }
  return now;
}

/** The scope of a root query: the period asked for (or the last 12 months) over what the caller may see. */
export function scopeOf(ctx: SubgraphContext, audience: Audience, filter: { from?: Date | null; to?: Date | null } | null | undefined): ReportScope {
  const now = requestNow(ctx);
  const period = resolvePeriod({ from: filter?.from, to: filter?.to }, now);
  return { ...audience, period, month: monthOf(period), now };
}

const slotKey = (s: ReportScope) => JSON.stringify([s.period.from.toISOString(), s.period.to.toISOString(), s.careTeamId]);
const parseSlotKey = (k: string): Slot => {
  const [from, to, careTeamId] = JSON.parse(k) as [string, string, string | null];
  return { from: new Date(from), to: new Date(to), careTeamId };
};

/** One DataLoader per figure and cohort; its keys are slots (period and care team), answered together. */
function bySlot<V>(ctx: SubgraphContext, figure: string, scope: ReportScope, batch: (slots: Slot[]) => Promise<V[]>): Promise<V> {
  const name = `metrics:${figure}:${JSON.stringify(scope.cohort)}:${scope.partnerId ?? ''}:${scope.now.toISOString()}`;
  return ctx.loaders.get<string, V>(name, (keys) => batch(keys.map(parseSlotKey))).load(slotKey(scope));
}

/** Point-in-time figures are taken at the period's end, or now if it has not ended. */
const instantOf = (p: Period, now: Date) => (p.to < now ? p.to : now);

interface ReferralFigures {
  overall: ReferralOutcomes;
  byPartner: Map<string, ReferralOutcomes>;
}

const referrals = (ctx: SubgraphContext, s: ReportScope) =>
  bySlot<ReferralFigures>(ctx, 'referrals', s, async (slots) =>
    (await referralRows(ctx.db, s.cohort, slots, s.partnerId)).map((rows) => ({
      overall: referralOutcomes(rows),
      byPartner: referralOutcomesByPartner(rows),
    })));

const tcm = (ctx: SubgraphContext, s: ReportScope) =>
  bySlot(ctx, 'tcm', s, async (slots) => (await tcmRows(ctx.db, s.cohort, slots)).map((rows) => tcmTimeliness(rows, s.now)));

/** A ratio KPI's counts, or a statistic measured over a cohort (median days). */
type Measure = Counts | { value: number | null; cohort: number };

const MEASURES: Record<KpiKey, (ctx: SubgraphContext, s: ReportScope) => Promise<Measure>> = {
  // HEDIS PCR: only index stays whose 30-day window has closed by now enter the rate; the others are reported as pending.
  [KpiKey.READMISSION_30_DAY]: (ctx, s) => bySlot(ctx, 'readmission', s, (slots) => readmissionCounts(ctx.db, s.cohort, slots, s.now)),
  [KpiKey.TCM_INTERACTIVE_CONTACT]: async (ctx, s) => (await tcm(ctx, s)).contact,
  [KpiKey.TCM_FACE_TO_FACE]: async (ctx, s) => (await tcm(ctx, s)).faceToFace,
  [KpiKey.FOLLOW_UP_7_DAY]: (ctx, s) =>
    bySlot(ctx, 'followUp', s, async (slots) =>
      (await followUpRows(ctx.db, s.cohort, slots)).map((rows) =>
        // Each discharge is its own "patient" here: the read model already found its first follow-up visit.
        followUpWithin7Days(
          rows.map((r) => ({ patientId: r.key, dischargedAt: r.dischargedAt })),
          rows.flatMap((r) => (r.followUpAt ? [{ patientId: r.key, at: r.followUpAt, kind: r.followUpKind ?? 'OUTPATIENT' }] : [])),
          s.now,
        ))),
  [KpiKey.CARE_PLAN_COVERAGE_HIGH_RISK]: (ctx, s) =>
    bySlot(ctx, 'coverage', s, (slots) => coverageCounts(ctx.db, s.cohort, slots, s.now)),
  [KpiKey.REFERRAL_CLOSED_LOOP]: async (ctx, s) => {
    const { overall } = await referrals(ctx, s);
    return { numerator: overall.closed, denominator: overall.sent };
  },
  [KpiKey.REFERRAL_DAYS_TO_CLOSE]: async (ctx, s) => {
    const { overall } = await referrals(ctx, s);
    return { value: overall.medianDaysToClose, cohort: overall.closed };
  },
  [KpiKey.PARTNER_ACCEPTANCE]: async (ctx, s) => {
    const { overall } = await referrals(ctx, s);
    return { numerator: overall.accepted, denominator: overall.responded };
  },
  [KpiKey.PATIENT_SATISFACTION]: (ctx, s) =>
    bySlot(ctx, 'satisfaction', s, async (slots) =>
      (await surveyScores(ctx.db, s.cohort, slots)).map((scores) => {
        // Top-two-box: 4 or 5 on the 1–5 scale is satisfied (domain/kpi.ts).
        const { satisfied, responses } = satisfaction(scores);
        return { numerator: satisfied, denominator: responses };
      })),
};

const targets = (ctx: SubgraphContext) =>
  ctx.loaders
    .get<string, Map<string, KpiTargetRecord>>('metrics:targets', async (keys) => {
      const rows = await ctx.db.getRepository(KpiTargetRecord).find();
      const map = new Map(rows.map((r) => [r.key, r]));
      return keys.map(() => map);
    })
    .load('all');

function toFigure(key: string, t: KpiTargetRecord | undefined, scope: ReportScope, measure: Measure): KpiFigure {
  const target = t?.target ?? null;
  const comparator = (t?.comparator as KpiComparator | undefined) ?? KpiComparator.AT_LEAST;
  const minimumCohort = config.minCohortSize;
  const figure = 'value' in measure
    ? measureFigure({ value: measure.value, cohort: measure.cohort, target, comparator, minimumCohort })
    : kpiFigure({ numerator: measure.numerator, denominator: measure.denominator, target, comparator, minimumCohort });
  // Pending members are a cell of their own: published unless small (MIN_COHORT_SIZE), like the figure.
  const pending = 'pending' in measure && measure.pending !== undefined
    ? (isSmallCohort(measure.pending, minimumCohort) ? null : measure.pending)
    : null;
  return { key, name: t?.name ?? key, unit: t?.unit ?? 'RATIO', month: scope.month, from: scope.period.from, to: scope.period.to, ...figure, pending };
}

/** One KPI for a cohort and period, against its editable target. */
export async function kpiFigureFor(ctx: SubgraphContext, key: KpiKey, scope: ReportScope): Promise<KpiFigure> {
  const [t, measure] = await Promise.all([targets(ctx), MEASURES[key](ctx, scope)]);
  return toFigure(key, t.get(key), scope, measure);
}

export const ALL_KPIS = Object.values(KpiKey);

export const report = (scope: ReportScope): KpiReport => ({ from: scope.period.from, to: scope.period.to, month: scope.month, scope });
export const referralReport = (scope: ReportScope): ReferralPerformance => ({ from: scope.period.from, to: scope.period.to, month: scope.month, scope });

/** The same scope for each calendar month of its period. */
export const monthlyScopes = (scope: ReportScope): ReportScope[] =>
  monthlyPeriods(scope.period).map((p) => ({ ...scope, period: { from: p.from, to: p.to }, month: p.month }));

export async function costPerCaseFor(ctx: SubgraphContext, s: ReportScope): Promise<CostPerCase> {
  const totals = await bySlot(ctx, 'cost', s, (slots) => costTotals(ctx.db, s.cohort, slots));
  const minimumCohort = config.minCohortSize;
  return { managed: costFigure({ ...totals.managed, minimumCohort }), notManaged: costFigure({ ...totals.notManaged, minimumCohort }) };
}

export async function riskTierDistributionFor(ctx: SubgraphContext, s: ReportScope): Promise<RiskTierDistribution> {
  const asOf = instantOf(s.period, s.now);
  const tiers = await bySlot(ctx, 'riskTiers', s, (slots) => riskTierCounts(ctx.db, s.cohort, slots, s.now));
  const minimumCohort = config.minCohortSize;
  const keys: (RiskTier | null)[] = [RiskTier.LOW, RiskTier.MODERATE, RiskTier.HIGH, null];
  const patients = keys.reduce((sum, k) => sum + (tiers.get(k) ?? 0), 0);
  const suppressed = isSmallCohort(patients, minimumCohort);
  const cells = suppressCells(keys.map((key) => ({ key, count: tiers.get(key) ?? 0 })), minimumCohort);
  return {
    asOf,
    patients: suppressed ? null : patients,
    suppressed,
    tiers: cells.map((c) => {
      const hidden = suppressed || c.suppressed;
      return { tier: c.key, patients: hidden ? null : c.count, share: hidden || patients === 0 ? null : c.count! / patients, suppressed: hidden };
    }),
  };
}

/** CMS CCM counts time per whole calendar month, so the report covers every month the period touches. */
export async function ccmFor(ctx: SubgraphContext, s: ReportScope): Promise<CcmReport> {
  const months = await bySlot(ctx, 'ccm', s, (slots) => ccmPatientMonths(ctx.db, s.cohort, slots));
  const minimumCohort = config.minCohortSize;
  const reached = months.map((m) => new Set(ccmCodesForMonth(m).map((c) => c.code)));
  const suppressed = isSmallCohort(months.length, minimumCohort);
  const buckets = suppressCells(
    CCM_MINUTE_BUCKETS.map((b) => ({ key: b.label, count: months.filter((m) => minutesBucket(m.clinicalStaffMinutes + m.physicianMinutes) === b.label).length })),
    minimumCohort,
  );
  return {
    patientMonths: suppressed ? null : months.length,
    suppressed,
    codes: CCM_CODES.map((code) => {
      const n = reached.filter((r) => r.has(code)).length;
      const hidden = suppressed || isSmallCohort(n, minimumCohort);
      return { code, patientMonths: hidden ? null : n, suppressed: hidden };
    }),
    minutes: buckets.map((b) => ({ minutes: b.key, patientMonths: suppressed ? null : b.count, suppressed: suppressed || b.suppressed })),
  };
}

export async function referralFiguresFor(ctx: SubgraphContext, s: ReportScope): Promise<{ closedLoop: KpiFigure; medianDaysToClose: KpiFigure; acceptance: KpiFigure }> {
  const [closedLoop, medianDaysToClose, acceptance] = await Promise.all(
    [KpiKey.REFERRAL_CLOSED_LOOP, KpiKey.REFERRAL_DAYS_TO_CLOSE, KpiKey.PARTNER_ACCEPTANCE].map((k) => kpiFigureFor(ctx, k, s)),
  );
  return { closedLoop, medianDaysToClose, acceptance };
}

export async function byPartnerFor(ctx: SubgraphContext, s: ReportScope): Promise<PartnerReferralPerformance[]> {
  const [{ byPartner }, t] = await Promise.all([referrals(ctx, s), targets(ctx)]);
  return [...byPartner.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([partnerId, o]) => ({
      partnerId,
      sent: isSmallCohort(o.sent, config.minCohortSize) ? null : o.sent,
      closedLoop: toFigure(KpiKey.REFERRAL_CLOSED_LOOP, t.get(KpiKey.REFERRAL_CLOSED_LOOP), s, { numerator: o.closed, denominator: o.sent }),
      medianDaysToClose: toFigure(KpiKey.REFERRAL_DAYS_TO_CLOSE, t.get(KpiKey.REFERRAL_DAYS_TO_CLOSE), s, { value: o.medianDaysToClose, cohort: o.closed }),
      acceptance: toFigure(KpiKey.PARTNER_ACCEPTANCE, t.get(KpiKey.PARTNER_ACCEPTANCE), s, { numerator: o.accepted, denominator: o.responded }),
    }));
}
