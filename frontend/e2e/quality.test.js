// The clinic's quality dashboard: a clinician sees each measure's figures
// for the clinic and by clinician, opens the patients behind a figure and
// why each stands as they do, sees a new result move a patient out of the
// poor-control numerator as it is charted, and exports the dashboard as
// CSV; the admin sees it too, without links into the charts.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { call, chaosMaxDelay, launchBrowser, shooter, signIn, startFolio, test, artifacts } from './harness.js';

let folio;
let chromium;
const soon = { timeout: 5000 + 2 * chaosMaxDelay };

before(async () => {
  folio = await startFolio({
    prepare(cli) {
      const r = cli(['demo', '--patients', '20', '--charts', '2']);
      if (r.status !== 0) throw new Error(`folio demo failed: ${r.stderr}`);
    },
  });
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

test('quality: the dashboard, a drill-down that follows the chart, and its CSV', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1500, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '63-quality');
  await page.goto(folio.url);
  await signIn(page, 'drlee', 'demo-clinician-pass');
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  const [lee] = (await call(page, 'Schedule', 'Clinicians')).filter((c) => c.username === 'drlee');
  const year = new Date().getFullYear();
  const ruth = await call(page, 'Patients', 'Register', {
    familyName: 'Qualia', givenNames: 'Ruth', birthDate: `${year - 60}-03-03`, sex: 'female', phone: '555-400-1111',
    primaryClinicianId: lee.id,
  });
  await call(page, 'Chart', 'AddProblem', ruth.id, { code: 'E11.9', status: 'active', onset: '2015' });

  await page.getByTestId('nav-quality').click();
  await page.getByRole('heading', { name: 'Quality' }).waitFor();
  const measure = (id) => page.locator(`[data-testid="quality-measure"][data-measure="${id}"]`);
  await measure('cms122').waitFor(soon);
  for (const id of ['cms122', 'cms165', 'cms125', 'cms124', 'cms130', 'cms138', 'cms117', 'cms147']) {
    await measure(id).waitFor();
  }
  assert.match(await measure('cms122').textContent(), /Diabetes: HbA1c poor control.*CMS122v13.*lower is better/s);
  // Ruth and the demo's charted diabetics have no HbA1c: poor control.
  const poor = Number(await measure('cms122').getByTestId('figure-met').textContent());
  assert.ok(poor >= 1, `poor control ${poor}`);
  assert.match(await measure('cms122').getByTestId('rate').textContent(), /%/);
  assert.equal(await measure('cms122').getByTestId('trend').count(), 1);
  // The by-clinician columns name Dr. Lee.
  assert.match(await page.getByTestId('quality').locator('thead').textContent(), /Dr\. Jordan Lee/);
  await shot('01-dashboard');

  // How a measure is counted, and what Folio simplifies.
  await measure('cms125').getByText('How it is counted').click();
  assert.match(await measure('cms125').textContent(), /CMS125v13.*Folio simplifies/s);

  // The patients behind the poor-control figure: Ruth, and why.
  await measure('cms122').getByTestId('figure-met').click();
  const drill = page.getByTestId('quality-drill');
  const ruthRow = drill.locator(`[data-testid="quality-patient"][data-mrn="${ruth.mrn}"]`);
  await ruthRow.waitFor(soon);
  assert.match(await ruthRow.textContent(), /QUALIA, Ruth.*Dr\. Jordan Lee.*Poor control.*no HbA1c in the 12 months/s);
  assert.equal(await ruthRow.getByRole('link').getAttribute('href'), `#/patients/${ruth.id}`);
  await shot('02-drill-down');

  // An HbA1c of 7.1 % charted in another exam room moves her out of the
  // numerator as it happens.
  const room = await chromium.browser.newContext();
  const other = await room.newPage();
  await other.goto(folio.url);
  await signIn(other, 'drlee', 'demo-clinician-pass');
  await other.getByRole('heading', { name: 'Find a patient' }).waitFor();
  await call(other, 'Chart', 'RecordLabResult', ruth.id, { loinc: '4548-4', value: '7.1', unit: '%' });
  await room.close();
  await ruthRow.waitFor({ state: 'detached', ...soon });
  await drill.getByRole('button', { name: 'Controlled' }).click();
  await ruthRow.waitFor(soon);
  assert.match(await ruthRow.textContent(), /Controlled.*HbA1c 7\.1 % on/s);
  await page.waitForFunction((n) => {
    const row = document.querySelector('[data-testid="quality-measure"][data-measure="cms122"]');
    return Number(row?.querySelector('[data-testid="figure-met"]')?.textContent) === n;
  }, poor - 1, soon);
  await shot('03-after-hba1c');

  // One clinician's patients.
  await page.getByTestId('quality-focus').selectOption({ label: 'Dr. Jordan Lee' });
  await page.getByTestId('quality').locator('thead').getByText('Dr. Jordan Lee').first().waitFor();
  const dash = await call(page, 'Quality', 'Dashboard');
  const mine = dash.measures.find((m) => m.id === 'cms122').clinicians[dash.clinicians.findIndex((c) => c.id === lee.id)];
  assert.ok(mine.denominator >= 1);
  assert.equal(await measure('cms122').getByTestId('figure-denominator').textContent(), String(mine.denominator));

  // The dashboard as CSV.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const file = join(artifacts, '63-quality', 'quality.csv');
  await (await download).saveAs(file);
  const text = await readFile(file, 'utf8');
  assert.match(text, /^Measure,CMS id,Clinician,Denominator,Numerator,Not met,Exclusions,Rate %/);
  assert.match(text, /Diabetes: HbA1c poor control \(> 9 %\),CMS122v13,Whole clinic,/);
  assert.match(text, /CMS147v14,Dr\. Jordan Lee,/);
  await shot('04-clinician');

  // The admin sees the dashboard, but no links into charts.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, 'admin', 'demo-admin-pass');
  await page.getByTestId('nav-quality').click();
  await measure('cms122').getByTestId('figure-not-met').click();
  await ruthRow.waitFor(soon);
  assert.equal(await ruthRow.getByRole('link').count(), 0);
  await shot('05-admin');
  await ctx.close();
});
