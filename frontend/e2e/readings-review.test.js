// Home readings reviewed (issue 14): a clinician enrols a patient whose
// home readings came in from a file, with targets and the patient's
// consent (refused without it); the readings come up flagged on Readings
// to review, out-of-target patients first; the chart shows them beside
// the clinic's vitals with 7- and 30-day averages (morning and evening
// defined); a review with its minutes takes the patient off the list, and
// the month's report prints with the review time.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { artifacts, call, chaosMaxDelay, launchBrowser, shooter, signIn, startFolio, test } from './harness.js';

let folio;
let chromium;
let charted = [];
const soon = { timeout: 5000 + 2 * chaosMaxDelay };

before(async () => {
  folio = await startFolio({
    prepare(cli) {
      // Of every three charted patients the demo enrols the first and the
      // third; the second has readings from a file but is not enrolled.
      const r = cli(['demo', '--patients', '20', '--charts', '3']);
      if (r.status !== 0) throw new Error(`folio demo failed: ${r.stderr}`);
      charted = /Charted patients \(MRN\): (.*)/.exec(r.stdout)[1].trim().split(/\s+/);
    },
  });
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

test('readings reviewed: enrol with consent, flagged on the list, beside vitals, reviewed off the list, monthly report', async () => {
  assert.equal(charted.length, 3, `charted ${charted}`);
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '64-readings-review');
  await page.goto(folio.url);
  await signIn(page, 'drlee', 'demo-clinician-pass');
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  const [hit] = await call(page, 'Patients', 'Search', charted[1], 1);
  assert.ok(hit, `patient ${charted[1]}`);

  // The demo's enrolled patients are on the list; the file's patient is not (yet).
  await page.getByTestId('nav-readings').click();
  await page.getByRole('heading', { name: 'Readings to review' }).waitFor();
  const rows = page.getByTestId('readings-item');
  await rows.first().waitFor(soon);
  assert.equal(await rows.count(), 2);
  assert.equal(await page.locator(`[data-testid="readings-item"][data-patient="${hit.id}"]`).count(), 0);
  await shot('01-list-of-the-demo');

  // Enrol: refused without the patient's consent, field by field.
  await page.goto(`${folio.url}/#/patients/${hit.id}`);
  const panel = page.getByTestId('monitoring');
  const form = panel.getByTestId('enrol-form');
  await form.waitFor(soon);
  await form.getByLabel('Device').fill('Omron M7 BP cuff');
  await form.getByLabel('BP below: systolic').fill('90');
  await form.getByLabel('diastolic').fill('50');
  await form.getByRole('button', { name: 'Enrol' }).click();
  await form.getByText("Record the patient's consent").waitFor(soon);
  await shot('02-consent-required');
  await form.getByLabel("Patient's consent (required)").fill('Verbal consent from the patient, cost sharing explained');
  await form.getByRole('button', { name: 'Enrol' }).click();
  await panel.getByTestId('targets').getByText('BP below 90/50').waitFor(soon);
  assert.match(await panel.getByTestId('monitoring-status').textContent(), /enrolled since/);

  // Now on the list, every reading new and flagged; out-of-target patients first.
  await page.getByTestId('nav-readings').click();
  const mine = page.locator(`[data-testid="readings-item"][data-patient="${hit.id}"]`);
  await mine.waitFor(soon);
  assert.equal(await rows.count(), 3);
  assert.match(await mine.getByTestId('out-count').textContent(), /BP \d+\/\d+ above 90\/50/);
  const outs = [];
  for (let i = 0; i < 3; i++) outs.push(Number(await rows.nth(i).getAttribute('data-out')));
  assert.ok(outs.every((n, i) => i === 0 || (n > 0) <= (outs[i - 1] > 0)), `out of target first: ${outs}`);
  assert.ok(Number(await mine.getByTestId('new-count').textContent()) >= 40);
  await shot('03-list-flagged');

  // The row opens the chart at its readings: averages and the BP chart, home beside clinic.
  await mine.getByRole('link').click();
  await page.waitForURL(/#\/patients\/.*\/readings$/);
  const home = page.getByTestId('home-beside-vitals');
  await home.waitFor(soon);
  const averages = home.getByTestId('home-average-row');
  assert.match(await averages.nth(0).textContent(), /Last 7 days\s*\d+\s*\d+\/\d+/);
  assert.match(await averages.nth(1).textContent(), /Last 30 days\s*\d+\s*\d+\/\d+/);
  assert.match(await home.getByTestId('periods-defined').textContent(), /Morning is 04:00–11:59 and evening 18:00–23:59/);
  await home.getByRole('button', { name: 'Chart BP, home and clinic' }).click();
  const legend = page.getByTestId('chart-legend');
  await legend.waitFor(soon);
  assert.match(await legend.textContent(), /clinic.*home/s);
  await page.getByTestId('vitals-chart').locator('canvas').waitFor(soon);
  await page.getByTestId('vitals').scrollIntoViewIfNeeded();
  await shot('04-chart-home-beside-clinic');
  await page.getByTestId('vitals').screenshot({ path: join(artifacts, '64-readings-review', '04-vitals-panel.png') });

  // A review from the list, with its minutes: off the list.
  await page.getByTestId('nav-readings').click();
  await mine.waitFor(soon);
  await mine.getByRole('button', { name: 'Review' }).click();
  await page.getByLabel('Minutes the review took').fill('12');
  await page.getByLabel('Review note (optional)').fill('Called the patient: start amlodipine.');
  await page.getByRole('button', { name: 'Mark reviewed' }).click();
  await mine.waitFor({ state: 'detached', ...soon });
  assert.equal(await rows.count(), 2);
  await shot('05-reviewed-off-the-list');

  // The program counts the minutes; the month's report prints them.
  await page.goto(`${folio.url}/#/patients/${hit.id}/readings`);
  const months = panel.getByTestId('monitoring-months');
  await months.getByText('12 min').waitFor(soon);
  assert.match(await panel.getByTestId('monitoring-periods').textContent(), /\d+ days/);
  assert.match(await panel.textContent(), /CPT 99454.*CPT 99457/s);
  await shot('06-monitoring-panel');
  await panel.screenshot({ path: join(artifacts, '64-readings-review', '06-monitoring-panel-alone.png') });
  await panel.getByRole('button', { name: 'Print monthly report' }).click();
  const report = page.getByTestId('monitoring-report');
  await report.waitFor(soon);
  assert.match(await report.getByTestId('report-minutes').textContent(), /12 minutes in 1 review\s+by Dr\. Jordan Lee/);
  assert.match(await report.textContent(), /Remote physiologic monitoring.*Omron M7 BP cuff.*BP below 90\/50/s);
  await report.screenshot({ path: join(artifacts, '64-readings-review', '07-monthly-report.png') });
  await page.emulateMedia({ media: 'print' });
  await shot('08-monthly-report-printed');
  await page.emulateMedia({ media: 'screen' });
  await page.getByTestId('monitoring-report-view').getByRole('button', { name: 'Close' }).click();
  await report.waitFor({ state: 'detached', ...soon });

  // At a visit, opened afresh: its vitals' BP chart has the home readings beside the clinic's too.
  const visit = await call(page, 'Chart', 'OpenEncounter', hit.id, '');
  await page.goto(`${folio.url}/#/encounters/${visit.id}`);
  await page.reload(); // nothing read before: the visit screen reads the home readings itself
  const vitals = page.getByTestId('vitals');
  await vitals.getByRole('button', { name: 'BP', exact: true }).click();
  await page.getByTestId('chart-legend').getByText(/home \(the patient's device, \d+ readings\)/).waitFor(soon);
  await page.getByTestId('vitals-chart').locator('canvas').waitFor(soon);
  await shot('09-visit-chart-home-beside-clinic');
  await ctx.close();
});
