// The chart's editors keep what is typed (issue 9): everything typed in the
// chart's add forms comes back after a reload and is saved from there; and
// a list read before something was added, whose answer arrives after the
// add's own read, never hides what was added (hold keeps the answers back).

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, hold, launchBrowser, settled, setUpClinic, shooter, signInAsNewClinician, startFolio, test } from './harness.js';

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

/** A 1×1 PNG, enough to attach as a document. */
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let charts = 0;

// A patient of their own (name, birth date, phone): never a likely duplicate of another test's.
async function newChart(page, familyName) {
  charts++;
  const patient = await call(page, 'Patients', 'Register', {
    familyName, givenNames: 'Efua', birthDate: `1968-03-${String(charts).padStart(2, '0')}`, sex: 'female',
    phone: `555-330-10${String(charts).padStart(2, '0')}`,
  });
  return patient;
}

test("what is typed in the chart's add forms comes back after a reload, and is saved from there", async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '34-chart-drafts');
  await signInAsNewClinician(page, folio, 'drdraft', 'Dr Draft');
  const patient = await newChart(page, 'Asante');
  await page.goto(`${folio.url}/#/patients/${patient.id}`);

  const allergies = page.getByTestId('allergies');
  await allergies.getByLabel('Substance').fill('Latex');
  await allergies.getByLabel('Reaction').fill('hives');
  const problems = page.getByTestId('problems');
  await problems.getByLabel('Add a problem (ICD-10-CM: words or code)').fill('essential hypert');
  await problems.getByTestId('icd-results').getByRole('button', { name: /I10/ }).click();
  await problems.getByLabel('Onset (year, year-month or date)').fill('2018');
  const meds = page.getByTestId('medications');
  await meds.getByLabel('Drug').fill('amlodip');
  await meds.getByTestId('drug-results').getByRole('button', { name: /^amlodipine(?![/\w-])/ }).click();
  await meds.getByLabel('Dose').fill('5 mg');
  await meds.getByLabel('Frequency').fill('once a day');
  const imm = page.getByTestId('immunizations');
  await imm.getByLabel('Vaccine (name, product or CVX code)').fill('boostrix');
  await imm.getByTestId('vaccine-results').getByRole('button', { name: /^115 Tdap/ }).click();
  await imm.getByLabel('Lot number').fill('TD4471');
  await imm.getByLabel('Lot expiry').fill('2030-06');
  await imm.getByLabel('Site').selectOption('left_deltoid');
  const labs = page.getByTestId('labs');
  await labs.getByLabel('Order a test or enter a result (name or LOINC code)').fill('a1c');
  await labs.getByTestId('lab-tests').getByRole('button', { name: /4548-4/ }).click();
  await labs.getByTestId('lab-result-form').getByLabel('Result').fill('6.9');
  const docs = page.getByTestId('documents');
  await docs.getByLabel('Title').fill('Cardiology letter');
  await docs.getByLabel('Kind').selectOption({ index: 1 });
  const kind = await docs.getByLabel('Kind').inputValue();
  const vitals = page.getByTestId('vitals');
  await vitals.getByLabel('Systolic').fill('131');
  await vitals.getByLabel('Diastolic').fill('84');
  await settled(page);

  await page.reload();
  await page.getByTestId('patient-banner').waitFor();
  for (const panel of [allergies, problems, meds, imm, labs, docs, vitals]) await panel.getByTestId('draft-restored').waitFor();
  assert.equal(await allergies.getByLabel('Substance').inputValue(), 'Latex');
  assert.equal(await allergies.getByLabel('Reaction').inputValue(), 'hives');
  await problems.getByText('Essential (primary) hypertension').waitFor();
  assert.equal(await problems.getByLabel('Onset (year, year-month or date)').inputValue(), '2018');
  assert.equal(await meds.getByLabel('Drug').inputValue(), 'amlodipine');
  assert.equal(await meds.getByLabel('Dose').inputValue(), '5 mg');
  await imm.getByTestId('imm-chosen').getByText('Tdap').waitFor();
  assert.equal(await imm.getByLabel('Lot number').inputValue(), 'TD4471');
  assert.equal(await labs.getByTestId('lab-result-form').getByLabel('Result').inputValue(), '6.9');
  assert.equal(await docs.getByLabel('Title').inputValue(), 'Cardiology letter');
  assert.equal(await docs.getByLabel('Kind').inputValue(), kind);
  assert.equal(await vitals.getByLabel('Systolic').inputValue(), '131');
  await shot('restored-after-reload');

  // Saved from the restored drafts, each as typed.
  await allergies.getByRole('button', { name: 'Add allergy' }).click();
  await page.getByTestId('banner-allergies').getByText('Latex (hives)').waitFor();
  await problems.getByRole('button', { name: 'Add problem' }).click();
  await problems.getByText('since 2018').waitFor();
  await meds.getByRole('button', { name: 'Add medication' }).click();
  await meds.getByTestId('medication').filter({ hasText: 'amlodipine' }).waitFor();
  await imm.getByRole('button', { name: 'Record immunization' }).click();
  await imm.getByTestId('immunization').filter({ hasText: 'Tdap' }).waitFor();
  await labs.getByRole('button', { name: 'Record result' }).click();
  await labs.getByTestId('lab-result').filter({ hasText: '6.9' }).waitFor();
  await docs.getByLabel(/^File/).setInputFiles({ name: 'letter.png', mimeType: 'image/png', buffer: png });
  await docs.getByRole('button', { name: 'Attach document' }).click();
  await docs.getByTestId('document-row').filter({ hasText: 'Cardiology letter' }).waitFor();
  await vitals.getByRole('button', { name: 'Record vitals' }).click();
  await vitals.locator('tbody tr').filter({ hasText: '131/84' }).waitFor();
  for (const panel of [allergies, problems, meds, imm, labs, docs, vitals]) {
    assert.equal(await panel.getByTestId('draft-restored').count(), 0, 'no draft once saved');
  }
  const [problemList, medList, immList] = await Promise.all([
    call(page, 'Chart', 'Problems', patient.id),
    call(page, 'Chart', 'Medications', patient.id),
    call(page, 'Chart', 'Immunizations', patient.id),
  ]);
  assert.deepEqual(problemList.map((p) => [p.code, p.onset]), [['I10', '2018']]);
  assert.deepEqual(medList.map((m) => [m.drug, m.dose, m.frequency]), [['amlodipine', '5 mg', 'once a day']]);
  assert.deepEqual(immList.map((m) => [m.cvx, m.lotNumber]), [['115', 'TD4471']]);
  await shot('all-saved');

  // Nothing comes back after saving.
  await page.reload();
  await page.getByTestId('patient-banner').waitFor();
  await vitals.locator('tbody tr').filter({ hasText: '131/84' }).waitFor();
  assert.equal(await page.getByTestId('draft-restored').count(), 0);
  assert.equal(await allergies.getByLabel('Substance').inputValue(), '');
  await ctx.close();
});

test('a list read before an add, and answered after it, never hides what was added', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '35-late-lists');
  await signInAsNewClinician(page, folio, 'drlate', 'Dr Late');
  const patient = await newChart(page, 'Boateng');
  const methods = ['Chart/Allergies', 'Chart/Problems', 'Chart/Medications', 'Chart/Immunizations', 'Chart/LabResults',
    'Chart/Documents', 'Chart/Vitals'];
  const holds = Object.fromEntries(await Promise.all(methods.map(async (m) => [m, await hold(page, m)])));
  await page.goto(`${folio.url}/#/patients/${patient.id}`);
  await page.getByTestId('patient-banner').waitFor();

  /** Add with the form (the list is read again, and that answer comes
   * first); then the list read on opening the chart answers, late. */
  async function addThenLateList(method, add, shown) {
    await add();
    const [opening, afterAdd] = await holds[method].calls(2);
    afterAdd.release();
    await shown.waitFor();
    const late = page.waitForResponse((r) => r.url().endsWith(`/api/${method}`));
    opening.release();
    await (await late).finished();
    await settled(page);
    assert.ok(await shown.isVisible(), `${method}: what was added is still shown`);
    await holds[method].release();
  }

  const allergies = page.getByTestId('allergies');
  await addThenLateList('Chart/Allergies', async () => {
    await allergies.getByLabel('Substance').fill('Sulfa drugs');
    await allergies.getByRole('button', { name: 'Add allergy' }).click();
  }, page.getByTestId('banner-allergies').getByText('Sulfa drugs'));

  const problems = page.getByTestId('problems');
  await addThenLateList('Chart/Problems', async () => {
    await problems.getByLabel('Add a problem (ICD-10-CM: words or code)').fill('asthma');
    await problems.getByTestId('icd-results').getByRole('button', { name: /^J45/ }).first().click();
    await problems.getByRole('button', { name: 'Add problem' }).click();
  }, problems.locator('.item').filter({ hasText: 'J45' }));

  const meds = page.getByTestId('medications');
  await addThenLateList('Chart/Medications', async () => {
    await meds.getByLabel('Drug').fill('metform');
    await meds.getByTestId('drug-results').getByRole('button', { name: /^metformin(?![/\w-])/ }).click();
    await meds.getByLabel('Dose').fill('500 mg');
    await meds.getByLabel('Frequency').fill('twice a day');
    await meds.getByRole('button', { name: 'Add medication' }).click();
  }, meds.getByTestId('medication').filter({ hasText: 'metformin' }));

  const imm = page.getByTestId('immunizations');
  await addThenLateList('Chart/Immunizations', async () => {
    await imm.getByLabel('Had elsewhere').check();
    await imm.getByLabel('Vaccine (name, product or CVX code)').fill('shingrix');
    await imm.getByTestId('vaccine-results').getByRole('button', { name: /^187/ }).click();
    await imm.getByLabel('Given on').fill('2021');
    await imm.getByRole('button', { name: 'Record immunization' }).click();
  }, imm.getByTestId('immunization').filter({ hasText: '187' }));

  const labs = page.getByTestId('labs');
  await addThenLateList('Chart/LabResults', async () => {
    await labs.getByLabel('Order a test or enter a result (name or LOINC code)').fill('a1c');
    await labs.getByTestId('lab-tests').getByRole('button', { name: /4548-4/ }).click();
    await labs.getByTestId('lab-result-form').getByLabel('Result').fill('7.4');
    await labs.getByRole('button', { name: 'Record result' }).click();
  }, labs.getByTestId('lab-result').filter({ hasText: '7.4' }));

  const docs = page.getByTestId('documents');
  await addThenLateList('Chart/Documents', async () => {
    await docs.getByLabel(/^File/).setInputFiles({ name: 'scan.png', mimeType: 'image/png', buffer: png });
    await docs.getByLabel('Title').fill('Discharge summary');
    await docs.getByLabel('Kind').selectOption({ index: 1 });
    await docs.getByRole('button', { name: 'Attach document' }).click();
  }, docs.getByTestId('document-row').filter({ hasText: 'Discharge summary' }));

  const vitals = page.getByTestId('vitals');
  await addThenLateList('Chart/Vitals', async () => {
    await vitals.getByLabel('Pulse').fill('64');
    await vitals.getByRole('button', { name: 'Record vitals' }).click();
  }, vitals.locator('tbody tr').first());
  await shot('added-and-still-shown');
  await ctx.close();
});

test("the next entry typed while an add is still saving stays; a fresh read of the patient leaves the patient's copy open", async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '35-late-adds');
  await signInAsNewClinician(page, folio, 'drnext', 'Dr Next');
  const patient = await newChart(page, 'Owusu');
  await page.goto(`${folio.url}/#/patients/${patient.id}`);

  // An allergy is added; its save answers after the next one is typed.
  const allergies = page.getByTestId('allergies');
  let saving = await hold(page, 'Chart/AddAllergy');
  await allergies.getByLabel('Substance').fill('Latex');
  await allergies.getByRole('button', { name: 'Add allergy' }).click();
  await saving.calls(1);
  await allergies.getByLabel('Substance').fill('Peanut');
  await saving.release();
  await page.getByTestId('banner-allergies').getByText('Latex').waitFor();
  const written = await call(page, 'Chart', 'Allergies', patient.id);
  assert.equal(written.allergies.length, 1, 'one add, one allergy');
  await settled(page);
  assert.equal(await allergies.getByLabel('Substance').inputValue(), 'Peanut');

  // Vitals: a second reading started while the first is saved stays.
  const vitals = page.getByTestId('vitals');
  saving = await hold(page, 'Chart/RecordVitals');
  await vitals.getByLabel('Systolic').fill('148');
  await vitals.getByLabel('Diastolic').fill('92');
  await vitals.getByRole('button', { name: 'Record vitals' }).click();
  await saving.calls(1);
  await vitals.getByLabel('Systolic').fill('142');
  await saving.release();
  await vitals.getByText('148/92').first().waitFor();
  await settled(page);
  assert.equal(await vitals.getByLabel('Systolic').inputValue(), '142', 'the reading typed while saving stays');
  assert.equal(await vitals.getByLabel('Diastolic').inputValue(), '', 'what was saved is cleared');

  // A visit's diagnosis: the next search typed while the first is saved stays.
  await page.getByTestId('visits').getByRole('button', { name: 'New visit' }).click();
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  const dx = page.getByTestId('diagnoses');
  const dxSearch = dx.getByLabel('Add a diagnosis (ICD-10-CM: words or code)');
  saving = await hold(page, 'Chart/AddDiagnosis');
  await dxSearch.fill('HTN');
  await dx.getByTestId('dx-results').getByRole('button', { name: /I10 Essential \(primary\) hypertension/ }).click();
  await saving.calls(1);
  await dxSearch.fill('E11');
  await dx.getByTestId('dx-results').getByRole('button', { name: /^\s*E11 Type 2 diabetes mellitus/ }).waitFor();
  await saving.release();
  await dx.getByTestId('diagnosis').filter({ hasText: 'I10' }).waitFor();
  await settled(page);
  assert.equal(await dxSearch.inputValue(), 'E11', 'the next diagnosis typed while saving stays');
  assert.ok(await dx.getByTestId('dx-results').getByRole('button', { name: /^\s*E11 Type 2 diabetes mellitus/ }).isVisible());
  await shot('next-diagnosis-kept');

  // Back in the chart, the patient is read again; that answer comes after
  // the patient's copy is shown, and must not close it.
  const reading = await hold(page, 'Patients/Open');
  await page.getByRole('link', { name: 'Back to chart' }).click();
  await page.getByTestId('share').waitFor();
  await page.getByTestId('patient-copy').click();
  const frame = page.frameLocator('[data-testid="copy-frame"]');
  await frame.getByText('Owusu', { exact: false }).first().waitFor();
  await reading.calls(1);
  const late = page.waitForResponse((r) => r.url().endsWith('/api/Patients/Open'));
  await reading.release();
  await (await late).finished();
  await settled(page);
  assert.ok(await page.getByTestId('patient-copy-view').isVisible(), "the patient's copy is still open");
  await ctx.close();
});
