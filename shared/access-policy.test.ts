/** The access table, rule by rule (docs/access.md), and the document kept equal to it. */
import fs from 'node:fs';
import path from 'node:path';
import { AuditPurpose } from './audit';
import { decide, mayBreakTheGlass, PATIENT_DATA, PatientData, readProfile, RefusalReason, Relationship, RELATIONSHIPS, renderAccessTable } from './access-policy';
import { ALL_ROLES, Role, type Principal } from './auth';

const as = (...roles: Role[]): Principal => ({ sub: 'p', roles, org: roles.includes(Role.PARTNER_STAFF) ? 'org-1' : undefined });

describe('decide', () => {
  it('lets active team members read the whole clinical record, for treatment', () => {
    for (const data of [PatientData.CONDITIONS, PatientData.ENCOUNTERS, PatientData.SOCIAL_NEEDS, PatientData.CONSENTS, PatientData.REFERRALS, PatientData.CARE_PLANS, PatientData.CCM_TIME]) {
      expect(decide(as(Role.DIETITIAN), data, 'read', Relationship.MEMBER)).toMatchObject({ allowed: true, purpose: AuditPurpose.TREATMENT });
    }
  });

  it('refuses a clinician outside the team, with the reason a screen can show', () => {
    const d = decide(as(Role.NURSE), PatientData.CONDITIONS, 'read', Relationship.NOT_MEMBER);
    expect(d).toMatchObject({ allowed: false, reason: RefusalReason.NOT_ON_CARE_TEAM });
  });

  it('shows the population worklist to care coordinators only (others: their own patients)', () => {
    expect(decide(as(Role.CARE_COORDINATOR), PatientData.WORKLIST, 'read', Relationship.NOT_MEMBER).allowed).toBe(true);
    expect(decide(as(Role.CARE_COORDINATOR), PatientData.WORKLIST, 'read', Relationship.NO_TEAM).allowed).toBe(true);
    expect(decide(as(Role.NURSE), PatientData.WORKLIST, 'read', Relationship.NO_TEAM).allowed).toBe(false);
    expect(decide(as(Role.NURSE), PatientData.WORKLIST, 'read', Relationship.MEMBER).allowed).toBe(true);
    // The worklist entry is not the record: a coordinator outside the team still cannot read conditions.
    expect(decide(as(Role.CARE_COORDINATOR), PatientData.CONDITIONS, 'read', Relationship.NOT_MEMBER).allowed).toBe(false);
  });

  it('lets a care coordinator enroll a patient who has no team, and nobody else', () => {
    expect(decide(as(Role.CARE_COORDINATOR), PatientData.ENROLLMENT, 'write', Relationship.NO_TEAM).allowed).toBe(true);
    expect(decide(as(Role.CARE_COORDINATOR), PatientData.ENROLLMENT, 'write', Relationship.NOT_MEMBER)).toMatchObject({ allowed: false, reason: RefusalReason.NOT_ON_CARE_TEAM });
    expect(decide(as(Role.NURSE), PatientData.ENROLLMENT, 'write', Relationship.NO_TEAM)).toMatchObject({ allowed: false, reason: RefusalReason.ROLE_NOT_ALLOWED });
  });

  it('writes by role, FHIR-style: physicians diagnose, social workers refer, nobody outside the team writes', () => {
    expect(decide(as(Role.PHYSICIAN), PatientData.CONDITIONS, 'write', Relationship.MEMBER).allowed).toBe(true);
    expect(decide(as(Role.SOCIAL_WORKER), PatientData.CONDITIONS, 'write', Relationship.MEMBER)).toMatchObject({ allowed: false, reason: RefusalReason.ROLE_NOT_ALLOWED });
    expect(decide(as(Role.SOCIAL_WORKER), PatientData.REFERRALS, 'write', Relationship.MEMBER).allowed).toBe(true);
    expect(decide(as(Role.PHARMACIST), PatientData.REFERRALS, 'write', Relationship.MEMBER).allowed).toBe(false);
    expect(decide(as(Role.PHYSICIAN), PatientData.CONDITIONS, 'write', Relationship.NOT_MEMBER)).toMatchObject({ allowed: false, reason: RefusalReason.NOT_ON_CARE_TEAM });
  });

  it('break-the-glass opens the record read-only, flagged as such', () => {
    expect(decide(as(Role.NURSE), PatientData.CONDITIONS, 'read', Relationship.BREAK_THE_GLASS)).toMatchObject({ allowed: true, purpose: AuditPurpose.BREAK_THE_GLASS });
    expect(decide(as(Role.NURSE), PatientData.CONDITIONS, 'write', Relationship.BREAK_THE_GLASS)).toMatchObject({ allowed: false, reason: RefusalReason.BREAK_THE_GLASS_READ_ONLY });
    expect(mayBreakTheGlass(as(Role.NURSE))).toBe(true);
    expect(mayBreakTheGlass(as(Role.ANALYST))).toBe(false);
    expect(mayBreakTheGlass(as(Role.PARTNER_STAFF))).toBe(false);
  });

  it('lets an integration record registration, encounters and conditions for any patient, and nothing else', () => {
    for (const data of [PatientData.DEMOGRAPHICS, PatientData.ENCOUNTERS, PatientData.CONDITIONS]) {
      expect(decide(as(Role.INTEGRATION), data, 'write', Relationship.NOT_MEMBER)).toMatchObject({ allowed: true, purpose: AuditPurpose.INTEGRATION });
    }
    expect(decide(as(Role.INTEGRATION), PatientData.SOCIAL_NEEDS, 'read', Relationship.NOT_MEMBER).allowed).toBe(false);
    expect(decide(as(Role.INTEGRATION), PatientData.CARE_PLANS, 'write', Relationship.MEMBER).allowed).toBe(false);
  });

  it('gives admins everything (operations), privacy officers, analysts and partners no patient record', () => {
    expect(decide(as(Role.ADMIN), PatientData.CONSENTS, 'write', Relationship.NOT_MEMBER)).toMatchObject({ allowed: true, purpose: AuditPurpose.OPERATIONS });
    for (const role of [Role.ANALYST, Role.PRIVACY_OFFICER]) {
      expect(decide(as(role), PatientData.WORKLIST, 'read', Relationship.MEMBER)).toMatchObject({ allowed: false, reason: RefusalReason.ROLE_NOT_ALLOWED });
    }
    expect(decide(as(Role.PARTNER_STAFF), PatientData.REFERRALS, 'read', Relationship.MEMBER)).toMatchObject({ allowed: false, reason: RefusalReason.PARTNER_CONTRACT_ONLY });
  });
});

describe('readProfile', () => {
  const reads = (p: Principal) => PATIENT_DATA.flatMap((data) => RELATIONSHIPS.map((rel) => JSON.stringify(decide(p, data, 'read', rel))));

  it('puts clinicians whose every read is decided alike together, and the care coordinator (population worklist) apart', () => {
    const clinicians = [Role.NURSE, Role.PHYSICIAN, Role.SOCIAL_WORKER, Role.PHARMACIST, Role.DIETITIAN, Role.COMMUNITY_HEALTH_WORKER];
    expect(new Set(clinicians.map((r) => readProfile(as(r)))).size).toBe(1);
    expect(readProfile(as(Role.CARE_COORDINATOR))).not.toBe(readProfile(as(Role.NURSE)));
    expect(readProfile(as(Role.NURSE, Role.CARE_COORDINATOR))).toBe(readProfile(as(Role.CARE_COORDINATOR)));
  });

  it('never joins two principals whose reads differ, and keeps every other role apart by its exact roles', () => {
    const principals = [...ALL_ROLES.map((r) => as(r)), ...ALL_ROLES.flatMap((a) => ALL_ROLES.filter((b) => b > a).map((b) => as(a, b)))];
    for (const a of principals) for (const b of principals) {
      if (readProfile(a) !== readProfile(b)) continue;
      expect(reads(a)).toEqual(reads(b));
      const clinicalOnly = (p: Principal) => p.roles.every((r) => [Role.CARE_COORDINATOR, Role.NURSE, Role.PHYSICIAN, Role.SOCIAL_WORKER, Role.PHARMACIST, Role.DIETITIAN, Role.COMMUNITY_HEALTH_WORKER].includes(r));
      if (!clinicalOnly(a) || !clinicalOnly(b)) expect([...a.roles].sort()).toEqual([...b.roles].sort());
    }
    expect(readProfile(as(Role.ADMIN))).not.toBe(readProfile(as(Role.ANALYST)));
    expect(readProfile(as(Role.NURSE, Role.ADMIN))).not.toBe(readProfile(as(Role.NURSE)));
  });
});

describe('docs/access.md', () => {
  it('prints exactly the table decide applies', () => {
    const doc = fs.readFileSync(path.resolve(__dirname, '..', 'docs', 'access.md'), 'utf8');
    const between = doc.split('<!-- access-table:start -->')[1]?.split('<!-- access-table:end -->')[0]?.trim();
    expect(between).toBe(renderAccessTable());
  });
});
