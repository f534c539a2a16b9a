/**
 * What bench/gateways.ts and bench/hub-compare.ts load the hub with: the same three
 * queries (one subgraph; the README's sample; a 50-patient worklist page across all
 * four subgraphs) and the same command-line options for the load.
 */
import { parseArgs } from 'node:util';

const PATIENT_ROW = 'id mrn givenName familyName birthDate careManaged chronicConditionCount risk { score tier drivers dischargedAt }';

export interface HubQuery {
  key: 'one' | 'readme' | 'worklist';
  name: string;
  query: string;
  variables: Record<string, unknown>;
  /** Issue 17 sets a whole-hub target for it. */
  target?: boolean;
}

export const HUB_QUERIES: HubQuery[] = [
  {
    // The console's population worklist (console/src/screens/Worklist.tsx): the patients subgraph alone.
    key: 'one', name: 'one subgraph: worklist page, 50 patients (patients only)', variables: { first: 50 },
    query: `query PopulationWorklist($first: Int) { patients(first: $first, orderBy: RISK_DESC) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { ${PATIENT_ROW} } } } }`,
  },
  {
    // README, "A first query": all four subgraphs.
    key: 'readme', name: 'README sample query (4 subgraphs)', target: true, variables: {},
    query: '{ patients(first: 3) { totalCount edges { node { mrn familyName careTeams { name } carePlans { title status } referrals(first: 5) { totalCount edges { node { status } } } } } } kpiTargets { key target } }',
  },
  {
    key: 'worklist', name: 'worklist page, 50 patients + teams, plans, referrals, utilization (4 subgraphs)', target: true, variables: { first: 50 },
    query: `query WorklistPage($first: Int) { patients(first: $first, orderBy: RISK_DESC) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { ${PATIENT_ROW}
    careTeams { id name } carePlans { id title status }
    referrals(first: 5) { totalCount edges { node { id status } } }
    utilization { admissions12Months edVisits6Months readmissions30Day asOf } } } } }`,
  },
];

/** `--patients --vus --rounds --seconds --warmup --quick --keep`, plus a bench's own options. */
export function parseLoadArgs<O extends Record<string, { type: 'string' | 'boolean'; default?: string | boolean }>>(own: O = {} as O) {
  const { values } = parseArgs({
    options: {
      ...own,
      patients: { type: 'string', default: '2000' },
      vus: { type: 'string', default: '50' },
      rounds: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      quick: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  return values;
}
