/**
 * The care team console in a real browser (issue 15): Playwright drives Debian's
 * Chromium against a hub started in-process, whose gateway serves the built console
 * (dist/console, built here when missing). A coordinator enrolls a high-risk patient
 * and drafts a plan; a nurse in a second browser context edits it and the
 * coordinator's page shows it without reload; the coordinator's stale edit shows the
 * CONFLICT and the newer version; a social worker refers a need, which arrives live at
 * the partner's open portal in its own context, where the partner accepts and completes it while the social worker's chart updates live;
 * the outcomes page draws its charts. axe-core finds no serious or critical violation
 * on any screen; each screen is written to test/screenshots/<screen>.png.
 * Without /usr/bin/chromium the whole file is skipped, and says so.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CONSOLE_DIR } from '../gateway/console';
import { ok } from './care-teams-fixtures';
import { FOOD_BANK } from './partner-fixtures';
import { SUBGRAPH_NAMES, type SubgraphName } from '../shared/config';
import { seedDemoPopulation } from '../scripts/seed/index';
import { SUBGRAPHS } from '../subgraphs';
import { startHub, type TestHub } from './support/hub';
import { eventually } from './support/live';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = path.join(__dirname, 'screenshots');
const haveChromium = fs.existsSync(CHROMIUM);
if (!haveChromium) console.log(`test/console.browser.test.ts: SKIPPED — no Chromium at ${CHROMIUM} (apt-get install -y chromium; .ci/run does)`);
const describeInBrowser = haveChromium ? describe : describe.skip;

jest.setTimeout(120_000);

const DAY = 86_400_000;
/** Enough for most monthly KPI cells to pass the minimum cohort size, small enough to seed in seconds. */
const SEEDED_PATIENTS = 300;
const iso = (ms: number) => new Date(ms).toISOString();

let hub: TestHub;
let browser: Browser;
let base: string;
const contexts: BrowserContext[] = [];

async function signedIn(sub: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.getByLabel('Demo user').selectOption(sub);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

/** How many subscriptions the gateway holds now (its /health counts them). */
async function liveSubscriptions(): Promise<number> {
  return ((await (await fetch(`${base}/health`)).json()) as { subscriptions?: number }).subscriptions ?? 0;
}

/** axe-core on the page as it is: no serious or critical violation; then the screenshot. */
async function check(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${screen}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${screen}.png`), fullPage: true });
}

/** A patient discharged after 15 emergent days: LACE L = 7, A = 3, so HIGH (clinical-rules: LACE ≥ 10). */
async function highRiskPatient(familyName: string, postalCode = '02139'): Promise<string> {
  const patientId = ok(await hub.query(`mutation($i: RegisterPatientInput!) { registerPatient(input: $i) { id } }`, {
    i: { mrn: `BR-${familyName}`, givenName: 'Rosa', familyName, birthDate: '1948-05-02', administrativeSex: 'FEMALE', postalCode },
  })).registerPatient.id;
  const now = Date.now();
  const stay = ok(await hub.query(`mutation($i: AdmitPatientInput!) { admitPatient(input: $i) { id } }`, {
    i: { patientId, kind: 'INPATIENT', admittedAt: iso(now - 17 * DAY), acuity: 'EMERGENT' },
  })).admitPatient;
  ok(await hub.query(`mutation($i: DischargePatientInput!) { dischargePatient(input: $i) { id } }`, {
    i: { encounterId: stay.id, dischargedAt: iso(now - 2 * DAY), disposition: 'HOME' },
  }));
  return patientId;
}

describeInBrowser('the care team console in Chromium', () => {
  let rosa: string;
  let amara: string;

  beforeAll(async () => {
    // `npm test` builds first; a bare jest run builds the console the same way (codegen's CLI is ESM-only inside jest, so in a child).
    if (!fs.existsSync(path.join(CONSOLE_DIR, 'index.html'))) {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: path.join(__dirname, '..'), stdio: 'inherit' });
      execFileSync(process.execPath, ['dist/scripts/build-console.js'], { cwd: path.join(__dirname, '..'), stdio: 'inherit' });
    }
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    hub = await startHub();
    base = hub.gatewayUrl.replace(/\/graphql$/, '');
    // The demo population (as `npm start` seeds it, partner directory included), so the outcomes have months to chart.
    const dataSources = Object.fromEntries(SUBGRAPH_NAMES.map((n) => [n, hub.subgraphs[n].ds])) as Record<SubgraphName, (typeof hub.subgraphs)[SubgraphName]['ds']>;
    await seedDemoPopulation(SUBGRAPHS, dataSources, SEEDED_PATIENTS, () => undefined);
    rosa = await highRiskPatient('Quellhorst');
    // A second patient, enrolled, with a food need and consent to share with the food bank.
    amara = await highRiskPatient('Ombassa');
    ok(await hub.query(`mutation($i: FormCareTeamInput!) { formCareTeam(input: $i) { id } }`, {
      i: { patientId: amara, name: 'Ombassa care team', members: [{ practitionerId: 'demo-coordinator', role: 'CARE_COORDINATOR' }, { practitionerId: 'demo-social-worker', role: 'SOCIAL_WORKER' }] },
    }));
    ok(await hub.query(`mutation($i: RecordSocialNeedInput!) { recordSocialNeed(input: $i) { id } }`, { i: { patientId: amara, category: 'FOOD_INSECURITY', instrument: 'AHC HRSN' } }));
    ok(await hub.query(`mutation($i: RecordConsentInput!) { recordConsent(input: $i) { id } }`, { i: { patientId: amara, kind: 'SHARE_WITH_PARTNER', partnerOrgId: FOOD_BANK.id } }));
    await hub.settle();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await hub?.stop();
  });

  it('sign-in lists the demo users', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${base}/`);
    // The list comes from GET /dev/users after the page loads: wait for it, then count.
    await page.getByLabel('Demo user').locator('option').nth(6).waitFor({ state: 'attached' });
    await expect(page.getByLabel('Demo user').locator('option').count()).resolves.toBeGreaterThan(6);
    await check(page, 'sign-in');
  });

  it('a coordinator enrolls a high-risk patient and drafts a plan; a nurse edits it live; a stale edit shows the conflict', async () => {
    const coordinator = await signedIn('demo-coordinator');
    // Filters: the high-risk patients not yet enrolled, by name.
    await coordinator.getByLabel('Risk tier').selectOption('HIGH');
    await coordinator.getByLabel('Care management').selectOption('no');
    await coordinator.getByLabel('Name or MRN').fill('Quellhorst');
    const row = coordinator.getByRole('row', { name: /Quellhorst, Rosa/ });
    await row.getByText('HIGH').waitFor();
    await expect(row.textContent()).resolves.toMatch(/LACE 1\d/);
    await check(coordinator, 'worklist');

    await row.getByRole('button', { name: 'Enroll Rosa Quellhorst' }).click();
    await coordinator.getByRole('heading', { name: /Quellhorst, Rosa/ }).waitFor();
    await coordinator.getByText('Quellhorst care team (active)').waitFor();
    await coordinator.getByLabel('New care plan title').fill('Breathe easier at home');
    await coordinator.getByRole('button', { name: 'Draft care plan' }).click();
    await coordinator.getByTestId('plan-title').getByText('Breathe easier at home').waitFor();
    const carePlanId = coordinator.url().split('/').pop()!;
    await check(coordinator, 'care-plan');

    // The nurse joins the team the coordinator formed (through GraphQL), and opens the same plan.
    const team = ok(await hub.query(`query($id: ID!) { carePlan(id: $id) { careTeamId } }`, { id: carePlanId })).carePlan;
    ok(await hub.query(`mutation($i: AddCareTeamMemberInput!) { addCareTeamMember(input: $i) { id } }`, { i: { careTeamId: team.careTeamId, practitionerId: 'demo-nurse', role: 'NURSE_CASE_MANAGER' } }));
    await hub.settle();

    // The coordinator starts an edit from version 1 …
    await coordinator.getByRole('button', { name: 'Edit plan' }).click();
    await coordinator.getByRole('heading', { name: 'Edit the plan (from version 1)' }).waitFor();

    // … while the nurse, in another browser context, saves one.
    const nurse = await signedIn('demo-nurse');
    await nurse.goto(`${base}/care-plans/${carePlanId}`);
    await nurse.getByRole('button', { name: 'Edit plan' }).click();
    await nurse.getByLabel('Title').fill('Breathe easier: walk every day');
    await nurse.getByRole('button', { name: 'Save' }).click();
    await nurse.getByTestId('plan-version').getByText('2').waitFor();

    // The coordinator's page shows it without reload: the subscription delivered version 2.
    await coordinator.getByTestId('plan-title').getByText('Breathe easier: walk every day').waitFor({ timeout: 15_000 });
    await coordinator.getByTestId('plan-version').getByText('2').waitFor();
    await coordinator.getByText(/Version 2: updated by demo-nurse/).waitFor();

    // The coordinator's save still says version 1: refused, with the newer version shown, nothing overwritten.
    await coordinator.getByLabel('Title').fill('Coordinator title');
    await coordinator.getByRole('button', { name: 'Save' }).click();
    const conflict = coordinator.locator('.conflict');
    await conflict.waitFor();
    await expect(conflict.textContent()).resolves.toMatch(/CONFLICT.*now version 2, you had 1.*Breathe easier: walk every day/);
    await expect(coordinator.getByTestId('plan-title').textContent()).resolves.toBe('Breathe easier: walk every day');
    const stored = ok(await hub.query(`query($id: ID!) { carePlan(id: $id) { title version } }`, { id: carePlanId })).carePlan;
    expect(stored).toEqual({ title: 'Breathe easier: walk every day', version: 2 });
    await coordinator.getByRole('heading', { name: 'Revision history' }).waitFor();
    await coordinator.locator('ol.history > li').nth(1).waitFor();
    await expect(coordinator.locator('ol.history > li').count()).resolves.toBe(2);
    await check(coordinator, 'care-plan-conflict');

    await coordinator.goto(`${base}/patients/${rosa}`);
    await coordinator.getByRole('link', { name: 'Breathe easier: walk every day' }).waitFor();
    await check(coordinator, 'patient-chart');
  });

  it('a clinician off the team sees the refusal and can break the glass with a reason', async () => {
    const pharmacist = await signedIn('demo-pharmacist');
    await pharmacist.goto(`${base}/patients/${rosa}`);
    await pharmacist.getByText(/FORBIDDEN \(NOT_ON_CARE_TEAM\)/).first().waitFor();
    await check(pharmacist, 'patient-chart-refused');
    await pharmacist.getByLabel(/Break the glass/).fill('Covering the ED: patient readmitted tonight');
    await pharmacist.getByRole('button', { name: 'Break the glass' }).click();
    await pharmacist.getByText('Quellhorst care team (active)').waitFor({ timeout: 15_000 });
  });

  it('a social worker refers a need; it arrives live at the open partner portal, which accepts and completes it while the chart updates live', async () => {
    // The partner's portal is open first: the new referral must appear there without a reload (referralAssigned).
    const before = await liveSubscriptions();
    const partner = await signedIn('demo-partner-user');
    await partner.getByRole('heading', { name: /referrals/i }).first().waitFor();
    await eventually(async () => expect(await liveSubscriptions()).toBeGreaterThan(before), 15_000);
    const socialWorker = await signedIn('demo-social-worker');
    await socialWorker.goto(`${base}/patients/${amara}`);
    await socialWorker.getByRole('button', { name: 'Refer' }).click();
    await socialWorker.getByLabel('Community partner').selectOption({ label: FOOD_BANK.name });
    await socialWorker.getByRole('button', { name: 'Send referral' }).click();
    const status = socialWorker.locator('[data-referral] .referral-status');
    await status.getByText('REQUESTED').waitFor();

    const card = partner.locator('[data-referral]').filter({ hasText: 'Ombassa' });
    await card.waitFor({ timeout: 15_000 });
    await partner.getByText(/referral update\(s\) arrived live/).waitFor();
    await card.getByRole('button', { name: 'Accept' }).click();
    await status.getByText('ACCEPTED').waitFor({ timeout: 15_000 });
    await card.getByRole('button', { name: 'Start' }).click();
    await card.getByLabel('Outcome').fill('Two weeks of groceries delivered; SNAP application filed');
    await check(partner, 'partner-portal');
    await card.getByRole('button', { name: 'Complete' }).click();
    await card.getByText('Outcome: Two weeks of groceries delivered; SNAP application filed').waitFor();

    // No reload on the social worker's side: the referralStatusChanged subscription refetched the chart.
    await status.getByText('COMPLETED').waitFor({ timeout: 15_000 });
    await socialWorker.locator('[data-referral]').getByText(/requested .* → accepted .* → in progress .* → completed/).waitFor({ timeout: 15_000 });
    await check(socialWorker, 'patient-chart-referral');
  });

  it('my work lists the member’s items; the outcomes page draws its charts', async () => {
    const coordinator = await signedIn('demo-coordinator');
    await coordinator.getByRole('link', { name: 'My work' }).click();
    await coordinator.getByRole('heading', { name: 'My work' }).waitFor();
    await coordinator.locator('table, p.muted').first().waitFor();
    await check(coordinator, 'my-work');

    const analyst = await signedIn('demo-analyst');
    await analyst.getByRole('link', { name: 'Outcomes' }).click();
    await analyst.locator('figure.kpi').first().waitFor();
    await analyst.locator('figure.kpi svg.recharts-surface').nth(4).waitFor();
    await expect(analyst.locator('figure.kpi svg.recharts-surface').count()).resolves.toBeGreaterThanOrEqual(5);
    await expect(analyst.locator('figure.kpi').filter({ hasText: '30-day' }).count()).resolves.toBeGreaterThan(0);
    // Trend lines drawn from the seeded months (a path with segments), not only empty axes.
    await analyst.locator('figure.kpi path.recharts-line-curve[d*="L"], figure.kpi path.recharts-line-curve[d*="C"]').first().waitFor();
    await expect(analyst.getByText(/target < 15\.0 %/).count()).resolves.toBe(1);
    await check(analyst, 'outcomes');
  });
});
