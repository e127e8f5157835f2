// Care gaps in the chart: the diabetics of 50 and 89, who showed
// "Nothing due", see their diabetes follow-up and screenings in the Due box;
// a colonoscopy done elsewhere is recorded from the care panel and closes
// its gap, its retraction opens it again; a result charted elsewhere in the
// clinic closes the HbA1c gap on the open screen; an exclusion needs its
// reason.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, chaosMaxDelay, launchBrowser, shooter, signIn, startFolio, test } from './harness.js';

let folio;
let chromium;
const soon = { timeout: 5000 + 2 * chaosMaxDelay };

before(async () => {
  folio = await startFolio({
    prepare(cli) {
      const r = cli(['demo', '--patients', '10', '--charts', '1']);
      if (r.status !== 0) throw new Error(`folio demo failed: ${r.stderr}`);
    },
  });
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

async function diabetic(page, familyName, birthDate, sex) {
  const p = await call(page, 'Patients', 'Register', {
    familyName, givenNames: 'Rosa', birthDate, sex, phone: '555-410-2200',
  });
  await call(page, 'Chart', 'AddProblem', p.id, { code: 'E11.9' });
  return p;
}

test('care gaps: the Due box lists what a diabetic is due; the care panel records, closes and reopens gaps', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '60-care-gaps');
  await page.goto(folio.url);
  await signIn(page, 'drlee', 'demo-clinician-pass');
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();

  // The 89-year-old: diabetes follow-up, and the vaccines of old age; no
  // colorectal screening past 75.
  const old = await diabetic(page, 'Oldfield', '1937-05-01', 'female');
  await page.goto(`${folio.url}/#/patients/${old.id}`);
  const due = page.getByTestId('summary-due');
  await due.getByRole('button', { name: 'HbA1c (diabetes): never done' }).waitFor(soon);
  await due.getByRole('button', { name: 'Diabetic eye exam: never done' }).waitFor();
  assert.doesNotMatch(await due.textContent(), /Nothing due|Colorectal/);
  const more = due.getByTestId('summary-due-more');
  assert.match(await more.textContent(), /and \d+ more in Care gaps/);
  await shot('01-89-year-old-due');

  // The 50-year-old: the Due box's item leads to the care panel.
  const p = await diabetic(page, 'Middleton', '1976-03-01', 'female');
  await page.goto(`${folio.url}/#/patients/${p.id}`);
  await due.getByRole('button', { name: 'HbA1c (diabetes): never done' }).waitFor(soon);
  const panel = page.getByTestId('care');
  const row = (rule) => panel.locator(`[data-testid="care-gap"][data-rule="${rule}"]`);
  await row('colorectal-cancer-screening').waitFor();
  assert.match(await row('colorectal-cancer-screening').textContent(), /Due.*overdue since 2021-03-01.*never/s);

  // Record a colonoscopy done elsewhere: first without its date.
  await row('colorectal-cancer-screening').getByRole('button', { name: 'Record…' }).click();
  const form = panel.getByTestId('care-form');
  await form.getByLabel('What was done').selectOption({ label: 'Colonoscopy' });
  await form.getByLabel('Where', { exact: true }).selectOption('elsewhere');
  await form.getByLabel('Result').fill('normal, no polyps');
  await form.getByLabel('Done by, or where').fill('Springfield GI');
  await form.getByRole('button', { name: 'Record' }).click();
  await form.getByText('Enter when it was done, or at least the year.').waitFor(soon);
  await shot('02-date-missing');
  assert.equal(await form.getByLabel('Result').inputValue(), 'normal, no polyps', 'the form keeps what was typed');
  await form.getByLabel('When').fill('2024-03');
  await form.getByRole('button', { name: 'Record' }).click();
  await panel.getByTestId('care-recorded').getByText('Colorectal cancer screening: Colonoscopy recorded.').waitFor(soon);
  await row('colorectal-cancer-screening').waitFor({ state: 'detached', ...soon });
  await panel.getByTestId('care-show-all').click();
  assert.match(await row('colorectal-cancer-screening').textContent(), /Up to date.*next due 2034-03-01.*2024-03 · Colonoscopy/s);
  await shot('03-colonoscopy-closes-the-gap');

  // A result charted on another screen closes the HbA1c gap on this one.
  const other = await chromium.browser.newContext();
  const otherPage = await other.newPage();
  await otherPage.goto(folio.url);
  await signIn(otherPage, 'drlee', 'demo-clinician-pass');
  await otherPage.getByRole('heading', { name: 'Find a patient' }).waitFor();
  await call(otherPage, 'Chart', 'RecordLabResult', p.id, { loinc: '4548-4', value: '6.6', unit: '%', observedAt: '' });
  await other.close();
  await due.getByRole('button', { name: 'HbA1c (diabetes): never done' }).waitFor({ state: 'detached', ...soon });
  await row('diabetes-a1c').getByText('Up to date').waitFor(soon);

  // The colonoscopy was another patient's: retracted, the gap opens again.
  const record = panel.getByTestId('care-record').filter({ hasText: 'Colonoscopy' });
  await record.getByRole('button', { name: 'Entered in error' }).click();
  await panel.getByTestId('care-retract-form').getByLabel('Why was this entered in error?').fill("another patient's report");
  await panel.getByRole('button', { name: 'Mark as entered in error' }).click();
  await record.locator('.badge', { hasText: 'entered in error' }).waitFor(soon);
  await row('colorectal-cancer-screening').getByText('Due', { exact: true }).waitFor(soon);

  // An exclusion needs its reason.
  await row('cervical-cancer-screening').getByRole('button', { name: 'Record…' }).click();
  await form.getByLabel('Exclude').check();
  await form.getByRole('button', { name: 'Record' }).click();
  await form.getByText(/Say why the patient is excluded/).waitFor(soon);
  await form.getByLabel('Why excluded').fill('total hysterectomy 2015');
  await form.getByRole('button', { name: 'Record' }).click();
  await row('cervical-cancer-screening').getByText('Excluded', { exact: true }).waitFor(soon);
  assert.match(await row('cervical-cancer-screening').textContent(), /total hysterectomy 2015/);
  await shot('04-retracted-and-excluded');
  await ctx.close();
});

test('care rules: the admin gives a rule the clinic interval and switches one off, saying why', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '61-care-rules');
  await page.goto(folio.url);
  await signIn(page, 'admin', 'demo-admin-pass');
  await page.goto(`${folio.url}/#/admin/settings`);
  const panel = page.getByTestId('care-rules');
  const rule = (id) => panel.locator(`[data-testid="care-rule"][data-rule="${id}"]`);
  await rule('lipid-screening').waitFor(soon);
  assert.match(await rule('lipid-screening').textContent(), /Lipid panel 60.*USPSTF/s);

  await rule('lipid-screening').getByRole('button', { name: 'Change…' }).click();
  const form = panel.getByTestId('care-rule-form');
  await form.getByLabel('Interval in months').fill('36');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.getByText(/Say why the clinic changes this rule/).waitFor(soon);
  assert.equal(await form.getByLabel('Interval in months').inputValue(), '36', 'the form keeps what was typed');
  await form.getByLabel('Why').fill('clinic policy: every 3 years');
  await form.getByRole('button', { name: 'Save' }).click();
  await panel.getByText('Lipid panel (statin decision): every 36 months.').waitFor(soon);
  assert.match(await rule('lipid-screening').textContent(), /36 \(clinic\)/);

  await rule('depression-screening').getByRole('button', { name: 'Change…' }).click();
  await form.getByLabel('Switched off for this clinic').check();
  await form.getByLabel('Why').fill('screened by the behavioural health team');
  await form.getByRole('button', { name: 'Save' }).click();
  await rule('depression-screening').locator('.badge', { hasText: 'off' }).waitFor(soon);
  await shot('01-rules-changed');

  // The audit trail keeps both changes, with their reasons.
  const rows = await call(page, 'Admin', 'Audit', { action: 'care.rule', limit: 10 });
  assert.equal(rows.entries.length, 2);
  assert.match(rows.entries[0].detail, /depression-screening: as published -> off; reason: screened by the behavioural health team/);
  await ctx.close();
});
