/** The care-teams subgraph's part of the demo population: teams and plans for managed patients. */
import type { DataSource } from 'typeorm';
import { recordEvent } from '../../../shared/events';
import type { SeedBatch } from '../../../shared/subgraph';

export async function seedCareTeams(ds: DataSource, { patients }: SeedBatch): Promise<void> {
  await ds.transaction(async (m) => {
    for (const p of patients) {
      const team = p.careTeam;
      if (!team) continue;
      await m.query(`INSERT INTO care_teams.care_team (id, patient_id, name, status) VALUES ($1, $2, $3, 'active')`, [team.id, p.id, `${p.familyName} care team`]);
      for (const member of team.members) {
        await m.query(`INSERT INTO care_teams.care_team_member (care_team_id, practitioner_id, role, period_start) VALUES ($1, $2, $3, now() - interval '200 days')`, [team.id, member.practitionerId, member.role]);
      }
      await recordEvent(m, 'care-teams', { type: 'CareTeamFormed', aggregateType: 'CareTeam', aggregateId: team.id, patientId: p.id, actor: 'seed', payload: { careTeamId: team.id, members: team.members } });
      await m.query(`INSERT INTO care_teams.care_plan (id, patient_id, care_team_id, title, description, status, intent, period_start, version) VALUES ($1, $2, $3, $4, $5, $6, 'plan', now() - interval '180 days', 1)`,
        [team.carePlanId, p.id, team.id, 'Living well with chronic conditions', 'Self-management, medication adherence and fewer hospital stays', team.planStatus]);
      await recordEvent(m, 'care-teams', { type: 'CarePlanChanged', aggregateType: 'CarePlan', aggregateId: team.carePlanId, patientId: p.id, actor: 'seed', payload: { carePlanId: team.carePlanId, careTeamId: team.id, version: 1, changeKind: 'CREATED', status: team.planStatus, changedFields: ['title', 'status'] } });
    }
  });
}
