/**
 * What each topic makes of an event's payload: the query side's enum names for every
 * value set (the payloads keep their lower-case codes), and the revision key of the
 * change the event recorded.
 */
import { Kind, parse, validate, execute, type EnumTypeDefinitionNode, type GraphQLSchema } from 'graphql';
import type { DomainEvent } from '../../shared/events';
import { SUBGRAPHS } from '../../subgraphs';
import { LIVE_SUBGRAPH, buildLiveSchema } from './schema';
import { subgraphSdls } from '../compose';
import { TOPICS } from './topics';

const event = (type: string, payload: Record<string, unknown>): DomainEvent => ({
  id: '42', type, source: 'test', aggregateType: 'X', aggregateId: 'x-1', patientId: 'patient-1', actor: 'nurse', occurredAt: new Date(0), payload,
});

let schema: GraphQLSchema;
beforeAll(() => { schema = buildLiveSchema(); });

/** Executes the live subgraph's own fields of one event, as the gateway's live data source does. */
async function fields(field: string, selection: string, e: DomainEvent) {
  const document = parse(`subscription { ${field} { ${selection} } }`);
  expect(validate(schema, document)).toEqual([]);
  const result = await execute({ schema, document, rootValue: { [field]: TOPICS[field].root(e) } });
  expect(result.errors).toBeUndefined();
  return (result.data as Record<string, unknown>)[field];
}

it('a referral event carries ReferralStatus and ReferralActorSide names, for the team and for partners', async () => {
  const e = event('ReferralStatusChanged', { referralId: 'r-1', partnerId: 'org-1', status: 'in-progress', previousStatus: 'accepted', actorSide: 'PARTNER', statusReason: null });
  for (const field of ['referralStatusChanged', 'referralUpdated']) {
    expect(await fields(field, 'status previousStatus actorSide statusReason', e)).toEqual({ status: 'IN_PROGRESS', previousStatus: 'ACCEPTED', actorSide: 'PARTNER', statusReason: null });
  }
  const created = event('ReferralStatusChanged', { referralId: 'r-1', partnerId: 'org-1', status: 'entered-in-error', previousStatus: null, actorSide: 'REQUESTER' });
  expect(await fields('referralAssigned', 'status previousStatus actorSide', created)).toEqual({ status: 'ENTERED_IN_ERROR', previousStatus: null, actorSide: 'REQUESTER' });
});

it.each([
  ['SocialNeedRecorded', 'RECORDED'], ['SocialNeedRescreened', 'RESCREENED'],
  ['SocialNeedStatusChanged', 'STATUS_CHANGED'], ['SocialNeedReferralOutcomeRecorded', 'REFERRAL_OUTCOME_RECORDED'],
])('a %s event is a SocialNeedChangeKind %s with SocialNeedStatus values', async (type, change) => {
  expect(TOPICS.socialNeedChanged.eventTypes).toContain(type);
  const e = event(type, { socialNeedId: 'n-1', status: 'resolved', previousStatus: type === 'SocialNeedStatusChanged' ? 'identified' : null });
  expect(await fields('socialNeedChanged', 'change status previousStatus', e)).toEqual({ change, status: 'RESOLVED', previousStatus: type === 'SocialNeedStatusChanged' ? 'IDENTIFIED' : null });
});

it("a care plan event is a CarePlanChangeKind and points at its own revision (plan and version)", () => {
  const root = TOPICS.myCarePlanChanges.root(event('CarePlanChanged', { carePlanId: 'plan-1', version: 3, changeKind: 'GOAL_ADDED', changedFields: ['goals[g-1]'] }));
  expect(root).toMatchObject({ changeKind: 'GOAL_ADDED', version: 3, revision: { __typename: 'CarePlanRevision', carePlanId: 'plan-1', version: 3 } });
});

it("defines each value set exactly as the subgraph that owns it (composition alone would merge differing output enums)", async () => {
  const enums = (sdl: string) => new Map(parse(sdl).definitions
    .filter((d): d is EnumTypeDefinitionNode => d.kind === Kind.ENUM_TYPE_DEFINITION)
    .map((d) => [d.name.value, (d.values ?? []).map((v) => v.name.value)]));
  const sdls = await subgraphSdls(SUBGRAPHS);
  const live = enums(sdls.find((s) => s.name === LIVE_SUBGRAPH)!.sdl);
  const owners = new Map<string, string[]>();
  for (const s of sdls) if (s.name !== LIVE_SUBGRAPH) for (const [name, values] of enums(s.sdl)) owners.set(name, values);
  expect([...live.keys()].sort()).toEqual(['CarePlanChangeKind', 'ReferralActorSide', 'ReferralStatus', 'SocialNeedChangeKind', 'SocialNeedStatus']);
  for (const [name, values] of live) {
    if (name === 'SocialNeedChangeKind') expect(owners.has(name)).toBe(false); // the live subgraph's own
    else expect([name, values]).toEqual([name, owners.get(name)]);
  }
});
