/**
 * Seeds the demo population into an empty hub: each subgraph writes its own part
 * through its `seed` hook (and records the matching domain events), batch by batch.
 * Without a progress callback (`npm start`), it logs its progress once a second:
 * patients so far, rate and time left (shared/progress.ts).
 */
import type { DataSource } from 'typeorm';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../shared/config';
import { logger } from '../../shared/logger';
import { startProgress } from '../../shared/progress';
import type { SubgraphModule } from '../../shared/subgraph';
import { demoPatients } from './population';

export async function isHubEmpty(patientsDs: DataSource): Promise<boolean> {
  const [{ n }] = await patientsDs.query('SELECT count(*)::int AS n FROM patients.patient');
  return n === 0;
}

export async function seedDemoPopulation(
  modules: Record<SubgraphName, SubgraphModule>,
  dataSources: Record<SubgraphName, DataSource>,
  count: number,
  onProgress?: (done: number) => void,
): Promise<void> {
  let done = 0;
  let first = true;
  const log = logger('seed');
  const progress = onProgress ? undefined : startProgress({
    label: 'seeding', unit: 'patients', total: count,
    report: (r) => log.info({ patients: r.done, total: r.total, perSecond: Math.round(r.rate), etaSeconds: r.etaSeconds === undefined ? undefined : Math.ceil(r.etaSeconds) }, r.line),
  });
  for (const patients of demoPatients(count)) {
    for (const name of SUBGRAPH_NAMES) await modules[name].seed?.(dataSources[name], { patients, first });
    first = false;
    done += patients.length;
    if (onProgress) onProgress(done);
    else progress!.update(done);
  }
  progress?.finish();
}
