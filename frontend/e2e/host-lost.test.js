// A screen that loses the host: the real `folio serve` is stopped while a
// clinician types a visit note and a vitals form. The screen says so at
// once, keeps what is typed and saved, and when the host is started again
// (same port, same data folder; its sessions are gone, so the clinician
// signs in again) sends it: the note's text and the vitals arrive once.
// Then a save whose answer is lost on the way back (it reached the host) is
// sent again with the same request id and not made twice; also when the
// host is killed right after the save reached it, and the clinician signs
// in again to the restarted host: the host kept the request id with the
// save, in its database.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminPassword, call, launchBrowser, setUpClinic, shooter, signIn, test } from './harness.js';

const bin = process.env.FOLIO_BIN ?? '../build/bin/folio-serve';
const drPassword = 'doctor-password-123';
/** "At once": the banner shows within this long of the host going. */
const atOnce = { timeout: 2000 };

let chromium;
let data;
let proc = null;
let url = '';

/** serve starts `folio serve` on the data folder, on addr (a free port the
 * first time, the same one after). */
async function serve(addr = '127.0.0.1:0') {
  proc = spawn(bin, ['serve', '--data', data, '--addr', addr], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`folio serve did not start: ${out} ${stderr}`)), 15_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /serving on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/$/, ''));
      }
    });
    proc.once('exit', (code) => reject(new Error(`folio serve exited with ${code}: ${stderr}`)));
  });
}

/** kill ends the host at once, as a power cut would (SIGKILL): nothing is
 * finished or flushed. */
async function kill() {
  const p = proc;
  proc = null;
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGKILL');
  await exited;
}

/** stop stops the host as a person switching it off would (SIGTERM). */
async function stop() {
  const p = proc;
  proc = null;
  if (!p || p.exitCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await exited;
}

before(async () => {
  data = mkdtempSync(join(tmpdir(), 'folio-e2e-hostlost-'));
  setUpClinic({ cli: (args, input = '') => spawnSync(bin, [...args, '--data', data], { input, encoding: 'utf8' }) });
  await serve();
  chromium = await launchBrowser();
  const ctx = await chromium.browser.newContext();
  const page = await ctx.newPage();
  await page.goto(url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await call(page, 'Admin', 'AddUser', { username: 'drlee', fullName: 'Dr Lee', role: 'clinician', password: drPassword });
  await ctx.close();
});

after(async () => {
  await chromium?.close();
  await stop();
  if (data) rmSync(data, { recursive: true, force: true });
});

/** visit signs Dr Lee in on a new screen and opens a new walk-in visit's note. */
let visits = 0;

async function visit(familyName) {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1200 } });
  const page = await ctx.newPage();
  await page.goto(url);
  await signIn(page, 'drlee', drPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  // A patient of their own (name, birth date, phone): never a likely duplicate of another test's.
  visits++;
  const patient = await call(page, 'Patients', 'Register', {
    familyName, givenNames: 'Lina', birthDate: `1970-05-${String(visits).padStart(2, '0')}`, sex: 'female',
    phone: `555-300-40${String(visits).padStart(2, '0')}`,
  });
  const encounter = await call(page, 'Chart', 'OpenEncounter', patient.id, '');
  await page.goto(`${url}/#/encounters/${encodeURIComponent(encounter.id)}`);
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  return { ctx, page, patient, encounter };
}

test('the host stops mid-note: the banner at once, typing kept, and sent once after the host is back and a new sign-in', async () => {
  const { ctx, page, patient, encounter } = await visit('Moreau');
  const shot = shooter(page, 'host-lost');
  const subjective = page.getByLabel('Subjective');
  await subjective.fill('Headache for three days.');
  await page.getByTestId('save-state').getByText(/Draft saved/).waitFor();
  const vitals = page.getByTestId('vitals');
  await vitals.getByLabel('Pulse').fill('72');
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  await shot('typing');

  // The host goes: the screen says so within a second or two, without
  // anyone pressing anything.
  const stoppedAt = Date.now();
  await stop();
  const banner = page.getByTestId('host-banner');
  await banner.waitFor(atOnce);
  const after = Date.now() - stoppedAt;
  assert.match(await banner.textContent(), /The host cannot be reached\. What you type is kept on this computer and sent when it is back\./);
  console.log(`banner shown ${after} ms after the host stopped`);

  // Typing goes on: the note saves itself (kept), and the vitals are saved
  // by hand (kept too); the banner counts what waits.
  await subjective.pressSequentially(' Worse in the mornings.');
  await page.getByLabel('Plan').fill('Paracetamol; review in one week.');
  await vitals.getByLabel('Systolic').fill('128');
  await vitals.getByLabel('Diastolic').fill('84');
  await vitals.getByRole('button', { name: 'Record vitals' }).click();
  await banner.getByTestId('host-kept').getByText(/2 saves are waiting to be sent/).waitFor({ timeout: 5000 });
  await page.getByTestId('save-state').getByText('Kept on this computer: sent when the host is back').waitFor();
  assert.equal(await subjective.inputValue(), 'Headache for three days. Worse in the mornings.');
  await shot('host-lost-kept');

  // The host is back, on the same port and data folder. Its sessions were
  // in memory, so the clinician is asked to sign in again; what waits says so.
  await serve(new URL(url).host);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
  await banner.waitFor({ state: 'detached' });
  await page.getByTestId('host-banner-kept').getByText(/2 saves are waiting to be sent/).waitFor();
  await page.getByText(/sign in again/i).first().waitFor();
  await shot('sign-in-again');
  await signIn(page, 'drlee', drPassword);
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  await page.getByTestId('save-state').getByText(/Draft saved/).waitFor();
  await page.getByTestId('host-banner-kept').waitFor({ state: 'detached' });
  assert.equal(await subjective.inputValue(), 'Headache for three days. Worse in the mornings.');
  assert.equal(await page.getByLabel('Plan').inputValue(), 'Paracetamol; review in one week.');
  await vitals.locator('tbody tr').first().waitFor();
  assert.equal(await vitals.getByLabel('Pulse').inputValue(), '', 'the vitals form is ready for the next set, its draft gone');
  await shot('sent-after-sign-in');

  // Once: one set of vitals, one note with the text as typed.
  const saved = await call(page, 'Chart', 'Encounter', encounter.id);
  assert.equal(saved.note.subjective, 'Headache for three days. Worse in the mornings.');
  assert.equal(saved.note.plan, 'Paracetamol; review in one week.');
  const sets = await call(page, 'Chart', 'Vitals', patient.id, 10);
  assert.equal(sets.length, 1, 'one set of vitals');
  assert.equal(sets[0].systolic?.value, 128);
  assert.equal(sets[0].pulse?.value, 72);
  assert.equal(await vitals.locator('tbody tr').count(), 1);
  await ctx.close();
});

test('a save whose answer is lost after it reached the host is sent again with the same id, and made once', async () => {
  const { ctx, page, patient, encounter } = await visit('Okafor');
  const shot = shooter(page, 'answer-lost');
  // The first answer of each of these calls is lost on its way back: the
  // host got and ran the call, the page gets no answer.
  const ids = { 'Chart/RecordVitals': [], 'Chart/SaveDraft': [] };
  for (const method of Object.keys(ids)) {
    let lost = false;
    await page.route(`**/api/${method}`, async (route) => {
      ids[method].push(route.request().headers()['folio-request-id']);
      if (lost) return route.fallback();
      lost = true;
      await route.fetch(); // reaches Folio, which saves it
      await route.abort('connectionreset');
    });
  }
  await page.getByLabel('Subjective').fill('Sore throat since Monday.');
  await page.getByTestId('save-state').getByText(/Draft saved/).waitFor({ timeout: 10_000 });
  const vitals = page.getByTestId('vitals');
  await vitals.getByLabel('Temperature').fill('38.2');
  await vitals.getByRole('button', { name: 'Record vitals' }).click();
  await vitals.locator('tbody tr').first().waitFor({ timeout: 10_000 });
  await page.getByTestId('host-banner').waitFor({ state: 'detached' });
  await shot('sent-again-once');

  for (const [method, sent] of Object.entries(ids)) {
    assert.ok(sent.length >= 2, `${method} sent again (${sent.length})`);
    assert.ok(sent[0], `${method} carries a request id`);
    assert.equal(sent[1], sent[0], `${method} sent again with the same id`);
  }
  const sets = await call(page, 'Chart', 'Vitals', patient.id, 10);
  assert.equal(sets.length, 1, 'one set of vitals, though sent twice');
  const saved = await call(page, 'Chart', 'Encounter', encounter.id);
  assert.equal(saved.note.subjective, 'Sore throat since Monday.');
  assert.doesNotMatch(await page.getByTestId('save-state').textContent(), /changed elsewhere|Not saved/);
  await ctx.close();
});

test('a save that reached the host just before it was killed is made once after the restart and a new sign-in', async () => {
  const { ctx, page, patient, encounter } = await visit('Adeyemi');
  const shot = shooter(page, 'host-killed');
  await page.getByLabel('Subjective').fill('Dizzy when standing up.');
  await page.getByTestId('save-state').getByText(/Draft saved/).waitFor({ timeout: 10_000 });

  // The vitals reach the host, which saves them and answers; the host is
  // killed before the answer reaches the page.
  const sent = [];
  let killed = false;
  await page.route('**/api/Chart/RecordVitals', async (route) => {
    sent.push(route.request().headers()['folio-request-id']);
    if (killed) return route.fallback();
    killed = true;
    const answer = await route.fetch(); // Folio has saved the vitals and answered
    assert.equal(answer.status(), 200, await answer.text());
    await kill();
    await route.abort('connectionreset');
  });
  const vitals = page.getByTestId('vitals');
  await vitals.getByLabel('Pulse').fill('88');
  await vitals.getByLabel('Systolic').fill('104');
  await vitals.getByLabel('Diastolic').fill('66');
  await vitals.getByRole('button', { name: 'Record vitals' }).click();
  const banner = page.getByTestId('host-banner');
  await banner.waitFor(atOnce);
  await banner.getByTestId('host-kept').getByText(/1 save is waiting to be sent/).waitFor({ timeout: 5000 });
  await shot('killed-after-save');

  // The host is back with no sessions: sign in again, and the kept save
  // goes again with its id. The host finds the id with the vitals it saved.
  await serve(new URL(url).host);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
  await signIn(page, 'drlee', drPassword);
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  await page.getByTestId('host-banner-kept').waitFor({ state: 'detached', timeout: 10_000 });
  await vitals.locator('tbody tr').first().waitFor({ timeout: 10_000 });
  await shot('sent-again-after-restart');

  // Sent again once the host answered (refused: nobody signed in there
  // yet), then after the sign-in; always with the first sending's id.
  assert.ok(sent.length >= 2, `the vitals were sent again after the restart (${sent.length})`);
  assert.ok(sent[0] && sent.every((id) => id === sent[0]), 'with the same request id');
  const sets = await call(page, 'Chart', 'Vitals', patient.id, 10);
  assert.equal(sets.length, 1, 'one set of vitals, though sent before and after the restart');
  assert.equal(sets[0].pulse?.value, 88);
  assert.equal(await vitals.locator('tbody tr').count(), 1);
  // The set can show (read with the chart after the sign-in) before the
  // save's own answer, and the chart's read after it, reach the form, which
  // then empties: a slow host delays it, and nothing else may.
  const pulse = vitals.getByLabel('Pulse');
  for (const until = Date.now() + 10_000; (await pulse.inputValue()) !== '' && Date.now() < until;) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(await pulse.inputValue(), '', 'the form is ready for the next set');
  const saved = await call(page, 'Chart', 'Encounter', encounter.id);
  assert.equal(saved.note.subjective, 'Dizzy when standing up.');
  assert.doesNotMatch(await page.locator('body').textContent(), /already saved|changed elsewhere|Not saved/);
  await ctx.close();
});

test('a read with no answer says so with Retry, and reads again by itself when the host answers', async () => {
  const { ctx, page, patient } = await visit('Novak');
  const shot = shooter(page, 'read-lost');
  // Every call gets no answer, as when the network to the host is cut.
  const cut = (route) => route.abort('connectionrefused');
  await page.route('**/api/**', cut);
  await page.getByRole('link', { name: 'Back to chart' }).click();
  const failed = page.getByTestId('load-error');
  await failed.getByText('Could not load the chart — the host cannot be reached.').waitFor();
  await failed.getByRole('button', { name: 'Retry' }).waitFor();
  await page.getByTestId('host-banner').waitFor();
  await failed.getByRole('button', { name: 'Retry' }).click();
  await failed.waitFor(); // still no answer: still said
  await shot('could-not-load');

  // The network is back: the probe answers, the banner goes, and the chart
  // is read without anyone pressing Retry.
  await page.unroute('**/api/**', cut);
  await page.getByTestId('patient-banner').getByText('NOVAK, Lina').waitFor({ timeout: 10_000 });
  await page.getByTestId('host-banner').waitFor({ state: 'detached' });
  assert.equal(await failed.count(), 0);
  assert.equal(new URL(page.url()).hash, `#/patients/${encodeURIComponent(patient.id)}`);
  await shot('read-again');

  // A screen that loads through its form state (the check-in board) says
  // so too, and reads again by itself.
  await page.route('**/api/**', cut);
  await page.getByRole('link', { name: 'Check-in' }).click();
  const said = page.getByText('Could not load this — the host cannot be reached. It is read again once the host is back.');
  await said.waitFor();
  await shot('board-not-loaded');
  await page.unroute('**/api/**', cut);
  await page.getByTestId('column-booked').waitFor({ timeout: 10_000 });
  await said.waitFor({ state: 'detached' });
  await ctx.close();
});
