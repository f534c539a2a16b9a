/**
 * The metrics subgraph's part of the demo population: satisfaction survey
 * responses (the only data it owns besides targets), one for most managed
 * patients, with the SatisfactionSurveyRecorded events a live response emits.
 * Deterministic: each patient's response comes from its own PRNG stream.
 */
import type { DataSource } from 'typeorm';
import { recordEvents, type NewEvent } from '../../../shared/events';
import type { SeedBatch } from '../../../shared/subgraph';
import { DEMO_EPOCH, prng, stableUuid } from '../../../scripts/seed/population';

const DAY = 86_400_000;
/** Care management surveys skew positive: about 85 % score 4 or 5. */
const SCORE_WEIGHTS: [number, number][] = [[5, 0.55], [4, 0.3], [3, 0.08], [2, 0.04], [1, 0.03]];

function scoreOf(r: () => number): number {
  let x = r();
  for (const [score, weight] of SCORE_WEIGHTS) if ((x -= weight) < 0) return score;
  return 5;
}

export async function seedSatisfactionSurveys(ds: DataSource, { patients }: SeedBatch): Promise<void> {
  const rows: unknown[][] = [];
  const events: NewEvent[] = [];
  for (const p of patients) {
    if (!p.careTeam) continue;
    const r = prng(0x5a7 + p.index * 104_729);
    if (r() < 0.3) continue; // not everyone answers
    const id = stableUuid(`survey:${p.index}`);
    const score = scoreOf(r);
    const respondedOn = new Date(DEMO_EPOCH - Math.floor(r() * 330) * DAY).toISOString().slice(0, 10);
    rows.push([id, p.id, score, respondedOn]);
    events.push({
      type: 'SatisfactionSurveyRecorded', aggregateType: 'SatisfactionSurvey', aggregateId: id, patientId: p.id, actor: 'seed',
      payload: { surveyId: id, score, respondedOn }, occurredAt: new Date(`${respondedOn}T12:00:00.000Z`), // dated when it was answered
    });
  }
  if (rows.length === 0) return;
  await ds.transaction(async (m) => {
    await m.query(
      `INSERT INTO metrics.satisfaction_survey (id, patient_id, score, responded_on, recorded_by)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::smallint[], $4::date[], $5::text[])`,
      [rows.map((x) => x[0]), rows.map((x) => x[1]), rows.map((x) => x[2]), rows.map((x) => x[3]), rows.map(() => 'seed')],
    );
    await recordEvents(m, 'metrics', events);
  });
}
