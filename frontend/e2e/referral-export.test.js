// Export for referral end to end: a clinician opens the export screen from
// the chart, leaves one active problem out, writes the letter and exports.
// The file the browser downloads is opened here, in Node, with a reader of
// its own: a zip whose manifest lists bundle.json and summary.html with
// SHA-256 sums that match their bytes; the bundle's problem section lacks
// the problem left out, and the bundle passes the external FHIR validator
// (scripts/fhir-validate.mjs, @medplum/core). The patient's copy is shown
// in the chart, both disclosures are listed, and the whole-clinic NDJSON
// export of the command line passes the same validator.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { adminPassword, call, launchBrowser, setUpClinic, shooter, signIn, startFolio, test } from './harness.js';

let folio;
let chromium;
const drPassword = 'doctor-password-123';

before(async () => {
  folio = await startFolio();
  setUpClinic(folio);
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

/** unzip reads every entry of a zip (stored or deflated) by its central
 * directory: a reader of our own, so the test trusts nothing of Folio's. */
function unzip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65_557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  assert.ok(eocd >= 0, 'the file is a zip (it has an end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const files = new Map();
  for (let n = 0; n < count; n++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, 'a central directory entry');
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const skip = nameLen + buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    assert.equal(buf.readUInt32LE(local), 0x04034b50, `a local header for ${name}`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + size);
    files.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + skip;
  }
  return files;
}

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

/** validate runs the external validator on files; it exits 0 when all pass. */
function validate(...files) {
  const r = spawnSync(process.execPath, ['scripts/fhir-validate.mjs', ...files], { encoding: 'utf8' });
  assert.equal(r.status, 0, `fhir-validate: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

test('a clinician exports a referral with one problem left out, and shows the patient their copy', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 }, acceptDownloads: true });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const shot = shooter(page, '40-referral-export');
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await call(page, 'Admin', 'AddUser', { username: 'drlee', fullName: 'Dr Jordan Lee', role: 'clinician', password: drPassword });
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn(page, 'drlee', drPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  const patient = await call(page, 'Patients', 'Register', {
    familyName: 'Okafor', givenNames: 'Ngozi', birthDate: '1961-02-14', sex: 'female', phone: '555-410-2200',
  });
  const blankProblem = { title: '', status: 'active', resolvedOn: '', note: '', encounterId: '' };
  const diabetes = await call(page, 'Chart', 'AddProblem', patient.id, { ...blankProblem, code: 'E11.9', onset: '2014' });
  const depression = await call(page, 'Chart', 'AddProblem', patient.id, { ...blankProblem, code: 'F32.9', onset: '2021-09' });
  await call(page, 'Chart', 'AddAllergy', patient.id, {
    substance: 'Penicillin', substanceKind: 'drug_class', code: '', reaction: 'hives', severity: 'moderate',
    status: 'active', onset: '', note: '',
  });
  await call(page, 'Chart', 'AddMedication', patient.id, {
    drug: 'metformin', dose: '500 mg', route: 'oral', frequency: 'twice a day', quantity: '60', refills: 2,
  }, []);
  await call(page, 'Chart', 'RecordLabResult', patient.id, { loinc: '4548-4', value: '7.4', unit: '', observedAt: '' });

  await page.goto(`${folio.url}/#/patients/${patient.id}`);
  const share = page.getByTestId('share');
  await share.waitFor();
  await share.scrollIntoViewIfNeeded();
  await shot('chart-sharing-panel');
  await page.getByTestId('export-referral').click();
  const screen = page.getByTestId('referral-export');
  await screen.waitFor();
  const problems = page.getByTestId('section-problems');
  await problems.getByText('F32.9').waitFor();
  assert.equal(await page.getByTestId(`item-${depression.id}`).isChecked(), true, 'active problems are ticked by default');
  await shot('preview');

  // Leave the depression out; refused first without recipient or reason.
  await page.getByTestId(`item-${depression.id}`).uncheck();
  await page.getByTestId('do-export').click();
  await page.getByText('Enter who the referral goes to.').waitFor();
  await page.getByText('Enter the reason for referral.').waitFor();
  await shot('refused-without-recipient');

  await page.getByLabel('To (specialist, service, clinic)').fill('Dr Amira Haddad, Endocrinology, St Mary’s');
  await page.getByLabel('Reason for referral').fill('Type 2 diabetes, HbA1c rising despite metformin');
  await page.getByLabel('Question to the specialist').fill('Would you start a GLP-1 agonist?');
  await page.getByLabel('Letter').fill('Thank you for seeing Mrs Okafor.\nShe prefers morning appointments.');
  const downloading = page.waitForEvent('download');
  await page.getByTestId('do-export').click();
  const download = await downloading;
  assert.match(download.suggestedFilename(), /^Okafor_Ngozi_\d{4}-\d{2}-\d{2}_referral\.folio$/);
  const chunks = [];
  for await (const c of await download.createReadStream()) chunks.push(c);
  const file = Buffer.concat(chunks);
  await page.getByTestId('referral-sent').waitFor();
  assert.equal(await page.getByTestId('sent-sha256').textContent(), sha256(file), 'the screen shows the file’s SHA-256');
  assert.match(await page.getByTestId('sent-counts').textContent(), /1 problem\b/);
  await shot('exported');

  // The archive, read by our own reader: the manifest's sums match.
  const files = unzip(file);
  const manifest = JSON.parse(files.get('manifest.json').toString('utf8'));
  const listed = new Map(manifest.files.map((f) => [f.path, f]));
  for (const name of ['bundle.json', 'summary.html']) {
    assert.ok(listed.has(name), `the manifest lists ${name}`);
    assert.equal(listed.get(name).sha256, sha256(files.get(name)), `${name} matches its SHA-256`);
  }
  assert.equal(files.get('manifest.sig').length, 64, 'an Ed25519 signature');
  assert.equal(manifest.sender.fingerprint, (await page.getByTestId('sent-fingerprint').textContent()).trim());

  // The bundle's problem section has the diabetes, not the depression.
  const bundle = JSON.parse(files.get('bundle.json').toString('utf8'));
  assert.equal(bundle.type, 'document');
  const composition = bundle.entry[0].resource;
  assert.equal(composition.resourceType, 'Composition');
  const byUrl = new Map(bundle.entry.map((e) => [e.fullUrl, e.resource]));
  const problemSection = composition.section.find((s) => s.code.coding.some((c) => c.code === '11450-4'));
  const codes = (problemSection.entry ?? []).map((r) => byUrl.get(r.reference)?.code?.coding?.[0]?.code);
  assert.deepEqual(codes, ['E11.9'], 'the problem section holds only what was ticked');
  assert.doesNotMatch(files.get('bundle.json').toString('utf8'), /F32\.9/, 'the problem left out is nowhere in the bundle');
  assert.match(files.get('summary.html').toString('utf8'), /GLP-1/);
  assert.ok(diabetes.id);

  const work = mkdtempSync(join(tmpdir(), 'folio-referral-'));
  writeFileSync(join(work, 'bundle.json'), files.get('bundle.json'));
  validate(join(work, 'bundle.json'));

  // The patient's copy, shown in the chart.
  await page.getByRole('link', { name: 'Back to the chart' }).first().click();
  await share.waitFor();
  await page.getByTestId('patient-copy').click();
  const frame = page.frameLocator('[data-testid="copy-frame"]');
  await frame.getByText('Ngozi', { exact: false }).first().waitFor();
  const disclosures = page.getByTestId('disclosures');
  await disclosures.getByText('the patient').waitFor();
  assert.match(await disclosures.textContent(), /St Mary’s/);
  await page.getByTestId('patient-copy-view').scrollIntoViewIfNeeded();
  await shot('patient-copy');
  const htmlDownload = page.waitForEvent('download');
  await page.getByTestId('copy-download').click();
  assert.match((await htmlDownload).suggestedFilename(), /_patient-copy\.html$/);
  assert.deepEqual(errors, []);
  await ctx.close();

  // The whole clinic as NDJSON, from the command line, through the same validator.
  const out = join(work, 'bulk');
  const r = folio.cli(['export', '--all', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const ndjson = readdirSync(out).filter((n) => n.endsWith('.ndjson')).map((n) => join(out, n));
  assert.ok(ndjson.some((n) => n.endsWith('Patient.ndjson')) && ndjson.some((n) => n.endsWith('Condition.ndjson')));
  validate(...ndjson);
});
