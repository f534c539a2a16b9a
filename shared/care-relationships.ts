/**
 * Who stands in what relationship to which patient, as every subgraph knows it: a
 * projection of the care-team events (CareTeamFormed, CareTeamMemberAdded,
 * CareTeamMembershipEnded, CareCoordinatorHandedOver, CareTeamStatusChanged) and of
 * break-the-glass grants (BreakTheGlassGranted), kept in each subgraph's own schema
 * by the same consumer (`access-relationships`). No subgraph reads another's tables:
 * the care-teams subgraph owns teams, the patients subgraph owns grants, and everyone
 * applies their events (docs/architecture.md).
 *
 * shared/subgraph.ts adds the migration and the consumer to every subgraph, so no
 * subgraph can forget them; shared/access.ts asks `relationshipsOf` once per request
 * for all the patients it checks, and asks again after the consumer caught up
 * before it refuses (read-your-writes: a team formed a moment ago counts).
 */
import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { Relationship } from './access-policy';
import { startConsumer, type DomainEvent, type PositionedConsumer, type EventTransport } from './events';
import { rowsOf } from './database';
import { isUuid } from './federation';

export const RELATIONSHIP_EVENTS = [
  'CareTeamFormed', 'CareTeamMemberAdded', 'CareTeamMembershipEnded', 'CareCoordinatorHandedOver', 'CareTeamStatusChanged', 'BreakTheGlassGranted',
] as const;

export const RELATIONSHIP_CONSUMER = 'access-relationships';

/** The projection's tables, in the schema of the subgraph that runs the migration. */
export class CreateCareRelationships1733000000100 implements MigrationInterface {
  name = 'CreateCareRelationships1733000000100';
  async up(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`CREATE TABLE "${s}".access_care_team (care_team_id text PRIMARY KEY, patient_id uuid NOT NULL, status text NOT NULL)`);
    await q.query(`CREATE INDEX access_care_team_patient ON "${s}".access_care_team (patient_id)`);
    await q.query(`CREATE TABLE "${s}".access_membership (
      membership_id text PRIMARY KEY, care_team_id text NOT NULL, practitioner_id text NOT NULL, role text NOT NULL, active boolean NOT NULL)`);
    await q.query(`CREATE INDEX access_membership_practitioner ON "${s}".access_membership (practitioner_id, care_team_id) WHERE active`);
    await q.query(`CREATE TABLE "${s}".access_grant (
      grant_id uuid PRIMARY KEY, patient_id uuid NOT NULL, practitioner_id text NOT NULL, reason text NOT NULL,
      granted_at timestamptz NOT NULL, expires_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX access_grant_patient ON "${s}".access_grant (patient_id, practitioner_id, expires_at)`);
  }
  async down(q: QueryRunner): Promise<void> {
    const s = (q.connection.options as { schema: string }).schema;
    await q.query(`DROP TABLE "${s}".access_grant`);
    await q.query(`DROP TABLE "${s}".access_membership`);
    await q.query(`DROP TABLE "${s}".access_care_team`);
  }
}

interface MemberPayload { practitionerId?: string; role?: string; membershipId?: string }

/** Applies one relationship event to the projection (idempotent: a replay changes nothing). */
export async function applyRelationshipEvent(m: EntityManager, schema: string, e: DomainEvent): Promise<void> {
  const p = e.payload as Record<string, unknown>;
  const teamId = p.careTeamId as string | undefined;
  const upsertMember = (mb: MemberPayload) =>
    m.query(
      `INSERT INTO "${schema}".access_membership (membership_id, care_team_id, practitioner_id, role, active) VALUES ($1, $2, $3, $4, true)
       ON CONFLICT (membership_id) DO NOTHING`,
      [mb.membershipId, teamId, mb.practitionerId, mb.role ?? 'UNKNOWN'],
    );
  const endMember = (membershipId: unknown) =>
    m.query(`UPDATE "${schema}".access_membership SET active = false WHERE membership_id = $1`, [membershipId]);

  switch (e.type) {
    case 'CareTeamFormed':
      if (!teamId || !e.patientId || !isUuid(e.patientId)) return;
      await m.query(
        `INSERT INTO "${schema}".access_care_team (care_team_id, patient_id, status) VALUES ($1, $2, $3) ON CONFLICT (care_team_id) DO NOTHING`,
        [teamId, e.patientId, (p.status as string) ?? 'active'],
      );
      for (const mb of (p.members as MemberPayload[] | undefined) ?? []) if (mb.membershipId && mb.practitionerId) await upsertMember(mb);
      return;
    case 'CareTeamMemberAdded':
      if (teamId && p.membershipId && p.practitionerId) await upsertMember(p as MemberPayload);
      return;
    case 'CareTeamMembershipEnded':
      await endMember(p.membershipId);
      return;
    case 'CareCoordinatorHandedOver':
      await endMember(p.endedMembershipId);
      if (teamId && p.membershipId && p.toPractitionerId) {
        await upsertMember({ membershipId: p.membershipId as string, practitionerId: p.toPractitionerId as string, role: 'CARE_COORDINATOR' });
      }
      return;
    case 'CareTeamStatusChanged':
      await m.query(`UPDATE "${schema}".access_care_team SET status = $2 WHERE care_team_id = $1`, [teamId, p.status]);
      return;
    case 'BreakTheGlassGranted':
      if (!e.patientId || !isUuid(e.patientId)) return;
      await m.query(
        `INSERT INTO "${schema}".access_grant (grant_id, patient_id, practitioner_id, reason, granted_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (grant_id) DO NOTHING`,
        [p.grantId, e.patientId, p.practitionerId, p.reason, p.grantedAt, p.expiresAt],
      );
      return;
    default:
  }
}

export type RelationshipConsumer = PositionedConsumer;

/** The consumer every subgraph runs (shared/subgraph.ts starts it), and the gateway for live deliveries (`inBackground`: it serves while catching up). */
export async function startRelationshipConsumer(ds: DataSource, transport: EventTransport, inBackground = false): Promise<RelationshipConsumer> {
  const schema = (ds.options as { schema: string }).schema;
  return startConsumer({
    ds,
    transport,
    name: RELATIONSHIP_CONSUMER,
    types: RELATIONSHIP_EVENTS,
    eventsPerTransaction: 100,
    catchUpInBackground: inBackground,
    handle: (e, m) => applyRelationshipEvent(m, schema, e),
  });
}

export interface PatientRelation {
  relationship: Relationship;
  /** The unexpired break-the-glass grant that opens the record, if that is the relationship. */
  grant: { grantId: string; reason: string; expiresAt: Date } | null;
}

/** One query for all the patients a request checks: team, membership and grants of `sub`. */
export async function relationshipsOf(db: Queryable, schema: string, sub: string, patientIds: readonly string[]): Promise<Map<string, PatientRelation>> {
  const ids = [...new Set(patientIds.filter(isUuid).map((id) => id.toLowerCase()))];
  const found = await relationshipsOfPairs(db, schema, ids.map((patientId) => ({ sub, patientId })));
  return new Map(ids.map((id) => [id, found.get(`${sub}|${id}`)!]));
}

/**
 * The same for many subjects at once, keyed `sub|patientId` (the gateway's live
 * deliveries ask for every subscriber of an event in one query). Every pair asked
 * (with a UUID patient id) gets an answer.
 */
export async function relationshipsOfPairs(db: Queryable, schema: string, pairs: readonly { sub: string; patientId: string }[]): Promise<Map<string, PatientRelation>> {
  const asked = new Map(pairs.filter((q) => isUuid(q.patientId)).map((q) => [`${q.sub}|${q.patientId.toLowerCase()}`, { sub: q.sub, id: q.patientId.toLowerCase() }]));
  const out = new Map<string, PatientRelation>();
  if (asked.size === 0) return out;
  const rows = rowsOf<{ sub: string; patient_id: string; has_team: boolean; member: boolean; grant_id: string | null; reason: string | null; expires_at: Date | null }>(await db.query(
    `SELECT q.sub, q.id::text AS patient_id,
            EXISTS (SELECT 1 FROM "${schema}".access_care_team t WHERE t.patient_id = q.id AND t.status = 'active') AS has_team,
            EXISTS (SELECT 1 FROM "${schema}".access_care_team t JOIN "${schema}".access_membership mb ON mb.care_team_id = t.care_team_id
                     WHERE t.patient_id = q.id AND t.status = 'active' AND mb.active AND mb.practitioner_id = q.sub) AS member,
            g.grant_id::text AS grant_id, g.reason, g.expires_at
       FROM unnest($1::text[], $2::uuid[]) AS q(sub, id)
       LEFT JOIN LATERAL (SELECT grant_id, reason, expires_at FROM "${schema}".access_grant
                           WHERE patient_id = q.id AND practitioner_id = q.sub AND expires_at > now() ORDER BY expires_at DESC LIMIT 1) g ON true`,
    [[...asked.values()].map((q) => q.sub), [...asked.values()].map((q) => q.id)],
  ));
  for (const r of rows) {
    const relationship = r.member ? Relationship.MEMBER : r.grant_id ? Relationship.BREAK_THE_GLASS : r.has_team ? Relationship.NOT_MEMBER : Relationship.NO_TEAM;
    out.set(`${r.sub}|${r.patient_id}`, {
      relationship,
      grant: relationship === Relationship.BREAK_THE_GLASS ? { grantId: r.grant_id!, reason: r.reason!, expiresAt: r.expires_at! } : null,
    });
  }
  return out;
}

type Queryable = { query: (sql: string, params?: unknown[]) => Promise<unknown> };

/** Patients whose active team lists `sub` as an active member: a clinician's panel (worklist filters). */
export function panelCondition(schema: string, patientIdColumn: string, subParam: string): string {
  return `${patientIdColumn} IN (SELECT t.patient_id FROM "${schema}".access_care_team t JOIN "${schema}".access_membership mb ON mb.care_team_id = t.care_team_id
                                  WHERE t.status = 'active' AND mb.active AND mb.practitioner_id = ${subParam})`;
}
