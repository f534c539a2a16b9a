/**
 * What each subscription field listens to, who may subscribe, and how each event is
 * authorized for each subscriber — per event, by the one access table: care-team topics
 * from the gateway's own copy of the care relationships (./relationships.ts), referral
 * topics by asking community-partners with the subscriber's own token (cached until an
 * access-changing event).
 */
import { CLINICAL_ROLES, Role, type Principal } from '../../shared/auth';
import { badInput } from '../../shared/errors';
import type { DomainEvent } from '../../shared/events';
import { encodeCursor } from './cursor';

/** An event's answer for one subscriber; `breakTheGlass`, the audit reason when a break-the-glass grant allowed it. */
export interface LiveAccess { allowed: boolean; breakTheGlass: string | null }
const REFUSED: LiveAccess = { allowed: false, breakTheGlass: null };

export interface Authorizer {
  /** May the subscriber read the patient's care team and plans (a member, a clinician who broke the glass, an admin), as of the event at `position`? */
  careTeamMember(principal: Principal, patientId: string, position: bigint): Promise<LiveAccess>;
  /** May this partner user see this referral now (own organization, consent active)? */
  partnerReferral(principal: Principal, authorization: string, patientId: string, referralId: string): Promise<LiveAccess>;
}

export interface Topic {
  field: string;
  eventTypes: readonly string[];
  roles: readonly Role[];
  validateArgs?(args: Record<string, unknown>): void;
  matches(event: DomainEvent, args: Record<string, unknown>, principal: Principal): boolean;
  /**
   * The one patient a subscription's events are about, when its arguments name one
   * (`matches` then holds only for that patient's events): its group is offered only
   * that patient's events, so an organization's thousands of groups are not all offered every event.
   */
  patientOf?(args: Record<string, unknown>): string | null;
  root(event: DomainEvent): Record<string, unknown>;
  authorize(auth: Authorizer, principal: Principal, authorization: string, event: DomainEvent): Promise<LiveAccess>;
}

/** Events after which a patient's access decisions must be asked again. */
export const ACCESS_CHANGING_EVENTS = new Set([
  'CareTeamFormed', 'CareTeamMemberAdded', 'CareTeamMembershipEnded', 'CareCoordinatorHandedOver', 'CareTeamStatusChanged',
  'ConsentRecorded', 'ConsentStatusChanged', 'PatientSummaryChanged', 'BreakTheGlassGranted',
]);

const CARE_TEAM_ROLES: readonly Role[] = [...CLINICAL_ROLES, Role.ADMIN];
type Payload = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : null);
/** A payload's lower-case FHIR code as the GraphQL enum name the query side uses (`in-progress` → IN_PROGRESS). */
const enumName = (v: unknown) => (typeof v === 'string' && v ? v.toUpperCase().replace(/-/g, '_') : null);
/** The social-need event types as SocialNeedChangeKind values. */
const SOCIAL_NEED_CHANGE: Record<string, string> = {
  SocialNeedRecorded: 'RECORDED',
  SocialNeedRescreened: 'RESCREENED',
  SocialNeedStatusChanged: 'STATUS_CHANGED',
  SocialNeedReferralOutcomeRecorded: 'REFERRAL_OUTCOME_RECORDED',
};

const carePlanRoot = (e: DomainEvent) => {
  const p = e.payload as Payload;
  const version = typeof p.version === 'number' ? p.version : 0;
  return {
    cursor: encodeCursor(e.id),
    changeKind: enumName(p.changeKind) ?? 'UPDATED',
    changedFields: Array.isArray(p.changedFields) ? p.changedFields : [],
    version,
    actor: e.actor,
    occurredAt: e.occurredAt,
    // The revision this event recorded (same transaction), by key: care-teams resolves it with the subscriber's token.
    revision: { __typename: 'CarePlanRevision', carePlanId: p.carePlanId, version },
    carePlan: { __typename: 'CarePlan', id: p.carePlanId },
    patient: { __typename: 'Patient', id: e.patientId },
  };
};

const referralRoot = (e: DomainEvent) => {
  const p = e.payload as Payload;
  return {
    cursor: encodeCursor(e.id),
    status: enumName(p.status),
    previousStatus: enumName(p.previousStatus),
    statusReason: str(p.statusReason),
    actorSide: enumName(p.actorSide),
    occurredAt: e.occurredAt,
    referral: { __typename: 'Referral', id: p.referralId },
    patient: { __typename: 'Patient', id: e.patientId },
  };
};

const safetyFlagRoot = (e: DomainEvent) => {
  const p = e.payload as Payload;
  return {
    cursor: encodeCursor(e.id),
    flag: str(p.flag) ?? 'UNKNOWN',
    display: str(p.display),
    instrument: str(p.instrument) ?? 'unknown',
    totalScore: typeof p.totalScore === 'number' ? p.totalScore : null,
    actor: e.actor,
    occurredAt: e.occurredAt,
    assessment: { __typename: 'AssessmentResponse', id: p.responseId },
    patient: { __typename: 'Patient', id: e.patientId },
  };
};

const socialNeedRoot = (e: DomainEvent) => {
  const p = e.payload as Payload;
  return {
    cursor: encodeCursor(e.id),
    change: SOCIAL_NEED_CHANGE[e.type] ?? null,
    status: enumName(p.status),
    previousStatus: enumName(p.previousStatus),
    referralId: str(p.referralId),
    needMet: typeof p.needMet === 'boolean' ? p.needMet : null,
    reason: str(p.reason),
    actor: e.actor,
    occurredAt: e.occurredAt,
    socialNeed: { __typename: 'SocialNeed', id: p.socialNeedId },
    patient: { __typename: 'Patient', id: e.patientId },
  };
};

const memberOfPatientTeam: Topic['authorize'] = (auth, principal, _authorization, e) =>
  e.patientId ? auth.careTeamMember(principal, e.patientId, BigInt(e.id)) : Promise.resolve(REFUSED);

const partnerMaySee: Topic['authorize'] = (auth, principal, authorization, e) => {
  const referralId = str((e.payload as Payload).referralId);
  return e.patientId && referralId ? auth.partnerReferral(principal, authorization, e.patientId, referralId) : Promise.resolve(REFUSED);
};

const forMyOrganization = (e: DomainEvent, principal: Principal) => !!principal.org && (e.payload as Payload).partnerId === principal.org;

export const TOPICS: Record<string, Topic> = {
  carePlanChanged: {
    field: 'carePlanChanged',
    eventTypes: ['CarePlanChanged'],
    roles: CARE_TEAM_ROLES,
    validateArgs(args) {
      if (!args.patientId && !args.carePlanId) throw badInput('Give patientId or carePlanId (or subscribe to myCarePlanChanges)', 'patientId');
    },
    matches: (e, args) =>
      (!args.patientId || e.patientId === args.patientId) && (!args.carePlanId || (e.payload as Payload).carePlanId === args.carePlanId),
    patientOf: (args) => str(args.patientId),
    root: carePlanRoot,
    authorize: memberOfPatientTeam,
  },
  myCarePlanChanges: {
    field: 'myCarePlanChanges',
    eventTypes: ['CarePlanChanged'],
    roles: CARE_TEAM_ROLES,
    matches: () => true,
    root: carePlanRoot,
    authorize: memberOfPatientTeam,
  },
  referralStatusChanged: {
    field: 'referralStatusChanged',
    eventTypes: ['ReferralStatusChanged'],
    roles: CARE_TEAM_ROLES,
    matches: (e, args) => !args.patientId || e.patientId === args.patientId,
    patientOf: (args) => str(args.patientId),
    root: referralRoot,
    authorize: memberOfPatientTeam,
  },
  safetyFlagRaised: {
    field: 'safetyFlagRaised',
    eventTypes: ['AssessmentSafetyFlagRaised'],
    roles: CARE_TEAM_ROLES,
    matches: (e, args) => !args.patientId || e.patientId === args.patientId,
    patientOf: (args) => str(args.patientId),
    root: safetyFlagRoot,
    authorize: memberOfPatientTeam,
  },
  socialNeedChanged: {
    field: 'socialNeedChanged',
    eventTypes: ['SocialNeedRecorded', 'SocialNeedRescreened', 'SocialNeedStatusChanged', 'SocialNeedReferralOutcomeRecorded'],
    roles: CARE_TEAM_ROLES,
    matches: (e, args) => !args.patientId || e.patientId === args.patientId,
    patientOf: (args) => str(args.patientId),
    root: socialNeedRoot,
    authorize: memberOfPatientTeam,
  },
  referralAssigned: {
    field: 'referralAssigned',
    eventTypes: ['ReferralStatusChanged'],
    roles: [Role.PARTNER_STAFF],
    matches: (e, _args, principal) => forMyOrganization(e, principal) && (e.payload as Payload).status === 'requested',
    root: referralRoot,
    authorize: partnerMaySee,
  },
  referralUpdated: {
    field: 'referralUpdated',
    eventTypes: ['ReferralStatusChanged'],
    roles: [Role.PARTNER_STAFF],
    matches: (e, _args, principal) => forMyOrganization(e, principal),
    root: referralRoot,
    authorize: partnerMaySee,
  },
};
