/** My work: the signed-in member's worklist (TCM steps and plan activities, overdue first) and each patient's CCM minutes this month. */
import { useQuery } from '@apollo/client';
import { graphql } from '../gql';
import { Problems, problemsOf } from '../errors';
import { Link } from '../router';
import { day, label } from './PatientChart';

const MY_WORK = graphql(`
  query MyWork($month: String!) {
    myWorklist(first: 100) {
      kind dueAt overdue riskTier careTeamId
      patient { id givenName familyName ccmMonth(month: $month) { totalMinutes billable codes { code } } }
      activity { id kind description }
      carePlan { id title }
      transitionalCareStep { id kind }
    }
  }
`);

/** The calendar month of today, YYYY-MM (CCM is counted per calendar month, CMS CPT 99490). */
const thisMonth = () => new Date().toISOString().slice(0, 7);

export function MyWork() {
  const month = thisMonth();
  const { data, error, loading } = useQuery(MY_WORK, { variables: { month }, errorPolicy: 'all' });
  const items = data?.myWorklist ?? [];
  return (
    <section aria-labelledby="my-work-title">
      <h1 id="my-work-title">My work</h1>
      <Problems problems={problemsOf(error)} />
      {loading && !data ? <p>Loading…</p> : items.length === 0 ? <p className="muted">Nothing due.</p> : (
        <table>
          <thead><tr><th scope="col">Due</th><th scope="col">Patient</th><th scope="col">What</th><th scope="col">Risk</th><th scope="col">CCM minutes {month}</th></tr></thead>
          <tbody>{items.map((w, i) => (
            <tr key={i} className={w.overdue ? 'overdue' : undefined}>
              <td>{day(w.dueAt)}{w.overdue ? <strong> overdue</strong> : null}</td>
              <th scope="row"><Link to={`/patients/${w.patient.id}`}>{w.patient.familyName}, {w.patient.givenName}</Link></th>
              <td>{w.kind === 'TRANSITIONAL_CARE_STEP' ? `TCM: ${label(w.transitionalCareStep?.kind ?? '')}` : <>{label(w.activity?.kind ?? '')} {w.activity?.description ?? ''}{w.carePlan ? <> — <Link to={`/care-plans/${w.carePlan.id}`}>{w.carePlan.title}</Link></> : null}</>}</td>
              <td>{w.riskTier ?? '—'}</td>
              <td>{w.patient.ccmMonth ? `${w.patient.ccmMonth.totalMinutes} min${w.patient.ccmMonth.billable ? ` (${w.patient.ccmMonth.codes.map((c) => c.code).join(', ')})` : ''}` : '—'}</td>
            </tr>
          ))}</tbody>
        </table>
      )}
    </section>
  );
}
