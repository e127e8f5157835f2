// Immunizations end to end: a clinician finds a vaccine as she types,
// records a dose given here (a wrong form is refused beside its fields and
// writes nothing), records one the patient had elsewhere with only a month,
// and retracts a dose with a reason; it stays listed, marked, after a reload.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { adminPassword, artifacts, call, launchBrowser, setUpClinic, shooter, signIn, startFolio, test } from './harness.js';

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

test('a clinician records a vaccine given here and one from elsewhere, and retracts one with a reason', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const name = '16-immunizations';
  const shot = shooter(page, name);
  const panelShot = (step) => imm.screenshot({ path: join(artifacts, name, `panel-${step}.png`) });
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await call(page, 'Admin', 'AddUser', { username: 'drlee', fullName: 'Dr Lee', role: 'clinician', password: drPassword });
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn(page, 'drlee', drPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  const patient = await call(page, 'Patients', 'Register', {
    familyName: 'Okafor', givenNames: 'Ngozi', birthDate: '1961-02-14', sex: 'female', phone: '555-410-2200',
  });
  await page.goto(`${folio.url}/#/patients/${patient.id}`);
  const imm = page.getByTestId('immunizations');
  await imm.getByText('No immunizations recorded.').waitFor();

  // The vaccine is found by what a clinician calls it, as she types.
  await imm.getByLabel('Vaccine (name, product or CVX code)').fill('boostrix');
  await imm.getByTestId('vaccine-results').getByRole('button', { name: /^115 Tdap/ }).waitFor();
  await imm.getByLabel('Vaccine (name, product or CVX code)').fill('flu high');
  await imm.getByTestId('vaccine-results').getByRole('button', { name: /^197 Influenza, high-dose, quadrivalent/ }).waitFor();
  await panelShot('search');
  await imm.getByLabel('Vaccine (name, product or CVX code)').fill('boostrix');
  await imm.getByTestId('vaccine-results').getByRole('button', { name: /^115 Tdap/ }).click();
  await imm.getByTestId('imm-chosen').getByText('Tdap').waitFor();

  // No lot, no site and an expired lot: each field says what is wrong, and
  // nothing is recorded.
  await imm.getByLabel('Lot expiry').fill('2020-01');
  await imm.getByRole('button', { name: 'Record immunization' }).click();
  await page.locator('#imm-lot-error').waitFor();
  assert.match(await page.locator('#imm-lot-error').textContent(), /lot number/);
  assert.match(await page.locator('#imm-site-error').textContent(), /where the dose was given/);
  assert.match(await page.locator('#imm-expiry-error').textContent(), /had expired on 2020-01-31/);
  assert.equal(await imm.getByText('No immunizations recorded.').count(), 1, 'nothing was recorded');
  await shot('field-errors');
  await panelShot('field-errors');

  await imm.getByLabel('Lot number').fill('TD4471');
  await imm.getByLabel('Lot expiry').fill('2030-06');
  await imm.getByLabel('Site').selectOption('left_deltoid');
  await imm.getByLabel('Dose', { exact: true }).fill('0.5 mL');
  await imm.getByRole('button', { name: 'Record immunization' }).click();
  await imm.getByTestId('immunization-recorded').waitFor();
  const tdap = imm.getByTestId('immunization').filter({ hasText: 'Tdap' });
  await tdap.waitFor();
  const tdapRow = await tdap.textContent();
  assert.match(tdapRow, /115/);
  assert.match(tdapRow, /TD4471/);
  assert.match(tdapRow, /Left deltoid, IM/);
  assert.match(tdapRow, /given here by Dr Lee/);

  // A dose had elsewhere: a month is enough, and no lot is needed.
  await imm.getByLabel('Had elsewhere').check();
  await imm.getByLabel('Vaccine (name, product or CVX code)').fill('shingles recomb');
  await imm.getByTestId('vaccine-results').getByRole('button', { name: /^187 zoster recombinant/ }).click();
  await imm.getByLabel('Given on').fill('2024-10');
  await imm.getByLabel('Given by, or where').fill('Main St Pharmacy');
  await imm.getByRole('button', { name: 'Record immunization' }).click();
  const zoster = imm.getByTestId('immunization').filter({ hasText: 'zoster recombinant' });
  await zoster.waitFor();
  const zosterRow = await zoster.textContent();
  assert.match(zosterRow, /2024-10.*elsewhere: Main St Pharmacy/s);
  assert.doesNotMatch(zosterRow, /IM/, 'no route was said, so none is recorded');
  await shot('recorded');
  await panelShot('recorded');

  // Retraction needs a reason; the dose stays listed, struck through.
  await tdap.getByRole('button', { name: 'Entered in error' }).click();
  const retractForm = imm.getByTestId('immunization-retract-form');
  await retractForm.getByRole('button', { name: 'Mark as entered in error' }).click();
  await retractForm.locator('input[aria-invalid=true]').waitFor();
  await retractForm.getByLabel('Why was this dose entered in error?').fill('charted on the wrong patient');
  await retractForm.getByRole('button', { name: 'Mark as entered in error' }).click();
  await tdap.locator('.badge', { hasText: 'entered in error' }).waitFor();
  assert.match(await tdap.textContent(), /charted on the wrong patient/);

  await page.reload();
  await imm.getByTestId('immunization').nth(1).waitFor();
  const rows = await imm.getByTestId('immunization').allTextContents();
  assert.equal(rows.length, 2);
  assert.match(rows[0], /zoster recombinant/, 'the dose in force first');
  assert.match(rows[1], /Tdap.*entered in error.*charted on the wrong patient/s, 'the retracted dose kept, last');
  await shot('retracted');
  await panelShot('retracted');
  await ctx.close();
});
