// ICD-10-CM as a clinician types it: everyday words and abbreviations find
// the billable code; a category (not billable) chosen for the problem list
// is allowed with a warning offering its billable codes; a visit's
// diagnosis takes only a billable code.

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

test('everyday words find billable codes, and a category warns with its billable codes', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '40-icd10');
  await signInAsNewClinician(page, folio, 'drlee', 'Dr Lee');
  const patient = await call(page, 'Patients', 'Register', {
    familyName: 'Haddad', givenNames: 'Rana', birthDate: '1958-06-30', sex: 'female', phone: '555-410-7700',
  });
  await page.goto(`${folio.url}/#/patients/${patient.id}`);

  // Everyday words: "knee osteoarthritis" finds the billable M17 codes first.
  const problems = page.getByTestId('problems');
  const search = problems.getByLabel('Add a problem (ICD-10-CM: words or code)');
  await search.fill('knee osteoarthritis');
  const results = problems.getByTestId('icd-results');
  await results.getByRole('button', { name: /M17\.9 Osteoarthritis of knee, unspecified/ }).waitFor();
  assert.match(await results.getByRole('button').first().textContent(), /^\s*M17\.9 /);
  assert.equal(await results.getByText('not billable').count(), 0, 'no category among the first results');
  await search.fill('GERD');
  await results.getByRole('button', { name: /K21\.9 Gastro-esophageal reflux disease without esophagitis/ }).waitFor();
  await shot('everyday-words');

  // The category M17 by its code: marked, and when chosen it warns and
  // offers its billable codes; the clinician takes one.
  await search.fill('M17');
  const category = results.getByRole('button', { name: /^\s*M17 Osteoarthritis of knee/ });
  await category.getByText('not billable').waitFor();
  await category.click();
  const warning = problems.getByTestId('not-billable');
  await warning.getByText(/M17\s+Osteoarthritis of knee is a category, not a billable code/).waitFor();
  await shot('category-warning');
  await warning.getByRole('button', { name: /M17\.11 Unilateral primary osteoarthritis, right knee/ }).click();
  assert.equal(await problems.getByTestId('not-billable').count(), 0, 'the billable code replaced the category');
  await problems.getByRole('button', { name: 'Add problem' }).click();
  await problems.getByText(/M17\.11\s+Unilateral primary osteoarthritis, right knee/).waitFor();

  // A category may still go on the problem list, as the warning says.
  await search.fill('E11');
  await results.getByRole('button', { name: /^\s*E11 Type 2 diabetes mellitus/ }).click();
  await problems.getByTestId('not-billable').getByText('You can still add it to the problem list as it is.').waitFor();
  await problems.getByRole('button', { name: 'Add problem' }).click();
  await problems.locator('.item').filter({ hasText: /^\s*E11 Type 2 diabetes mellitus/ }).waitFor();

  // A visit's diagnosis: the category is not added; its billable code is.
  await page.getByTestId('visits').getByRole('button', { name: 'New visit' }).click();
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  const dx = page.getByTestId('diagnoses');
  const dxSearch = dx.getByLabel('Add a diagnosis (ICD-10-CM: words or code)');
  await dxSearch.fill('HTN');
  await dx.getByTestId('dx-results').getByRole('button', { name: /I10 Essential \(primary\) hypertension/ }).click();
  await dx.getByTestId('diagnosis').filter({ hasText: 'I10' }).getByText('primary').waitFor();
  await dxSearch.fill('E11');
  await dx.getByTestId('dx-results').getByRole('button', { name: /^\s*E11 Type 2 diabetes mellitus/ }).click();
  const dxWarning = dx.getByTestId('not-billable');
  await dxWarning.getByText(/E11\s+Type 2 diabetes mellitus is a category/).waitFor();
  assert.equal(await dx.getByTestId('diagnosis').count(), 1, 'the category was not added');
  await shot('visit-category-warning');
  await dxWarning.getByRole('button', { name: /E11\.9 Type 2 diabetes mellitus without complications/ }).click();
  await dx.getByTestId('diagnosis').filter({ hasText: 'E11.9' }).waitFor();
  assert.equal(await dx.getByTestId('diagnosis').count(), 2);

  // The E11 problem picked from the list is refused, naming the codes to choose.
  await dx.getByTestId('pick-problem').getByRole('button', { name: /^\s*E11 Type 2/ }).click();
  await dx.getByText(/E11 Type 2 diabetes mellitus is a category, not a billable code: a claim needs one of the codes under it, e\.g\. E11\.9/).waitFor();
  assert.equal(await dx.getByTestId('diagnosis').count(), 2);
  await shot('visit-diagnoses');
  await ctx.close();
});
