import { CarePlanChangeKind, isSubstantialRevision } from './plan-revisions';

const change = (field: string, before: unknown, after: unknown) => ({ field, before, after });

describe('isSubstantialRevision (CMS 99487: plan established or substantially revised)', () => {
  it('activating a draft establishes the plan', () => {
    expect(isSubstantialRevision({ changeKind: CarePlanChangeKind.STATUS_CHANGED, changes: [change('status', 'draft', 'active'), change('periodStart', null, '2026-11-02T00:00:00.000Z')] })).toBe(true);
  });
  it.each([
    ['on-hold', 'active'],
    ['active', 'on-hold'],
    ['active', 'completed'],
    ['draft', 'revoked'],
  ])('a status change %s → %s does not', (before, after) => {
    expect(isSubstantialRevision({ changeKind: CarePlanChangeKind.STATUS_CHANGED, changes: [change('status', before, after)] })).toBe(false);
  });
  it('writing a draft does not establish the plan', () => {
    expect(isSubstantialRevision({ changeKind: CarePlanChangeKind.CREATED, changes: [change('title', null, 'Plan'), change('status', null, 'draft')] })).toBe(false);
  });
  it.each(['description', 'addresses', 'patientPriorities'])('revising the plan\'s %s counts', (field) => {
    expect(isSubstantialRevision({ changeKind: CarePlanChangeKind.UPDATED, changes: [change(field, 'a', 'b')] })).toBe(true);
  });
  it.each(['title', 'intent', 'periodEnd'])('changing only the %s does not', (field) => {
    expect(isSubstantialRevision({ changeKind: CarePlanChangeKind.UPDATED, changes: [change(field, 'a', 'b')] })).toBe(false);
  });
  it.each([CarePlanChangeKind.GOAL_ADDED, CarePlanChangeKind.ACTIVITY_ADDED])('%s counts', (changeKind) => {
    expect(isSubstantialRevision({ changeKind, changes: [change('goals[g1]', null, { description: 'x' })] })).toBe(true);
  });
  it.each(['description', 'targetMeasure', 'targetValue', 'targetDueDate'])('revising a goal\'s %s counts', (field) => {
    expect(isSubstantialRevision({ changeKind: CarePlanChangeKind.GOAL_UPDATED, changes: [change(`goals[g1].${field}`, 'a', 'b')] })).toBe(true);
  });
  it('recording goal progress does not', () => {
    expect(isSubstantialRevision({ changeKind: CarePlanChangeKind.GOAL_UPDATED, changes: [change('goals[g1].achievementStatus', 'in-progress', 'improving'), change('goals[g1].lifecycleStatus', 'accepted', 'active')] })).toBe(false);
  });
  it('carrying out an activity does not', () => {
    expect(isSubstantialRevision({ changeKind: CarePlanChangeKind.ACTIVITY_UPDATED, changes: [change('activities[a1].status', 'scheduled', 'completed')] })).toBe(false);
  });
  it('an unknown change kind does not', () => {
    expect(isSubstantialRevision({ changeKind: 'SOMETHING_ELSE', changes: [change('description', 'a', 'b')] })).toBe(false);
  });
});
