// The wrong patient on the import screen, end to end. The front desk has
// registered Emma Rossi, a girl born 2019-03-02, and her grandfather John
// Smith, born 1949, who share a phone number. A FHIR file arrives about
// Emma, but the sender swapped the day and month of her birth. Both charts
// are offered beside the file (the same phone). Choosing his is refused
// with both people named; choosing hers is refused too (the birth date
// differs), and going ahead needs a written reason, which then shows on
// the import and, once finished, in her chart's import history. The same
// file cannot then register her a second time: the chart is named. The
// file is hand-made for this test.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const file = {
  resourceType: 'Bundle', type: 'collection', entry: [
    { fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient', id: 'p', name: [{ family: 'Rossi', given: ['Emma'] }],
      birthDate: '2019-02-03', gender: 'female', telecom: [{ system: 'phone', value: '555-777-1000' }] } },
    { fullUrl: 'urn:uuid:c', resource: { resourceType: 'Condition', id: 'c', subject: { reference: 'urn:uuid:p' },
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'J45.909' }], text: 'Asthma' } } },
  ],
};

test('a file whose patient differs from the chart needs a confirmed reason before it goes in', async () => {
  const work = mkdtempSync(join(tmpdir(), 'folio-mismatch-'));
  const filePath = join(work, 'emma-rossi.json');
  writeFileSync(filePath, JSON.stringify(file));

  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const shot = shooter(page, '47-import-mismatch');
  await signInAsNewClinician(page, folio, 'drkim', 'Dr Sun-hee Kim');
  const john = await call(page, 'Patients', 'Register', {
    familyName: 'Smith', givenNames: 'John', birthDate: '1949-07-10', sex: 'male', phone: '555-777-1000',
  });
  const emma = await call(page, 'Patients', 'Register', {
    familyName: 'Rossi', givenNames: 'Emma', birthDate: '2019-03-02', sex: 'female', phone: '555-777-1000',
  });

  await page.getByTestId('nav-import').click();
  await page.locator('#import-file').setInputFiles(filePath);
  await page.getByRole('button', { name: 'Check and open' }).click();
  const candidate = (p) => page.getByTestId('candidate').filter({ hasText: p.mrn });
  await candidate(john).waitFor();
  await candidate(emma).waitFor();

  // Her grandfather's chart: refused, both named.
  await candidate(john).getByRole('button', { name: 'This patient' }).click();
  const mismatch = page.getByTestId('import-mismatch');
  await mismatch.waitFor();
  assert.equal((await page.getByTestId('mismatch-people').textContent()).trim(),
    `The file is about Emma Rossi, F, born 2019-02-03; MRN ${john.mrn} is John Smith, M, born 1949-07-10. ` +
    'The birth date, sex and name differ.');
  assert.equal(await page.getByTestId('matched-patient').count(), 0, 'nothing is matched');
  await shot('the-grandfather-refused');
  await mismatch.getByRole('button', { name: 'Choose another chart' }).click();

  // Hers: the birth date differs, so going ahead needs a reason.
  await candidate(emma).getByRole('button', { name: 'This patient' }).click();
  await mismatch.waitFor();
  assert.equal((await page.getByTestId('mismatch-people').textContent()).trim(),
    `The file is about Emma Rossi, F, born 2019-02-03; MRN ${emma.mrn} is Emma Rossi, F, born 2019-03-02. ` +
    'The birth date differs.');
  await page.getByTestId('confirm-mismatch').click();
  await mismatch.getByText('Say why this file is about this chart').waitFor();
  assert.equal(await page.getByTestId('matched-patient').count(), 0, 'no reason, no match');
  await shot('her-chart-needs-a-reason');

  const why = 'The school has day and month swapped; her birth certificate says 2019-03-02';
  await page.locator('#mismatch-reason').fill(why);

  // The screen locks before it is confirmed: choosing her chart again
  // brings the reason back as typed.
  await page.keyboard.press('Control+l');
  await page.getByRole('heading', { name: 'Screen locked' }).waitFor();
  await page.getByLabel('Password').fill(clinicianPassword);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await candidate(emma).getByRole('button', { name: 'This patient' }).click();
  await mismatch.getByTestId('draft-restored').waitFor();
  assert.equal(await page.locator('#mismatch-reason').inputValue(), why, 'the reason is kept across the lock');
  await page.getByTestId('confirm-mismatch').click();
  await page.getByTestId('matched-patient').waitFor();
  assert.match(await page.getByTestId('match-note').textContent(),
    new RegExp(`Matched to MRN ${emma.mrn} although the details differ: .*Confirmed by drkim: ${why}`));
  await shot('matched-with-the-reason');

  await page.getByTestId('finish-import').click();
  await page.getByTestId('import-summary').waitFor();
  assert.match(await page.getByTestId('import-summary').getByTestId('match-note').textContent(), new RegExp(why));
  await page.getByTestId('open-chart').click();
  const history = page.getByTestId('imported-records');
  await history.waitFor();
  assert.match(await history.getByTestId('import-match-note').textContent(),
    new RegExp(`Matched to MRN ${emma.mrn} although the details differ: The file is about Emma Rossi, F, born 2019-02-03.*Confirmed by drkim: ${why}`));
  await history.scrollIntoViewIfNeeded();
  await shot('history-shows-the-reason');

  // The same file again cannot register her as a new patient.
  await page.getByTestId('nav-import').click();
  await page.getByRole('button', { name: 'Import another file' }).click();
  await page.locator('#import-file').setInputFiles(filePath);
  await page.getByRole('button', { name: 'Check and open' }).click();
  await page.getByTestId('create-patient').click();
  await page.getByText(`this patient has a chart here already: MRN ${emma.mrn}, Emma Rossi, F, born 2019-03-02`).waitFor();
  assert.equal(await page.getByTestId('matched-patient').count(), 0);
  await shot('registering-her-again-refused');
  assert.deepEqual(errors, []);
  await ctx.close();
});
