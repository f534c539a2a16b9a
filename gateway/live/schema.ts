/**
 * The gateway's own "live" subgraph: the Subscription root fields and their event
 * types. It is composed into the supergraph like any subgraph, but it owns no data:
 * each event comes from the shared event log, and every entity field a client selects
 * (`carePlan { goals }`, `patient { risk }`) is fetched from the owning subgraph by
 * Apollo's query planner, per event. Entities appear here as keys only.
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLScalarType, parse, type GraphQLSchema } from 'graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';

export const LIVE_SUBGRAPH = 'live';
/** Never called over the network: the gateway answers the live subgraph's fetches itself. */
export const LIVE_SUBGRAPH_URL = 'http://gateway.internal/live';

export const LIVE_SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@tag"])

scalar DateTimeISO

type CarePlan @key(fields: "id", resolvable: false) { id: ID! }
type Patient @key(fields: "id", resolvable: false) @tag(name: "partner") { id: ID! @tag(name: "partner") }
type Referral @key(fields: "id", resolvable: false) @tag(name: "partner") { id: ID! @tag(name: "partner") }
type AssessmentResponse @key(fields: "id", resolvable: false) { id: ID! }
type SocialNeed @key(fields: "id", resolvable: false) { id: ID! }
"The revision a change recorded, resolved from care-teams by plan and version (that change's, not the latest)."
type CarePlanRevision @key(fields: "carePlanId version", resolvable: false) { carePlanId: ID! version: Int! }

# The value sets below are the owning subgraphs' enums, defined identically here (federation composes them into one type).
enum CarePlanChangeKind { CREATED UPDATED STATUS_CHANGED GOAL_ADDED GOAL_UPDATED ACTIVITY_ADDED ACTIVITY_UPDATED }
"Gravity referral Task.status (FHIR codes: IN_PROGRESS = in-progress)"
enum ReferralStatus { DRAFT REQUESTED ACCEPTED REJECTED IN_PROGRESS ON_HOLD FAILED COMPLETED CANCELLED ENTERED_IN_ERROR }
"Which side of the closed loop made a change"
enum ReferralActorSide { REQUESTER PARTNER }
enum SocialNeedStatus { IDENTIFIED ADDRESSED RESOLVED DECLINED }
"What happened to a social need (the event that reported it)."
enum SocialNeedChangeKind {
  "Recorded (SocialNeedRecorded): by hand or from a positive screening."
  RECORDED
  "A screening of a need already open (SocialNeedRescreened): positive adds evidence, negative no longer finds it."
  RESCREENED
  "Its status changed (SocialNeedStatusChanged), by the team or by a completed referral that met it."
  STATUS_CHANGED
  "A completed referral's outcome that did not resolve it (SocialNeedReferralOutcomeRecorded)."
  REFERRAL_OUTCOME_RECORDED
}

"""One committed change to a care plan, its goals or its activities."""
type CarePlanChangeEvent {
  "Where to resume: pass it back as \`after\` after a reconnect."
  cursor: String!
  "What kind of change (CREATED, STATUS_CHANGED, GOAL_ADDED, ...)."
  changeKind: CarePlanChangeKind!
  changedFields: [String!]!
  "The plan version this change produced."
  version: Int!
  "Who made the change (their token subject)."
  actor: String
  occurredAt: DateTimeISO!
  "What this change did, field by field (before/after): revision \`version\` of the plan, also when replayed later."
  revision: CarePlanRevision!
  carePlan: CarePlan!
  patient: Patient!
}

"""One committed status change of a closed-loop referral."""
type ReferralStatusChangeEvent @tag(name: "partner") {
  cursor: String! @tag(name: "partner")
  "The new Gravity referral Task status (REQUESTED, ACCEPTED, COMPLETED, ...)."
  status: ReferralStatus! @tag(name: "partner")
  "Null when the referral was created."
  previousStatus: ReferralStatus @tag(name: "partner")
  statusReason: String @tag(name: "partner")
  "REQUESTER (the care team) or PARTNER (the community organization)."
  actorSide: ReferralActorSide @tag(name: "partner")
  occurredAt: DateTimeISO! @tag(name: "partner")
  referral: Referral! @tag(name: "partner")
  patient: Patient! @tag(name: "partner")
}

"""An answer that must reach the patient's team at once (PHQ-9 item 9 above 0: assess suicide risk now)."""
type SafetyFlagEvent {
  cursor: String!
  "The flag code, e.g. SUICIDE_RISK."
  flag: String!
  display: String
  "The instrument, e.g. PHQ-9."
  instrument: String!
  totalScore: Int
  "Who recorded the response (their token subject)."
  actor: String
  occurredAt: DateTimeISO!
  assessment: AssessmentResponse!
  patient: Patient!
}

"""One change to a social need: recorded, rescreened, its status changed, or a referral's outcome applied (the closed loop)."""
type SocialNeedChangeEvent {
  cursor: String!
  "What happened: RECORDED, RESCREENED, STATUS_CHANGED or REFERRAL_OUTCOME_RECORDED."
  change: SocialNeedChangeKind!
  "The need's status after the change."
  status: SocialNeedStatus!
  "On STATUS_CHANGED: the status before."
  previousStatus: SocialNeedStatus
  "The referral whose outcome caused the change, if any."
  referralId: ID
  "For a referral outcome: whether the need was met."
  needMet: Boolean
  reason: String
  actor: String
  occurredAt: DateTimeISO!
  socialNeed: SocialNeed!
  patient: Patient!
}

type Subscription {
  "Changes to care plans of one patient or one plan, for active members of the patient's care team. \`after\`: resume from a cursor."
  carePlanChanged(patientId: ID, carePlanId: ID, after: String): CarePlanChangeEvent!
  "Every change to every plan of every patient whose care team I am an active member of."
  myCarePlanChanges(after: String): CarePlanChangeEvent!
  "Referral status changes for the patients of my care teams (or one patient)."
  referralStatusChanged(patientId: ID, after: String): ReferralStatusChangeEvent!
  "Safety flags raised by assessments of the patients of my care teams (or one patient): urgent."
  safetyFlagRaised(patientId: ID, after: String): SafetyFlagEvent!
  "Changes to the social needs of the patients of my care teams (or one patient)."
  socialNeedChanged(patientId: ID, after: String): SocialNeedChangeEvent!
  "Referrals newly sent to my organization (partner staff)."
  referralAssigned(after: String @tag(name: "partner")): ReferralStatusChangeEvent! @tag(name: "partner")
  "Every status change of my organization's referrals (partner staff)."
  referralUpdated(after: String @tag(name: "partner")): ReferralStatusChangeEvent! @tag(name: "partner")
}
`;

/** The root value a live fetch is executed against: one event, under its root field name. */
export type LiveRootValue = Record<string, unknown>;

export function buildLiveSchema(): GraphQLSchema {
  return buildSubgraphSchema({
    typeDefs: parse(LIVE_SDL),
    resolvers: { DateTimeISO: GraphQLDateTimeISO as GraphQLScalarType },
  });
}
