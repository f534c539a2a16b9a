/** The care-teams subgraph's part of the demo population: the practitioner directory, teams and plans for managed patients. */
import type { DataSource } from 'typeorm';
import { recordEvent } from '../../../shared/events';
import type { SeedBatch } from '../../../shared/subgraph';
import { DEMO_PRACTITIONERS, stableUuid } from '../../../scripts/seed/population';

export async function seedCareTeams(ds: DataSource, { patients, first }: SeedBatch): Promise<void> {
  await ds.transaction(async (m) => {
    if (first) {
      for (const p of DEMO_PRACTITIONERS) {
        await m.query(`INSERT INTO care_teams.practitioner (id, name, discipline, email) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`, [p.id, p.name, p.discipline, p.email]);
      }
    }
    for (const p of patients) {
      const team = p.careTeam;
      if (!team) continue;
      await m.query(`INSERT INTO care_teams.care_team (id, patient_id, name, status) VALUES ($1, $2, $3, 'active')`, [team.id, p.id, `${p.familyName} care team`]);
      const members = [];
      for (const member of team.members) {
        const [{ id }] = await m.query(`INSERT INTO care_teams.care_team_member (care_team_id, practitioner_id, role, period_start) VALUES ($1, $2, $3, now() - interval '200 days') RETURNING id`, [team.id, member.practitionerId, member.role]);
        members.push({ ...member, membershipId: id });
      }
      await recordEvent(m, 'care-teams', { type: 'CareTeamFormed', aggregateType: 'CareTeam', aggregateId: team.id, patientId: p.id, actor: 'seed', payload: { careTeamId: team.id, status: 'active', members } });
      const title = 'Living well with chronic conditions';
      await m.query(`INSERT INTO care_teams.care_plan (id, patient_id, care_team_id, title, description, status, intent, period_start, version) VALUES ($1, $2, $3, $4, $5, $6, 'plan', now() - interval '180 days', 1)`,
        [team.carePlanId, p.id, team.id, title, 'Self-management, medication adherence and fewer hospital stays', team.planStatus]);
      await m.query(`INSERT INTO care_teams.care_plan_revision (care_plan_id, version, actor, at, change_kind, changes) VALUES ($1, 1, 'seed', now() - interval '180 days', 'CREATED', $2)`,
        [team.carePlanId, JSON.stringify([{ field: 'title', before: null, after: title }, { field: 'status', before: null, after: team.planStatus }])]);
      await recordEvent(m, 'care-teams', { type: 'CarePlanChanged', aggregateType: 'CarePlan', aggregateId: team.carePlanId, patientId: p.id, actor: 'seed', payload: { carePlanId: team.carePlanId, careTeamId: team.id, version: 1, changeKind: 'CREATED', status: team.planStatus, changedFields: ['title', 'status'] } });
      // Open work on active plans, due around seeding time (some already overdue), so worklists are not empty.
      if (team.planStatus === 'active') {
        const offsetDays = (p.index % 10) - 3;
        await m.query(
          `INSERT INTO care_teams.care_plan_activity (id, care_plan_id, kind, description, status, assignee_practitioner_id, assignee_role, due_at)
           VALUES ($1, $3, 'FOLLOW_UP_CALL', 'Monthly check-in call: symptoms, medications, upcoming appointments', 'scheduled', 'demo-coordinator', NULL, now() + make_interval(days => $4)),
                  ($2, $3, 'MEDICATION_RECONCILIATION', 'Reconcile the medication list with the pharmacy fill history', 'not-started', NULL, 'NURSE_CASE_MANAGER', now() + make_interval(days => $5))`,
          [stableUuid(`activity:${p.index}:call`), stableUuid(`activity:${p.index}:medrec`), team.carePlanId, offsetDays, offsetDays + 5],
        );
      }
    }
  });
}
