/**
 * A deterministic demo population: the same seed gives the same people, ids and
 * histories every time. Patient i is generated from its own PRNG stream, so a
 * 100,000-patient seed is produced in batches without holding everyone in memory.
 * Each subgraph's `data/seed.ts` writes only its own part of it.
 */
import crypto from 'node:crypto';
import { SocialNeedCategory } from '../../shared/vocabulary';

/** mulberry32: small, fast, good enough for demo data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable UUID (v4 layout) derived from a name, so cross-subgraph references line up. */
export function stableUuid(name: string): string {
  const h = crypto.createHash('sha256').update(`care-team-hub:${name}`).digest();
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const DAY = 86_400_000;

export interface DemoPractitioner { id: string; name: string; discipline: string; role: string; tokenRole: string; email: string }
export interface DemoCondition { id: string; code: string; display: string; onset: string; chronic: boolean; clinicalStatus: string }
export interface DemoEncounter {
  id: string; kind: 'INPATIENT' | 'OBSERVATION' | 'EMERGENCY' | 'OUTPATIENT' | 'TELEHEALTH' | 'HOME_VISIT';
  admittedAt: Date; dischargedAt: Date | null; acuity: 'EMERGENT' | 'URGENT' | 'ELECTIVE'; planned: boolean;
  disposition: string | null; facility: string; principalDiagnosis: string | null; cost: number;
}
export interface DemoSocialNeed { id: string; category: SocialNeedCategory; instrument: string; screenedAt: string; status: string }
export interface DemoConsent { id: string; kind: 'CCM_SERVICES' | 'SHARE_WITH_PARTNER'; status: 'active'; partnerId: string | null; start: string }
/** A closed-loop referral of a social need to a partner, at some point of its Gravity workflow. */
export interface DemoReferral {
  id: string; partnerId: string; socialNeedId: string; category: SocialNeedCategory; note: string;
  requestedBy: string; status: 'requested' | 'accepted' | 'in-progress' | 'completed' | 'rejected';
  /** When each status was reached, in order (requested first). */
  history: { status: string; at: Date }[];
  outcome: string | null;
}
export interface DemoPatient {
  index: number; id: string; mrn: string; givenName: string; familyName: string; birthDate: string;
  administrativeSex: 'male' | 'female'; phone: string; email: string; addressLine: string; city: string; state: string;
  postalCode: string; preferredLanguage: string; interpreterNeeded: boolean; primaryCarePractitionerId: string;
  conditions: DemoCondition[]; encounters: DemoEncounter[]; socialNeeds: DemoSocialNeed[]; consents: DemoConsent[];
  /** Referrals of this patient's social needs (each with the patient's consent to share with that partner). */
  referrals: DemoReferral[];
  /** Managed patients have a care team and a care plan. */
  careTeam: { id: string; members: { practitionerId: string; role: string }[]; carePlanId: string; planStatus: string } | null;
}
export interface DemoPartner {
  id: string; name: string; description: string; categories: SocialNeedCategory[]; serviceArea: string[]; languages: string[];
  hours: string; acceptingReferrals: boolean; capacity: number; eligibilityNotes: string;
  contacts: { name: string; role: string; phone: string; email: string }[];
}

/** ICD-10-CM codes common in care management panels, with Charlson-relevant ones. */
const CHRONIC_CONDITIONS: [string, string][] = [
  ['I50.9', 'Heart failure, unspecified'], ['J44.9', 'Chronic obstructive pulmonary disease, unspecified'],
  ['E11.22', 'Type 2 diabetes mellitus with diabetic chronic kidney disease'], ['E11.9', 'Type 2 diabetes mellitus without complications'],
  ['N18.4', 'Chronic kidney disease, stage 4'], ['I10', 'Essential (primary) hypertension'], ['F03.90', 'Unspecified dementia'],
  ['I25.10', 'Atherosclerotic heart disease of native coronary artery'], ['K70.30', 'Alcoholic cirrhosis of liver without ascites'],
  ['J45.40', 'Moderate persistent asthma, uncomplicated'], ['I63.9', 'Cerebral infarction, unspecified'], ['F32.9', 'Major depressive disorder, single episode'],
  ['C34.90', 'Malignant neoplasm of unspecified part of bronchus or lung'], ['M05.79', 'Rheumatoid arthritis with rheumatoid factor'],
  ['I73.9', 'Peripheral vascular disease, unspecified'],
];
const GIVEN = { female: ['Maria', 'Linda', 'Rosa', 'Grace', 'Aisha', 'Mei', 'Olga', 'Fatima', 'Helen', 'Nora'], male: ['James', 'Jose', 'Wei', 'Ahmed', 'Robert', 'Luis', 'Samuel', 'Ivan', 'David', 'Kwame'] };
const FAMILY = ['Garcia', 'Smith', 'Nguyen', 'Johnson', 'Okafor', 'Chen', 'Rodriguez', 'Williams', 'Haddad', 'Kowalski', 'Brown', 'Silva', 'Patel', 'Kim', 'Murphy', 'Lopez'];
const LANGUAGES = ['en', 'en', 'en', 'en', 'es', 'es', 'zh', 'vi', 'ar', 'pt'];
export const DEMO_POSTAL_CODES = ['02139', '02140', '02141', '02143', '02144', '02145', '02148', '02150', '02151', '02155'];
const FACILITIES = ['Mercy General Hospital', 'Riverside Medical Center', 'St. Anne Community Hospital'];
export const DEMO_EPOCH = Date.UTC(2026, 10, 1); // the demo's "today" anchor: 2026-11-01

export const DEMO_PRACTITIONERS: DemoPractitioner[] = [
  { id: 'demo-coordinator', name: 'Carmen Diaz', discipline: 'Registered nurse, care coordinator', role: 'CARE_COORDINATOR', tokenRole: 'care_coordinator', email: 'carmen.diaz@example.org' },
  { id: 'demo-nurse', name: 'Noah Park', discipline: 'Registered nurse case manager', role: 'NURSE_CASE_MANAGER', tokenRole: 'nurse', email: 'noah.park@example.org' },
  { id: 'demo-physician', name: 'Dr. Priya Raman', discipline: 'Internal medicine', role: 'PRIMARY_CARE_PHYSICIAN', tokenRole: 'physician', email: 'priya.raman@example.org' },
  { id: 'demo-social-worker', name: 'Sam Okoye', discipline: 'Licensed clinical social worker', role: 'SOCIAL_WORKER', tokenRole: 'social_worker', email: 'sam.okoye@example.org' },
  { id: 'demo-pharmacist', name: 'Lena Fischer', discipline: 'Clinical pharmacist', role: 'PHARMACIST', tokenRole: 'pharmacist', email: 'lena.fischer@example.org' },
  { id: 'demo-chw', name: 'Rafael Cruz', discipline: 'Community health worker', role: 'COMMUNITY_HEALTH_WORKER', tokenRole: 'community_health_worker', email: 'rafael.cruz@example.org' },
];

export const DEMO_PARTNERS: DemoPartner[] = [
  { id: stableUuid('partner:food-bank'), name: 'Greater Cambridge Food Bank', description: 'Emergency groceries, medically tailored meals and SNAP enrollment help', categories: [SocialNeedCategory.FOOD_INSECURITY], serviceArea: ['02139', '02140', '02141', '02142', '02143'], languages: ['en', 'es', 'pt'], hours: 'Mon-Fri 9:00-17:00, Sat 10:00-14:00', acceptingReferrals: true, capacity: 40, eligibilityNotes: 'Household income under 200% FPL; no documentation needed for emergency boxes', contacts: [{ name: 'Dana Whitfield', role: 'Intake coordinator', phone: '+1-617-555-0101', email: 'intake@gcfoodbank.example.org' }] },
  { id: stableUuid('partner:housing'), name: 'Homes First Housing Partnership', description: 'Housing search, rental assistance and eviction prevention', categories: [SocialNeedCategory.HOUSING_INSTABILITY, SocialNeedCategory.HOUSING_QUALITY, SocialNeedCategory.UTILITIES], serviceArea: ['02139', '02143', '02144', '02145'], languages: ['en', 'es'], hours: 'Mon-Thu 8:30-16:30', acceptingReferrals: true, capacity: 12, eligibilityNotes: 'Adults at risk of losing housing within 60 days', contacts: [{ name: 'Marcus Lee', role: 'Housing navigator', phone: '+1-617-555-0122', email: 'referrals@homesfirst.example.org' }] },
  { id: stableUuid('partner:rides'), name: 'CareRides Transportation', description: 'Door-to-door rides to medical appointments and pharmacies', categories: [SocialNeedCategory.TRANSPORTATION], serviceArea: ['02139', '02140', '02141', '02143', '02144', '02145', '02148', '02150', '02151', '02155'], languages: ['en', 'es', 'zh', 'vi'], hours: 'Daily 6:00-20:00', acceptingReferrals: true, capacity: 60, eligibilityNotes: 'Medicaid or Medicare members; 48 hours notice', contacts: [{ name: 'Tina Alvarez', role: 'Dispatch lead', phone: '+1-617-555-0133', email: 'dispatch@carerides.example.org' }] },
  { id: stableUuid('partner:elder-connect'), name: 'ElderConnect Companions', description: 'Friendly visitors and phone check-ins for isolated older adults', categories: [SocialNeedCategory.SOCIAL_ISOLATION], serviceArea: ['02148', '02150', '02151', '02155'], languages: ['en', 'pt', 'ar'], hours: 'Mon-Fri 10:00-18:00', acceptingReferrals: false, capacity: 0, eligibilityNotes: 'Age 60 and over', contacts: [{ name: 'Yusuf Haddad', role: 'Volunteer manager', phone: '+1-617-555-0144', email: 'hello@elderconnect.example.org' }] },
  { id: stableUuid('partner:north-food'), name: 'North Shore Community Pantry', description: 'Weekly pantry and home delivery for homebound clients', categories: [SocialNeedCategory.FOOD_INSECURITY], serviceArea: ['02148', '02150', '02151', '02155'], languages: ['en', 'es', 'ar'], hours: 'Tue and Thu 12:00-19:00', acceptingReferrals: true, capacity: 25, eligibilityNotes: 'Residents of the served ZIP codes', contacts: [{ name: 'Ruth Abiola', role: 'Pantry manager', phone: '+1-617-555-0155', email: 'pantry@northshore.example.org' }] },
];

/** Patient i of the demo population (ids and MRNs are stable for a given index). */
export function demoPatient(index: number): DemoPatient {
  const r = prng(0x5eed + index * 7919);
  const sex = r() < 0.55 ? 'female' : 'male';
  const givenName = pick(r, GIVEN[sex]);
  const familyName = pick(r, FAMILY);
  const age = 45 + Math.floor(r() * 45);
  const birth = new Date(DEMO_EPOCH - age * 365.25 * DAY - Math.floor(r() * 365) * DAY);
  const language = pick(r, LANGUAGES);
  const id = stableUuid(`patient:${index}`);
  const postalCode = pick(r, DEMO_POSTAL_CODES);

  // Multi-morbidity: most panel patients live with two to five chronic conditions.
  const nConditions = Math.min(CHRONIC_CONDITIONS.length, Math.floor(r() * r() * 6) + (r() < 0.8 ? 2 : 0));
  const chosen = new Set<number>();
  while (chosen.size < nConditions) chosen.add(Math.floor(r() * CHRONIC_CONDITIONS.length));
  const conditions = [...chosen].map((c, k) => ({
    id: stableUuid(`condition:${index}:${k}`), code: CHRONIC_CONDITIONS[c][0], display: CHRONIC_CONDITIONS[c][1],
    onset: new Date(DEMO_EPOCH - (400 + Math.floor(r() * 3000)) * DAY).toISOString().slice(0, 10), chronic: true, clinicalStatus: 'active',
  }));

  // Utilisation over the last year: ED visits, admissions (some readmissions), follow-ups.
  const encounters: DemoEncounter[] = [];
  const severity = nConditions / 5;
  const nEd = Math.floor(r() * r() * 6 * (0.5 + severity));
  for (let k = 0; k < nEd; k++) {
    const at = new Date(DEMO_EPOCH - Math.floor(r() * 360) * DAY - Math.floor(r() * 20) * 3_600_000);
    encounters.push({ id: stableUuid(`encounter:${index}:ed:${k}`), kind: 'EMERGENCY', admittedAt: at, dischargedAt: new Date(at.getTime() + 5 * 3_600_000), acuity: 'EMERGENT', planned: false, disposition: 'HOME', facility: pick(r, FACILITIES), principalDiagnosis: conditions[0]?.code ?? 'R07.9', cost: 1200 + Math.round(r() * 2500) });
  }
  const nAdmissions = r() < 0.35 + severity * 0.3 ? 1 + Math.floor(r() * r() * 3) : 0;
  let cursor = DEMO_EPOCH - (300 + Math.floor(r() * 60)) * DAY;
  for (let k = 0; k < nAdmissions; k++) {
    cursor += Math.floor((r() < 0.25 ? 5 + r() * 25 : 40 + r() * 120) * DAY);
    if (cursor > DEMO_EPOCH - 3 * DAY) break;
    const los = 1 + Math.floor(r() * r() * 12);
    const admittedAt = new Date(cursor + Math.floor(r() * 12) * 3_600_000);
    const dischargedAt = new Date(admittedAt.getTime() + los * DAY);
    const emergent = r() < 0.75;
    encounters.push({ id: stableUuid(`encounter:${index}:ip:${k}`), kind: r() < 0.85 ? 'INPATIENT' : 'OBSERVATION', admittedAt, dischargedAt, acuity: emergent ? 'EMERGENT' : pick(r, ['URGENT', 'ELECTIVE'] as const), planned: !emergent && r() < 0.5, disposition: pick(r, ['HOME', 'HOME', 'HOME', 'HOME_HEALTH', 'SKILLED_NURSING'] as const), facility: pick(r, FACILITIES), principalDiagnosis: conditions[0]?.code ?? 'R06.02', cost: 8000 + Math.round(r() * 30000) });
    cursor = dischargedAt.getTime();
    if (r() < 0.6) {
      const at = new Date(cursor + (2 + Math.floor(r() * 12)) * DAY);
      if (at.getTime() < DEMO_EPOCH) encounters.push({ id: stableUuid(`encounter:${index}:fu:${k}`), kind: pick(r, ['OUTPATIENT', 'TELEHEALTH', 'HOME_VISIT'] as const), admittedAt: at, dischargedAt: new Date(at.getTime() + 3_600_000), acuity: 'ELECTIVE', planned: true, disposition: null, facility: 'Primary care clinic', principalDiagnosis: conditions[0]?.code ?? null, cost: 150 + Math.round(r() * 200) });
    }
  }
  encounters.sort((a, b) => a.admittedAt.getTime() - b.admittedAt.getTime());

  const socialNeeds: DemoSocialNeed[] = [];
  for (const category of Object.values(SocialNeedCategory)) {
    if (r() < 0.09) socialNeeds.push({ id: stableUuid(`need:${index}:${category}`), category, instrument: 'AHC HRSN', screenedAt: new Date(DEMO_EPOCH - Math.floor(r() * 120) * DAY).toISOString().slice(0, 10), status: 'identified' });
  }

  const managed = nConditions >= 2 && r() < 0.6;
  const consents: DemoConsent[] = managed ? [{ id: stableUuid(`consent:${index}:ccm`), kind: 'CCM_SERVICES', status: 'active', partnerId: null, start: new Date(DEMO_EPOCH - 200 * DAY).toISOString().slice(0, 10) }] : [];

  // Managed patients' social needs are referred to a partner that serves their need and ZIP,
  // after the patient consents to share with that partner (Gravity SDOH: SDOHCC Consent).
  const referrals: DemoReferral[] = [];
  for (const need of managed ? socialNeeds : []) {
    const partner = DEMO_PARTNERS.find((x) => x.acceptingReferrals && x.categories.includes(need.category) && x.serviceArea.includes(postalCode));
    if (!partner || r() < 0.3) continue;
    // One consent per partner: the housing partner, for one, may take two of a patient's needs.
    if (!consents.some((c) => c.partnerId === partner.id)) {
      consents.push({ id: stableUuid(`consent:${index}:share:${partner.id}`), kind: 'SHARE_WITH_PARTNER', status: 'active', partnerId: partner.id, start: need.screenedAt });
    }
    const status = pick(r, ['requested', 'accepted', 'in-progress', 'completed', 'completed', 'completed', 'rejected'] as const);
    const requestedAt = new Date(Date.parse(need.screenedAt) + (1 + Math.floor(r() * 5)) * DAY);
    const path = { requested: ['requested'], accepted: ['requested', 'accepted'], 'in-progress': ['requested', 'accepted', 'in-progress'], completed: ['requested', 'accepted', 'in-progress', 'completed'], rejected: ['requested', 'rejected'] }[status];
    let at = requestedAt.getTime();
    const history = path.map((s, k) => ({ status: s, at: new Date((at += k === 0 ? 0 : (1 + Math.floor(r() * 6)) * DAY)) }));
    referrals.push({
      id: stableUuid(`referral:${index}:${need.category}`), partnerId: partner.id, socialNeedId: need.id, category: need.category,
      note: `Referred after ${need.instrument} screening`, requestedBy: 'demo-social-worker', status, history,
      outcome: status === 'completed' ? 'Service delivered and confirmed with the patient' : null,
    });
  }
  const careTeam = managed
    ? {
        id: stableUuid(`team:${index}`),
        carePlanId: stableUuid(`plan:${index}`),
        planStatus: r() < 0.85 ? 'active' : 'draft',
        members: [
          { practitionerId: 'demo-coordinator', role: 'CARE_COORDINATOR' },
          { practitionerId: 'demo-nurse', role: 'NURSE_CASE_MANAGER' },
          { practitionerId: 'demo-physician', role: 'PRIMARY_CARE_PHYSICIAN' },
          ...(socialNeeds.length ? [{ practitionerId: 'demo-social-worker', role: 'SOCIAL_WORKER' }] : []),
        ],
      }
    : null;

  return {
    index, id, mrn: `MRN${String(100000 + index)}`, givenName, familyName, birthDate: birth.toISOString().slice(0, 10),
    administrativeSex: sex, phone: `+1-617-555-${String(1000 + (index % 9000)).padStart(4, '0')}`,
    email: `${givenName}.${familyName}.${index}@example.net`.toLowerCase(), addressLine: `${10 + Math.floor(r() * 890)} ${pick(r, ['Main', 'Elm', 'Prospect', 'Broadway', 'Oak'])} St`,
    city: 'Cambridge', state: 'MA', postalCode, preferredLanguage: language, interpreterNeeded: language !== 'en' && r() < 0.6,
    primaryCarePractitionerId: 'demo-physician', conditions, encounters, socialNeeds, consents, referrals, careTeam,
  };
}

/** Patients [from, to) of the demo population, in batches. */
export function* demoPatients(count: number, batchSize = 1000): Generator<DemoPatient[]> {
  for (let start = 0; start < count; start += batchSize) {
    const batch: DemoPatient[] = [];
    for (let i = start; i < Math.min(count, start + batchSize); i++) batch.push(demoPatient(i));
    yield batch;
  }
}
