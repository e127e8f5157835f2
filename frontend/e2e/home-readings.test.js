// Home readings brought in from a patient's file: a Withings blood-pressure
// export is recognized and previewed (nothing written yet), imported, and
// listed; the same file again adds nothing; a file with an impossible row
// is refused with the row named and writes nothing; a meter's CSV Folio
// does not know is mapped column by column and saved as a format, then
// imported with it.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { call, chaosMaxDelay, launchBrowser, shooter, signIn, startFolio, test } from './harness.js';

let folio;
let chromium;
const soon = { timeout: 5000 + 2 * chaosMaxDelay };

before(async () => {
  folio = await startFolio({
    prepare(cli) {
      const r = cli(['demo', '--patients', '5', '--charts', '1']);
      if (r.status !== 0) throw new Error(`folio demo failed: ${r.stderr}`);
    },
  });
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

const csvFile = (name, text) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });

test('home readings: a Withings file previewed, imported, again as duplicates; a bad row refused; a mapped meter saved', async () => {
  const withings = await readFile(new URL('../../app/readings/testdata/withings-bp.csv', import.meta.url), 'utf8');
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '64-home-readings');
  await page.goto(folio.url);
  await signIn(page, 'drlee', 'demo-clinician-pass');
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  const p = await call(page, 'Patients', 'Register', {
    familyName: 'Cuffley', givenNames: 'Hana', birthDate: '1958-06-12', sex: 'female', phone: '555-300-7788',
  });
  await page.goto(`${folio.url}/#/patients/${p.id}`);
  const panel = page.getByTestId('home-readings');
  await panel.getByTestId('home-readings-empty').waitFor(soon);

  // The Withings export: recognized, 61 to add, nothing written yet.
  const input = panel.getByLabel('Import readings');
  await input.setInputFiles(csvFile('bp.csv', withings));
  const preview = panel.getByTestId('readings-preview');
  await preview.getByTestId('readings-format').getByText('Withings Health Mate blood pressure (bp.csv)').waitFor(soon);
  assert.equal(await preview.getByTestId('readings-to-add').textContent(), '61 to add');
  assert.equal(await preview.getByTestId('readings-duplicates').textContent(), '0 already in the chart');
  assert.equal((await call(page, 'Chart', 'HomeReadings', p.id, '2000-01-01', '')).length, 0, 'the preview wrote readings');
  await shot('01-preview');
  await preview.getByRole('button', { name: 'Import' }).click();
  await panel.getByTestId('readings-imported').getByText('61 readings imported from bp.csv.').waitFor(soon);
  await panel.getByTestId('home-reading').first().waitFor(soon);
  assert.match(await panel.getByTestId('home-reading').first().textContent(), /Blood pressure: 123\/82 mmHg, pulse 65.*2026-11-30 07:56.*file · Withings/s);
  assert.equal(await panel.getByTestId('home-reading').count(), 20);
  await shot('02-imported');

  // The same file again: all already in the chart; importing adds nothing.
  await input.setInputFiles(csvFile('bp.csv', withings));
  await preview.getByTestId('readings-duplicates').getByText('61 already in the chart').waitFor(soon);
  assert.equal(await preview.getByTestId('readings-to-add').textContent(), '0 to add');
  await preview.getByRole('button', { name: 'Import' }).click();
  await panel.getByTestId('readings-imported').getByText('0 readings imported from bp.csv; 61 already in the chart.').waitFor(soon);
  assert.equal((await call(page, 'Chart', 'HomeReadings', p.id, '2000-01-01', '')).length, 61);

  // An impossible row: named, and the file cannot be imported.
  const bad = 'Date,"Heart rate",Systolic,Diastolic,Comments\n"2026-12-01 07:50:00",66,121,80,\n"2026-12-01 19:50:00",66,420,80,\n';
  await input.setInputFiles(csvFile('bad.csv', bad));
  await preview.getByTestId('readings-refused').getByText('row 3: systolic 420 mmHg is not possible (20–300)').waitFor(soon);
  assert.equal(await preview.getByTestId('readings-refused-count').textContent(), '1 refused');
  assert.ok(await preview.getByRole('button', { name: 'Import' }).isDisabled());
  await shot('03-refused');
  // Go refuses it too, whatever the screen did.
  const refused = await page.evaluate(async ([id, text]) => {
    const r = await fetch('/api/Chart/ImportReadings', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([id, 'bad.csv', text, '']) });
    return { status: r.status, body: await r.json() };
  }, [p.id, bad]);
  assert.equal(refused.status, 400);
  assert.equal(refused.body.fields['row 3'], 'Systolic 420 mmHg is not possible (20–300).');
  assert.equal((await call(page, 'Chart', 'HomeReadings', p.id, '2000-01-01', '')).length, 61, 'a refused file wrote readings');
  await preview.getByRole('button', { name: 'Cancel' }).click();

  // A glucose meter Folio does not know: mapped, previewed live, saved.
  const meter = 'when;mmol;context\n2026-12-02 07:10;5.5;fasting\n2026-12-02 13:05;7.9;after lunch\n';
  await input.setInputFiles(csvFile('meter.csv', meter));
  const mapping = preview.getByTestId('readings-mapping');
  await mapping.getByText('Folio does not know this layout').waitFor(soon);
  assert.equal(await mapping.getByLabel('Separated by').inputValue(), ';');
  await mapping.getByLabel('Date', { exact: true }).selectOption({ label: '1: when' });
  await mapping.getByLabel('Glucose', { exact: true }).selectOption({ label: '2: mmol' });
  await mapping.getByLabel('Glucose in').selectOption('mmol/L');
  await mapping.getByLabel('Glucose context').selectOption({ label: '3: context' });
  await preview.getByTestId('readings-to-add').getByText('2 to add').waitFor(soon);
  await preview.getByText('Glucose: 99 mg/dL (fasting)').waitFor(soon);
  await shot('04-mapping');
  await mapping.getByLabel('Save as format').fill('Clinic glucose meter');
  await mapping.getByRole('button', { name: 'Save as format' }).click();
  await preview.getByLabel('Read as').locator('option:checked').getByText('Clinic glucose meter').waitFor({ state: 'attached', ...soon });
  await preview.getByTestId('readings-format').getByText('Clinic glucose meter').waitFor(soon);
  await preview.getByRole('button', { name: 'Import' }).click();
  await panel.getByTestId('readings-imported').getByText('2 readings imported from meter.csv.').waitFor(soon);
  const formats = await call(page, 'Chart', 'ReadingFormats');
  assert.deepEqual(formats.map((f) => f.name), ['Clinic glucose meter']);
  await panel.getByTestId('home-reading').filter({ hasText: 'Glucose: 142 mg/dL (after-meal)' }).waitFor(soon);
  await shot('05-glucose');
  await ctx.close();
});

test('home readings: a device token shown once, a hub posts with it, revoked with a reason', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '64-home-readings-hub');
  await page.goto(folio.url);
  await signIn(page, 'drlee', 'demo-clinician-pass');
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  const p = await call(page, 'Patients', 'Register', {
    familyName: 'Hubbard', givenNames: 'Mae', birthDate: '1949-02-03', sex: 'female', phone: '555-300-9911',
  });
  await page.goto(`${folio.url}/#/patients/${p.id}`);
  const hubs = page.getByTestId('home-readings').getByTestId('device-tokens');
  await hubs.getByRole('button', { name: 'Issue device token' }).click();
  const form = hubs.getByTestId('token-form');
  await form.getByRole('button', { name: 'Issue token' }).click();
  await form.getByText('Say whose hub or app this is (e.g. her phone).').waitFor(soon);
  await form.getByLabel('Whose hub').fill('her phone');
  await form.getByLabel('Device (optional)').fill('Withings BPM Connect');
  await form.getByRole('button', { name: 'Issue token' }).click();
  const issued = hubs.getByTestId('issued-token');
  await issued.waitFor(soon);
  const token = (await issued.getByTestId('token-value').textContent()).trim();
  assert.equal(token.length, 43);
  assert.equal(await issued.getByTestId('gateway-url').textContent(), `${folio.url}/gateway/fhir`);
  await hubs.getByTestId('device-token').getByText(/her phone \(Withings BPM Connect\).*nothing sent yet/).waitFor(soon);
  await shot('01-token-issued');

  // The hub posts a blood pressure with it, as FHIR.
  const post = (body) => fetch(`${folio.url}/gateway/fhir/Observation`, {
    method: 'POST', headers: { 'Content-Type': 'application/fhir+json', Authorization: `Bearer ${token}` }, body,
  });
  const observation = JSON.stringify({
    resourceType: 'Observation', status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
    effectiveDateTime: new Date(Date.now() - 3600_000).toISOString(), device: { display: 'BPM Connect' },
    component: [
      { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 141, code: 'mm[Hg]' } },
      { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 87, code: 'mm[Hg]' } },
    ],
  });
  const sent = await post(observation);
  assert.equal(sent.status, 201);
  assert.equal((await sent.json()).resourceType, 'OperationOutcome');
  // The chart follows the hub's post by itself.
  const panel = page.getByTestId('home-readings');
  await panel.getByTestId('home-reading').filter({ hasText: 'Blood pressure: 141/87 mmHg' }).getByText('hub · BPM Connect').waitFor(soon);
  await hubs.getByTestId('device-token').getByText(/last sent/).waitFor(soon);

  // Revoked with a reason: the hub is refused at once.
  await issued.getByRole('button', { name: 'Done' }).click();
  await hubs.getByTestId('device-token').getByRole('button', { name: 'Revoke' }).click();
  await hubs.getByLabel('Why revoke it?').fill('phone lost');
  await hubs.getByRole('button', { name: 'Revoke token' }).click();
  await hubs.getByTestId('device-token').getByText('revoked: phone lost').waitFor(soon);
  assert.equal((await post(observation)).status, 401);
  await shot('02-token-revoked');
  await ctx.close();
});
