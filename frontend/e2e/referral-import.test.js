// Import end to end: clinic A charts a patient and exports a referral with
// one problem left out (through the same call its export screen makes);
// clinic B, a second Folio on its own data folder, imports the file
// through its import screen: the verification shows A's signature, the
// duplicate screen finds the chart B's desk registered, the clinician
// skips the medication and finishes; the chart then shows each imported
// item with its source, and the resources kept as originals can be read.
// A damaged copy of the file is refused with nothing written.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifacts, call, launchBrowser, setUpClinic, shooter, signInAsNewClinician, startFolio, test } from './harness.js';

let clinicA;
let clinicB;
let chromium;

before(async () => {
  clinicA = await startFolio();
  setUpClinic(clinicA);
  clinicB = await startFolio();
  setUpClinic(clinicB, 'Northside Health Centre', 'Nia Admin');
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await clinicA?.stop();
  await clinicB?.stop();
});

test('a referral exported by one Folio is imported into another, reconciled item by item', async () => {
  // Clinic A: a chart, and its referral without the depression.
  const ctxA = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const pageA = await ctxA.newPage();
  await signInAsNewClinician(pageA, clinicA, 'drlee', 'Dr Jordan Lee');
  const patient = await call(pageA, 'Patients', 'Register', {
    familyName: 'Okafor', givenNames: 'Ngozi', birthDate: '1961-02-14', sex: 'female', phone: '555-410-2200',
  });
  const blankProblem = { title: '', status: 'active', resolvedOn: '', note: '', encounterId: '' };
  await call(pageA, 'Chart', 'AddProblem', patient.id, { ...blankProblem, code: 'E11.9', onset: '2014' });
  const depression = await call(pageA, 'Chart', 'AddProblem', patient.id, { ...blankProblem, code: 'F32.9', onset: '2021-09' });
  await call(pageA, 'Chart', 'AddAllergy', patient.id, {
    substance: 'Penicillin', substanceKind: 'drug_class', code: '', reaction: 'hives', severity: 'moderate',
    status: 'active', onset: '', note: '',
  });
  await call(pageA, 'Chart', 'AddMedication', patient.id, {
    drug: 'metformin', dose: '500 mg', route: 'oral', frequency: 'twice a day', quantity: '60', refills: 2,
  }, []);
  await call(pageA, 'Chart', 'RecordLabResult', patient.id, { loinc: '4548-4', value: '7.4', unit: '', observedAt: '' });
  await call(pageA, 'Chart', 'RecordVitals', patient.id, {
    takenAt: '', encounterId: '', systolic: 138, diastolic: 86, pulse: 72, weight: 81, weightUnit: 'kg',
  });
  const preview = await call(pageA, 'Chart', 'ReferralPreview', patient.id);
  const included = preview.sections.flatMap((s) => s.items).map((it) => it.id).filter((id) => id !== depression.id);
  const exported = await call(pageA, 'Chart', 'ExportReferral', patient.id, {
    includedIds: included, documentIds: [], recipient: 'Northside Health Centre, Dr Kim', purpose: 'referral',
    reason: 'Type 2 diabetes, HbA1c rising', question: 'Would you start a GLP-1 agonist?', letter: '', passphrase: '',
  });
  await ctxA.close();
  const work = mkdtempSync(join(tmpdir(), 'folio-import-'));
  const archivePath = join(work, exported.fileName);
  const archive = Buffer.from(exported.data, 'base64');
  writeFileSync(archivePath, archive);
  const damaged = Buffer.from(archive);
  damaged[Math.floor(damaged.length / 2)] ^= 0xff;
  const damagedPath = join(work, 'damaged.folio');
  writeFileSync(damagedPath, damaged);

  // Clinic B: the desk has registered Mrs Okafor already.
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const shot = shooter(page, '45-referral-import');
  await signInAsNewClinician(page, clinicB, 'drkim', 'Dr Sun-hee Kim');
  const local = await call(page, 'Patients', 'Register', {
    familyName: 'Okafor', givenNames: 'Ngozi', birthDate: '1961-02-14', sex: 'female', phone: '555-410-2200',
  });
  const countsBefore = await call(page, 'Chart', 'Imports', local.id);

  await page.getByTestId('nav-import').click();
  await page.getByRole('heading', { name: 'Import a record' }).waitFor();
  await shot('choose-file');

  // A damaged file is refused, and nothing is written.
  await page.locator('#import-file').setInputFiles(damagedPath);
  await page.getByRole('button', { name: 'Check and open' }).click();
  await page.getByText(/damaged|changed/).first().waitFor();
  await shot('damaged-file-refused');
  assert.deepEqual(await call(page, 'Chart', 'Imports', local.id), countsBefore, 'a refused file writes nothing');

  // The real file: verified, signed by clinic A.
  await page.locator('#import-file').setInputFiles(archivePath);
  await page.getByRole('button', { name: 'Check and open' }).click();
  const verification = page.getByTestId('verification');
  await verification.waitFor();
  assert.match(await verification.textContent(), /Intact and signed by “Riverside Family Practice”/);
  assert.equal((await page.getByTestId('fingerprint').textContent()).trim(), exported.fingerprint);
  assert.equal((await page.getByTestId('import-source').textContent()).trim(), 'Riverside Family Practice');
  await page.getByTestId('candidate').first().waitFor();
  await shot('verified-and-duplicate-screen');

  // The chart the desk registered is the patient.
  const candidate = page.getByTestId('candidate').filter({ hasText: local.mrn });
  await candidate.getByRole('button', { name: 'This patient' }).click();
  await page.getByTestId('matched-patient').waitFor();

  // Called away half-way (the window reloaded): the import waits under
  // "Imports in review" and is taken up again where it was.
  await page.reload();
  const inReview = page.getByTestId('imports-in-review');
  await inReview.getByText(exported.fileName).waitFor();
  await shot('imports-in-review');
  await inReview.getByRole('button', { name: 'Continue' }).click();
  await page.getByTestId('matched-patient').waitFor();
  const items = page.getByTestId('import-item');
  assert.ok((await items.count()) >= 6, 'problem, allergy, medication, result and vitals are listed');
  assert.equal(await page.getByTestId('import-items').getByText('F32.9').count(), 0, 'the problem left out did not travel');

  // Skip the medication; accept the rest as suggested.
  const medication = items.filter({ hasText: /metformin/i });
  await medication.getByRole('button', { name: 'Skip' }).click();
  assert.equal(await medication.getByRole('button', { name: 'Skip' }).getAttribute('aria-pressed'), 'true');
  await page.getByTestId('import-unmapped').click();
  await shot('items-reviewed');

  await page.getByTestId('finish-import').click();
  const summary = page.getByTestId('import-summary');
  await summary.waitFor();
  const written = Number(await page.getByTestId('count-written').locator('strong').textContent());
  assert.ok(written >= 4, `written ${written}`);
  assert.match(await summary.textContent(), /1\s*skipped/);
  await shot('import-summary');

  // The chart shows each imported item with its source.
  await page.getByTestId('open-chart').click();
  const problems = page.getByTestId('problems');
  await problems.getByText('E11.9').waitFor();
  const source = problems.getByTestId('imported-from').first();
  await source.waitFor();
  assert.match(await source.textContent(), /^imported from Riverside Family Practice, \d{4}-\d{2}-\d{2} \(Condition\//);
  await page.getByTestId('allergies').getByTestId('imported-from').waitFor();
  assert.equal(await page.getByTestId('medication').count(), 0, 'the skipped medication was not charted');
  await problems.scrollIntoViewIfNeeded();
  await shot('chart-with-sources');

  // What was not mapped is kept and readable as it came.
  const records = page.getByTestId('imported-records');
  await records.scrollIntoViewIfNeeded();
  const kept = page.getByTestId('kept-originals');
  assert.match(await kept.locator('summary').textContent(), /Imported originals: \d+ resources? not mapped/);
  await kept.locator('summary').click();
  await kept.getByRole('button', { name: /^Composition\// }).click();
  const original = page.getByTestId('original-json');
  await original.waitFor();
  assert.match(await original.locator('pre').textContent(), /"resourceType": "/);
  await original.scrollIntoViewIfNeeded();
  await shot('kept-original-json');
  await records.screenshot({ path: join(artifacts, '45-referral-import', '08-imported-records-closeup.png') });
  assert.deepEqual(errors, []);
  await ctx.close();
});
