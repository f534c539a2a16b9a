/** The care-teams subgraph: teams, care plans, transitional care and CCM time. */
import { config } from '../../shared/config';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { CreateEventCursors1732300000001, startConsumer, type Consumer } from '../../shared/events';
import { buildFederatedSchema, isUuid } from '../../shared/federation';
import { Role, hasRole } from '../../shared/auth';
import type { SubgraphContext, SubgraphModule } from '../../shared/subgraph';
import { parseHolidayCalendar } from './domain';
import { seedCareTeams } from './data/seed';
import { REFERRAL_ACTIVITIES_CONSUMER, REFERRAL_ACTIVITY_EVENT_TYPES, referralActivityHandler } from './data/referral-activities';
import { OutreachAndReferralActivities1732300200300 } from './data/migrations/1732300200300-OutreachAndReferralActivities';
import {
  CarePlanActivityRecord, CarePlanRecord, CarePlanRevisionRecord, CareTeamMemberRecord, CareTeamRecord, CcmTimeEntryRecord, GoalRecord,
  PatientSnapshotRecord, PractitionerRecord, TransitionalCareEpisodeRecord, TransitionalCareStepRecord,
  TransitionalCareReadmissionRecord, CcmMonthDecisionMakingRecord,
} from './data/entities';
import { CreateCareTeams1732300200000 } from './data/migrations/1732300200000-CreateCareTeams';
import { CarePlanDetailsTransitionalCareCcm1732300200100 } from './data/migrations/1732300200100-CarePlanDetailsTransitionalCareCcm';
import { hubTimeZone } from '../../shared/time-zone';
import { TcmPeriodAndDecisionMaking1732300200400 } from './data/migrations/1732300200400-TcmPeriodAndDecisionMaking';
import { PATIENT_EVENT_TYPES, patientEventHandler } from './data/patient-events';
import { assertCarePlansRead } from './schema/access';
import { CarePlanResolver, resolveCarePlanReference, resolveCarePlanRevisionReference } from './schema/care-plan';
import { CareTeamMemberResolver, CareTeamResolver, PatientCareResolver } from './schema/care-team';
import { CcmTimeResolver, PatientCcmResolver } from './schema/ccm';
import { careTeamById } from './schema/loaders';
import { CarePlanActivityResolver, GoalResolver } from './schema/plan-items';
import { PractitionerResolver, resolvePractitionerReference } from './schema/practitioner';
import { PatientTransitionalCareResolver, TransitionalCareEpisodeResolver, TransitionalCareStepResolver } from './schema/transitional-care';
import { CarePlan, CareTeam, Patient, Practitioner } from './schema/types';
import { WorklistResolver } from './schema/worklist';
import { OutreachResolver, PatientOutreachResolver } from './schema/outreach';
import { OutreachContactRecord } from './data/outreach-entities';
import { TCM_STEP_EVENT_TYPES, withTcmStepEvents } from './data/tcm-step-events';

/** Name of the consumer of patients events (its cursor row in care_teams.event_cursor). */
export const PATIENT_EVENTS_CONSUMER = 'care-teams:patient-events';

export const careTeamsSubgraph: SubgraphModule = {
  name: 'care-teams',
  schema: 'care_teams',
  entities: [
    PractitionerRecord, CareTeamRecord, CareTeamMemberRecord, CarePlanRecord, GoalRecord, CarePlanActivityRecord, CarePlanRevisionRecord,
    PatientSnapshotRecord, TransitionalCareEpisodeRecord, TransitionalCareStepRecord, CcmTimeEntryRecord,
    TransitionalCareReadmissionRecord, CcmMonthDecisionMakingRecord, OutreachContactRecord,
  ],
  migrations: [CreateEventCursors1732300000001, CreateCareTeams1732300200000, CarePlanDetailsTransitionalCareCcm1732300200100, OutreachAndReferralActivities1732300200300, TcmPeriodAndDecisionMaking1732300200400],
  seed: seedCareTeams,
  buildSchema: () =>
    buildFederatedSchema({
      resolvers: [
        PatientCareResolver, CareTeamResolver, CareTeamMemberResolver, PractitionerResolver, CarePlanResolver, GoalResolver,
        CarePlanActivityResolver, PatientTransitionalCareResolver, TransitionalCareEpisodeResolver, TransitionalCareStepResolver,
        PatientCcmResolver, CcmTimeResolver, WorklistResolver, OutreachResolver, PatientOutreachResolver,
      ],
      orphanedTypes: [Patient, CareTeam, CarePlan, Practitioner],
      referenceResolvers: {
        Patient: (ref: { id: string }) => ({ id: ref.id }),
        // A live CarePlanChanged event's plan resolves through this: FORBIDDEN (at that path) for whoever may not read it.
        CarePlan: resolveCarePlanReference,
        // ...and its revision (that change's, by plan and version), through the same check.
        CarePlanRevision: resolveCarePlanRevisionReference,
        CareTeam: async (ref: { id: string }, ctx: SubgraphContext) => {
          const team = isUuid(ref.id) ? await careTeamById(ctx).load(ref.id) : null;
          // Partners reach nothing here outside their contract: for them the team does not exist.
          if (!team || hasRole(ctx.principal, Role.PARTNER_STAFF)) return null;
          await assertCarePlansRead(ctx, team.patientId, 'CareTeam');
          return team;
        },
        Practitioner: resolvePractitionerReference,
      },
    }),
  startWorkers: async ({ ds, transport, log }) => {
    const holidays = parseHolidayCalendar(config.tcmHolidays);
    // Its own small pool: background event handling neither waits for nor takes request connections
    // (and is not counted by the request-path query counters tests use to prove batching).
    const own = new DataSource({ ...ds.options, poolSize: 2, logging: false, logger: undefined } as DataSourceOptions);
    await own.initialize();
    const consumer = await startConsumer({
      ds: own, transport, name: PATIENT_EVENTS_CONSUMER, types: [...PATIENT_EVENT_TYPES, ...TCM_STEP_EVENT_TYPES],
      // Most of the log is other events; applying many per transaction keeps a long catch-up short.
      eventsPerTransaction: 100,
      // Issue 13: TCM steps met in another subgraph (MedicationsReconciled), in log order after the discharge that opened the episode.
      handle: withTcmStepEvents(patientEventHandler({ source: 'care-teams', holidays, timeZone: hubTimeZone(), log })),
    });
    // The closed loop (issue 13): a completed referral completes the plan activities tracking it.
    const referrals = await startConsumer({
      ds: own, transport, name: REFERRAL_ACTIVITIES_CONSUMER, types: REFERRAL_ACTIVITY_EVENT_TYPES, handle: referralActivityHandler({ source: 'care-teams' }),
    });
    // A Consumer (caughtUp() lets tests wait for it) that also closes its pool.
    const worker: Consumer = {
      caughtUp: async () => { await consumer.caughtUp(); await referrals.caughtUp(); },
      stop: async () => {
        await referrals.stop();
        await consumer.stop();
        await own.destroy();
      },
    };
    return [worker];
  },
};
