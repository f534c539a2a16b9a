/** The TCM interactive contact from outreach (CMS TCM FAQ: two timely attempts) and the routing of steps by role. */
import { CareTeamRole } from './status';
import { TcmStepKind } from './transitional-care';
import { OutreachOutcome as O, interactiveContactCompletion, tcmStepRoles } from './tcm-steps';

const discharged = new Date('2031-03-07T15:00:00Z'); // a Friday
const due = new Date('2031-03-11T23:59:59.999Z'); // Tuesday: 2 business days later
const at = (s: string) => new Date(s);

describe('interactiveContactCompletion', () => {
  it('a successful contact by the due time meets the step at that time', () => {
    expect(interactiveContactCompletion(discharged, due, [{ contactedAt: at('2031-03-10T10:00:00Z'), outcome: O.REACHED }]))
      .toEqual({ completedAt: at('2031-03-10T10:00:00Z'), basis: 'CONTACT' });
  });
  it('two separate timely unsuccessful attempts meet it at the second; one does not', () => {
    const first = { contactedAt: at('2031-03-10T09:00:00Z'), outcome: O.NO_ANSWER };
    expect(interactiveContactCompletion(discharged, due, [first])).toBeNull();
    expect(interactiveContactCompletion(discharged, due, [first, { contactedAt: at('2031-03-11T16:00:00Z'), outcome: O.LEFT_MESSAGE }]))
      .toEqual({ completedAt: at('2031-03-11T16:00:00Z'), basis: 'ATTEMPTS' });
  });
  it('two records at the same instant are one attempt; an attempt after the due time or before discharge does not count', () => {
    const t = at('2031-03-10T09:00:00Z');
    expect(interactiveContactCompletion(discharged, due, [{ contactedAt: t, outcome: O.NO_ANSWER }, { contactedAt: t, outcome: O.WRONG_NUMBER }])).toBeNull();
    expect(interactiveContactCompletion(discharged, due, [{ contactedAt: t, outcome: O.NO_ANSWER }, { contactedAt: at('2031-03-12T09:00:00Z'), outcome: O.NO_ANSWER }])).toBeNull();
    expect(interactiveContactCompletion(discharged, due, [{ contactedAt: at('2031-03-07T09:00:00Z'), outcome: O.NO_ANSWER }, { contactedAt: t, outcome: O.NO_ANSWER }])).toBeNull();
  });
  it('the due instant itself is timely', () => {
    expect(interactiveContactCompletion(discharged, due, [{ contactedAt: due, outcome: O.REACHED }])).toEqual({ completedAt: due, basis: 'CONTACT' });
  });
  it('a declined call is neither a contact nor an unsuccessful attempt', () => {
    expect(interactiveContactCompletion(discharged, due, [{ contactedAt: at('2031-03-10T09:00:00Z'), outcome: O.DECLINED }, { contactedAt: at('2031-03-10T11:00:00Z'), outcome: O.NO_ANSWER }])).toBeNull();
  });
  it('a successful contact only after the due time is recorded late', () => {
    expect(interactiveContactCompletion(discharged, due, [{ contactedAt: at('2031-03-10T09:00:00Z'), outcome: O.NO_ANSWER }, { contactedAt: at('2031-03-13T09:00:00Z'), outcome: O.REACHED }]))
      .toEqual({ completedAt: at('2031-03-13T09:00:00Z'), basis: 'LATE_CONTACT' });
  });
  it('whichever came first: a contact before the second attempt is the basis', () => {
    expect(interactiveContactCompletion(discharged, due, [
      { contactedAt: at('2031-03-10T09:00:00Z'), outcome: O.NO_ANSWER }, { contactedAt: at('2031-03-10T10:00:00Z'), outcome: O.REACHED }, { contactedAt: at('2031-03-10T11:00:00Z'), outcome: O.NO_ANSWER },
    ])).toEqual({ completedAt: at('2031-03-10T10:00:00Z'), basis: 'CONTACT' });
  });
});

describe('tcmStepRoles', () => {
  const team = (...roles: CareTeamRole[]) => new Set<string>([CareTeamRole.CARE_COORDINATOR, ...roles]);
  it('medication reconciliation: the pharmacist, else the nurse, else the coordinator', () => {
    expect(tcmStepRoles(TcmStepKind.MEDICATION_RECONCILIATION, team(CareTeamRole.PHARMACIST, CareTeamRole.NURSE_CASE_MANAGER))).toEqual([CareTeamRole.PHARMACIST]);
    expect(tcmStepRoles(TcmStepKind.MEDICATION_RECONCILIATION, team(CareTeamRole.NURSE_CASE_MANAGER))).toEqual([CareTeamRole.NURSE_CASE_MANAGER]);
    expect(tcmStepRoles(TcmStepKind.MEDICATION_RECONCILIATION, team())).toEqual([CareTeamRole.CARE_COORDINATOR]);
  });
  it('interactive contact: the coordinator or the nurse', () => {
    expect(tcmStepRoles(TcmStepKind.INTERACTIVE_CONTACT, team(CareTeamRole.NURSE_CASE_MANAGER, CareTeamRole.PHARMACIST))).toEqual([CareTeamRole.CARE_COORDINATOR, CareTeamRole.NURSE_CASE_MANAGER]);
  });
  it('face-to-face visit: the primary care physician, else a specialist, else the coordinator', () => {
    expect(tcmStepRoles(TcmStepKind.FACE_TO_FACE_VISIT, team(CareTeamRole.PRIMARY_CARE_PHYSICIAN, CareTeamRole.SPECIALIST))).toEqual([CareTeamRole.PRIMARY_CARE_PHYSICIAN]);
    expect(tcmStepRoles(TcmStepKind.FACE_TO_FACE_VISIT, team(CareTeamRole.SPECIALIST))).toEqual([CareTeamRole.SPECIALIST]);
    expect(tcmStepRoles(TcmStepKind.FACE_TO_FACE_VISIT, team(CareTeamRole.NURSE_CASE_MANAGER))).toEqual([CareTeamRole.CARE_COORDINATOR]);
  });
});
