/**
 * Outcomes: the program's KPIs against their targets (clinical-rules: readmission
 * under 15 %, satisfaction over 85 %, TCM timeliness, referral closure), with a
 * monthly trend chart each. A month under the minimum cohort size is suppressed
 * (CMS cell-size policy) and is shown as "suppressed", never as a number.
 */
import { useQuery } from '@apollo/client';
import { CartesianGrid, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import { graphql } from '../gql';
import { Problems, problemsOf } from '../errors';

const OUTCOMES = graphql(`
  query Outcomes {
    kpis {
      from to
      figures { key name unit value target comparator targetMet suppressed suppressionReason numerator denominator }
      costPerCase { managed { patients meanCost suppressed } notManaged { patients meanCost suppressed } }
      monthly { month figures { key value suppressed suppressionReason } }
    }
  }
`);

/** RATIO figures are shown as percentages, DAYS as days (the units kpi_target records). */
const fmt = (v: number | null | undefined, unit: string) =>
  v === null || v === undefined ? '—' : unit === 'RATIO' ? `${(v * 100).toFixed(1)} %` : unit === 'DAYS' ? `${v.toFixed(1)} days` : v.toFixed(2);
const COMPARATOR: Record<string, string> = { LESS_THAN: '<', GREATER_THAN: '>', AT_LEAST: '≥', AT_MOST: '≤' };
const money = (f: { patients?: number | null; meanCost?: number | null; suppressed: boolean }) =>
  f.suppressed ? <span className="suppressed">suppressed</span> : f.meanCost === null || f.meanCost === undefined ? '—' : `$${Math.round(f.meanCost).toLocaleString('en-US')} (${f.patients} patients)`;

export function Outcomes() {
  const { data, error, loading } = useQuery(OUTCOMES, { errorPolicy: 'all' });
  const report = data?.kpis;
  return (
    <section aria-labelledby="outcomes-title">
      <h1 id="outcomes-title">Outcomes</h1>
      <Problems problems={problemsOf(error)} />
      {loading && !report ? <p>Loading…</p> : null}
      {report ? <p className="muted">{report.from.slice(0, 10)} to {report.to.slice(0, 10)}</p> : null}
      {report ? <p>Cost per case: managed {money(report.costPerCase.managed)} · not managed {money(report.costPerCase.notManaged)}</p> : null}
      <div className="kpis">
        {report?.figures.map((f) => {
          const series = report.monthly.map((m) => {
            const x = m.figures.find((g) => g.key === f.key);
            return { month: m.month ?? '', value: x && !x.suppressed ? x.value ?? null : null, suppressed: !!x?.suppressed };
          });
          return (
            <figure key={f.key} className="kpi" aria-labelledby={`kpi-${f.key}`}>
              <figcaption id={`kpi-${f.key}`}>
                <strong>{f.name}</strong>: {f.suppressed ? <span className="suppressed">suppressed</span> : fmt(f.value, f.unit)}
                {' '}<span className="muted">target {COMPARATOR[f.comparator] ?? f.comparator} {fmt(f.target, f.unit)}</span>
                {f.targetMet === true ? <span className="met"> met</span> : f.targetMet === false ? <span className="missed"> not met</span> : null}
              </figcaption>
              <LineChart width={420} height={160} data={series} role="img" aria-label={`${f.name}, monthly trend`}>
                <CartesianGrid stroke="#ccc" strokeDasharray="3 3" />
                <XAxis dataKey="month" tick={{ fontSize: 11, fill: '#222' }} />
                <YAxis tick={{ fontSize: 11, fill: '#222' }} width={48} domain={f.unit === 'RATIO' ? [0, 1] : [0, 'auto']} tickFormatter={(v: number) => (f.unit === 'RATIO' ? `${Math.round(v * 100)}%` : String(v))} />
                <Tooltip />
                {f.target !== null && f.target !== undefined ? <ReferenceLine y={f.target} stroke="#8a1c1c" strokeDasharray="4 2" /> : null}
                <Line type="monotone" dataKey="value" stroke="#0b4f8a" strokeWidth={2} connectNulls={false} isAnimationActive={false} />
              </LineChart>
              <ul className="months" aria-label={`${f.name} by month`}>
                {series.map((s) => <li key={s.month}><span className="muted">{s.month}</span> {s.suppressed ? <span className="suppressed">suppressed</span> : fmt(s.value, f.unit)}</li>)}
              </ul>
            </figure>
          );
        })}
      </div>
    </section>
  );
}
