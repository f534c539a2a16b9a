/**
 * Population worklist: patients by risk (LACE tier, score, drivers in words), with
 * filters, who manages them, and "Enroll" (formCareTeam, the signed-in coordinator
 * as the team's care coordinator).
 */
import { useMutation, useQuery } from '@apollo/client';
import { useState } from 'react';
import { graphql } from '../gql';
import type { RiskTier } from '../gql/graphql';
import { Problems, problemsOf } from '../errors';
import { Link, navigate } from '../router';
import type { Session } from '../session';

const WORKLIST = graphql(`
  query PopulationWorklist($first: Int, $after: String, $filter: PatientFilter) {
    patients(first: $first, after: $after, filter: $filter, orderBy: RISK_DESC) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id mrn givenName familyName birthDate careManaged chronicConditionCount
        risk { score tier drivers dischargedAt } } }
    }
  }
`);

const ENROLL = graphql(`
  mutation Enroll($input: FormCareTeamInput!) {
    formCareTeam(input: $input) { id name patient { id careManaged } }
  }
`);

export function Worklist({ session }: { session: Session }) {
  const [tier, setTier] = useState<RiskTier | ''>('');
  const [managed, setManaged] = useState<'' | 'yes' | 'no'>('');
  const [search, setSearch] = useState('');
  const filter = { ...(tier ? { riskTier: tier } : {}), ...(managed ? { careManaged: managed === 'yes' } : {}), ...(search ? { search } : {}) };
  const { data, loading, error, fetchMore } = useQuery(WORKLIST, { variables: { first: 25, filter } });
  const [enroll, enrolling] = useMutation(ENROLL);
  const isCoordinator = session.user.roles.includes('care_coordinator') || session.user.roles.includes('admin');
  const conn = data?.patients;
  return (
    <section aria-labelledby="worklist-title">
      <h1 id="worklist-title">Population worklist</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>Risk tier
          <select value={tier} onChange={(e) => setTier(e.target.value as RiskTier | '')}>
            <option value="">Any</option><option value="HIGH">High</option><option value="MODERATE">Moderate</option><option value="LOW">Low</option>
          </select>
        </label>
        <label>Care management
          <select value={managed} onChange={(e) => setManaged(e.target.value as '' | 'yes' | 'no')}>
            <option value="">Any</option><option value="no">Not enrolled</option><option value="yes">Enrolled</option>
          </select>
        </label>
        <label>Name or MRN
          <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </label>
      </form>
      <Problems problems={[...problemsOf(error), ...problemsOf(enrolling.error)]} />
      {loading && !conn ? <p>Loading…</p> : null}
      {conn ? <p className="muted">{conn.totalCount} {conn.totalCount === 1 ? 'patient' : 'patients'}, highest risk first</p> : null}
      <table>
        <thead><tr><th scope="col">Patient</th><th scope="col">Risk</th><th scope="col">Why</th><th scope="col">Managed</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
        <tbody>
          {conn?.edges.map(({ node: p }) => (
            <tr key={p.id}>
              <th scope="row"><Link to={`/patients/${p.id}`}>{p.familyName}, {p.givenName}</Link> <span className="muted">MRN {p.mrn}</span></th>
              <td>{p.risk ? <><span className={`tier tier-${p.risk.tier}`}>{p.risk.tier}</span> LACE {p.risk.score}</> : <span className="muted">no discharge yet</span>}</td>
              <td>{p.risk?.drivers.join('; ') ?? '—'}</td>
              <td>{p.careManaged ? 'Care team' : 'Not enrolled'}</td>
              <td>
                {!p.careManaged && isCoordinator ? (
                  <button type="button" disabled={enrolling.loading} aria-label={`Enroll ${p.givenName} ${p.familyName}`} onClick={async () => {
                    const res = await enroll({ variables: { input: { patientId: p.id, name: `${p.familyName} care team`, members: [{ practitionerId: session.user.sub, role: 'CARE_COORDINATOR' }] } } }).catch(() => null);
                    if (res?.data) navigate(`/patients/${p.id}`);
                  }}>Enroll</button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {conn?.pageInfo.hasNextPage ? (
        <button type="button" onClick={() => void fetchMore({
          variables: { after: conn.pageInfo.endCursor },
          updateQuery: (prev, { fetchMoreResult }) => ({ patients: { ...fetchMoreResult.patients!, edges: [...(prev.patients?.edges ?? []), ...(fetchMoreResult.patients?.edges ?? [])] } }),
        })}>More patients</button>
      ) : null}
    </section>
  );
}
