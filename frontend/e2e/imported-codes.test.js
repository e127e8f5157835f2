// A record from another system keeps the codes it came with: the IPS
// example's problems are coded in SNOMED CT (one also in WHO ICD-10), which
// Folio's ICD-10-CM list does not hold; imported through the import screen,
// the chart's problem list shows each under its own code, with no note
// added, and both stay distinct records.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { launchBrowser, setUpClinic, shooter, signInAsNewClinician, startFolio } from './harness.js';

const ipsExample = fileURLToPath(new URL('../../app/fhir/testdata/ips/Bundle-IPS-examples-Bundle-01.json', import.meta.url));

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

test('an imported problem coded in SNOMED CT shows its code on the chart', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const shot = shooter(page, '47-imported-codes');
  await signInAsNewClinician(page, folio, 'drlee', 'Dr Jordan Lee');

  await page.getByTestId('nav-import').click();
  await page.getByRole('heading', { name: 'Import a record' }).waitFor();
  await page.locator('#import-file').setInputFiles(ipsExample);
  await page.getByRole('button', { name: 'Check and open' }).click();
  await page.getByTestId('create-patient').click();
  await page.getByTestId('matched-patient').waitFor();
  await page.getByTestId('finish-import').click();
  await page.getByTestId('import-summary').waitFor();

  await page.getByTestId('open-chart').click();
  const problems = page.getByTestId('problems');
  await problems.getByText('Menopausal flushing (finding)').waitFor();
  const codes = problems.getByTestId('received-codes');
  // The first problem's ICD-10 N95.1 is also an ICD-10-CM code: it is the chart's own code, shown as such,
  // beside the SNOMED CT code it came with.
  await problems.getByText('N95.1').first().waitFor();
  assert.deepEqual(await codes.allTextContents(), ['SNOMED CT 198436008', 'SNOMED CT 254837009, http://terminology.hl7.org/CodeSystem/icd-o-3 8500/3']);
  assert.equal(await problems.getByText(/Imported without/).count(), 0, 'no note is added to what was sent');
  await problems.scrollIntoViewIfNeeded();
  await shot('problems-with-their-codes');
  assert.deepEqual(errors, []);
  await ctx.close();
});
