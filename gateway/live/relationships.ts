/**
 * Who may receive a patient's live events, decided in the gateway itself by the one
 * access table (shared/access-policy.ts `decide`) over the gateway's own copy of the
 * care relationships (shared/care-relationships.ts: the same projection of the same
 * events every subgraph keeps, here in `hub_gateway`). Asking the care-teams subgraph
 * instead cost an HTTP request, a token and a durable audit record per subscriber and
 * patient: 200 resuming subscribers made 200 requests per catch-up pass, and an
 * organization's first events 10,000 (issue 17).
 *
 * A decision about an event waits until the projection has applied the log up to that
 * event, so a membership ended before it is always seen ended; a refusal is asked once
 * more after the projection caught up with everything committed (read-your-writes, as
 * shared/access.ts does). The questions of one tick go to the database as one query.
 * An answer a break-the-glass grant gives is not to be remembered: the grant ends by
 * itself, with no event to say so.
 */
import DataLoader from 'dataloader';
import { decide, PatientData, Relationship } from '../../shared/access-policy';
import { breakTheGlassReason } from '../../shared/audit';
import { isAdmin, type Principal } from '../../shared/auth';
import { CreateCareRelationships1733000000100, relationshipsOfPairs, startRelationshipConsumer, type PatientRelation, type RelationshipConsumer } from '../../shared/care-relationships';
import { createServiceDataSource, migrate } from '../../shared/database';
import { CreateEventCursors1732300000001, type EventTransport } from '../../shared/events';
import { isUuid } from '../../shared/federation';
import type { DataSource } from 'typeorm';
import type { EventFeed } from './feed';

export const GATEWAY_SCHEMA = 'hub_gateway';

/**
 * An answer; `breakTheGlass`, the audit reason when a break-the-glass grant gave it (the delivery is recorded
 * under that purpose); `remember`, whether it holds until the next access-changing event of the patient (not
 * when a grant, which ends by itself, gave it).
 */
export interface LiveDecision { allowed: boolean; remember: boolean; breakTheGlass: string | null }

/** What live deliveries ask about care relationships (LiveRelationships; a scripted one in unit tests). */
export interface CareRelationshipsView {
  mayReadCarePlans(principal: Principal, patientId: string, position: bigint): Promise<LiveDecision>;
}

export class LiveRelationships implements CareRelationshipsView {
  private readonly loader: DataLoader<{ sub: string; patientId: string }, PatientRelation, string>;
  private opened: Promise<{ ds: DataSource; consumer: RelationshipConsumer }> | undefined;
  private current: { ds: DataSource; consumer: RelationshipConsumer } | undefined;
  private stopped = false;

  /** Woken by the gateway's one event feed (no session of its own); opened at once in the background, and again on the next question if that failed. */
  constructor(private readonly databaseUrl: string, private readonly feed: EventFeed) {
    this.loader = new DataLoader(
      async (pairs) => {
        const { ds } = await this.open();
        const found = await relationshipsOfPairs(ds, GATEWAY_SCHEMA, pairs);
        return pairs.map((q) => found.get(`${q.sub}|${q.patientId.toLowerCase()}`)!);
      },
      // Per tick, never cached: the projection moves with every relationship event.
      { cache: false, maxBatchSize: 1000 },
    );
    this.open().catch(() => undefined); // the gateway starts without its database; questions meanwhile are "unknown", retried
  }

  /** Migrates the gateway's projection and starts applying the log to it (in the background: decisions wait for it). */
  private open(): Promise<{ ds: DataSource; consumer: RelationshipConsumer }> {
    this.opened ??= (async () => {
      if (this.stopped) throw new Error('stopped');
      await this.feed.live();
      const ds = createServiceDataSource({ url: this.databaseUrl, schema: GATEWAY_SCHEMA, entities: [], migrations: [CreateEventCursors1732300000001, CreateCareRelationships1733000000100], poolSize: 2 });
      await ds.initialize();
      try {
        await migrate(ds);
        const wakes: EventTransport = { subscribe: async (wake) => { const off = this.feed.onEvent((e) => wake(e.id)); return async () => off(); } };
        this.current = { ds, consumer: await startRelationshipConsumer(ds, wakes, true) };
        return this.current;
      } catch (err) {
        await ds.destroy();
        throw err;
      }
    })().catch((err) => {
      this.opened = undefined;
      throw err;
    });
    return this.opened;
  }

  /** May `principal` read this patient's care team and plans (PatientData.CARE_PLANS), as of the event at `position`? Throws when it cannot be told. */
  async mayReadCarePlans(principal: Principal, patientId: string, position: bigint): Promise<LiveDecision> {
    if (isAdmin(principal)) return { allowed: true, remember: true, breakTheGlass: null };
    if (!isUuid(patientId)) return { allowed: false, remember: true, breakTheGlass: null };
    const { consumer } = await this.open();
    await consumer.reached(position);
    const ask = async (): Promise<LiveDecision> => {
      const { relationship, grant } = await this.loader.load({ sub: principal.sub, patientId });
      const allowed = decide(principal, PatientData.CARE_PLANS, 'read', relationship).allowed;
      if (relationship !== Relationship.BREAK_THE_GLASS || !grant) return { allowed, remember: true, breakTheGlass: null };
      return { allowed, remember: false, breakTheGlass: allowed ? breakTheGlassReason(grant.grantId, grant.reason) : null };
    };
    const first = await ask();
    if (first.allowed) return first;
    await consumer.caughtUp();
    return ask();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const close = async (o: { ds: DataSource; consumer: RelationshipConsumer }) => {
      await o.consumer.stop();
      await o.ds.destroy();
    };
    if (this.current) return close(this.current);
    // Still waiting for the database: close whatever it opens (the wait itself may never end).
    void this.opened?.then(close, () => undefined);
  }
}
