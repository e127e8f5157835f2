// Lab panels end to end: a clinician orders a lipid panel (one order per
// LOINC-coded test), enters its report in one form with the units preset
// and the flags shown as typed; a wrong value refuses the whole form with
// the message beside its row; the four results are saved flagged, trend
// one by one, and wait on the list of results to review.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, clinicianPassword, launchBrowser, setUpClinic, shooter, signInAsNewClinician, startFolio } from './harness.js';

let folio;
let chromium;

before(async () => {
  folio = await startFolio();
  setUpClinic(folio);
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

test('a clinician orders a lipid panel, enters it in one form and sees four results flagged and trended', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '41-lab-panels');
  await signInAsNewClinician(page, folio, 'drlee', 'Dr Lee');
  const patient = await call(page, 'Patients', 'Register', {
    familyName: 'Brennan', givenNames: 'Aoife', birthDate: '1966-09-12', sex: 'female', phone: '555-410-3300',
  });
  // An earlier lipid panel, reviewed, so each test has a trend.
  const earlier = await call(page, 'Chart', 'RecordLabPanel', patient.id, {
    panel: 'lipid', observedAt: '2025-09-01T09:00:00Z',
    results: [['2093-3', '214'], ['2571-8', '160'], ['2085-9', '42'], ['18262-6', '138']]
      .map(([loinc, value]) => ({ orderId: '', loinc, name: '', value, unit: '', low: null, high: null, rangeText: '', observedAt: '' })),
  });
  for (const r of earlier) await call(page, 'Chart', 'ReviewLabResult', r.id, '', r.version);
  await page.goto(`${folio.url}/#/patients/${patient.id}`);
  const labs = page.getByTestId('labs');
  await labs.getByTestId('lab-result').first().waitFor();

  // Order the lipid panel: its four tests wait as one panel.
  await labs.getByTestId('lab-panels').getByRole('button', { name: 'Lipid panel', exact: true }).click();
  await labs.getByTestId('lab-panel-chosen').getByText('57698-3').waitFor();
  await labs.getByRole('button', { name: 'Order Lipid panel' }).click();
  const orders = labs.getByTestId('lab-orders');
  const head = orders.getByTestId('lab-panel-order');
  await head.getByText('4 tests waiting').waitFor();
  for (const name of ['Cholesterol, total', 'Triglycerides', 'HDL cholesterol', 'LDL cholesterol (direct)']) {
    await orders.getByText(name, { exact: true }).waitFor();
  }
  assert.equal((await call(page, 'Chart', 'LabOrders', patient.id)).filter((o) => o.panel === 'lipid').length, 4);
  await shot('panel-ordered');

  // Enter the report: a row per test, units preset, flags as typed.
  await head.getByRole('button', { name: 'Enter results' }).click();
  const form = labs.getByTestId('lab-panel-form');
  assert.equal(await form.getByTestId('panel-row').count(), 4);
  for (const name of ['Cholesterol, total', 'Triglycerides', 'HDL cholesterol', 'LDL cholesterol (direct)']) {
    assert.equal(await form.getByLabel(`${name} unit`).inputValue(), 'mg/dL');
  }
  await form.getByLabel('Cholesterol, total', { exact: true }).fill('242');
  await form.getByLabel('Triglycerides', { exact: true }).fill('188');
  await form.getByLabel('HDL cholesterol', { exact: true }).fill('3 8');
  await form.getByLabel('LDL cholesterol (direct)', { exact: true }).fill('165');
  const flagOf = (loinc) => form.locator(`[data-loinc="${loinc}"]`).getByTestId('panel-flag');
  assert.equal(await flagOf('2093-3').textContent(), 'H');
  assert.equal(await flagOf('2085-9').textContent(), '?');

  // The screen locks half-way through the report: it shows nothing of the
  // chart, and after unlocking the panel form is open with every value typed.
  await page.keyboard.press('Control+l');
  await page.getByRole('heading', { name: 'Screen locked' }).waitFor();
  assert.equal(await page.getByTestId('labs').count(), 0, 'the locked screen shows nothing of the chart');
  await page.getByLabel('Password').fill(clinicianPassword);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await form.getByTestId('draft-restored').waitFor();
  for (const [name, value] of [['Cholesterol, total', '242'], ['Triglycerides', '188'], ['HDL cholesterol', '3 8'],
    ['LDL cholesterol (direct)', '165']]) {
    assert.equal(await form.getByLabel(name, { exact: true }).inputValue(), value, `${name} is kept across the lock`);
  }
  await shot('kept-across-the-lock');

  // A wrong value refuses the whole report, its message beside its row.
  await form.getByRole('button', { name: 'Record Lipid panel results' }).click();
  const hdlRow = form.locator('[data-loinc="2085-9"]');
  await hdlRow.locator('.error').waitFor();
  assert.match(await hdlRow.locator('.error').textContent(), /number/);
  assert.equal((await call(page, 'Chart', 'LabResults', patient.id)).length, 4, 'nothing of the report was saved');
  await shot('wrong-value-refused');
  await form.getByLabel('HDL cholesterol', { exact: true }).fill('38');
  assert.equal(await flagOf('2085-9').textContent(), 'L');
  await shot('flags-as-typed');
  await form.getByRole('button', { name: 'Record Lipid panel results' }).click();
  await form.waitFor({ state: 'detached' });
  assert.equal(await labs.getByTestId('draft-restored').count(), 0, 'no draft is left once the report is saved');

  // Four results, flagged; the orders resulted; each test trends alone.
  const rows = labs.getByTestId('lab-result');
  await rows.nth(7).waitFor();
  const flags = {};
  for (let i = 0; i < 4; i++) {
    const text = await rows.nth(i).textContent();
    const name = text.match(/(Cholesterol, total|Triglycerides|HDL cholesterol|LDL cholesterol \(direct\))/)[1];
    flags[name] = await rows.nth(i).getByTestId('lab-flag').textContent();
  }
  assert.deepEqual(flags, {
    'Cholesterol, total': 'H', Triglycerides: 'H', 'HDL cholesterol': 'L', 'LDL cholesterol (direct)': 'H',
  });
  assert.equal(await labs.getByTestId('lab-orders').count(), 0, 'the panel\'s orders are resulted');
  await rows.filter({ hasText: 'HDL cholesterol' }).first().getByRole('button', { name: 'HDL cholesterol' }).click();
  const chart = labs.getByTestId('lab-chart');
  await chart.getByRole('heading', { name: /HDL cholesterol/ }).waitFor();
  await chart.locator('canvas').waitFor();
  const hdl = await call(page, 'Chart', 'LabSeries', patient.id, '2085-9');
  assert.deepEqual(hdl.points.map((p) => p.value), [42, 38], 'the HDL trend has the earlier and the new result');
  await chart.scrollIntoViewIfNeeded();
  await shot('flagged-and-trended');

  // The four wait on the list of results to review.
  await page.goto(`${folio.url}/#/labs/review`);
  const item = page.getByTestId('lab-review').getByTestId('review-item');
  await item.first().waitFor();
  assert.equal(await item.count(), 4);
  assert.match(await page.getByTestId('nav-lab-review').textContent(), /Results to review\s*4/);
  await shot('to-review');
  await ctx.close();
});
