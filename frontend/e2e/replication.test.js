// The continuous replica, set by the admin on the Backups screen: field
// messages for a folder missing or not there, a real folder that Litestream
// then fills within seconds (and the clinic's key beside it), a write that
// reaches it too, the admin's typing untouched by the status read every
// 2 s, and Stop, which asks why and says it takes effect at the next start.
// Then a clinic whose replica's disk is gone when Folio starts: the admin is
// told on every screen, the front desk is not.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminPassword, artifacts, call, chaosMaxDelay, hold, launchBrowser, setUpClinic, settled, shooter, signIn,
  startFolio, test } from './harness.js';

let folio;
let chromium;
let replicaDir;
const stopLater = [];
const removeLater = [];

before(async () => {
  folio = await startFolio();
  setUpClinic(folio);
  chromium = await launchBrowser();
  replicaDir = mkdtempSync(join(tmpdir(), 'folio-replica-'));
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
  for (const f of stopLater) await f.stop();
  for (const dir of [replicaDir, ...removeLater]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The longest a replica may take to say "In sync": it copies within about
 * a second, and the screen reads its state every 2 s (answers held by
 * latency chaos come later still). */
const syncWithin = 15_000 + 3 * chaosMaxDelay;

test('the admin sets a folder replica, sees it in sync, and stops it', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, 'replication');
  await page.goto(folio.url);
  // The replica's state is read at sign-in (for the admin's banner) and by
  // the Backups screen, before Save is offered; what the admin types
  // meanwhile is kept when the answers come.
  const held = await hold(page, 'Admin/Replication');
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await page.getByRole('link', { name: 'Backups' }).click();
  const panel = page.getByTestId('replica');
  await panel.waitFor();
  await held.calls(2);
  const path = page.getByTestId('replica-path');
  await path.fill('/typed/before/the/answer');
  assert.ok(await page.getByTestId('replica-save').isDisabled(), 'Save waits for the saved replica');
  await held.release();
  await page.getByTestId('replica-state').filter({ hasText: 'Not set' }).waitFor();
  await settled(page);
  assert.equal(await path.inputValue(), '/typed/before/the/answer');
  assert.match(await panel.textContent(), /A dead disk would cost everything since the last backup/);
  await shot('not-set');

  // Save with no folder: the field says what is missing.
  await path.fill('');
  await page.getByTestId('replica-save').click();
  await page.locator('#replica-path-error').filter({ hasText: 'required' }).waitFor();

  // A folder that is not there.
  const missing = join(replicaDir, 'not-plugged-in');
  await path.fill(missing);
  await page.getByTestId('replica-save').click();
  await page.locator('#replica-path-error').filter({ hasText: 'There is no folder' }).waitFor();
  await shot('no-such-folder');

  // A real folder: saved, and replicating at once.
  await path.fill(replicaDir);
  await page.getByTestId('replica-save').click();
  await page.getByTestId('replica-saved').waitFor();
  assert.equal(await page.locator('#replica-path-error').count(), 0);
  await page.getByTestId('replica-state').filter({ hasText: 'In sync' }).waitFor({ timeout: syncWithin });
  assert.equal(await page.getByTestId('replica-where').textContent(), `Every change is copied to the folder ${replicaDir}.`);
  assert.ok(statSync(join(replicaDir, 'ltx')).isDirectory(), `Litestream's ltx folder in ${replicaDir}: ${readdirSync(replicaDir)}`);
  assert.ok(existsSync(join(replicaDir, 'folio.key')), 'the clinic key is kept beside a folder replica');
  assert.equal(await page.getByTestId('replica-next-start').count(), 0, 'a new replica runs at once');
  await shot('in-sync');

  // Another write reaches the replica too, and the panel says so.
  const before = (await call(page, 'Admin', 'Replication')).running;
  await call(page, 'Admin', 'AddUser', {
    username: 'nurse', fullName: 'Nia Nurse', role: 'clinician', password: 'nurse-password-123',
  });
  const caughtUp = async () => {
    const r = (await call(page, 'Admin', 'Replication')).running;
    return r.localTx > before.localTx && r.replicaTx >= r.localTx;
  };
  for (const deadline = Date.now() + syncWithin; !(await caughtUp()); ) {
    assert.ok(Date.now() < deadline, 'the write reached the replica');
    await new Promise((r) => setTimeout(r, 100));
  }
  await page.getByTestId('replica-state').filter({ hasText: 'In sync' }).waitFor({ timeout: syncWithin });

  // The status read again every 2 s never touches what the admin typed.
  await path.fill('/media/usb/typed-not-saved');
  for (let i = 0; i < 2; i++) await page.waitForResponse((r) => r.url().endsWith('/api/Admin/Replication'));
  await settled(page);
  assert.equal(await path.inputValue(), '/media/usb/typed-not-saved');
  await path.fill(replicaDir);

  // Stop asks why, then says it takes effect at the next start; until then
  // the replica still runs.
  await page.getByTestId('replica-stop').click();
  await page.getByTestId('replica-stop-confirm').click();
  await page.locator('#replica-stop-reason-error').waitFor();
  await page.getByTestId('replica-stop-reason').fill('The USB disk goes to the other site');
  await page.getByTestId('replica-stop-confirm').click();
  const nextStart = page.getByTestId('replica-next-start');
  await nextStart.filter({ hasText: 'Replication stops when Folio next starts' }).waitFor();
  assert.match(await page.getByTestId('replica-state').textContent(), /In sync|behind/);
  assert.equal(await page.getByTestId('replica-stop').count(), 0, 'nothing left to stop');
  await settled(page);
  await panel.screenshot({ path: join(artifacts, 'replication', 'replica-panel.png') });
  await shot('stopped-at-next-start');

  // The other kinds ask for their own fields, each said beside it when
  // missing (before any connection is tried).
  await page.getByTestId('replica-kind').selectOption('sftp');
  for (const id of ['replica-host', 'replica-user', 'replica-password', 'replica-keyfile', 'replica-hostkey', 'replica-path']) {
    await page.getByTestId(id).waitFor();
  }
  assert.equal(await page.getByTestId('replica-bucket').count(), 0);
  await page.getByTestId('replica-save').click();
  await page.locator('#replica-host-error').filter({ hasText: 'The server is required' }).waitFor();
  await page.getByTestId('replica-host').fill('nas.clinic.lan');
  await page.getByTestId('replica-user').fill('folio');
  await page.getByTestId('replica-path').fill('/srv/folio-replica');
  await page.getByTestId('replica-save').click();
  await page.locator('#replica-hostkey-error').waitFor();
  await shot('sftp-fields');
  await page.getByTestId('replica-kind').selectOption('s3');
  for (const id of ['replica-endpoint', 'replica-bucket', 'replica-region', 'replica-accesskey', 'replica-secretkey']) {
    await page.getByTestId(id).waitFor();
  }
  assert.equal(await page.getByTestId('replica-host').count(), 0);
  await page.getByTestId('replica-save').click();
  await page.locator('#replica-bucket-error').filter({ hasText: 'The bucket is required' }).waitFor();
  await shot('s3-fields');

  // The audit trail has both, with the reason.
  const audit = await call(page, 'Admin', 'Audit', { username: '', action: 'replication', patientId: '', from: '', to: '',
    beforeSeq: 0, limit: 10 });
  const details = (audit.entries ?? []).map((e) => `${e.action} ${e.detail}`).join('\n');
  assert.match(details, /replication\.set/);
  assert.match(details, /replication\.stop .*The USB disk goes to the other site/);
  await ctx.close();
});

test('a replica that does not start is said to the admin on every screen, not to the front desk', async () => {
  // A clinic replicating to a USB disk, backed up...
  const first = await startFolio();
  stopLater.push(first);
  setUpClinic(first);
  const usb = mkdtempSync(join(tmpdir(), 'folio-usb-'));
  const kept = mkdtempSync(join(tmpdir(), 'folio-kept-'));
  removeLater.push(usb, kept);
  const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } });
  let page = await ctx.newPage();
  await page.goto(first.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await call(page, 'Admin', 'AddUser', { username: 'desk', fullName: 'Dana Desk', role: 'frontdesk', password: 'desk-password-123' });
  await call(page, 'Admin', 'SetReplica', { kind: 'folder', path: usb });
  const backup = await call(page, 'Admin', 'Backup');
  copyFileSync(backup.path, join(kept, 'clinic.db'));
  copyFileSync(`${backup.path}.key`, join(kept, 'clinic.db.key'));
  await page.close();
  stopLater.splice(stopLater.indexOf(first), 1);
  await first.stop();

  // ...and brought back on a PC where that disk is not plugged in.
  rmSync(usb, { recursive: true, force: true });
  const folio2 = await startFolio({
    prepare: (cli) => {
      const r = cli(['restore', '--from', join(kept, 'clinic.db')]);
      if (r.status !== 0) throw new Error(`folio restore failed: ${r.stderr}`);
    },
  });
  stopLater.push(folio2);
  page = await ctx.newPage();
  const shot = shooter(page, 'replication-not-running');
  await page.goto(folio2.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  const banner = page.getByTestId('replica-banner');
  await banner.waitFor();
  assert.match(await banner.textContent(), new RegExp(`Replication to the folder ${usb} is not running`));
  await shot('banner');
  await banner.getByRole('link', { name: 'Open Backups' }).click();
  await page.getByRole('heading', { name: 'Backups', exact: true }).waitFor();
  await page.getByTestId('replica-state').filter({ hasText: 'Not running' }).waitFor();
  assert.match(await page.getByTestId('replica-failed').textContent(), /There is no folder/);
  assert.equal(await page.getByTestId('replica-path').inputValue(), usb, 'the form shows the saved replica');
  await shot('not-running');

  // The disk is back: saved again, it runs, and the banner goes.
  mkdirSync(usb, { recursive: true });
  await page.getByTestId('replica-save').click();
  await page.getByTestId('replica-state').filter({ hasText: 'In sync' }).waitFor({ timeout: syncWithin });
  await banner.waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('replica-failed').count(), 0);
  await shot('running-again');

  // The front desk is never asked about the replica, nor shown it.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor(); // the admin's screens, and their reads, are gone
  const asked = [];
  page.on('request', (r) => r.url().endsWith('/api/Admin/Replication') && asked.push(r.url()));
  await signIn(page, 'desk', 'desk-password-123');
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  await settled(page);
  assert.equal(await page.getByTestId('replica-banner').count(), 0);
  assert.deepEqual(asked, []);
  await ctx.close();
});
