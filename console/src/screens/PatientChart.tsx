/**
 * Patient chart: problems, encounters with the LACE risk known at each discharge,
 * social needs (refer one to a community partner), care team, care plans (draft
 * one), referrals with their history, utilization. A refused record shows the
 * FORBIDDEN reason (docs/access.md) and, for a clinician, offers break-the-glass with
 * a stated reason: read-only, time-limited and audited.
 */
import { useMutation, useQuery, useSubscription } from '@apollo/client';
import { useState } from 'react';
import { graphql } from '../gql';
import type { SocialNeedCategory } from '../gql/graphql';
import { Problems, problemsOf } from '../errors';
import { Link, navigate } from '../router';
import type { Session } from '../session';

const CHART = graphql(`
  query PatientChart($id: ID!) {
    patient(id: $id) {
      id mrn givenName familyName birthDate administrativeSex preferredLanguage postalCode careManaged
      risk { score tier drivers dischargedAt }
      conditions(presentOnly: true) { id code display clinicalStatus chronic }
      encounters { id kind facility startedAt admittedAt dischargedAt lace { score tier drivers } }
      socialNeeds { id category status screenedAt }
      careTeams { id name status members(first: 50) { edges { node { id practitionerId role active practitioner { name } } } } }
      carePlans { id title status version updatedAt }
      referrals(first: 50) { edges { node { id status category partner { name } history(first: 50) { edges { node { status changedAt actorSide } } } } } }
      utilization { admissions12Months edVisits6Months readmissions30Day asOf }
    }
  }
`);

const REFERRAL_CHANGES = graphql(`
  subscription PatientReferralsLive($patientId: ID) {
    referralStatusChanged(patientId: $patientId) { cursor status referral { id status } }
  }
`);

const BREAK_THE_GLASS = graphql(`
  mutation BreakTheGlass($input: BreakTheGlassInput!) { breakTheGlass(input: $input) { id expiresAt } }
`);

const DRAFT_PLAN = graphql(`
  mutation DraftCarePlan($input: CreateCarePlanInput!) { createCarePlan(input: $input) { id title version } }
`);

const PARTNERS = graphql(`
  query PartnersForNeed($category: SocialNeedCategory, $postalCode: String) {
    partners(category: $category, postalCode: $postalCode, acceptingOnly: true) { id name }
  }
`);

const REFER = graphql(`
  mutation ReferNeed($input: CreateReferralInput!) { createReferral(input: $input) { id status } }
`);

export function PatientChart({ patientId, session }: { patientId: string; session: Session }) {
  const { data, error, loading, refetch } = useQuery(CHART, { variables: { id: patientId }, errorPolicy: 'all' });
  // A partner accepting or completing a referral shows here live; the history comes with the refetch.
  useSubscription(REFERRAL_CHANGES, { variables: { patientId }, onData: () => void refetch() });
  const p = data?.patient;
  const problems = problemsOf(error);
  const refusal = problems.find((x) => x.code === 'FORBIDDEN');
  if (loading && !p) return <p>Loading…</p>;
  // The whole record refused (not on the care team): say why, and offer break-the-glass where it applies.
  if (!p) return <><h1>Patient</h1>{refusal ? <Refused reason={refusal.reason} message={refusal.message} patientId={patientId} session={session} onGranted={() => void refetch()} /> : <Problems problems={problems} />}</>;
  const team = p.careTeams?.find((t) => t.status === 'ACTIVE') ?? p.careTeams?.[0];
  return (
    <article aria-labelledby="chart-title">
      <h1 id="chart-title">{p.familyName}, {p.givenName} <span className="muted">MRN {p.mrn}</span></h1>
      <p>Born {p.birthDate} · {p.administrativeSex.toLowerCase()} · speaks {p.preferredLanguage} · {p.careManaged ? 'in care management' : 'not enrolled'}</p>
      {p.risk ? <p>Current risk: <span className={`tier tier-${p.risk.tier}`}>{p.risk.tier}</span> LACE {p.risk.score} — {p.risk.drivers.join('; ')}</p> : null}
      {refusal ? <Refused reason={refusal.reason} message={refusal.message} patientId={p.id} session={session} onGranted={() => void refetch()} /> : <Problems problems={problems} />}

      <section aria-labelledby="problems-title"><h2 id="problems-title">Problems</h2>
        {p.conditions?.length ? <ul>{p.conditions.map((c) => <li key={c.id}>{c.code} {c.display ?? ''} {c.chronic ? <span className="muted">(chronic)</span> : null}</li>)}</ul> : <p className="muted">None recorded.</p>}
      </section>

      <section aria-labelledby="encounters-title"><h2 id="encounters-title">Encounters</h2>
        <table><thead><tr><th scope="col">Kind</th><th scope="col">Where</th><th scope="col">From</th><th scope="col">Discharged</th><th scope="col">Risk at discharge</th></tr></thead>
          <tbody>{p.encounters?.map((e) => (
            <tr key={e.id}><td>{e.kind}</td><td>{e.facility ?? '—'}</td><td>{day(e.admittedAt ?? e.startedAt)}</td><td>{day(e.dischargedAt)}</td>
              <td>{e.lace ? <><span className={`tier tier-${e.lace.tier}`}>{e.lace.tier}</span> LACE {e.lace.score} — {e.lace.drivers.join('; ')}</> : '—'}</td></tr>
          ))}</tbody></table>
      </section>

      <section aria-labelledby="needs-title"><h2 id="needs-title">Social needs</h2>
        {p.socialNeeds?.length ? <ul>{p.socialNeeds.map((n) => (
          <li key={n.id}>{label(n.category)} — {n.status.toLowerCase()} (screened {n.screenedAt})
            {n.status === 'IDENTIFIED' ? <ReferNeed patientId={p.id} needId={n.id} category={n.category} postalCode={p.postalCode} onReferred={() => void refetch()} /> : null}</li>
        ))}</ul> : <p className="muted">None screened.</p>}
      </section>

      <section aria-labelledby="team-title"><h2 id="team-title">Care team</h2>
        {team ? <><p>{team.name} ({team.status.toLowerCase()})</p><ul>{team.members.edges.map((e) => e.node).filter((m) => m.active).map((m) => <li key={m.id}>{m.practitioner?.name ?? m.practitionerId} — {label(m.role)}</li>)}</ul></> : <p className="muted">No care team.</p>}
      </section>

      <section aria-labelledby="plans-title"><h2 id="plans-title">Care plans</h2>
        {p.carePlans?.length ? <ul>{p.carePlans.map((c) => <li key={c.id}><Link to={`/care-plans/${c.id}`}>{c.title}</Link> — {c.status.toLowerCase()}, version {c.version}</li>)}</ul> : <p className="muted">No care plan.</p>}
        {team ? <DraftPlan careTeamId={team.id} /> : null}
      </section>

      <section aria-labelledby="referrals-title"><h2 id="referrals-title">Referrals</h2>
        {p.referrals?.edges.length ? <ul>{p.referrals.edges.map(({ node: r }) => (
          <li key={r.id} data-referral={r.id}>{label(r.category)} to {r.partner.name}: <strong className="referral-status">{r.status}</strong>
            <span className="muted"> — {r.history.edges.map(({ node: h }) => `${label(h.status)} ${day(h.changedAt)}`).join(' → ')}</span></li>
        ))}</ul> : <p className="muted">No referrals.</p>}
      </section>

      <section aria-labelledby="use-title"><h2 id="use-title">Utilization</h2>
        {p.utilization ? <p>{p.utilization.admissions12Months} admissions in 12 months · {p.utilization.edVisits6Months} ED visits in 6 months · {p.utilization.readmissions30Day} readmissions within 30 days</p> : <p className="muted">Not available.</p>}
      </section>
    </article>
  );
}

function Refused({ reason, message, patientId, session, onGranted }: { reason?: string; message: string; patientId: string; session: Session; onGranted: () => void }) {
  const [why, setWhy] = useState('');
  const [grant, granting] = useMutation(BREAK_THE_GLASS);
  const clinician = !session.user.roles.some((r) => ['admin', 'analyst', 'partner_staff', 'integration', 'privacy_officer'].includes(r));
  return (
    <div role="alert" className="refused">
      <p><strong>FORBIDDEN{reason ? ` (${reason})` : ''}</strong>: {message}</p>
      {clinician && reason === 'NOT_ON_CARE_TEAM' ? (
        <form onSubmit={async (e) => {
          e.preventDefault();
          const res = await grant({ variables: { input: { patientId, reason: why } } }).catch(() => null);
          if (res?.data) onGranted();
        }}>
          <label htmlFor="btg-reason">Break the glass: why must the record be opened now? (10–500 characters, audited; read-only for {`${60}`} minutes at most)</label>
          <textarea id="btg-reason" value={why} onChange={(e) => setWhy(e.target.value)} minLength={10} maxLength={500} required />
          <button type="submit" disabled={granting.loading}>Break the glass</button>
          <Problems problems={problemsOf(granting.error)} />
        </form>
      ) : null}
    </div>
  );
}

function DraftPlan({ careTeamId }: { careTeamId: string }) {
  const [title, setTitle] = useState('');
  const [draft, drafting] = useMutation(DRAFT_PLAN);
  return (
    <form className="inline" onSubmit={async (e) => {
      e.preventDefault();
      const res = await draft({ variables: { input: { careTeamId, title } } }).catch(() => null);
      if (res?.data) navigate(`/care-plans/${res.data.createCarePlan.id}`);
    }}>
      <label htmlFor="plan-title">New care plan title</label>
      <input id="plan-title" value={title} onChange={(e) => setTitle(e.target.value)} required />
      <button type="submit" disabled={drafting.loading}>Draft care plan</button>
      <Problems problems={problemsOf(drafting.error)} />
    </form>
  );
}

function ReferNeed({ patientId, needId, category, postalCode, onReferred }: { patientId: string; needId: string; category: SocialNeedCategory; postalCode?: string | null; onReferred: () => void }) {
  const [open, setOpen] = useState(false);
  const [partnerId, setPartnerId] = useState('');
  const partners = useQuery(PARTNERS, { variables: { category, postalCode }, skip: !open });
  const [refer, referring] = useMutation(REFER);
  if (!open) return <> <button type="button" onClick={() => setOpen(true)}>Refer</button></>;
  const id = `partner-${needId}`;
  return (
    <form className="inline" onSubmit={async (e) => {
      e.preventDefault();
      const res = await refer({ variables: { input: { patientId, socialNeedId: needId, partnerId, send: true } } }).catch(() => null);
      if (res?.data) { setOpen(false); onReferred(); }
    }}>
      <label htmlFor={id}>Community partner</label>
      <select id={id} value={partnerId} onChange={(e) => setPartnerId(e.target.value)} required>
        <option value="">Choose…</option>
        {partners.data?.partners?.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
      </select>
      <button type="submit" disabled={!partnerId || referring.loading}>Send referral</button>
      <Problems problems={[...problemsOf(partners.error), ...problemsOf(referring.error)]} />
    </form>
  );
}

export const day = (iso?: string | null) => (iso ? iso.slice(0, 10) : '—');
export const label = (code: string) => code.toLowerCase().replace(/_/g, ' ');
