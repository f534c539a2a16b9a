/** Helpers shared by the care-teams gateway tests (test/care-teams*.test.ts). */
import { Client } from 'pg';
import { Role } from '../shared/auth';
import type { Consumer } from '../shared/events';
import type { GraphQLResponse, TestHub } from './support/hub';

/** The data of a response that must have succeeded (fails the test with the errors otherwise). */
export function ok<T = Record<string, any>>(res: GraphQLResponse<T>): T {
  expect(res.errors).toBeUndefined();
  return res.data as T;
}

/** The one error of a response that must have failed. */
export function failure(res: GraphQLResponse): { message: string; extensions: Record<string, any> } {
  expect(res.errors?.length).toBeGreaterThan(0);
  return res.errors![0] as { message: string; extensions: Record<string, any> };
}

/** Waits until the care-teams consumers (patient events, and the care-relationship projection) have applied every event committed so far. */
export async function careTeamsCaughtUp(hub: TestHub): Promise<void> {
  for (const w of hub.subgraphs['care-teams'].workers as unknown as Consumer[]) await w.caughtUp();
}

let mrn = 0;
export async function registerPatient(hub: TestHub, familyName = 'Garcia'): Promise<string> {
  const data = ok(await hub.query(`mutation($i: RegisterPatientInput!) { registerPatient(input: $i) { id } }`, {
    i: { mrn: `CT-${process.pid}-${++mrn}`, givenName: 'Rosa', familyName, birthDate: '1948-05-02', administrativeSex: 'FEMALE' },
  }));
  return data.registerPatient.id;
}

export interface TeamMembers { [practitionerId: string]: string }

/** Forms a team (as an admin unless a token is given); returns its id and membership ids by practitioner. */
export async function formTeam(hub: TestHub, patientId: string, members: TeamMembers, token?: string): Promise<{ id: string; membership: Record<string, string> }> {
  const data = ok(await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id members { edges { node { id practitionerId } } } } }`, {
    i: { patientId, name: 'Care team', members: Object.entries(members).map(([practitionerId, role]) => ({ practitionerId, role })) },
  }, token));
  return {
    id: data.formCareTeam.id,
    membership: Object.fromEntries(data.formCareTeam.members.edges.map(({ node: m }: { node: { id: string; practitionerId: string } }) => [m.practitionerId, m.id])),
  };
}

export const clinician = (hub: TestHub, sub: string, role: Role = Role.NURSE) => hub.token({ sub, roles: [role] });

/** Reads rows straight from the hub's database (the event log, or checks no API exposes). */
export async function sql<T = Record<string, any>>(hub: TestHub, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: hub.databaseUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Events of some types about one aggregate, in log order. */
export const eventsOf = (hub: TestHub, aggregateId: string, types: string[]) =>
  sql<{ id: string; type: string; actor: string; patient_id: string; source: string; payload: Record<string, any> }>(
    hub, `SELECT id, type, actor, patient_id, source, payload FROM hub_events.event_log WHERE aggregate_id = $1 AND type = ANY($2) ORDER BY id`, [aggregateId, types]);
