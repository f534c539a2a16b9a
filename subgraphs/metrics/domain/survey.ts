/** Satisfaction survey responses: what a valid response is. */
import { badInput } from '../../../shared/errors';
import { satisfaction } from './kpi';

export const MAX_COMMENT_LENGTH = 2000;

/** Checks a response and returns it normalised (date as YYYY-MM-DD, comment trimmed or null). */
export function validateSurveyResponse(input: { score: number; respondedOn: string; comment?: string | null }, today: Date): {
  score: number; respondedOn: string; comment: string | null;
} {
  satisfaction([input.score]); // 1–5, whole numbers; throws BAD_USER_INPUT on `score`
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(input.respondedOn.trim());
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
  if (!m || !date || date.toISOString().slice(0, 10) !== input.respondedOn.trim()) {
    throw badInput('respondedOn must be a calendar date (YYYY-MM-DD)', 'respondedOn');
  }
  if (input.respondedOn.trim() > today.toISOString().slice(0, 10)) throw badInput('respondedOn cannot be in the future', 'respondedOn');
  const comment = input.comment?.trim() || null;
  if (comment && comment.length > MAX_COMMENT_LENGTH) throw badInput(`The comment may be at most ${MAX_COMMENT_LENGTH} characters`, 'comment');
  return { score: input.score, respondedOn: input.respondedOn.trim(), comment };
}
