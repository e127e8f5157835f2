// A toddler's vitals and growth, as issue 9 asks: her ordinary values are
// judged against the ranges of her age (no false red flags), her weight,
// height and BMI carry their percentiles, and her growth charts show the
// percentile curves of girls with her measurements on them (WHO to 2 years,
// CDC from 2).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, launchBrowser, setUpClinic, shooter, signInAsNewClinician, startFolio } from './harness.js';

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

/** isoDate is a date as YYYY-MM-DD. */
const isoDate = (d) => d.toISOString().slice(0, 10);

test("a toddler's vitals raise no false flags and her growth shows on WHO and CDC charts with percentiles", async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1200 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '40-growth');
  await signInAsNewClinician(page, folio, 'drmensah', 'Dr Mensah');

  // Born 3 years and 2 months ago; weighed and measured at 2 days and 1 year.
  const born = new Date();
  born.setUTCFullYear(born.getUTCFullYear() - 3, born.getUTCMonth() - 2);
  const patient = await call(page, 'Patients', 'Register', {
    familyName: 'Adeyemi', givenNames: 'Tolu', birthDate: isoDate(born), sex: 'female', phone: '555-410-7788',
  });
  const at = (days) => new Date(Date.parse(isoDate(born) + 'T10:00:00Z') + days * 86400e3).toISOString().replace('.000', '');
  for (const [days, weight, height, head] of [[2, 3.2, 49.1, 33.9], [366, 8.9, 74, 44.9]]) {
    await call(page, 'Chart', 'RecordVitals', patient.id, {
      takenAt: at(days), weight, height, headCircumference: head, weightUnit: 'kg', heightUnit: 'cm',
    });
  }

  // Today's vitals, typed as a nurse would: every one ordinary for her age.
  await page.goto(`${folio.url}/#/patients/${patient.id}`);
  const vitals = page.getByTestId('vitals');
  await vitals.locator('tbody tr').first().waitFor();
  for (const [label, value] of [['Weight', '14.2'], ['Height', '96'], ['Systolic', '95'], ['Diastolic', '60'],
    ['Pulse', '110'], ['Resp. rate', '26'], ['Temperature', '37.0'], ['SpO2 %', '98']]) {
    await vitals.getByLabel(label).fill(value);
  }
  await vitals.getByRole('button', { name: 'Record vitals' }).click();
  await vitals.getByText(/^\s*96\s/).first().waitFor();
  const row = vitals.locator('tbody tr').first();
  const text = (await row.textContent()) ?? '';
  assert.match(text, /95\/60/);
  assert.match(text, /110/);
  assert.equal(await row.locator('td.flag').count(), 0, `no value of hers is flagged: ${text}`);
  assert.equal(await row.locator('.badge').count(), 0, `no low or high badge: ${text}`);
  assert.match(text, /14\.2\s*\d+(st|nd|rd|th) percentile/, 'her weight carries its percentile');
  assert.match(await vitals.getByTestId('vitals-ranges').textContent(), /ranges for age 3 y/);
  await shot('toddler-vitals-no-flags');

  // The growth charts: CDC's from 2 years first, her point on the curves.
  await vitals.getByRole('button', { name: 'Growth charts' }).click();
  const growth = page.getByTestId('growth-charts');
  await growth.getByTestId('growth-chart').locator('canvas').waitFor();
  assert.match(await growth.getByTestId('growth-title').textContent(), /CDC weight-for-age.*girls.*3, 10, 25, 50, 75, 90, 97/s);
  for (const p of ['P3', 'P10', 'P25', 'P50', 'P75', 'P90', 'P97']) {
    assert.equal(await growth.locator('.u-legend').getByText(p, { exact: true }).count(), 1, `${p} curve in the legend`);
  }
  const points = growth.getByTestId('growth-points');
  assert.match(await points.textContent(), /14\.2 kg\s*\d+(st|nd|rd|th) percentile/);
  await shot('cdc-weight-for-age');

  // Her first year on WHO's chart: two points, WHO's percentile curves.
  await growth.locator('[data-chart="who-weight-for-age"]').click();
  await growth.getByTestId('growth-title').getByText('WHO weight-for-age').waitFor();
  await growth.getByTestId('growth-chart').locator('canvas').waitFor();
  assert.match(await growth.getByTestId('growth-title').textContent(), /3, 15, 50, 85, 97/);
  assert.equal(await points.locator('tbody tr').count(), 2);
  assert.match(await points.textContent(), /8\.9 kg\s*\d+(st|nd|rd|th) percentile/);
  await shot('who-weight-for-age');

  await growth.locator('[data-chart="who-head-for-age"]').click();
  await growth.getByTestId('growth-title').getByText('WHO head circumference-for-age').waitFor();
  assert.match(await points.textContent(), /44\.9 cm/);
  await shot('who-head-for-age');
  await ctx.close();
});
