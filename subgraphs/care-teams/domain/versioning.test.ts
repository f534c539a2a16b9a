import { HubError } from '../../../shared/errors';
import { assertExpectedVersion, diffCollection, diffFields, toJsonValue } from './versioning';

function caughtError(fn: () => void): HubError {
  try {
    fn();
  } catch (e) {
    return e as HubError;
  }
  throw new Error('expected a throw');
}

describe('assertExpectedVersion', () => {
  it('passes when the client had the current version', () => {
    expect(() => assertExpectedVersion('CarePlan', 6, 6)).not.toThrow();
  });

  it('refuses a stale version with CONFLICT and both versions', () => {
    const err = caughtError(() => assertExpectedVersion('CarePlan', 7, 6));
    expect(err).toBeInstanceOf(HubError);
    expect(err.message).toBe('CarePlan was changed by someone else (now version 7, you had 6)');
    expect(err.extensions).toEqual({ code: 'CONFLICT', currentVersion: 7, expectedVersion: 6 });
  });

  it('refuses a version from the future too', () => {
    const err = caughtError(() => assertExpectedVersion('Goal', 3, 4));
    expect(err.extensions.code).toBe('CONFLICT');
    expect(err.message).toBe('Goal was changed by someone else (now version 3, you had 4)');
  });

  it.each([0, -1, 1.5, Number.NaN])('treats expectedVersion %p as bad input, not a conflict', (v) => {
    const err = caughtError(() => assertExpectedVersion('CarePlan', 1, v));
    expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'expectedVersion' });
  });
});

interface PlanSnapshot {
  title: string;
  status: string;
  periodEnd: Date | null;
  note?: string;
  tags: string[];
  owner: { id: string; name: string };
}

const base: PlanSnapshot = {
  title: 'Heart failure plan',
  status: 'active',
  periodEnd: new Date('2026-12-31T00:00:00Z'),
  tags: ['chf'],
  owner: { id: 'p1', name: 'Ana' },
};
const fields: (keyof PlanSnapshot)[] = ['title', 'status', 'periodEnd', 'note', 'tags', 'owner'];

describe('diffFields', () => {
  it('reports nothing for equal snapshots, including equal Dates that are different objects', () => {
    const copy = { ...base, periodEnd: new Date(base.periodEnd!.getTime()), tags: [...base.tags], owner: { ...base.owner } };
    expect(diffFields(base, copy, fields)).toEqual([]);
  });

  it('reports each changed field with JSON before/after values, in field order', () => {
    const after = { ...base, status: 'on-hold', periodEnd: new Date('2027-01-31T00:00:00Z'), title: 'HF plan' };
    expect(diffFields(base, after, fields)).toEqual([
      { field: 'title', before: 'Heart failure plan', after: 'HF plan' },
      { field: 'status', before: 'active', after: 'on-hold' },
      { field: 'periodEnd', before: '2026-12-31T00:00:00.000Z', after: '2027-01-31T00:00:00.000Z' },
    ]);
  });

  it('treats a Date and null as different, and undefined and null as the same', () => {
    expect(diffFields(base, { ...base, periodEnd: null }, fields)).toEqual([
      { field: 'periodEnd', before: '2026-12-31T00:00:00.000Z', after: null },
    ]);
    expect(diffFields({ ...base, note: undefined }, { ...base, note: null as unknown as string }, fields)).toEqual([]);
    expect(diffFields(base, { ...base, note: 'call Tuesdays' }, fields)).toEqual([
      { field: 'note', before: null, after: 'call Tuesdays' },
    ]);
  });

  it('compares arrays and objects by value, ignoring key order', () => {
    const reordered = { ...base, owner: { name: 'Ana', id: 'p1' } };
    expect(diffFields(base, reordered, fields)).toEqual([]);
    expect(diffFields(base, { ...base, tags: ['chf', 'ckd'] }, fields)).toEqual([
      { field: 'tags', before: ['chf'], after: ['chf', 'ckd'] },
    ]);
  });

  it('only looks at the listed fields', () => {
    expect(diffFields(base, { ...base, status: 'revoked' }, ['title'])).toEqual([]);
  });

  it('prefixes nested field names', () => {
    const changes = diffFields({ description: 'Walk 10 min' }, { description: 'Walk 20 min' }, ['description'], 'goals[g1].');
    expect(changes).toEqual([{ field: 'goals[g1].description', before: 'Walk 10 min', after: 'Walk 20 min' }]);
  });
});

describe('diffCollection', () => {
  interface Goal { id: string; description: string; due: Date | null }
  const g1: Goal = { id: 'g1', description: 'Walk 10 min', due: null };
  const g2: Goal = { id: 'g2', description: 'Low salt diet', due: new Date('2026-06-01T00:00:00Z') };

  it('reports added, removed and changed items', () => {
    const g3: Goal = { id: 'g3', description: 'Weigh daily', due: null };
    const changes = diffCollection('goals', [g1, g2], [{ ...g1, description: 'Walk 20 min' }, g3], ['description', 'due']);
    expect(changes).toEqual([
      { field: 'goals[g1].description', before: 'Walk 10 min', after: 'Walk 20 min' },
      { field: 'goals[g3]', before: null, after: { description: 'Weigh daily', due: null } },
      { field: 'goals[g2]', before: { description: 'Low salt diet', due: '2026-06-01T00:00:00.000Z' }, after: null },
    ]);
  });

  it('reports nothing when the collection is unchanged', () => {
    expect(diffCollection('goals', [g1, g2], [g2, { ...g1 }], ['description', 'due'])).toEqual([]);
  });
});

describe('toJsonValue', () => {
  it('turns an invalid Date into null rather than throwing', () => {
    expect(toJsonValue(new Date('nope'))).toBeNull();
  });
});
