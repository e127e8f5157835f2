// Labs end to end: a clinician orders a LOINC-coded test, enters a high
// result against the order, sees it flagged H and on the test's trend chart,
// finds it on the list of results to review, reviews it and it leaves the
// list; a lab's CSV with one bad line imports nothing and names the line.

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

test('a clinician orders a test, enters a high result, charts it, reviews it; a bad import writes nothing', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '14-labs');
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
  // Two earlier HbA1c results, already reviewed, so the chart has a trend.
  for (const [value, at] of [['6.4', '2025-03-01T09:00:00Z'], ['7.2', '2025-09-01T09:00:00Z']]) {
    const r = await call(page, 'Chart', 'RecordLabResult', patient.id, { loinc: '4548-4', value, observedAt: at });
    await call(page, 'Chart', 'ReviewLabResult', r.id, '', r.version);
  }
  await page.goto(`${folio.url}/#/patients/${patient.id}`);
  const labs = page.getByTestId('labs');
  await labs.getByTestId('lab-result').first().waitFor();

  // Order HbA1c from the list, found by words as typed.
  await labs.getByLabel('Order a test or enter a result (name or LOINC code)').fill('a1c');
  await labs.getByTestId('lab-tests').getByRole('button', { name: /4548-4/ }).click();
  await labs.getByRole('button', { name: 'Order Hemoglobin A1c' }).click();
  const orders = labs.getByTestId('lab-orders');
  await orders.getByText('Hemoglobin A1c').waitFor();
  await shot('ordered');

  // The result against the order: unit and range come from the list.
  await orders.getByRole('button', { name: 'Enter result' }).click();
  const form = labs.getByTestId('lab-result-form');
  assert.equal(await form.getByLabel('Unit').inputValue(), '%');
  assert.equal(await form.getByLabel('Range high').inputValue(), '5.6');
  await form.getByLabel('Result').fill('eight');
  await form.getByRole('button', { name: 'Record result' }).click();
  await page.locator('#lab-value-error').waitFor();
  assert.equal(await labs.getByTestId('lab-result').count(), 2, 'nothing was recorded');
  await form.getByLabel('Result').fill('8.1');
  await form.getByRole('button', { name: 'Record result' }).click();
  await form.waitFor({ state: 'detached' });
  const newest = labs.getByTestId('lab-result').first();
  assert.match(await newest.textContent(), /Hemoglobin A1c.*8\.1\s*%/s);
  assert.equal(await newest.getByTestId('lab-flag').textContent(), 'H');
  assert.equal(await labs.getByTestId('lab-orders').count(), 0, 'the order is resulted');
  const chart = labs.getByTestId('lab-chart');
  await chart.locator('canvas').waitFor();
  assert.match(await chart.textContent(), /Adult reference range: …–5\.6 %/);
  await newest.scrollIntoViewIfNeeded();
  await shot('flagged-and-charted');

  // On the list of results to review, with the count in the menu.
  await page.goto(`${folio.url}/#/labs/review`);
  const list = page.getByTestId('lab-review');
  const item = list.getByTestId('review-item');
  await item.first().waitFor();
  assert.equal(await item.count(), 1);
  assert.match(await item.textContent(), /Okafor, Ngozi.*Hemoglobin A1c.*8\.1 %.*H/s);
  assert.match(await page.getByTestId('nav-lab-review').textContent(), /Results to review\s*1/);
  await shot('to-review');
  await item.getByRole('button', { name: 'Review', exact: true }).click();
  await list.getByLabel('Review note (optional)').fill('start metformin; repeat in 3 months');
  await list.getByRole('button', { name: 'Mark reviewed' }).click();
  await list.getByText('Nothing to review.').waitFor();
  assert.doesNotMatch(await page.getByTestId('nav-lab-review').textContent(), /\d/);
  await shot('reviewed');

  // An import with a bad line names the line and writes nothing.
  await page.goto(`${folio.url}/#/patients/${patient.id}`);
  await labs.getByTestId('lab-result').first().waitFor();
  const before = (await call(page, 'Chart', 'LabResults', patient.id)).length;
  await labs.getByText("Import results from a lab's file (CSV)").click();
  await labs.getByLabel('Lab results (CSV)').fill(
    'loinc,value,unit,low,high,observed\n2823-3,5.9,mmol/L,3.5,5.1,2026-01-05\n2951-2,lots,mmol/L,,,2026-01-05\n',
  );
  await labs.getByRole('button', { name: 'Import', exact: true }).click();
  const csvError = page.locator('#lab-csv-error');
  await csvError.waitFor();
  assert.match(await csvError.textContent(), /Line 3: Enter the Sodium result as a number/);
  assert.equal((await call(page, 'Chart', 'LabResults', patient.id)).length, before, 'nothing was imported');
  await shot('import-refused');
  await labs.getByLabel('Lab results (CSV)').fill(
    'loinc,value,unit,low,high,observed\n2823-3,5.9,mmol/L,3.5,5.1,2026-01-05\n2951-2,139,mmol/L,,,2026-01-05\n',
  );
  await labs.getByRole('button', { name: 'Import', exact: true }).click();
  await labs.getByTestId('lab-imported').getByText('2 results imported.').waitFor();
  assert.equal((await call(page, 'Chart', 'LabResults', patient.id)).length, before + 2);
  await shot('imported');
  await ctx.close();
});
