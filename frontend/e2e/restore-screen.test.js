// Restoring from the screen (and the backups Folio makes by itself). The
// admin sets the daily backup's time and second folder, with messages
// beside the fields and what was typed kept while the setting is read. The
// admin restores the clinic as its replica held it a moment ago: the
// preview counts the patients then, Folio restarts on it (the same address:
// `folio serve` runs itself again), everyone signs in again, and what was
// done after that moment is not there. And a new PC, whose first-run screen
// brings a clinic back from the replica another PC made.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminPassword, artifacts, call, chaosMaxDelay, hold, launchBrowser, setUpClinic, settled, shooter, signIn,
  startFolio, test } from './harness.js';

let chromium;
const stopLater = [];
const removeLater = [];

before(async () => {
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  for (const f of stopLater) await f.stop();
  for (const dir of removeLater) rmSync(dir, { recursive: true, force: true });
});

const deskPassword = 'desk-password-123';
/** The longest a replica may take to hold a write, as the screen tells it. */
const syncWithin = 15_000 + 3 * chaosMaxDelay;
/** Restoring the replica to look at it takes seconds, and Folio's restart some more. */
const prepareWithin = 90_000;
const restartWithin = 60_000 + 3 * chaosMaxDelay;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pad = (n) => String(n).padStart(2, '0');
/** wallOf is d as a datetime-local field's value on this PC's clock, to the second. */
const wallOf = (d) =>
  `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

const patientBase = { sex: 'female', phone: '555-100-2000', addressLine: '', city: '', region: '', postalCode: '' };

function tempDir(name) {
  const dir = mkdtempSync(join(tmpdir(), name));
  removeLater.push(dir);
  return dir;
}

async function newFolio() {
  const folio = await startFolio();
  stopLater.push(folio);
  return folio;
}

/** screen is a new browser (its own session) at folio, signed in as username. */
async function screen(folio, username, password, heading) {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await ctx.newPage();
  await page.goto(folio.url);
  await signIn(page, username, password);
  await page.getByRole('heading', { name: heading }).waitFor();
  return { ctx, page };
}

/** write runs a change and waits until the replica holds it (asked as the
 * admin's page, past the screen). */
async function replicated(adminPage, change) {
  const before = (await call(adminPage, 'Admin', 'Replication')).running;
  assert.ok(before, 'the replica runs');
  const result = await change();
  for (const deadline = Date.now() + syncWithin; ; await sleep(100)) {
    const r = (await call(adminPage, 'Admin', 'Replication')).running;
    if (r.localTx > before.localTx && r.replicaTx >= r.localTx && r.lagSeconds === 0) return result;
    assert.ok(Date.now() < deadline, `the replica caught up: ${JSON.stringify(r)}`);
  }
}

/** searchFor types a query into the search box and answers Go's hits. */
async function searchFor(page, query) {
  const answer = page.waitForResponse(
    (r) => r.url().endsWith('/api/Patients/Search') && JSON.parse(r.request().postData())[0] === query,
  );
  await page.getByRole('searchbox', { name: 'Search patients' }).fill(query);
  return (await answer).json();
}

/**
 * restartAndSignIn confirms the restore shown (prefix: restore, firstrun)
 * and follows Folio's restart: the window says it is restarting (held
 * there, for its picture, by holding the host's answers to whether it is
 * back), then shows the sign-in screen once the new Folio answers.
 */
async function restartAndSignIn(page, prefix, shot) {
  await page.getByTestId(`${prefix}-proceed`).click();
  const confirm = page.getByTestId(`${prefix}-confirm`);
  await confirm.waitFor();
  await shot('confirm');
  const held = await hold(page, 'Auth/Status');
  await confirm.click();
  const restarting = page.getByTestId('restore-restarting');
  await restarting.waitFor();
  assert.match(await restarting.textContent(), /Folio is restarting on the restored clinic/);
  assert.equal(await page.getByTestId('host-banner').count(), 0, 'a restart chosen is no lost host');
  await held.calls(1);
  await shot('restarting');
  await held.release();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: restartWithin });
  await settled(page);
}

test('the admin sets when Folio backs up by itself and where the second copy goes', async () => {
  const folio = await newFolio();
  setUpClinic(folio);
  const second = tempDir('folio-second-');
  const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, 'restore-schedule');
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();

  // The setting is read before Save is offered; what is typed meanwhile stays.
  const held = await hold(page, 'Admin/BackupSchedule');
  await page.getByRole('link', { name: 'Backups' }).click();
  const panel = page.getByTestId('schedule');
  await panel.waitFor();
  await held.calls(1);
  assert.ok(await page.getByTestId('schedule-save').isDisabled(), 'Save waits for the saved schedule');
  await page.getByTestId('schedule-second').fill('/typed/before/the/answer');
  await held.release();
  await page.getByTestId('schedule-last').waitFor();
  await settled(page);
  assert.equal(await page.getByTestId('schedule-second').inputValue(), '/typed/before/the/answer');
  assert.equal(await page.getByTestId('schedule-time').inputValue(), '18:30', 'the default time');
  assert.match(await page.getByTestId('schedule-last').textContent(), /None yet/);
  assert.match(await page.getByTestId('schedule-drill').textContent(), /None yet/);
  // A new clinic has never been backed up: its first backup is due at once.
  assert.match(await page.getByTestId('schedule-next').textContent(), /Due now/);

  // A time left empty and a folder that is not there: each said beside its field.
  await page.getByTestId('schedule-time').fill('');
  await page.getByTestId('schedule-save').click();
  await page.locator('#schedule-time-error').filter({ hasText: 'HH:MM' }).waitFor();
  await page.locator('#schedule-second-error').filter({ hasText: 'There is no folder' }).waitFor();
  await shot('field-errors');

  // A time and a real folder: saved, and shown as saved.
  await page.getByTestId('schedule-time').fill('07:15');
  await page.getByTestId('schedule-second').fill(second);
  await page.getByTestId('schedule-save').click();
  await page.getByTestId('schedule-saved').filter({ hasText: `every day at 07:15 and copies each backup to ${second}` }).waitFor();
  assert.equal(await page.locator('#schedule-time-error').count(), 0);
  assert.equal(await page.locator('#schedule-second-error').count(), 0);
  const saved = await call(page, 'Admin', 'BackupSchedule');
  assert.equal(saved.dailyTime, '07:15');
  assert.equal(saved.secondFolder, second);
  await page.getByTestId('schedule-encrypted').filter({ hasText: 'Not encrypted' }).waitFor();
  await settled(page);
  await panel.screenshot({ path: join(artifacts, 'restore-schedule', 'schedule-panel.png') });

  // The clinic's passphrase for the copies: refused without the admin's
  // word that a lost one means lost backups, and when the two differ.
  await page.getByTestId('encryption-open').click();
  await page.getByTestId('encryption-passphrase').fill('hill clinic usb copies');
  await page.getByTestId('encryption-repeat').fill('hill clinic usb copies');
  await page.getByTestId('encryption-save').click();
  await page.getByTestId('encryption').getByRole('alert').filter({ hasText: 'cannot be opened by anyone' }).waitFor();
  await page.getByTestId('encryption-understood').check();
  await page.getByTestId('encryption-repeat').fill('hill clinic usb copie');
  await page.getByTestId('encryption-save').click();
  await page.getByTestId('encryption').getByRole('alert').filter({ hasText: 'The two passphrases differ' }).waitFor();
  await page.getByTestId('encryption-repeat').fill('hill clinic usb copies');
  await settled(page);
  await page.getByTestId('encryption').screenshot({ path: join(artifacts, 'restore-schedule', 'encryption-form.png') });
  await page.getByTestId('encryption-save').click();
  await page.getByTestId('encryption-done').waitFor();
  await page.getByTestId('schedule-encrypted').filter({ hasText: 'Encrypted' }).waitFor();
  assert.equal((await call(page, 'Admin', 'BackupSchedule')).confirmedBy, 'admin');

  // How a backup and a drill that ran are shown: Folio makes its first
  // two minutes after it starts, too long to wait for here, so the page is
  // given a schedule with one backup that went well and a drill that failed.
  await page.route('**/api/Admin/BackupSchedule', (route) => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({
      dailyTime: '07:15', secondFolder: second, next: new Date(Date.now() + 20 * 3600_000).toISOString(),
      encrypted: true, encryptedSince: new Date(Date.now() - 30 * 24 * 3600_000).toISOString(), confirmedBy: 'admin',
      last: { at: new Date(Date.now() - 4 * 3600_000).toISOString(), ok: true, path: '/data/backups/folio-1-scheduled.db',
        second: `${second}/folio-1-scheduled.db`, detail: 'verified: 412 patients, audit trail of 20311 entries', seconds: 3 },
      lastDrill: { at: new Date(Date.now() - 5 * 24 * 3600_000).toISOString(), ok: false,
        from: `the replica in the folder ${second}`, detail: 'the restored copy did not verify: database disk image is malformed',
        seconds: 41 },
    }),
  }));
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await page.getByRole('link', { name: 'Backups' }).click();
  await page.getByTestId('schedule-last').filter({ hasText: 'verified: 412 patients' }).waitFor();
  assert.match(await page.getByTestId('schedule-last').textContent(), /OK.*took 3 s.*Copied to/s);
  assert.match(await page.getByTestId('schedule-drill').textContent(), /Failed.*did not verify.*Restored from the replica/s);
  assert.doesNotMatch(await page.getByTestId('schedule-next').textContent(), /Due now/);
  assert.match(await page.getByTestId('schedule-encrypted').textContent(), /Encrypted with the clinic's passphrase since .*, set by admin/);
  await settled(page);
  await panel.screenshot({ path: join(artifacts, 'restore-schedule', 'schedule-ran.png') });
  await page.unroute('**/api/Admin/BackupSchedule');

  const audit = await call(page, 'Admin', 'Audit', { username: '', action: 'backup.schedule', patientId: '', from: '', to: '',
    beforeSeq: 0, limit: 5 });
  assert.match((audit.entries ?? []).map((e) => e.detail).join('\n'), new RegExp(`daily at 07:15, copied to ${second}`));
  await ctx.close();
});

test('the admin restores the clinic as the replica held it a moment ago; what came after is gone', async () => {
  const folio = await newFolio();
  setUpClinic(folio);
  const replicaDir = tempDir('folio-replica-');
  const { ctx, page } = await screen(folio, 'admin', adminPassword, 'Users');
  const shot = shooter(page, 'restore-admin');
  await call(page, 'Admin', 'AddUser', { username: 'desk', fullName: 'Dana Desk', role: 'frontdesk', password: deskPassword });
  const desk = await screen(folio, 'desk', deskPassword, 'Find a patient');

  // A folder replica, set on the screen.
  await page.getByRole('link', { name: 'Backups' }).click();
  await page.getByTestId('replica-path').fill(replicaDir);
  await page.getByTestId('replica-save').click();
  await page.getByTestId('replica-state').filter({ hasText: 'In sync' }).waitFor({ timeout: syncWithin });

  // "Before" is registered and replicated; the moment is noted; "After" comes later.
  await replicated(page, () => call(desk.page, 'Patients', 'Register',
    { ...patientBase, familyName: 'Before', givenNames: 'Bea', birthDate: '1970-01-02' }));
  await sleep(1000);
  const noted = new Date();
  noted.setMilliseconds(0);
  await sleep(2000);
  await replicated(page, () => call(desk.page, 'Patients', 'Register',
    { ...patientBase, familyName: 'After', givenNames: 'Al', birthDate: '1980-03-04' }));
  await page.getByTestId('replica-state').filter({ hasText: 'In sync' }).waitFor({ timeout: syncWithin });

  // A backup made now: the Restore panel lists it, and its preview counts both patients.
  const restore = page.getByTestId('restore');
  await page.getByRole('button', { name: 'Back up now' }).click();
  await page.getByText('Backup written and verified').waitFor();
  await page.getByTestId('restore-backup-0').waitFor();
  assert.match(await restore.textContent(), /folio-.*\.db/);
  await page.getByTestId('restore-backup-0').check();
  await page.getByTestId('restore-prepare').click();
  const preview = page.getByTestId('restore-preview');
  await preview.waitFor({ timeout: prepareWithin });
  const now = Number(await page.getByTestId('restore-preview-patients').textContent());
  assert.equal(now, 2, 'the clinic has both patients now');
  assert.match(await page.getByTestId('restore-preview-origin').textContent(), /^the backup .*folio-.*\.db$/);
  assert.equal(await page.getByTestId('restore-preview-clinic').textContent(), 'Riverside Family Practice');
  await settled(page);
  await restore.screenshot({ path: join(artifacts, 'restore-admin', 'backup-preview.png') });

  // The replica, at the moment noted (its span read again: it has grown).
  await page.getByTestId('restore-refresh').click();
  await page.getByTestId('restore-replica').waitFor();
  assert.match(await restore.textContent(), /The replica \(the folder .*\): any moment from .* to /);
  await page.getByTestId('restore-at').fill(wallOf(noted));
  assert.ok(await page.getByTestId('restore-replica').isChecked(), 'a moment typed chooses the replica');
  assert.equal(await preview.count(), 0, "the backup's preview goes with another choice");
  await page.getByTestId('restore-prepare').click();
  await preview.waitFor({ timeout: prepareWithin });
  assert.equal(await page.getByTestId('restore-preview-patients').textContent(), String(now - 1),
    'the restore holds one patient fewer: the one registered after the moment');
  assert.match(await page.getByTestId('restore-preview-origin').textContent(), /^the replica .* as it was at /);
  assert.match(await page.getByTestId('restore-preview-key').textContent(), /Comes with it/);
  const warning = await page.getByTestId('restore-preview-warning').textContent();
  assert.match(warning, /The clinic as it is now is kept beside it, but everyone will be signed out and what was done after \d{4}-\d\d-\d\d \d\d:\d\d:\d\d will not be in the restored clinic/);
  assert.equal(await page.getByTestId('restore-last-failure').count(), 0);
  await settled(page);
  await restore.screenshot({ path: join(artifacts, 'restore-admin', 'replica-preview.png') });
  await shot('replica-preview');

  await restartAndSignIn(page, 'restore', shot);
  assert.match(await page.locator('main').textContent(), /Folio has restarted to restore the clinic. Please sign in again/);
  await shot('sign-in-again');
  // The desk's screen is signed out too: its session was in the Folio that is gone.
  await assert.rejects(call(desk.page, 'Patients', 'Search', 'Before', 5));

  // The admin signs in again; the restore applied (nothing says otherwise),
  // and the clinic replaced is kept beside it.
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Backups', exact: true }).waitFor(); // where the admin was
  await page.getByTestId('restore-backup-0').waitFor();
  assert.equal(await page.getByTestId('restore-last-failure').count(), 0);
  assert.ok(readdirSync(folio.data).some((f) => f.includes('.before-restore-')), `the replaced clinic kept in ${folio.data}`);
  const trail = await call(page, 'Admin', 'Audit', { username: '', action: 'backup.restore', patientId: '', from: '', to: '',
    beforeSeq: 0, limit: 10 });
  assert.ok((trail.entries ?? []).some((e) => /from the screen, by admin/.test(e.detail)), 'the restore is in the trail');
  await shot('backups-after-restore');
  await page.getByRole('button', { name: 'Sign out' }).click();

  // The front desk finds "Before", and not "After".
  await signIn(page, 'desk', deskPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  assert.ok((await searchFor(page, 'Before')).some((h) => h.familyName === 'Before'), '"Before" is there');
  assert.deepEqual((await searchFor(page, 'After')).filter((h) => h.familyName === 'After'), [], '"After" is not');
  await shot('after-restore-search');
  await desk.ctx.close();
  await ctx.close();
});

test('a new PC restores the clinic from the replica another PC made, on its first-run screen', async () => {
  // The clinic's PC: a replica in a folder, a patient in it.
  const old = await newFolio();
  setUpClinic(old, 'Lakeside Clinic', 'Lee Admin');
  const replicaDir = tempDir('folio-usb-');
  const setup = await screen(old, 'admin', adminPassword, 'Users');
  await call(setup.page, 'Admin', 'AddUser', { username: 'desk', fullName: 'Dana Desk', role: 'frontdesk', password: deskPassword });
  await call(setup.page, 'Admin', 'SetReplica', { kind: 'folder', path: replicaDir });
  const desk = await screen(old, 'desk', deskPassword, 'Find a patient');
  await replicated(setup.page, () => call(desk.page, 'Patients', 'Register',
    { ...patientBase, familyName: 'Firstrun', givenNames: 'Fiona', birthDate: '1990-05-06' }));
  await desk.ctx.close();
  await setup.ctx.close();
  stopLater.splice(stopLater.indexOf(old), 1);
  await old.stop(); // its disk died
  assert.ok(existsSync(join(replicaDir, 'folio.key')), "the clinic's key is kept beside the folder replica");

  // The new PC: an empty data folder.
  const folio = await newFolio();
  const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, 'restore-first-run');
  await page.goto(folio.url);
  await page.getByRole('heading', { name: 'Welcome to Folio' }).waitFor();
  await page.getByTestId('firstrun-restore').click();
  await page.getByTestId('firstrun-kind').waitFor();
  assert.equal(await page.getByTestId('firstrun-kind').inputValue(), 'folder');
  await shot('choice');

  // Field messages: no folder, then no backup file.
  await page.getByTestId('firstrun-prepare').click();
  await page.locator('#firstrun-path-error, [data-testid="form-error"]').first().waitFor();
  const refused = page.getByTestId('form-error');
  if (await refused.count()) {
    assert.fail(`the first-run restore was refused: "${await refused.textContent()}". folio serve must answer ` +
      'Auth/PrepareClinicRestore and Auth/RestoreClinicNow without a sign-in (anonymousCalls, app/serve/serve.go)');
  }
  await page.locator('#firstrun-path-error').filter({ hasText: 'The folder is required' }).waitFor();
  await page.getByTestId('firstrun-kind').selectOption('sftp');
  for (const id of ['firstrun-host', 'firstrun-user', 'firstrun-password', 'firstrun-hostkey', 'firstrun-path']) {
    await page.getByTestId(id).waitFor();
  }
  await page.getByTestId('firstrun-prepare').click();
  await page.locator('#firstrun-host-error').waitFor();
  await shot('sftp-fields');
  await page.getByTestId('firstrun-kind').selectOption('backup');
  await page.getByTestId('firstrun-prepare').click();
  await page.locator('#firstrun-backup-error').filter({ hasText: 'whole path' }).waitFor();
  await shot('backup-fields');

  // The replica's folder: what it holds.
  await page.getByTestId('firstrun-kind').selectOption('folder');
  await page.getByTestId('firstrun-path').fill(replicaDir);
  await page.getByTestId('firstrun-prepare').click();
  const preview = page.getByTestId('firstrun-preview');
  await preview.waitFor({ timeout: prepareWithin });
  assert.equal(await page.getByTestId('firstrun-preview-clinic').textContent(), 'Lakeside Clinic');
  assert.equal(await page.getByTestId('firstrun-preview-patients').textContent(), '1');
  assert.match(await page.getByTestId('firstrun-preview-key').textContent(), /Comes with it/);
  assert.match(await page.getByTestId('firstrun-preview-origin').textContent(), new RegExp(`the replica .*${replicaDir}`));
  await settled(page);
  await page.getByTestId('firstrun-restore-form').screenshot({ path: join(artifacts, 'restore-first-run', 'preview.png') });
  await shot('preview');

  // Another folder typed: the preview goes; the right one again: it comes back on Prepare.
  await page.getByTestId('firstrun-path').fill(`${replicaDir}-not-this`);
  assert.equal(await preview.count(), 0);
  await page.getByTestId('firstrun-path').fill(replicaDir);
  await page.getByTestId('firstrun-prepare').click();
  await preview.waitFor({ timeout: prepareWithin });

  await restartAndSignIn(page, 'firstrun', shot);
  assert.match(await page.locator('main').textContent(), /Lakeside Clinic/);
  assert.match(await page.locator('main').textContent(), /The clinic is restored/);
  await shot('sign-in');

  // The clinic's own people sign in, with their own passwords.
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  assert.match(await page.getByTestId('signed-in-as').textContent(), /Lee Admin/);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, 'desk', deskPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  assert.ok((await searchFor(page, 'Firstrun')).some((h) => h.familyName === 'Firstrun'), 'the patient is there');
  await shot('patient-found');
  await ctx.close();
});
