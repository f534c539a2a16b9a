/**
 * Care plan: goals and activities, edited with `expectedVersion` (the version the
 * editor started from). Another member's change arrives live through the
 * `carePlanChanged` subscription and replaces what is shown; a save against an older
 * version is refused by the hub (CONFLICT) and the screen shows the newer version
 * instead of overwriting it. The revision history lists who changed what.
 */
import { useMutation, useQuery, useSubscription } from '@apollo/client';
import { useState } from 'react';
import { graphql } from '../gql';
import type { CarePlanActivityKind } from '../gql/graphql';
import { Problems, problemsOf } from '../errors';
import { Link } from '../router';
import { day, label } from './PatientChart';

const PLAN = graphql(`
  query CarePlanScreen($id: ID!) {
    carePlan(id: $id) {
      id title description status version updatedAt
      patient { id givenName familyName }
      goals { id description lifecycleStatus achievementStatus }
      activities { id kind description status dueAt }
      history(first: 200) { edges { node { version actor at changeKind changes { field before after } } } }
    }
  }
`);

const PLAN_CHANGED = graphql(`
  subscription CarePlanLive($carePlanId: ID) {
    carePlanChanged(carePlanId: $carePlanId) {
      cursor changeKind version actor
      revision { changes { field } }
      carePlan {
        id title description status version updatedAt
        goals { id description lifecycleStatus achievementStatus }
        activities { id kind description status dueAt }
        history(first: 200) { edges { node { version actor at changeKind changes { field before after } } } }
      }
    }
  }
`);

const UPDATE_PLAN = graphql(`
  mutation UpdateCarePlan($input: UpdateCarePlanInput!) {
    updateCarePlan(input: $input) { id title description version updatedAt history(first: 200) { edges { node { version actor at changeKind changes { field before after } } } } }
  }
`);

const ADD_GOAL = graphql(`
  mutation AddGoal($input: AddGoalInput!) {
    addGoal(input: $input) { carePlan { id version goals { id description lifecycleStatus achievementStatus } history(first: 200) { edges { node { version actor at changeKind changes { field before after } } } } } goal { id } }
  }
`);

const ADD_ACTIVITY = graphql(`
  mutation AddActivity($input: AddCarePlanActivityInput!) {
    addCarePlanActivity(input: $input) { carePlan { id version activities { id kind description status dueAt } history(first: 200) { edges { node { version actor at changeKind changes { field before after } } } } } activity { id } }
  }
`);

interface Draft { title: string; description: string; expectedVersion: number }

export function CarePlanScreen({ carePlanId }: { carePlanId: string }) {
  const { data, error, loading } = useQuery(PLAN, { variables: { id: carePlanId }, errorPolicy: 'all' });
  const [live, setLive] = useState<string | null>(null);
  // The event carries the plan's fields, so Apollo's cache (normalized by id) updates the screen without a reload.
  useSubscription(PLAN_CHANGED, {
    variables: { carePlanId },
    onData: ({ data: d }) => {
      const e = d.data?.carePlanChanged;
      // The event's own revision: what this change did, also when several arrive at once.
      if (e) setLive(`Version ${e.version}: ${label(e.changeKind)} by ${e.actor ?? 'someone'} (${e.revision.changes.map((c) => c.field).join(', ')})`);
    },
  });
  const [draft, setDraft] = useState<Draft | null>(null);
  const [update, updating] = useMutation(UPDATE_PLAN);
  const [conflict, setConflict] = useState<string | null>(null);
  const plan = data?.carePlan;
  if (loading && !plan) return <p>Loading…</p>;
  if (!plan) return <><h1>Care plan</h1><Problems problems={problemsOf(error)} /></>;
  return (
    <article aria-labelledby="plan-title-h">
      <p><Link to={`/patients/${plan.patient.id}`}>← {plan.patient.familyName}, {plan.patient.givenName}</Link></p>
      <h1 id="plan-title-h"><span data-testid="plan-title">{plan.title}</span> <span className="muted">version <span data-testid="plan-version">{plan.version}</span>, {plan.status.toLowerCase()}</span></h1>
      {plan.description ? <p data-testid="plan-description">{plan.description}</p> : null}
      <p aria-live="polite" className="live">{live ?? ''}</p>
      <Problems problems={problemsOf(error)} />

      {draft ? (
        <form className="edit" onSubmit={async (e) => {
          e.preventDefault();
          setConflict(null);
          try {
            await update({ variables: { input: { carePlanId, expectedVersion: draft.expectedVersion, title: draft.title, description: draft.description || null } } });
            setDraft(null);
          } catch (err) {
            const c = problemsOf(err as never).find((p) => p.code === 'CONFLICT');
            if (!c) return;
            // The hub refused to overwrite a newer version: show it, keep the user's text to merge by hand.
            setConflict(`${c.message}. The plan now reads "${plan.title}" (version ${plan.version}); your edit was not saved.`);
            setDraft({ ...draft, expectedVersion: Number(c.extensions.currentVersion ?? plan.version) });
          }
        }}>
          <h2>Edit the plan (from version {draft.expectedVersion})</h2>
          <label htmlFor="edit-title">Title</label>
          <input id="edit-title" value={draft.title} onChange={(e) => setDraft({ ...draft, title: e.target.value })} required />
          <label htmlFor="edit-description">Description</label>
          <textarea id="edit-description" value={draft.description} onChange={(e) => setDraft({ ...draft, description: e.target.value })} />
          <button type="submit" disabled={updating.loading}>Save</button>
          <button type="button" onClick={() => { setDraft(null); setConflict(null); }}>Cancel</button>
          {conflict ? <div role="alert" className="problems conflict"><p><strong>CONFLICT</strong>: {conflict}</p></div> : null}
          <Problems problems={problemsOf(updating.error).filter((p) => p.code !== 'CONFLICT')} />
        </form>
      ) : (
        <button type="button" onClick={() => setDraft({ title: plan.title, description: plan.description ?? '', expectedVersion: plan.version })}>Edit plan</button>
      )}

      <section aria-labelledby="goals-title"><h2 id="goals-title">Goals</h2>
        {plan.goals.length ? <ul>{plan.goals.map((g) => <li key={g.id}>{g.description} — {label(g.lifecycleStatus)}{g.achievementStatus ? `, ${label(g.achievementStatus)}` : ''}</li>)}</ul> : <p className="muted">No goals yet.</p>}
        <AddGoal carePlanId={carePlanId} version={plan.version} />
      </section>

      <section aria-labelledby="activities-title"><h2 id="activities-title">Activities</h2>
        {plan.activities.length ? <ul>{plan.activities.map((a) => <li key={a.id}>{label(a.kind)}: {a.description ?? ''} — {label(a.status)}{a.dueAt ? `, due ${day(a.dueAt)}` : ''}</li>)}</ul> : <p className="muted">No activities yet.</p>}
        <AddActivity carePlanId={carePlanId} version={plan.version} />
      </section>

      <section aria-labelledby="history-title"><h2 id="history-title">Revision history</h2>
        <ol className="history">{plan.history.edges.map(({ node: r }) => (
          <li key={r.version}>Version {r.version}, {label(r.changeKind)} by {r.actor} at {r.at.replace('T', ' ').slice(0, 16)}
            {r.changes.length ? <ul>{r.changes.map((c, i) => <li key={i}><code>{c.field}</code>: {show(c.before)} → {show(c.after)}</li>)}</ul> : null}</li>
        ))}</ol>
      </section>
    </article>
  );
}

function AddGoal({ carePlanId, version }: { carePlanId: string; version: number }) {
  const [text, setText] = useState('');
  const [add, adding] = useMutation(ADD_GOAL);
  return (
    <form className="inline" onSubmit={async (e) => {
      e.preventDefault();
      const res = await add({ variables: { input: { carePlanId, expectedVersion: version, description: text } } }).catch(() => null);
      if (res?.data) setText('');
    }}>
      <label htmlFor="goal-text">New goal</label>
      <input id="goal-text" value={text} onChange={(e) => setText(e.target.value)} required />
      <button type="submit" disabled={adding.loading}>Add goal</button>
      <Problems problems={problemsOf(adding.error)} />
    </form>
  );
}

const KINDS: CarePlanActivityKind[] = ['FOLLOW_UP_CALL', 'HOME_VISIT', 'APPOINTMENT', 'EDUCATION', 'MEDICATION_RECONCILIATION', 'SELF_MANAGEMENT_SUPPORT', 'REMOTE_MONITORING', 'CARE_CONFERENCE'];

function AddActivity({ carePlanId, version }: { carePlanId: string; version: number }) {
  const [kind, setKind] = useState<CarePlanActivityKind>('FOLLOW_UP_CALL');
  const [text, setText] = useState('');
  const [add, adding] = useMutation(ADD_ACTIVITY);
  return (
    <form className="inline" onSubmit={async (e) => {
      e.preventDefault();
      const res = await add({ variables: { input: { carePlanId, expectedVersion: version, kind, description: text } } }).catch(() => null);
      if (res?.data) setText('');
    }}>
      <label htmlFor="activity-kind">Kind</label>
      <select id="activity-kind" value={kind} onChange={(e) => setKind(e.target.value as CarePlanActivityKind)}>
        {KINDS.map((k) => <option key={k} value={k}>{label(k)}</option>)}
      </select>
      <label htmlFor="activity-text">Activity</label>
      <input id="activity-text" value={text} onChange={(e) => setText(e.target.value)} required />
      <button type="submit" disabled={adding.loading}>Add activity</button>
      <Problems problems={problemsOf(adding.error)} />
    </form>
  );
}

const show = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'string' ? `"${v}"` : JSON.stringify(v));
