// Export the clinic from the admin's screen: a demo clinic of 300 patients
// (3 with a clinical history) and its ten clinicians' calendars (500
// appointments), the admin opens Export clinic, starts the
// export into the default folder, follows its progress and sees the counts.
// The files are then read here, in Node: they are in the data folder, each
// line is a resource, the counts match, and the set passes the external
// FHIR validator (scripts/fhir-validate.mjs, @medplum/core). A folder that
// is not a full path, or not empty, is refused beside the field.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { artifacts, launchBrowser, shooter, signIn, startFolio, test } from './harness.js';

// FOLIO_EXPORT_PATIENTS=100000 times a large clinic through the screen
// (the demo takes minutes to make it; the validator is left out then).
const patients = Number(process.env.FOLIO_EXPORT_PATIENTS ?? 300);
const appointments = 500;
const clinicians = 10; // the demo's, when it has appointments
const shown = (n) => n.toLocaleString('en-US'); // as the screen writes counts
let folio;
let chromium;

before(async () => {
  folio = await startFolio({
    prepare(cli) {
      const r = cli(['demo', '--patients', String(patients), '--charts', '3', '--appointments', String(appointments)]);
      if (r.status !== 0) throw new Error(`folio demo failed: ${r.stderr}`);
    },
  });
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

/** validate runs the external validator on files; it exits 0 when all pass. */
function validate(files) {
  const r = spawnSync(process.execPath, ['scripts/fhir-validate.mjs', ...files], { encoding: 'utf8' });
  assert.equal(r.status, 0, `fhir-validate: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

test('the admin exports the whole clinic as FHIR NDJSON from the screen', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const shot = shooter(page, '46-clinic-export');
  await page.goto(folio.url);
  await signIn(page, 'admin', 'demo-admin-pass');
  await page.getByRole('heading', { name: 'Users' }).waitFor();

  await page.getByRole('link', { name: 'Export clinic' }).click();
  await page.getByRole('heading', { name: 'Export the clinic' }).waitFor();
  // The browser has no folder dialog: the default folder is offered.
  assert.equal(await page.getByRole('button', { name: 'Choose folder…' }).count(), 0);
  const input = page.getByLabel('Folder');
  // The default folder comes with the export's status, when it arrives.
  await page.waitForFunction(() => document.querySelector('#export-dir')?.getAttribute('placeholder'));
  const defaultDir = await input.getAttribute('placeholder');
  assert.ok(defaultDir.startsWith(join(folio.data, 'exports') + '/'), `default folder ${defaultDir}`);
  await shot('before');

  // A folder that is not a full path is refused beside the field.
  await input.fill('exports/today');
  await page.getByRole('button', { name: 'Start export' }).click();
  await page.locator('#export-dir-error').getByText('full path').waitFor();
  // So is a folder with files in it.
  const full = join(folio.data, 'not-empty');
  mkdirSync(full);
  writeFileSync(join(full, 'keep.txt'), 'keep');
  await input.fill(full);
  await page.getByRole('button', { name: 'Start export' }).click();
  await page.locator('#export-dir-error').getByText('is not empty').waitFor();
  await shot('refused-folder');
  assert.equal(await page.getByTestId('clinic-export-status').count(), 0, 'nothing started');

  // The default folder.
  await input.fill('');
  const started = performance.now();
  await page.getByRole('button', { name: 'Start export' }).click();
  const progress = page.getByTestId('export-progress');
  await progress.getByText(`of ${shown(patients)} patients`).waitFor();
  await page.getByRole('progressbar', { name: 'Patients exported' }).waitFor();
  if (await page.getByRole('heading', { name: 'Exporting' }).isVisible()) await shot('running');
  if (patients > 4000) {
    // A clinic of several batches shows its progress on the way.
    await page.waitForFunction(() => /^[1-9]/.test(document.querySelector('[data-testid=export-progress]')?.textContent.trim() ?? ''));
    if (await page.getByRole('heading', { name: 'Exporting' }).isVisible()) await shot('progress');
  }
  await page.getByRole('heading', { name: 'Export finished' }).waitFor({ timeout: 600_000 });
  const seconds = (performance.now() - started) / 1000;
  console.log(`# ${patients} patients exported through the screen in ${seconds.toFixed(2)} s`);
  assert.match(await progress.textContent(), new RegExp(`${shown(patients)} of ${shown(patients)} patients`));
  await shot('finished');

  const counts = page.getByTestId('export-counts');
  assert.equal((await counts.locator('tr[data-type="Patient"] td.num').textContent()).trim(), shown(patients));
  for (const type of ['Condition', 'AllergyIntolerance', 'MedicationStatement', 'Observation', 'Appointment']) {
    assert.equal(await counts.locator(`tr[data-type="${type}"]`).count(), 1, `${type} is counted`);
  }
  // Every appointment, and every clinician, not only the one who charted.
  assert.equal((await counts.locator('tr[data-type="Appointment"] td.num').textContent()).trim(), shown(appointments));
  assert.equal((await counts.locator('tr[data-type="Practitioner"] td.num').textContent()).trim(), shown(clinicians));
  await page.getByTestId('export-included').waitFor();
  const dir = (await page.getByTestId('export-dir').textContent()).trim();
  // The default folder offered, or the next minute's if the minute turned
  // between the offer and the start (its name is the time it starts).
  assert.equal(dirname(dir), dirname(defaultDir));
  assert.ok(dir >= defaultDir, `${dir} is not before ${defaultDir}`);

  // The files, read here: in the data folder, one resource a line, as counted.
  const names = readdirSync(dir);
  assert.ok(names.includes('export.json') && names.includes('Patient.ndjson'), `files ${names}`);
  assert.ok(!names.some((n) => n.endsWith('.partial')), `left behind: ${names}`);
  const summary = JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8'));
  assert.equal(summary.folio.patients, patients);
  const ndjson = names.filter((n) => n.endsWith('.ndjson'));
  for (const name of ndjson) {
    const lines = readFileSync(join(dir, name), 'utf8').trim().split('\n');
    const type = name.replace(/\.ndjson$/, '');
    for (const line of lines) assert.equal(JSON.parse(line).resourceType, type);
    const shown = await counts.locator(`tr[data-type="${type}"] td.num`).textContent();
    assert.equal(shown.trim().replace(/\D/g, ''), String(lines.length), `${name}: shown ${shown}, lines ${lines.length}`);
    assert.equal(summary.output.find((o) => o.type === type)?.count, lines.length, `${name} in export.json`);
  }
  // The demo's next four weeks (the past's kept and missed visits are the
  // Go tests'): booked and cancelled, each with its patient and clinician.
  const booked = readFileSync(join(dir, 'Appointment.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const statuses = new Set(booked.map((a) => a.status));
  for (const status of ['booked', 'cancelled']) assert.ok(statuses.has(status), `an appointment ${status}`);
  assert.ok(booked.filter((a) => a.status === 'cancelled').every((a) => a.cancelationReason?.text), 'cancelled, with the reason');
  const practitionerIds = new Set(readFileSync(join(dir, 'Practitioner.ndjson'), 'utf8').trim().split('\n')
    .map((l) => `Practitioner/${JSON.parse(l).id}`));
  for (const a of booked) {
    assert.ok(a.participant[0].actor.reference.startsWith('Patient/'), `appointment ${a.id} names its patient`);
    assert.ok(practitionerIds.has(a.participant[1].actor.reference), `appointment ${a.id} names a clinician of the export`);
  }
  if (patients <= 1000) console.log(`# ${validate(ndjson.map((n) => join(dir, n))).trim()}`);

  // Back on the screen later, the finished export is still shown.
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('link', { name: 'Export clinic' }).click();
  await page.getByRole('heading', { name: 'Export finished' }).waitFor();
  await page.getByTestId('export-counts').scrollIntoViewIfNeeded();
  await page.getByTestId('clinic-export-status').screenshot({ path: join(artifacts, '46-clinic-export', 'status-panel.png') });
  assert.deepEqual(errors, []);
  await ctx.close();
});

