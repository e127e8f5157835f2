// A whole visit on the visit screen, as the chart issue asks: vitals, a note
// from a template, a diagnosis found in ICD-10-CM, a prescription that
// raises an interaction alert, continued with a reason and printed; the note
// signed and amended; and the chart's summary showing what the visit did.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminPassword, call, launchBrowser, setUpClinic, shooter, signIn, startFolio, test } from './harness.js';

let folio;
let chromium;
const drPassword = 'doctor-password-123';

before(async () => {
  folio = await startFolio();
  setUpClinic(folio);
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

test('a clinician charts a whole visit on the visit screen', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '25-full-visit');
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  const settings = await call(page, 'Admin', 'Settings');
  await call(page, 'Admin', 'SaveSettings', { ...settings, clinicAddress: '1 River Road, Springfield, IL 62701',
    clinicPhone: '555-010-2000' });
  await call(page, 'Admin', 'AddUser', { username: 'drlee', fullName: 'Dr Jordan Lee', role: 'clinician',
    password: drPassword, licenceNumber: 'IL-036-123456' });
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn(page, 'drlee', drPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  // What the clinic set up before: a template and a quick phrase; what the
  // patient brought: warfarin from her cardiologist and a penicillin allergy.
  await call(page, 'Chart', 'SaveTemplate', { id: '', name: 'Hypertension review',
    subjective: 'Home readings: ', objective: 'Heart sounds normal. No oedema.',
    assessment: 'Essential hypertension.', plan: 'Recheck in 4 weeks.', active: true, version: 0 });
  await call(page, 'Chart', 'SaveQuickPhrase', { id: '', abbreviation: '.ha', text: 'No headache, no visual disturbance.',
    active: true, version: 0 });
  const patient = await call(page, 'Patients', 'Register', {
    familyName: 'Okafor', givenNames: 'Ngozi', birthDate: '1961-02-14', sex: 'female', phone: '555-410-2200',
    addressLine: '48 Elm Street', city: 'Springfield', region: 'IL', postalCode: '62704',
  });
  await call(page, 'Chart', 'AddAllergy', patient.id, { substance: 'Penicillin', substanceKind: 'drug_class', code: '',
    reaction: 'rash', severity: 'moderate', status: 'active', onset: '', note: '' });
  await call(page, 'Chart', 'AddMedication', patient.id, { drug: 'warfarin', rxnorm: '', dose: '5 mg', route: 'oral',
    frequency: 'once a day', quantity: '', refills: 0, startDate: '', source: 'elsewhere',
    prescriber: 'Dr Shah, cardiology', note: '' }, []);

  // A walk-in visit from the chart; the visit screen keeps her allergies in sight.
  await page.goto(`${folio.url}/#/patients/${patient.id}`);
  await page.getByTestId('summary').waitFor();
  await page.getByTestId('visits').getByRole('button', { name: 'New visit' }).click();
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  await page.getByTestId('visit-allergies').getByText('⚠ Allergies: Penicillin: rash (moderate)').waitFor();

  // Vitals, taken in the visit: the high pressure is flagged.
  const vitals = page.getByTestId('vitals');
  await vitals.getByLabel('Weight').fill('82');
  await vitals.getByLabel('Height').fill('165');
  await vitals.getByLabel('Systolic').fill('158');
  await vitals.getByLabel('Diastolic').fill('98');
  await vitals.getByLabel('Pulse').fill('76');
  await vitals.getByRole('button', { name: 'Record vitals' }).click();
  const row = vitals.locator('tbody tr').first();
  await row.waitFor();
  assert.match(await row.textContent(), /158\/98\s*high/);

  // The note from the template, a quick phrase typed into it.
  await page.getByTestId('templates').getByRole('button', { name: 'Hypertension review' }).click();
  await page.getByLabel('Subjective').press('End');
  await page.getByLabel('Subjective').pressSequentially(' around 150/95. .ha ');
  assert.equal(await page.getByLabel('Subjective').inputValue(),
    'Home readings: around 150/95. No headache, no visual disturbance. ');
  await page.getByTestId('save-state').getByText(/Draft saved \d\d:\d\d/).waitFor();

  // The diagnosis, found in ICD-10-CM by words.
  const dx = page.getByTestId('diagnoses');
  await dx.getByLabel('Add a diagnosis (ICD-10-CM: words or code)').fill('essential hyper');
  await dx.getByTestId('dx-results').getByRole('button', { name: /I10 Essential \(primary\) hypertension/ }).click();
  await dx.getByTestId('diagnosis').filter({ hasText: 'I10' }).getByText('primary').waitFor();
  await shot('note-vitals-diagnosis');

  // A prescription with her warfarin: the alert says what, why and how
  // severe, and it goes through only with a reason.
  const meds = page.getByTestId('medications');
  const addForm = meds.locator('form', { has: page.getByRole('heading', { name: 'Add a medication' }) });
  await addForm.getByLabel('Drug').fill('ibupro');
  await addForm.getByTestId('drug-results').getByRole('button', { name: /^ibuprofen(?![/\w-])/ }).click();
  await addForm.getByLabel('Dose').fill('400 mg');
  await addForm.getByLabel('Frequency').fill('three times a day');
  await addForm.getByLabel('Quantity').fill('15 tablets');
  await addForm.getByRole('button', { name: 'Add medication' }).click();
  const alertBox = addForm.getByTestId('interaction-alerts');
  await alertBox.waitFor();
  const alertText = await alertBox.textContent();
  assert.match(alertText, /MAJOR/);
  assert.match(alertText, /warfarin/i);
  assert.match(alertText, /bleeding/i);
  await shot('interaction-alert');
  await alertBox.getByRole('textbox').first().fill('5 days only; INR on Monday');
  await addForm.getByRole('button', { name: 'Continue with the reasons given' }).click();
  const ibuprofen = meds.getByTestId('medication').filter({ hasText: 'ibuprofen' });
  await ibuprofen.waitFor();
  assert.match(await ibuprofen.textContent(), /Alert overridden \(major\).*5 days only; INR on Monday/s);

  // Printed: the printout is the prescription alone.
  await meds.getByTestId('prescribed').getByRole('button', { name: 'Print prescription' }).click();
  const rx = page.getByTestId('prescription');
  await rx.waitFor();
  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() => document.body.innerText);
  for (const want of ['Riverside Family Practice', '1 River Road', 'Ngozi Okafor', 'ibuprofen', '400 mg',
    '15 tablets (fifteen)', 'Dr Jordan Lee', 'IL-036-123456']) {
    assert.ok(printed.includes(want), `the printout shows ${want}:\n${printed}`);
  }
  for (const chrome of ['Visit note', 'Sign note', 'Subjective', 'Sign out']) {
    assert.ok(!printed.includes(chrome), `the printout leaves out "${chrome}"`);
  }
  await shot('prescription-printed');
  await page.emulateMedia({ media: 'screen' });
  await page.getByTestId('prescription-view').getByRole('button', { name: 'Close' }).click();
  await rx.waitFor({ state: 'detached' });

  // Signed: locked, and the rest of the visit goes in an addendum.
  await page.getByRole('button', { name: 'Sign note' }).click();
  await page.getByTestId('note-status').getByText('signed').waitFor();
  assert.equal(await page.getByLabel('Subjective').count(), 0, 'a signed note has no editor');
  await page.getByLabel('Add an addendum').fill('Phoned: home BP machine checked against ours, reads 5 mmHg high.');
  await page.getByRole('button', { name: 'Add addendum' }).click();
  await page.getByText('Phoned: home BP machine checked against ours').waitFor();
  await shot('signed-with-addendum');

  // The chart's summary shows what the visit did.
  await page.getByRole('link', { name: 'Back to chart' }).click();
  const summary = page.getByTestId('summary');
  await summary.getByTestId('summary-problems').getByText(/I10 Essential \(primary\) hypertension/).waitFor();
  assert.match(await summary.getByTestId('summary-medications').textContent(), /ibuprofen 400 mg/);
  assert.match(await summary.getByTestId('summary-vitals').textContent(), /158\/98 mmHg/);
  assert.match(await summary.getByTestId('summary-visits').textContent(), /signed.*Dr Jordan Lee.*I10/s);
  await shot('chart-after-visit');
  await ctx.close();
});
