/**
 * The access model, as one table (docs/access.md prints it): for each role, what it
 * may read and write of a patient's data, given its relationship to that patient.
 * `decide` is the one function every subgraph asks — through shared/access.ts, which
 * adds the relationship and the audit trail — "may this principal do X to patient P,
 * and why". Pure: no I/O, unit-tested row by row, and walked through the gateway by
 * test/access-table.test.ts.
 *
 * How care management works, and so the rules:
 * - The population worklist (identity, risk tier and drivers, enrollment, whether a
 *   team manages the patient) is for care coordinators and admins, who find and
 *   enroll patients; every other clinician sees it for their own patients.
 * - The clinical record (conditions, medications, assessments, encounters, social needs, consents, referrals
 *   and their notes, care plans, CCM time, patient-level figures) is read by active
 *   members of the patient's active care team, and by a clinician who broke the glass
 *   (read only, for BREAK_THE_GLASS_MINUTES, flagged in the audit trail).
 * - Writes are by role, FHIR-style (who may assert a Condition, record an Encounter,
 *   a social need, a Consent, send a ServiceRequest), and only as a team member;
 *   an integration service account records registration, encounters and conditions
 *   for any patient. A patient with no team can be enrolled by a care coordinator.
 * - Admins may do everything (healthcare operations, audited as such); privacy
 *   officers read the audit trail, analysts aggregates, partner staff only the
 *   partner contract with the patient's consent — never this table's clinical rows.
 */
import { AuditPurpose } from './audit';
import { CLINICAL_ROLES, Role, type Principal } from './auth';

/** What of a patient's data is touched. */
export enum PatientData {
  /** Identity, contact, risk tier and drivers, enrollment, whether a team manages them. */
  WORKLIST = 'WORKLIST',
  /** Registration and demographics (registerPatient, updatePatient, deceased). */
  DEMOGRAPHICS = 'DEMOGRAPHICS',
  /** Problem list: conditions (diagnoses). */
  CONDITIONS = 'CONDITIONS',
  /** Medication list (MedicationStatement) and medication reconciliation. */
  MEDICATIONS = 'MEDICATIONS',
  /** Standardized clinical assessments (QuestionnaireResponse: PHQ-9, GAD-7); social-needs screening is SOCIAL_NEEDS. */
  ASSESSMENTS = 'ASSESSMENTS',
  /** Admissions, discharges, ED and other visits, LACE at discharge. */
  ENCOUNTERS = 'ENCOUNTERS',
  SOCIAL_NEEDS = 'SOCIAL_NEEDS',
  CONSENTS = 'CONSENTS',
  /** Referrals to community partners, their notes, history and outcomes. */
  REFERRALS = 'REFERRALS',
  /** Care teams, care plans, goals, activities, transitional care episodes. */
  CARE_PLANS = 'CARE_PLANS',
  /** Forming a care team for a patient: enrollment into care management. */
  ENROLLMENT = 'ENROLLMENT',
  CCM_TIME = 'CCM_TIME',
  /** Patient-level figures (utilization) and satisfaction surveys. */
  PATIENT_METRICS = 'PATIENT_METRICS',
}

export type AccessOperation = 'read' | 'write';

/** The principal's relationship to one patient. */
export enum Relationship {
  /** An active member of the patient's active care team. */
  MEMBER = 'MEMBER',
  /** Not a member of the patient's team (the patient has one). */
  NOT_MEMBER = 'NOT_MEMBER',
  /** The patient has no active care team yet. */
  NO_TEAM = 'NO_TEAM',
  /** Not a member, with an unexpired break-the-glass grant for this patient. */
  BREAK_THE_GLASS = 'BREAK_THE_GLASS',
}

export const RELATIONSHIPS = Object.values(Relationship);
export const PATIENT_DATA = Object.values(PatientData);

/** Why a request was refused: a screen can say it in words (extensions.reason). */
export enum RefusalReason {
  ROLE_NOT_ALLOWED = 'ROLE_NOT_ALLOWED',
  NOT_ON_CARE_TEAM = 'NOT_ON_CARE_TEAM',
  BREAK_THE_GLASS_READ_ONLY = 'BREAK_THE_GLASS_READ_ONLY',
  PARTNER_CONTRACT_ONLY = 'PARTNER_CONTRACT_ONLY',
}

export type Decision =
  | { allowed: true; purpose: AuditPurpose; rule: string }
  | { allowed: false; reason: RefusalReason; message: string; rule: string };

/** Who may write each kind of data, as an active team member (FHIR: who asserts, records, requests). */
export const MEMBER_WRITERS: Record<PatientData, readonly Role[]> = {
  [PatientData.WORKLIST]: [],
  [PatientData.DEMOGRAPHICS]: [Role.CARE_COORDINATOR, Role.NURSE, Role.SOCIAL_WORKER, Role.COMMUNITY_HEALTH_WORKER],
  // Condition.asserter: the diagnosing clinician.
  [PatientData.CONDITIONS]: [Role.PHYSICIAN, Role.NURSE],
  // Reconciliation after discharge is pharmacist or nurse work (CMS TCM); prescribers keep the list too.
  [PatientData.MEDICATIONS]: [Role.PHARMACIST, Role.NURSE, Role.PHYSICIAN],
  // Who administers screening instruments (QuestionnaireResponse.author) in care management.
  [PatientData.ASSESSMENTS]: [Role.CARE_COORDINATOR, Role.NURSE, Role.PHYSICIAN, Role.SOCIAL_WORKER, Role.COMMUNITY_HEALTH_WORKER],
  // Encounters a care team learns of (a reported ED visit, a home visit) besides the ADT feed.
  [PatientData.ENCOUNTERS]: [Role.CARE_COORDINATOR, Role.NURSE, Role.PHYSICIAN, Role.COMMUNITY_HEALTH_WORKER],
  [PatientData.SOCIAL_NEEDS]: [Role.SOCIAL_WORKER, Role.COMMUNITY_HEALTH_WORKER, Role.CARE_COORDINATOR, Role.NURSE],
  [PatientData.CONSENTS]: [Role.CARE_COORDINATOR, Role.SOCIAL_WORKER, Role.NURSE],
  // ServiceRequest to a community partner: who refers social needs.
  [PatientData.REFERRALS]: [Role.SOCIAL_WORKER, Role.CARE_COORDINATOR, Role.COMMUNITY_HEALTH_WORKER, Role.NURSE],
  [PatientData.CARE_PLANS]: CLINICAL_ROLES,
  [PatientData.ENROLLMENT]: [Role.CARE_COORDINATOR],
  [PatientData.CCM_TIME]: CLINICAL_ROLES,
  [PatientData.PATIENT_METRICS]: CLINICAL_ROLES,
};

/** What an integration service account may write for any patient (an ADT / EHR feed), and read back. */
export const INTEGRATION_DATA: readonly PatientData[] = [PatientData.DEMOGRAPHICS, PatientData.CONDITIONS, PatientData.ENCOUNTERS, PatientData.WORKLIST];

const allow = (purpose: AuditPurpose, rule: string): Decision => ({ allowed: true, purpose, rule });
const refuse = (reason: RefusalReason, message: string, rule: string): Decision => ({ allowed: false, reason, message, rule });

const isClinical = (p: Principal) => p.roles.some((r) => CLINICAL_ROLES.includes(r));
const has = (p: Principal, role: Role) => p.roles.includes(role);

const words: Record<PatientData, string> = {
  WORKLIST: 'the population worklist entry',
  DEMOGRAPHICS: 'the registration',
  CONDITIONS: 'conditions',
  MEDICATIONS: 'medications',
  ASSESSMENTS: 'assessments',
  ENCOUNTERS: 'encounters',
  SOCIAL_NEEDS: 'social needs',
  CONSENTS: 'consents',
  REFERRALS: 'referrals',
  CARE_PLANS: 'care teams and plans',
  ENROLLMENT: 'enrollment (forming a care team)',
  CCM_TIME: 'CCM time',
  PATIENT_METRICS: 'patient-level figures',
};

/** May `p` do `op` on `data` of a patient it stands in `relationship` to — and why. */
export function decide(p: Principal, data: PatientData, op: AccessOperation, relationship: Relationship): Decision {
  const what = `${op === 'read' ? 'read' : 'write'} ${words[data]}`;
  if (has(p, Role.PARTNER_STAFF)) {
    return refuse(RefusalReason.PARTNER_CONTRACT_ONLY, `Partner staff see only what the partner contract shares, with the patient's consent`, 'partner');
  }
  if (has(p, Role.ADMIN)) return allow(AuditPurpose.OPERATIONS, 'admin');
  if (has(p, Role.INTEGRATION) && INTEGRATION_DATA.includes(data)) return allow(AuditPurpose.INTEGRATION, 'integration');
  if (!isClinical(p)) return refuse(RefusalReason.ROLE_NOT_ALLOWED, `Your role may not ${what}`, 'role');

  if (data === PatientData.ENROLLMENT) {
    if (op === 'read') return decide(p, PatientData.CARE_PLANS, 'read', relationship);
    if (!has(p, Role.CARE_COORDINATOR)) return refuse(RefusalReason.ROLE_NOT_ALLOWED, 'Only care coordinators (and admins) enroll patients by forming their care team', 'enroll:role');
    if (relationship === Relationship.NO_TEAM) return allow(AuditPurpose.TREATMENT, 'enroll:no-team');
    return refuse(RefusalReason.NOT_ON_CARE_TEAM, 'The patient already has an active care team: its members add you', 'enroll:has-team');
  }
  if (op === 'read') {
    if (relationship === Relationship.MEMBER) return allow(AuditPurpose.TREATMENT, 'member:read');
    if (relationship === Relationship.BREAK_THE_GLASS) return allow(AuditPurpose.BREAK_THE_GLASS, 'break-the-glass:read');
    if (data === PatientData.WORKLIST && has(p, Role.CARE_COORDINATOR)) return allow(AuditPurpose.TREATMENT, 'coordinator:worklist');
    return refuse(RefusalReason.NOT_ON_CARE_TEAM, `Only active members of the patient's care team may ${what} (or break the glass, with a reason)`, 'non-member:read');
  }
  if (relationship === Relationship.BREAK_THE_GLASS) {
    return refuse(RefusalReason.BREAK_THE_GLASS_READ_ONLY, `Break-the-glass access is read-only: only the patient's care team may ${what}`, 'break-the-glass:write');
  }
  // Registering a patient, and correcting the registration before enrollment, is outreach work.
  if (data === PatientData.DEMOGRAPHICS && relationship === Relationship.NO_TEAM && has(p, Role.CARE_COORDINATOR)) {
    return allow(AuditPurpose.TREATMENT, 'coordinator:register');
  }
  if (relationship !== Relationship.MEMBER) {
    return refuse(RefusalReason.NOT_ON_CARE_TEAM, `Only active members of the patient's care team may ${what}`, 'non-member:write');
  }
  if (p.roles.some((r) => MEMBER_WRITERS[data].includes(r))) return allow(AuditPurpose.TREATMENT, 'member:write');
  return refuse(RefusalReason.ROLE_NOT_ALLOWED, `Your role may not ${what}: ${MEMBER_WRITERS[data].join(', ') || 'nobody'} may`, 'member:role');
}

/**
 * Principals whose reads the hub answers alike, as a key: live subscribers with one
 * operation and one read profile share one execution per event (gateway/live/subscriptions.ts),
 * as a 5-person team of five roles would otherwise cost five. For a principal of clinical
 * roles only it is what `decide` answers to every read (data × relationship): the one
 * place a read depends on which clinical role asks (a care coordinator's population
 * worklist) — the other role checks on read paths (directory, KPI targets, care-team
 * staff) admit every clinical role alike, and only writes tell nurse from physician.
 * Any other role keeps its exact roles: read paths name admins, analysts, integrations,
 * privacy officers and partner staff one by one.
 */
export function readProfile(p: Principal): string {
  if (p.roles.length === 0 || !p.roles.every((r) => CLINICAL_ROLES.includes(r))) return `roles:${[...p.roles].sort().join(',')}`;
  const reads = PATIENT_DATA.flatMap((data) => RELATIONSHIPS.map((rel) => {
    const d = decide(p, data, 'read', rel);
    return d.allowed ? d.purpose : '-';
  }));
  return `reads:${reads.join(',')}`;
}

/** Roles that may break the glass: clinicians (never partners, analysts, integrations). */
export const mayBreakTheGlass = (p: Principal) => isClinical(p) && !has(p, Role.PARTNER_STAFF);

const ROLE_ROWS: Role[] = [
  Role.CARE_COORDINATOR, Role.NURSE, Role.PHYSICIAN, Role.SOCIAL_WORKER, Role.PHARMACIST, Role.DIETITIAN, Role.COMMUNITY_HEALTH_WORKER,
  Role.INTEGRATION, Role.ADMIN, Role.ANALYST, Role.PRIVACY_OFFICER, Role.PARTNER_STAFF,
];
const REL_COLUMNS: Relationship[] = [Relationship.MEMBER, Relationship.BREAK_THE_GLASS, Relationship.NOT_MEMBER, Relationship.NO_TEAM];

/**
 * The table as Markdown (docs/access.md holds this output; a unit test keeps them
 * equal): one row per role and data, R / W per relationship.
 */
export function renderAccessTable(): string {
  const cell = (role: Role, data: PatientData, rel: Relationship) => {
    const p: Principal = { sub: 'x', roles: [role], org: role === Role.PARTNER_STAFF ? 'org' : undefined };
    const r = decide(p, data, 'read', rel).allowed ? 'R' : '';
    const w = decide(p, data, 'write', rel).allowed ? 'W' : '';
    return r + w || '–';
  };
  const lines = [
    `| role | data | ${REL_COLUMNS.map((r) => r.toLowerCase().replace(/_/g, '-')).join(' | ')} |`,
    `| --- | --- | ${REL_COLUMNS.map(() => '---').join(' | ')} |`,
  ];
  for (const role of ROLE_ROWS) {
    for (const data of PATIENT_DATA) lines.push(`| ${role} | ${data} | ${REL_COLUMNS.map((rel) => cell(role, data, rel)).join(' | ')} |`);
  }
  return lines.join('\n');
}
