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

"""One committed change to a care plan, its goals or its activities."""
type CarePlanChangeEvent {
  "Where to resume: pass it back as \`after\` after a reconnect."
  cursor: String!
  "What kind of change (CREATED, STATUS_CHANGED, GOAL_ADDED, ...)."
  changeKind: String!
  changedFields: [String!]!
  "The plan version this change produced."
  version: Int!
  "Who made the change (their token subject)."
  actor: String
  occurredAt: DateTimeISO!
  carePlan: CarePlan!
  patient: Patient!
}

"""One committed status change of a closed-loop referral."""
type ReferralStatusChangeEvent @tag(name: "partner") {
  cursor: String! @tag(name: "partner")
  "The new Gravity referral Task status code (requested, accepted, completed, ...)."
  status: String! @tag(name: "partner")
  previousStatus: String @tag(name: "partner")
  statusReason: String @tag(name: "partner")
  "REQUESTER (the care team) or PARTNER (the community organization)."
  actorSide: String @tag(name: "partner")
  occurredAt: DateTimeISO! @tag(name: "partner")
  referral: Referral! @tag(name: "partner")
  patient: Patient! @tag(name: "partner")
}

type Subscription {
  "Changes to care plans of one patient or one plan, for active members of the patient's care team. \`after\`: resume from a cursor."
  carePlanChanged(patientId: ID, carePlanId: ID, after: String): CarePlanChangeEvent!
  "Every change to every plan of every patient whose care team I am an active member of."
  myCarePlanChanges(after: String): CarePlanChangeEvent!
  "Referral status changes for the patients of my care teams (or one patient)."
  referralStatusChanged(patientId: ID, after: String): ReferralStatusChangeEvent!
  "Referrals newly sent to my organization (partner staff)."
  referralAssigned(after: String): ReferralStatusChangeEvent! @tag(name: "partner")
  "Every status change of my organization's referrals (partner staff)."
  referralUpdated(after: String): ReferralStatusChangeEvent! @tag(name: "partner")
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
