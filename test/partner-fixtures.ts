/** Shared set-up for the community-partners and partner-endpoint tests. */
import crypto from 'node:crypto';
import { Role } from '../shared/auth';
import { recordEvent } from '../shared/events';
import { DEMO_PARTNERS } from '../scripts/seed/population';
import { seedCommunityPartners } from '../subgraphs/community-partners/data/seed';
import type { Endpoint } from '../shared/internal-token';
import { internalTokenFor, postGraphQL, type GraphQLResponse, type TestHub } from './support/hub';

/** Greater Cambridge Food Bank (FOOD_INSECURITY, 02139-02143, accepting). */
export const FOOD_BANK = DEMO_PARTNERS[0];
/** Homes First Housing Partnership (housing, utilities). */
export const HOUSING = DEMO_PARTNERS[1];
/** ElderConnect Companions (SOCIAL_ISOLATION, not accepting referrals). */
export const ELDER_CONNECT = DEMO_PARTNERS[3];
/** North Shore Community Pantry (FOOD_INSECURITY, 02148-02155). */
export const NORTH_PANTRY = DEMO_PARTNERS[4];

export const partnerUrl = (hub: TestHub) => hub.gatewayUrl.replace(/\/graphql$/, '/partner/graphql');

/** The demo partner directory, as `npm start` seeds it. */
export async function seedDirectory(hub: TestHub): Promise<void> {
  await seedCommunityPartners(hub.subgraphs['community-partners'].ds, { patients: [], first: true });
}

export interface Actors {
  /** sw-1 and nurse-1 are members of every team `enrollPatient` forms. */
  socialWorker: string;
  nurse: string;
  /** coord-1 forms those teams (a care coordinator enrolls a patient with no team). */
  coordinator: string;
  foodBank: string;
  pantry: string;
}

/** Who the actors' tokens name, for calling the subgraph directly (`subgraphQuery`). */
export const CALLERS = {
  socialWorker: { sub: 'sw-1', roles: [Role.SOCIAL_WORKER] },
  nurse: { sub: 'nurse-1', roles: [Role.NURSE] },
  coordinator: { sub: 'coord-1', roles: [Role.CARE_COORDINATOR] },
  foodBank: { sub: 'fb-staff', roles: [Role.PARTNER_STAFF], org: FOOD_BANK.id },
  pantry: { sub: 'pantry-staff', roles: [Role.PARTNER_STAFF], org: NORTH_PANTRY.id },
} satisfies Record<keyof Actors, { sub: string; roles: Role[]; org?: string }>;

export async function actors(hub: TestHub): Promise<Actors> {
  const mint = (k: keyof Actors) => hub.token(CALLERS[k]);
  return { socialWorker: await mint('socialWorker'), nurse: await mint('nurse'), coordinator: await mint('coordinator'), foodBank: await mint('foodBank'), pantry: await mint('pantry') };
}

export interface TeamMember { practitionerId: string; role: string }

/** The members `enrollPatient` puts on a team: the referring social worker and nurse of `actors`. */
export const DEFAULT_MEMBERS: TeamMember[] = [{ practitionerId: 'sw-1', role: 'SOCIAL_WORKER' }, { practitionerId: 'nurse-1', role: 'NURSE_CASE_MANAGER' }];

/**
 * Enrolls the patient into care management as a care coordinator would: forms its
 * care team with the coordinator and `members`, so they may read and write its referrals.
 */
export async function formCareTeam(hub: TestHub, patientId: string, members: TeamMember[] = DEFAULT_MEMBERS, coordinator = 'coord-1'): Promise<string> {
  const token = await hub.token({ sub: coordinator, roles: [Role.CARE_COORDINATOR] });
  const res = await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
    i: { patientId, name: 'Care team', members: [{ practitionerId: coordinator, role: 'CARE_COORDINATOR' }, ...members] },
  }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.formCareTeam.id;
}

/** A registered patient whose care team has sw-1 and nurse-1 on it. */
export async function enrollPatient(hub: TestHub, familyName: string, postalCode = '02139'): Promise<string> {
  const patientId = await registerPatient(hub, familyName, postalCode);
  await formCareTeam(hub, patientId);
  return patientId;
}

export async function registerPatient(hub: TestHub, familyName: string, postalCode = '02139'): Promise<string> {
  const res = await hub.query(`mutation($i: RegisterPatientInput!) { registerPatient(input: $i) { id } }`, {
    i: { mrn: `MRN-${crypto.randomUUID()}`, givenName: 'Rosa', familyName, birthDate: '1948-05-02', administrativeSex: 'FEMALE', postalCode, preferredLanguage: 'es', interpreterNeeded: true, phone: '+1-617-555-0199' },
  });
  expect(res.errors).toBeUndefined();
  return res.data!.registerPatient.id;
}

/**
 * A consent event as the patients subgraph emits it (docs/events.md), written
 * straight to the log: tests the projection without the patients' mutations.
 */
export async function consentEvent(hub: TestHub, o: {
  patientId: string; partnerId: string; status?: string; consentId?: string; type?: 'ConsentRecorded' | 'ConsentStatusChanged';
  periodStart?: string | null; periodEnd?: string | null;
}): Promise<string> {
  const consentId = o.consentId ?? crypto.randomUUID();
  const status = o.status ?? 'active';
  await hub.subgraphs.patients.ds.transaction((m) => recordEvent(m, 'patients', {
    type: o.type ?? 'ConsentRecorded', aggregateType: 'Consent', aggregateId: consentId, patientId: o.patientId, actor: 'test',
    payload: { consentId, kind: 'SHARE_WITH_PARTNER', status, partnerOrgId: o.partnerId, periodStart: o.periodStart ?? null, periodEnd: o.periodEnd ?? null, active: status === 'active' },
  }));
  return consentId;
}

export async function socialNeedEvent(hub: TestHub, o: { patientId: string; category: string; socialNeedId?: string; status?: string }): Promise<string> {
  const socialNeedId = o.socialNeedId ?? crypto.randomUUID();
  await hub.subgraphs.patients.ds.transaction((m) => recordEvent(m, 'patients', {
    type: 'SocialNeedRecorded', aggregateType: 'SocialNeed', aggregateId: socialNeedId, patientId: o.patientId, actor: 'test',
    payload: { socialNeedId, category: o.category, status: o.status ?? 'active' },
  }));
  return socialNeedId;
}

/** What partners may select (the contract has no requestedBy, no history actor). */
export const PARTNER_REFERRAL_FIELDS = `id status statusReason priority category note requestedAt acceptedAt rejectedAt inProgressAt onHoldAt failedAt completedAt cancelledAt enteredInErrorAt
  outcome { text services { system code display } } history { edges { node { status previousStatus reason actorSide } } }`;
export const REFERRAL_FIELDS = `${PARTNER_REFERRAL_FIELDS} requestedBy history { edges { node { actor } } }`;

/** The nodes of a connection (`edges { node }`), for asserting on a whole list. */
export const nodesOf = <T = any>(connection: { edges: { node: T }[] } | null | undefined): T[] => (connection?.edges ?? []).map((e) => e.node);

export async function createReferral(hub: TestHub, token: string, input: Record<string, unknown>): Promise<GraphQLResponse> {
  return hub.query(`mutation($i: CreateReferralInput!) { createReferral(input: $i) { ${REFERRAL_FIELDS} } }`, { i: input }, token);
}

/** The partner endpoint, as partner staff use it. */
export function partnerQuery(hub: TestHub, query: string, variables: Record<string, unknown>, token: string | null): Promise<GraphQLResponse & { status: number }> {
  return postGraphQL<Record<string, any>>(partnerUrl(hub), query, variables, token);
}

/**
 * The community-partners subgraph called directly, as the gateway calls it (a
 * gateway-signed caller token for `caller` on `endpoint`): bypassing the gateway's
 * contract and checks, the subgraph must be no weaker.
 */
export async function subgraphQuery(
  hub: TestHub, query: string, variables: Record<string, unknown>, caller: { sub: string; roles: Role[]; org?: string }, endpoint: Endpoint = caller.org ? 'partner' : 'clinical',
): Promise<GraphQLResponse & { status: number }> {
  return postGraphQL<Record<string, any>>(hub.subgraphs['community-partners'].url, query, variables, await internalTokenFor(caller, endpoint));
}

export const codeOf = (res: Pick<GraphQLResponse, 'errors'>) => res.errors?.[0]?.extensions?.code as string | undefined;
