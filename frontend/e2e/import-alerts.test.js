// Interaction alerts on an import, end to end: clinic A exports a referral
// for a patient on warfarin (through the calls its screens make); clinic B,
// a second Folio on its own data folder, has the same patient on ibuprofen.
// Importing the referral, B's clinician sees the warfarin-NSAID alert on the
// warfarin item; finishing is refused, writing nothing, until a reason is
// typed; then the chart lists warfarin with the override and its reason.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifacts, call, launchBrowser, setUpClinic, shooter, signInAsNewClinician, startFolio, test } from './harness.js';

let clinicA;
let clinicB;
let chromium;

before(async () => {
  clinicA = await startFolio();
  setUpClinic(clinicA);
  clinicB = await startFolio();
  setUpClinic(clinicB, 'Northside Health Centre', 'Nia Admin');
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await clinicA?.stop();
  await clinicB?.stop();
});

const person = { familyName: 'Mensah', givenNames: 'Kwame', birthDate: '1950-07-09', sex: 'male', phone: '555-310-4455' };
const med = (drug, dose, frequency) => ({ drug, dose, route: 'oral', frequency, quantity: '30', refills: 1 });

test('an imported drug that interacts with the chart needs a reason before it is charted', async () => {
  // Clinic A: a patient on warfarin, referred.
  const ctxA = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const pageA = await ctxA.newPage();
  await signInAsNewClinician(pageA, clinicA, 'drlee', 'Dr Jordan Lee');
  const patientA = await call(pageA, 'Patients', 'Register', person);
  await call(pageA, 'Chart', 'AddMedication', patientA.id, med('warfarin', '5 mg', 'once a day'), []);
  const preview = await call(pageA, 'Chart', 'ReferralPreview', patientA.id);
  const exported = await call(pageA, 'Chart', 'ExportReferral', patientA.id, {
    includedIds: preview.sections.flatMap((s) => s.items).map((it) => it.id), documentIds: [],
    recipient: 'Northside Health Centre', purpose: 'referral', reason: 'Atrial fibrillation on warfarin',
    question: '', letter: '', passphrase: '',
  });
  await ctxA.close();
  const archivePath = join(mkdtempSync(join(tmpdir(), 'folio-import-alerts-')), exported.fileName);
  writeFileSync(archivePath, Buffer.from(exported.data, 'base64'));

  // Clinic B: the same man, on ibuprofen here.
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const shot = shooter(page, '46-import-alerts');
  await signInAsNewClinician(page, clinicB, 'drkim', 'Dr Sun-hee Kim');
  const local = await call(page, 'Patients', 'Register', person);
  const ibuprofen = await call(page, 'Chart', 'AddMedication', local.id, med('ibuprofen', '400 mg', 'three times a day'), []);

  await page.getByTestId('nav-import').click();
  await page.locator('#import-file').setInputFiles(archivePath);
  await page.getByRole('button', { name: 'Check and open' }).click();
  await page.getByTestId('verification').waitFor();
  const candidate = page.getByTestId('candidate').filter({ hasText: local.mrn });
  await candidate.getByRole('button', { name: 'This patient' }).click();
  await page.getByTestId('matched-patient').waitFor();

  // The warfarin item shows the alert against the chart's ibuprofen.
  const warfarin = page.getByTestId('import-item').filter({ hasText: /warfarin/i });
  const alerts = warfarin.getByTestId('interaction-alerts');
  await alerts.waitFor();
  const alertText = await alerts.textContent();
  assert.match(alertText, /MAJOR|CONTRAINDICATED|MODERATE/, 'the severity is shown');
  assert.match(alertText, /Source:/, 'the source is shown');
  assert.match(alertText, /ibuprofen/i, 'the chart drug it meets is named');
  await warfarin.scrollIntoViewIfNeeded();
  await shot('warfarin-item-alert');

  // Finishing without a reason is refused, and nothing is written.
  await page.getByTestId('finish-import').click();
  await warfarin.getByText(/raises an alert/).waitFor();
  await warfarin.getByText('A reason is needed to continue past this alert.').waitFor();
  await page.getByTestId('form-error').waitFor();
  assert.match(await page.getByTestId('form-error').textContent(), /Nothing was imported/);
  const before = await call(page, 'Chart', 'Medications', local.id);
  assert.deepEqual(before.map((m) => m.drug), ['ibuprofen'], 'a refused finish charts nothing');
  assert.deepEqual((await call(page, 'Chart', 'Imports', local.id)).imports.map((i) => i.status), ['reviewing'],
    'the import is still under review');
  await warfarin.scrollIntoViewIfNeeded();
  await shot('finish-refused-without-reason');

  // With the reason typed, the import finishes.
  const reason = 'Short ibuprofen course for gout; INR checked in 5 days';
  await warfarin.getByTestId('alert-reason').fill(reason);
  await shot('reason-typed');
  await page.getByTestId('finish-import').click();
  await page.getByTestId('import-summary').waitFor();
  await shot('import-summary');

  // The chart shows warfarin, imported, with the override and its reason.
  await page.getByTestId('open-chart').click();
  const charted = page.getByTestId('medication').filter({ hasText: /warfarin/i });
  await charted.waitFor();
  const override = charted.locator('.override');
  await override.waitFor();
  assert.match(await override.textContent(), new RegExp(`Alert overridden.*${reason}.*Dr Sun-hee Kim`));
  await charted.getByTestId('imported-from').waitFor();
  await charted.scrollIntoViewIfNeeded();
  await shot('chart-warfarin-with-override');
  await page.getByTestId('medication').first().locator('..').screenshot({
    path: join(artifacts, '46-import-alerts', '06-medications-closeup.png'),
  });

  const meds = await call(page, 'Chart', 'Medications', local.id);
  const w = meds.find((m) => m.drug === 'warfarin');
  assert.equal(w.overrides.length, 1);
  assert.equal(w.overrides[0].reason, reason);
  assert.equal(meds.find((m) => m.id === ibuprofen.id).overrides.length, 0);
  assert.deepEqual(errors, []);
  await ctx.close();
});
