/**
 * Partner portal (/partner/graphql, partner staff): the organization's referrals,
 * accept / start / complete with an outcome, and new referrals arriving live
 * (`referralAssigned`). Only the partner contract's fields are asked for.
 */
import { useMutation, useQuery, useSubscription } from '@apollo/client';
import { useState } from 'react';
import { graphql } from '../gql';
import { Problems, problemsOf } from '../errors';
import { day, label } from './PatientChart';

const MY_REFERRALS = graphql(`
  query MyReferrals {
    myReferrals(first: 100) { edges { node { id status category priority note requestedAt patient { id givenName familyName preferredLanguage interpreterNeeded } outcome { text } } } }
  }
`);

const ASSIGNED = graphql(`
  subscription ReferralAssigned { referralAssigned { cursor status referral { id status } } }
`);

const ACCEPT = graphql(`mutation AcceptReferral($id: ID!) { acceptReferral(input: { id: $id }) { id status } }`);
const START = graphql(`mutation StartReferral($id: ID!) { startReferral(input: { id: $id }) { id status } }`);
const COMPLETE = graphql(`mutation CompleteReferral($id: ID!, $outcome: ReferralOutcomeInput!) { completeReferral(input: { id: $id, outcome: $outcome }) { id status outcome { text } } }`);

export function PartnerPortal() {
  const { data, error, refetch } = useQuery(MY_REFERRALS, { errorPolicy: 'all' });
  const [news, setNews] = useState(0);
  useSubscription(ASSIGNED, { onData: () => { setNews((n) => n + 1); void refetch(); } });
  const [accept, a] = useMutation(ACCEPT);
  const [start, s] = useMutation(START);
  const [complete, c] = useMutation(COMPLETE);
  const [outcomes, setOutcomes] = useState<Record<string, string>>({});
  return (
    <section aria-labelledby="partner-title">
      <h1 id="partner-title">Referrals to your organization</h1>
      <p aria-live="polite" className="live">{news ? `${news} referral update(s) arrived live` : ''}</p>
      <Problems problems={[...problemsOf(error), ...problemsOf(a.error), ...problemsOf(s.error), ...problemsOf(c.error)]} />
      {data?.myReferrals?.edges.length ? (
        <ul className="cards">{data.myReferrals.edges.map(({ node: r }) => (
          <li key={r.id} data-referral={r.id}>
            <h2>{label(r.category)} for {r.patient.givenName} {r.patient.familyName}</h2>
            <p>Status: <strong className="referral-status">{r.status}</strong> · priority {label(r.priority)} · requested {day(r.requestedAt)} · speaks {r.patient.preferredLanguage}{r.patient.interpreterNeeded ? ' (interpreter)' : ''}</p>
            {r.note ? <p>{r.note}</p> : null}
            {r.status === 'REQUESTED' ? <button type="button" onClick={() => void accept({ variables: { id: r.id } }).catch(() => null)}>Accept</button> : null}
            {r.status === 'ACCEPTED' ? <button type="button" onClick={() => void start({ variables: { id: r.id } }).catch(() => null)}>Start</button> : null}
            {r.status === 'IN_PROGRESS' ? (
              <form className="inline" onSubmit={(e) => { e.preventDefault(); void complete({ variables: { id: r.id, outcome: { text: outcomes[r.id] ?? '' } } }).catch(() => null); }}>
                <label htmlFor={`outcome-${r.id}`}>Outcome</label>
                <input id={`outcome-${r.id}`} value={outcomes[r.id] ?? ''} onChange={(e) => setOutcomes({ ...outcomes, [r.id]: e.target.value })} required />
                <button type="submit">Complete</button>
              </form>
            ) : null}
            {r.outcome ? <p>Outcome: {r.outcome.text}</p> : null}
          </li>
        ))}</ul>
      ) : <p className="muted">No referrals.</p>}
    </section>
  );
}
