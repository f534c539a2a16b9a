/** The program's KPIs: `kpis` (a report with named figures), `kpi`, `kpiSeries`, `referralPerformance`, `metricsFreshness`. */
import { Arg, Ctx, Directive, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { SubgraphContext } from '../../../shared/subgraph';
import { readModelFreshness } from '../data/read-model';
import { assertStaff, audienceFor, referralAudienceFor } from './access';
import {
  ALL_KPIS, byPartnerFor, ccmFor, costPerCaseFor, kpiFigureFor, monthlyScopes, referralFiguresFor, referralReport, report, requestNow, riskTierDistributionFor, scopeOf,
} from './report';
import {
  CcmReport, CostPerCase, KpiFigure, KpiFilter, KpiKey, KpiReport, MetricsFreshness, PARTNER, PartnerReferralPerformance, ReferralPerformance,
  RiskTierDistribution,
} from './types';

@Resolver(() => KpiReport)
export class KpiReportResolver {
  @Query(() => KpiReport, { nullable: true, description: "The program's KPIs for a period and cohort (analysts and admins: any cohort; care team members: their panel)" })
  async kpis(@Ctx() ctx: SubgraphContext, @Arg('filter', () => KpiFilter, { nullable: true }) filter?: KpiFilter): Promise<KpiReport> {
    return report(scopeOf(ctx, await audienceFor(ctx, filter), filter));
  }

  @Query(() => KpiFigure, { nullable: true, description: 'One KPI for a period and cohort' })
  async kpi(@Arg('key', () => KpiKey) key: KpiKey, @Ctx() ctx: SubgraphContext, @Arg('filter', () => KpiFilter, { nullable: true }) filter?: KpiFilter): Promise<KpiFigure> {
    return kpiFigureFor(ctx, key, scopeOf(ctx, await audienceFor(ctx, filter), filter));
  }

  @Query(() => [KpiFigure], { nullable: true, description: 'One KPI per calendar month of the period (default: the last 12 months)' })
  async kpiSeries(@Arg('key', () => KpiKey) key: KpiKey, @Ctx() ctx: SubgraphContext, @Arg('filter', () => KpiFilter, { nullable: true }) filter?: KpiFilter): Promise<KpiFigure[]> {
    const scope = scopeOf(ctx, await audienceFor(ctx, filter), filter);
    return Promise.all(monthlyScopes(scope).map((s) => kpiFigureFor(ctx, key, s)));
  }

  @FieldResolver(() => KpiFigure, { description: '30-day all-cause readmission rate, observed (HEDIS PCR): index stays discharged in the period' })
  readmission30Day(@Root() r: KpiReport, @Ctx() ctx: SubgraphContext) { return kpiFigureFor(ctx, KpiKey.READMISSION_30_DAY, r.scope); }

  @FieldResolver(() => KpiFigure, { description: 'TCM episodes (discharged in the period) with interactive contact within 2 business days' })
  tcmInteractiveContact(@Root() r: KpiReport, @Ctx() ctx: SubgraphContext) { return kpiFigureFor(ctx, KpiKey.TCM_INTERACTIVE_CONTACT, r.scope); }

  @FieldResolver(() => KpiFigure, { description: 'TCM episodes with the face-to-face visit within 7 (high complexity) or 14 days, as due' })
  tcmFaceToFace(@Root() r: KpiReport, @Ctx() ctx: SubgraphContext) { return kpiFigureFor(ctx, KpiKey.TCM_FACE_TO_FACE, r.scope); }

  @FieldResolver(() => KpiFigure, { description: 'Discharges home followed by an outpatient, telehealth or home visit within 7 days' })
  followUp7Day(@Root() r: KpiReport, @Ctx() ctx: SubgraphContext) { return kpiFigureFor(ctx, KpiKey.FOLLOW_UP_7_DAY, r.scope); }

  @FieldResolver(() => KpiFigure, { description: 'HIGH-risk patients with an active care plan, at the end of the period' })
  carePlanCoverageHighRisk(@Root() r: KpiReport, @Ctx() ctx: SubgraphContext) { return kpiFigureFor(ctx, KpiKey.CARE_PLAN_COVERAGE_HIGH_RISK, r.scope); }

  @FieldResolver(() => KpiFigure, { description: 'Referrals sent in the period whose loop closed (completed by the partner)' })
  referralClosedLoop(@Root() r: KpiReport, @Ctx() ctx: SubgraphContext) { return kpiFigureFor(ctx, KpiKey.REFERRAL_CLOSED_LOOP, r.scope); }

  @FieldResolver(() => KpiFigure, { description: 'Median days from sending a referral to its completion' })
  referralDaysToClose(@Root() r: KpiReport, @Ctx() ctx: SubgraphContext) { return kpiFigureFor(ctx, KpiKey.REFERRAL_DAYS_TO_CLOSE, r.scope); }

  @FieldResolver(() => KpiFigure, { description: 'Referrals accepted among those partners answered' })
  partnerAcceptance(@Root() r: KpiReport, @Ctx() ctx: SubgraphContext) { return kpiFigureFor(ctx, KpiKey.PARTNER_ACCEPTANCE, r.scope); }

  @FieldResolver(() => KpiFigure, { description: 'Survey responses in the period scoring 4 or 5' })
  patientSatisfaction(@Root() r: KpiReport, @Ctx() ctx: SubgraphContext) { return kpiFigureFor(ctx, KpiKey.PATIENT_SATISFACTION, r.scope); }

  @FieldResolver(() => [KpiFigure], { description: 'Every KPI with a target, in KpiKey order' })
  figures(@Root() r: KpiReport, @Ctx() ctx: SubgraphContext) { return Promise.all(ALL_KPIS.map((k) => kpiFigureFor(ctx, k, r.scope))); }

  @FieldResolver(() => CostPerCase)
  costPerCase(@Root() r: KpiReport, @Ctx() ctx: SubgraphContext) { return costPerCaseFor(ctx, r.scope); }

  @FieldResolver(() => RiskTierDistribution)
  riskTierDistribution(@Root() r: KpiReport, @Ctx() ctx: SubgraphContext) { return riskTierDistributionFor(ctx, r.scope); }

  @FieldResolver(() => CcmReport, { description: 'CCM billable codes reached and minutes, per patient and calendar month touched by the period' })
  ccm(@Root() r: KpiReport, @Ctx() ctx: SubgraphContext) { return ccmFor(ctx, r.scope); }

  @FieldResolver(() => [KpiReport], { description: 'The same report for each calendar month of the period' })
  monthly(@Root() r: KpiReport): KpiReport[] { return monthlyScopes(r.scope).map(report); }

  @Query(() => MetricsFreshness, { nullable: true, description: 'How far the figures trail the event log' })
  async metricsFreshness(@Ctx() ctx: SubgraphContext): Promise<MetricsFreshness> {
    assertStaff(ctx);
    return readModelFreshness(ctx.db, requestNow(ctx));
  }
}

@Resolver(() => ReferralPerformance)
export class ReferralPerformanceResolver {
  @Query(() => ReferralPerformance, { nullable: true, description: "Closed-loop referral figures; partner staff see their own organization's" })
  @Directive(PARTNER)
  async referralPerformance(
    @Ctx() ctx: SubgraphContext,
    @Arg('filter', () => KpiFilter, { nullable: true }) @Directive(PARTNER) filter?: KpiFilter,
  ): Promise<ReferralPerformance> {
    return referralReport(scopeOf(ctx, await referralAudienceFor(ctx, filter), filter));
  }

  @FieldResolver(() => KpiFigure) @Directive(PARTNER)
  async closedLoop(@Root() r: ReferralPerformance, @Ctx() ctx: SubgraphContext) { return (await referralFiguresFor(ctx, r.scope)).closedLoop; }

  @FieldResolver(() => KpiFigure) @Directive(PARTNER)
  async medianDaysToClose(@Root() r: ReferralPerformance, @Ctx() ctx: SubgraphContext) { return (await referralFiguresFor(ctx, r.scope)).medianDaysToClose; }

  @FieldResolver(() => KpiFigure) @Directive(PARTNER)
  async acceptance(@Root() r: ReferralPerformance, @Ctx() ctx: SubgraphContext) { return (await referralFiguresFor(ctx, r.scope)).acceptance; }

  @FieldResolver(() => [PartnerReferralPerformance], { description: 'The same figures per community partner' }) @Directive(PARTNER)
  byPartner(@Root() r: ReferralPerformance, @Ctx() ctx: SubgraphContext) { return byPartnerFor(ctx, r.scope); }

  @FieldResolver(() => [ReferralPerformance], { description: 'The same figures per calendar month of the period' }) @Directive(PARTNER)
  monthly(@Root() r: ReferralPerformance): ReferralPerformance[] { return monthlyScopes(r.scope).map(referralReport); }
}
