/**
 * Scores one response to a standardized instrument (FHIR QuestionnaireResponse) from
 * the instrument's data alone: every answer is checked against the items and their
 * options, the total is summed and banded, safety flags and positive screening
 * domains are found. Pure, no I/O; the rules themselves live in ./instruments.
 */
import { badInput } from '../../../shared/errors';
import type { SocialNeedCategory } from '../../../shared/vocabulary';
import type { DomainRule, Instrument } from './instruments/types';

export interface AnswerInput {
  linkId: string;
  answerCode: string;
}

export interface ScoredAnswer {
  linkId: string;
  answerCode: string;
  display: string;
  value: number | null;
}

export interface DomainResult {
  code: string;
  socialNeedCategory: SocialNeedCategory;
  positive: boolean;
}

export interface ScoredResponse {
  answers: ScoredAnswer[];
  totalScore: number | null;
  interpretationCode: string | null;
  interpretation: string | null;
  /** Safety flag codes raised (e.g. SUICIDE_RISK). */
  flags: string[];
  domains: DomainResult[];
}

/**
 * Every item answered exactly once with one of its options (the published scoring
 * tables score complete forms only), or BAD_USER_INPUT naming the answer.
 */
export function scoreResponse(instrument: Instrument, answers: readonly AnswerInput[], field = 'input.answers'): ScoredResponse {
  const items = new Map(instrument.items.map((i) => [i.linkId, i]));
  const byLink = new Map<string, ScoredAnswer>();
  answers.forEach((a, i) => {
    const item = items.get(a.linkId?.trim());
    if (!item) throw badInput(`${instrument.id} has no item "${a.linkId}"`, `${field}[${i}].linkId`);
    if (byLink.has(item.linkId)) throw badInput(`Item "${item.linkId}" is answered twice`, `${field}[${i}].linkId`);
    const option = item.options.find((o) => o.code === a.answerCode?.trim());
    if (!option) {
      throw badInput(`"${a.answerCode}" is not an answer to ${item.linkId} (one of ${item.options.map((o) => o.code).join(', ')})`, `${field}[${i}].answerCode`);
    }
    byLink.set(item.linkId, { linkId: item.linkId, answerCode: option.code, display: option.display, value: option.value });
  });
  const missing = instrument.items.filter((i) => !byLink.has(i.linkId)).map((i) => i.linkId);
  if (missing.length) throw badInput(`${instrument.id} needs every item answered; missing ${missing.join(', ')}`, field);

  const valueOf = (linkId: string) => byLink.get(linkId)?.value ?? 0;
  const sum = (linkIds: readonly string[]) => linkIds.reduce((s, l) => s + valueOf(l), 0);

  let totalScore: number | null = null;
  let band: { code: string; display: string } | undefined;
  if (instrument.total) {
    totalScore = sum(instrument.total.items);
    const t = totalScore;
    band = instrument.total.bands.find((b) => t >= b.min && t <= b.max);
  }
  const flags = (instrument.safetyFlags ?? []).filter((f) => byLink.has(f.linkId) && valueOf(f.linkId) >= f.minValue).map((f) => f.code);
  const domains = (instrument.domains ?? []).map((d) => ({
    code: d.code,
    socialNeedCategory: d.socialNeedCategory,
    positive: domainPositive(d.positiveWhen, d.items.map((l) => byLink.get(l)!), sum(d.items)),
  }));
  return {
    answers: instrument.items.map((i) => byLink.get(i.linkId)!),
    totalScore,
    interpretationCode: band?.code ?? null,
    interpretation: band?.display ?? null,
    flags,
    domains,
  };
}

function domainPositive(rule: DomainRule, answers: ScoredAnswer[], sum: number): boolean {
  switch (rule.kind) {
    case 'ANY_ANSWER_IN': return answers.some((a) => rule.codes.includes(a.answerCode));
    case 'SUM_GREATER_THAN': return sum > rule.threshold;
  }
}

/** A data file's own consistency (run by the unit test over every instrument): bands tile the range, options are unique, rules name real items. */
export function instrumentProblems(instrument: Instrument): string[] {
  const problems: string[] = [];
  const links = new Set(instrument.items.map((i) => i.linkId));
  if (links.size !== instrument.items.length) problems.push('duplicate linkId');
  for (const item of instrument.items) {
    if (new Set(item.options.map((o) => o.code)).size !== item.options.length) problems.push(`${item.linkId}: duplicate option code`);
  }
  const t = instrument.total;
  if (t) {
    if (t.items.some((l) => !links.has(l))) problems.push('total names an unknown item');
    let next = t.min;
    for (const b of t.bands) {
      if (b.min !== next || b.max < b.min) problems.push(`band ${b.code} does not continue at ${next}`);
      next = b.max + 1;
    }
    if (next !== t.max + 1) problems.push(`bands end at ${next - 1}, not ${t.max}`);
    const maxSum = t.items.reduce((s, l) => s + Math.max(...instrument.items.find((i) => i.linkId === l)!.options.map((o) => o.value ?? 0)), 0);
    if (maxSum !== t.max) problems.push(`items sum to at most ${maxSum}, not ${t.max}`);
  }
  for (const f of instrument.safetyFlags ?? []) if (!links.has(f.linkId)) problems.push(`flag ${f.code} names an unknown item`);
  for (const d of instrument.domains ?? []) if (d.items.some((l) => !links.has(l))) problems.push(`domain ${d.code} names an unknown item`);
  return problems;
}
