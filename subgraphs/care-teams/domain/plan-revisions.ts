/**
 * What kind of change a care plan revision is, and which revisions count as the
 * plan being "established or substantially revised" for CMS complex CCM (99487).
 */
import type { FieldChange } from './versioning';
import { CarePlanStatus } from './status';

/** One per CarePlanChanged event and per revision; the live-updates contract. */
export enum CarePlanChangeKind {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  STATUS_CHANGED = 'STATUS_CHANGED',
  GOAL_ADDED = 'GOAL_ADDED',
  GOAL_UPDATED = 'GOAL_UPDATED',
  ACTIVITY_ADDED = 'ACTIVITY_ADDED',
  ACTIVITY_UPDATED = 'ACTIVITY_UPDATED',
}

/** Plan fields whose change revises what the plan says (title, intent and period do not). */
const SUBSTANTIVE_PLAN_FIELDS = new Set(['description', 'addresses', 'patientPriorities']);
/** Goal fields whose change revises what the team and patient are aiming for. */
const SUBSTANTIVE_GOAL_FIELDS = new Set(['description', 'targetMeasure', 'targetValue', 'targetDueDate']);

/** "goals[<id>].description" → "description"; plain fields stay as they are. */
const fieldName = (qualified: string) => qualified.slice(qualified.lastIndexOf('.') + 1);

/**
 * CMS complex CCM (99487) requires the care plan to be established or
 * substantially revised that month. The hub counts: activating a draft
 * (established), adding a goal or an activity, and revising the plan's
 * description, problems or patient priorities, or a goal's description or
 * target. Carrying the plan out (activity progress, goal achievement) and
 * cosmetic edits (title, period) do not count, nor does writing a draft.
 */
export function isSubstantialRevision(revision: { changeKind: string; changes: readonly FieldChange[] }): boolean {
  switch (revision.changeKind) {
    case CarePlanChangeKind.STATUS_CHANGED:
      return revision.changes.some(
        (c) => c.field === 'status' && c.before === CarePlanStatus.DRAFT && c.after === CarePlanStatus.ACTIVE,
      );
    case CarePlanChangeKind.UPDATED:
      return revision.changes.some((c) => SUBSTANTIVE_PLAN_FIELDS.has(c.field));
    case CarePlanChangeKind.GOAL_ADDED:
    case CarePlanChangeKind.ACTIVITY_ADDED:
      return true;
    case CarePlanChangeKind.GOAL_UPDATED:
      return revision.changes.some((c) => SUBSTANTIVE_GOAL_FIELDS.has(fieldName(c.field)));
    default:
      return false;
  }
}
