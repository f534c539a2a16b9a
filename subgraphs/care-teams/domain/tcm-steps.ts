/**
 * What meets a TCM step from the care team's daily work, and who on the team does
 * each step (issue 13). The interactive contact (clinical-rules.md, CMS TCM and its
 * FAQs) is met by a successful contact with the patient or caregiver by the due time
 * (2 business days after discharge), or by two or more separate attempts made in that
 * time and documented, though unsuccessful; a later successful contact still records
 * the contact, but late (MISSED). Routing: medication reconciliation to the team's
 * pharmacist (its nurse when it has none), the interactive contact to the coordinator
 * or the nurse, the face-to-face visit to the physician; a step whose role the team
 * lacks falls to the coordinator, so no step is left on nobody's list.
 */
import { CareTeamRole } from './status';
import { TcmStepKind } from './transitional-care';

/** How the care team reached out (FHIR Communication.medium, simplified). */
export enum OutreachChannel {
  PHONE = 'PHONE',
  VIDEO = 'VIDEO',
  PORTAL_MESSAGE = 'PORTAL_MESSAGE',
  HOME_VISIT = 'HOME_VISIT',
  IN_PERSON = 'IN_PERSON',
}

export enum OutreachOutcome {
  /** Spoke with the patient or caregiver: an interactive contact. */
  REACHED = 'REACHED',
  NO_ANSWER = 'NO_ANSWER',
  LEFT_MESSAGE = 'LEFT_MESSAGE',
  WRONG_NUMBER = 'WRONG_NUMBER',
  /** Reached, and declined the service: not an interactive contact for TCM, and not an unsuccessful attempt either. */
  DECLINED = 'DECLINED',
}

/** Attempts that reached no one: two timely ones stand in for the contact (CMS TCM FAQ). */
export const UNSUCCESSFUL_OUTCOMES: readonly OutreachOutcome[] = [OutreachOutcome.NO_ANSWER, OutreachOutcome.LEFT_MESSAGE, OutreachOutcome.WRONG_NUMBER];
/** CMS TCM FAQ: "two or more separate attempts". */
export const TCM_TIMELY_ATTEMPTS = 2;

export interface OutreachFact {
  contactedAt: Date;
  outcome: OutreachOutcome;
}

export type InteractiveContactBasis = 'CONTACT' | 'ATTEMPTS' | 'LATE_CONTACT';

/**
 * When the interactive-contact step is done, from the outreach since discharge, and on
 * what basis — or null while neither a contact nor enough timely attempts exist.
 * "Separate" attempts are attempts at different times; attempts before the discharge
 * do not count.
 */
export function interactiveContactCompletion(
  dischargedAt: Date, dueAt: Date, outreach: readonly OutreachFact[],
): { completedAt: Date; basis: InteractiveContactBasis } | null {
  const since = outreach.filter((o) => o.contactedAt.getTime() >= dischargedAt.getTime()).sort((a, b) => a.contactedAt.getTime() - b.contactedAt.getTime());
  const due = dueAt.getTime();
  const timely = since.filter((o) => o.contactedAt.getTime() <= due);
  const contact = timely.find((o) => o.outcome === OutreachOutcome.REACHED);
  const attemptTimes = [...new Set(timely.filter((o) => UNSUCCESSFUL_OUTCOMES.includes(o.outcome)).map((o) => o.contactedAt.getTime()))];
  const byAttempts = attemptTimes.length >= TCM_TIMELY_ATTEMPTS ? attemptTimes[TCM_TIMELY_ATTEMPTS - 1] : null;
  // Whichever came first meets the step: the contact, or the second timely attempt.
  if (contact && (byAttempts === null || contact.contactedAt.getTime() <= byAttempts)) return { completedAt: contact.contactedAt, basis: 'CONTACT' };
  if (byAttempts !== null) return { completedAt: new Date(byAttempts), basis: 'ATTEMPTS' };
  const late = since.find((o) => o.outcome === OutreachOutcome.REACHED);
  return late ? { completedAt: late.contactedAt, basis: 'LATE_CONTACT' } : null;
}

/** The roles whose members see this step on their worklist, given the roles the team has now. */
export function tcmStepRoles(kind: TcmStepKind, teamRoles: ReadonlySet<string>): CareTeamRole[] {
  const present = (roles: CareTeamRole[]) => roles.filter((r) => teamRoles.has(r));
  let routed: CareTeamRole[];
  switch (kind) {
    case TcmStepKind.MEDICATION_RECONCILIATION:
      routed = present([CareTeamRole.PHARMACIST]);
      if (routed.length === 0) routed = present([CareTeamRole.NURSE_CASE_MANAGER]);
      break;
    case TcmStepKind.INTERACTIVE_CONTACT:
      routed = present([CareTeamRole.CARE_COORDINATOR, CareTeamRole.NURSE_CASE_MANAGER]);
      break;
    case TcmStepKind.FACE_TO_FACE_VISIT:
      routed = present([CareTeamRole.PRIMARY_CARE_PHYSICIAN]);
      if (routed.length === 0) routed = present([CareTeamRole.SPECIALIST]);
      break;
    default:
      routed = [];
  }
  return routed.length > 0 ? routed : [CareTeamRole.CARE_COORDINATOR];
}
