// The chart's first screen: a demo patient's summary shows the active
// lists, the last vitals with trend arrows and the latest visit; a new
// patient's shows what is due, and a due item leaves once it is done.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, launchBrowser, shooter, signIn, startFolio, test } from './harness.js';

let folio;
let chromium;
let charted;

before(async () => {
  folio = await startFolio({
    prepare(cli) {
      const r = cli(['demo', '--patients', '40', '--charts', '2']);
      if (r.status !== 0) throw new Error(`folio demo failed: ${r.stderr}`);
      charted = /Charted patients \(MRN\): (\d+)/.exec(r.stdout)?.[1];
      if (!charted) throw new Error(`folio demo named no charted patient: ${r.stdout}`);
    },
  });
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

test('the chart opens on its summary, and a due item goes once it is done', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '24-summary');
  await page.goto(folio.url);
  // A clinic made by folio demo says so before anyone signs in, and in
  // the title, so that no one takes it for the real one.
  const demoNote = page.getByTestId('demo-clinic');
  await demoNote.waitFor();
  assert.match(await demoNote.textContent(), /Demo clinic — not for real patients\..*passwords are\s+published/s);
  assert.equal(await page.title(), 'Folio — Demo clinic, not for real patients');
  await shot('demo-clinic-sign-in');
  await signIn(page, 'drlee', 'demo-clinician-pass');
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();

  // A demo patient with three years of history.
  const [hit] = await call(page, 'Patients', 'Search', charted, 1);
  await page.goto(`${folio.url}/#/patients/${hit.id}`);
  const summary = page.getByTestId('summary');
  await summary.getByTestId('summary-problems').getByText(/E11\.9 Type 2 diabetes/).waitFor();
  assert.match(await summary.getByTestId('summary-medications').textContent(), /metformin 500 mg/);
  assert.match(await summary.getByTestId('summary-allergies').textContent(), /Penicillin: hives \(moderate\)/);
  const vitals = await summary.getByTestId('summary-vitals').textContent();
  assert.match(vitals, /BP\s*\d+\/\d+ mmHg/);
  assert.match(vitals, /[↑↓→]/, 'the last vitals show which way they went');
  assert.match(await summary.getByTestId('summary-visits').textContent(), /signed.*Dr\. Jordan Lee/s);
  // The summary is the first thing under the banner: it fits the first screen.
  const box = await summary.boundingBox();
  assert.ok(box && box.y + box.height <= 1000, `the summary ends at ${box && box.y + box.height}px, below the first screen`);
  await shot('demo-patient');

  // A new patient: allergies not asked yet, and this season's flu vaccine due.
  const p = await call(page, 'Patients', 'Register', {
    familyName: 'Abara', givenNames: 'Chidi', birthDate: '1958-09-30', sex: 'male', phone: '555-410-7788',
  });
  await page.goto(`${folio.url}/#/patients/${p.id}`);
  await summary.getByTestId('summary-allergies').getByText('Not recorded').waitFor();
  const due = summary.getByTestId('summary-due');
  const flu = due.getByRole('button', { name: /Influenza vaccine for the \d{4}–\d{2} season/ });
  await flu.waitFor();
  await shot('new-patient-due');

  // The due item takes the clinician to the immunizations, where the dose
  // is recorded; the summary follows without a reload.
  await flu.click();
  const imm = page.getByTestId('immunizations');
  await page.waitForFunction(() => {
    const r = document.querySelector('[data-testid="immunizations"]').getBoundingClientRect();
    return r.top >= -1 && r.top < window.innerHeight;
  });
  await imm.getByLabel('Vaccine (name, product or CVX code)').fill('flu high');
  await imm.getByTestId('vaccine-results').getByRole('button', { name: /^197 Influenza, high-dose/ }).click();
  await imm.getByLabel('Lot number').fill('FLH2231');
  await imm.getByLabel('Lot expiry').fill('2030-06');
  await imm.getByLabel('Site').selectOption('left_deltoid');
  await imm.getByRole('button', { name: 'Record immunization' }).click();
  await imm.getByTestId('immunization-recorded').waitFor();
  // (The care rules keep the patient's screenings and other vaccines due.)
  await flu.waitFor({ state: 'detached' });
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot('flu-recorded');
  await ctx.close();
});
