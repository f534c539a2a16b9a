/** The community-partners subgraph's part of the demo population: the partner directory. */
import type { DataSource } from 'typeorm';
import { DEMO_PARTNERS } from '../../../scripts/seed/population';
import type { SeedBatch } from '../../../shared/subgraph';

export async function seedCommunityPartners(ds: DataSource, { first }: SeedBatch): Promise<void> {
  if (!first) return;
  for (const p of DEMO_PARTNERS) {
    await ds.query(
      `INSERT INTO community_partners.community_partner (id, name, description, categories, eligibility_notes, service_area, languages, hours, accepting_referrals, capacity, contacts)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
      [p.id, p.name, p.description, p.categories, p.eligibilityNotes, p.serviceArea, p.languages, p.hours, p.acceptingReferrals, p.capacity, JSON.stringify(p.contacts)],
    );
  }
}
