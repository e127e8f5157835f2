// Folio end to end, as the clinic uses it: in a real Chromium against the
// real `folio serve`.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { adminPassword, launchBrowser, shooter, signIn, startFolio, test } from './harness.js';

let folio;
let chromium;

before(async () => {
  folio = await startFolio();
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

/** searchFor types a query into the search box and returns Go's answer to it. */
async function searchFor(page, query) {
  const answer = page.waitForResponse(
    (r) => r.url().endsWith('/api/Patients/Search') && JSON.parse(r.request().postData())[0] === query,
  );
  await page.getByRole('searchbox', { name: 'Search patients' }).fill(query);
  return (await answer).json();
}

const deskPassword = 'desk-password-123';
const drPassword = 'doctor-password-123';

test('first run, users, a patient from registration to correction, sign out', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '1-first-run-and-patient');
  await page.goto(folio.url);

  // First run: the clinic and its first admin.
  await page.getByRole('heading', { name: 'Welcome to Folio' }).waitFor();
  await shot('setup');
  await page.getByLabel('Clinic name').fill('Riverside Family Practice');
  await page.getByLabel('Your full name').fill('Ada Admin');
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Password again').fill('short');
  await page.getByRole('button', { name: 'Create the clinic' }).click();
  await page.getByText('A password needs at least 10 characters.').waitFor();
  await shot('setup-weak-password');
  await page.getByLabel('Password', { exact: true }).fill(adminPassword);
  await page.getByLabel('Password again').fill(adminPassword);
  await page.getByRole('button', { name: 'Create the clinic' }).click();

  // The admin lands on Users and adds a front desk and a clinician.
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  for (const [username, fullName, role, pw] of [
    ['desk', 'Dana Desk', 'frontdesk', deskPassword],
    ['drlee', 'Dr Lee', 'clinician', drPassword],
  ]) {
    await page.getByLabel('User name', { exact: true }).fill(username);
    await page.getByLabel('Full name').fill(fullName);
    await page.getByLabel('Role').selectOption(role);
    await page.getByLabel('First password').fill(pw);
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByText(`Added ${username}.`).waitFor();
  }
  await shot('users-added');
  assert.equal(await page.getByTestId('users').locator('tbody tr').count(), 3);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();

  // A wrong password is refused with a message.
  await signIn(page, 'desk', 'not-the-password');
  await page.getByText('Wrong user name or password.').waitFor();
  await shot('login-wrong-password');
  // A real clinic is not marked as a demo.
  assert.equal(await page.getByTestId('demo-clinic').count(), 0);
  assert.equal(await page.title(), 'Folio');

  // The front desk signs in and registers a patient: one invalid field first.
  await signIn(page, 'desk', deskPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  await page.getByRole('link', { name: 'Register new patient' }).click();
  await page.getByRole('heading', { name: 'Register a new patient' }).waitFor();
  await page.getByLabel('Family name').fill('Okonkwo');
  await page.getByLabel('Given names').fill('Adaeze Grace');
  await page.getByLabel('Date of birth').fill('1984-07-19');
  await page.getByLabel('Sex at birth').selectOption('female');
  await page.getByLabel('Phone', { exact: true }).fill('555-01x');
  await page.getByLabel('Address').fill('12 Mill Lane');
  await page.getByLabel('City').fill('Riverside');
  await page.getByRole('button', { name: 'Register patient' }).click();
  const phoneError = page.locator('#phone-error');
  await phoneError.waitFor();
  assert.match(await phoneError.textContent(), /7 to 15 digits/);
  assert.equal(await page.getByLabel('Phone', { exact: true }).getAttribute('aria-invalid'), 'true');
  await shot('register-invalid-phone');
  await page.getByLabel('Phone', { exact: true }).fill('555-201-3344');
  await page.getByRole('button', { name: 'Register patient' }).click();

  // The chart opens with the MRN.
  const banner = page.getByTestId('patient-banner');
  await banner.waitFor();
  assert.match(await banner.textContent(), /OKONKWO, Adaeze Grace/);
  const mrn = (await page.getByTestId('mrn').textContent()).trim();
  assert.ok(mrn.length > 0, 'the patient got an MRN');
  await shot('chart-after-register');

  // Found by part of the name, as typed.
  await page.getByRole('link', { name: 'Patients' }).click();
  const hit = page.getByTestId('search-hit').filter({ hasText: 'OKONKWO' });
  // Each query must itself find her, not leave the previous answer shown.
  for (const query of ['okon', 'adaeze okon', 'okonkow', mrn, '1984-07-19', '7/19/1984', '3344']) {
    const hits = await searchFor(page, query);
    assert.ok(hits.some((h) => h.mrn === mrn), `searching ${JSON.stringify(query)} finds the patient`);
    await hit.waitFor();
    if (query === 'okon') await shot('search-partial-name');
  }
  assert.deepEqual(await searchFor(page, 'zzzqqq'), []);
  await page.getByText('No patient matches').waitFor();
  await searchFor(page, 'okon');
  await hit.click();
  await banner.waitFor();

  // Correct a field: the old value stays in the history.
  await page.getByRole('button', { name: 'Correct details' }).click();
  await page.getByLabel('Phone', { exact: true }).fill('555-201-9999');
  await page.getByRole('button', { name: 'Save correction' }).click();
  await page.getByText('Say why the details are being corrected.').waitFor();
  await shot('correct-needs-reason');
  await page.getByLabel('Reason for the correction').fill('patient has a new number');
  await page.getByRole('button', { name: 'Save correction' }).click();
  await page.getByText('Saved. The previous details are kept').waitFor();
  assert.equal((await page.getByTestId('phone').textContent()).trim(), '555-201-9999');
  const history = page.getByTestId('history');
  await history.getByText('patient has a new number').waitFor();
  assert.match(await history.textContent(), /555-201-3344/);
  await shot('chart-corrected-with-history');

  // From any screen, Ctrl+K goes to the search box; ↓ and Enter open a patient.
  await page.keyboard.press('Control+k');
  await page.keyboard.type('okonk');
  await hit.waitFor();
  await page.keyboard.press('Enter');
  await banner.waitFor();

  // Lock hides the chart entirely; the password brings it back.
  await page.getByRole('button', { name: 'Lock' }).click();
  await page.getByRole('heading', { name: 'Screen locked' }).waitFor();
  assert.equal(await page.getByText('OKONKWO').count(), 0, 'the locked screen shows nothing of the chart');
  await shot('locked');
  await page.getByLabel('Password').fill(deskPassword);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await banner.waitFor();

  // Sign out.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await page.getByText('OKONKWO').count(), 0);
  await shot('signed-out');
  await ctx.close();
});

test('the front desk cannot open admin pages, in the UI or at the API', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '2-front-desk-not-admin');
  // Start-up as a person sees it: the server's start plus the page's load
  // until the sign-in form shows. Reported, not asserted.
  const t0 = performance.now();
  await page.goto(folio.url);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  const shown = performance.now() - t0;
  console.log(`start-up: server listening ${folio.listeningAfter.toFixed(0)} ms after start, sign-in shown ${shown.toFixed(0)} ms after the page was opened`);
  await signIn(page, 'desk', deskPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0, 'no admin links for the front desk');

  await page.goto(folio.url + '/#/admin/users');
  await page.getByTestId('forbidden').waitFor();
  assert.equal(await page.getByTestId('users').count(), 0);
  await shot('admin-page-refused');

  // Calling the admin method directly from this signed-in page is refused too.
  const res = await page.evaluate(async () => {
    const r = await fetch('/api/Admin/Users', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[]' });
    return { status: r.status, body: await r.json() };
  });
  assert.equal(res.status, 403);
  assert.equal(res.body.kind, 'forbidden');
  await ctx.close();
});

test('the idle timer locks the screen and hides the chart', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  await page.clock.install();
  const shot = shooter(page, '3-idle-lock');
  await page.goto(folio.url);
  await signIn(page, 'drlee', drPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  await page.getByRole('searchbox', { name: 'Search patients' }).fill('okonkwo');
  await page.getByTestId('search-hit').first().click();
  await page.getByTestId('patient-banner').waitFor();
  await page.getByTestId('visits').waitFor();
  await page.getByTestId('banner-allergies').waitFor();
  await shot('clinician-chart');

  // Ten idle minutes (the default) lock the screen.
  await page.clock.fastForward('10:05');
  await page.getByRole('heading', { name: 'Screen locked' }).waitFor();
  assert.equal(await page.getByTestId('patient-banner').count(), 0);
  await shot('locked-after-idle');
  await ctx.close();
});

test('a page from another site cannot call Folio', async () => {
  const ctx = await chromium.browser.newContext();
  const page = await ctx.newPage();
  // A page of another origin (localhost is not 127.0.0.1 to a browser) posts
  // a sign-in to Folio, as a hostile site could. The browser sends it; Folio
  // must not act on it. The same call from Folio's own page is the control.
  const probe = async (pageUrl, username) => {
    await page.goto(pageUrl);
    await page.evaluate(
      async ({ target, username }) => {
        await fetch(target + '/api/Auth/Login', {
          method: 'POST',
          headers: { 'Content-Type': 'text/plain' },
          body: JSON.stringify([username, 'not-a-password']),
          mode: 'no-cors',
          credentials: 'include',
        }).catch(() => {});
        await fetch(target + '/api/Auth/Login', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify([username, 'not-a-password']),
        }).catch(() => {});
      },
      { target: folio.url, username },
    );
  };
  await probe(folio.url.replace('127.0.0.1', 'localhost'), 'cross-site-probe');
  await probe(folio.url, 'same-site-probe');

  const admin = await chromium.browser.newContext();
  const adminPage = await admin.newPage();
  await adminPage.goto(folio.url);
  await signIn(adminPage, 'admin', adminPassword);
  await adminPage.getByRole('heading', { name: 'Users' }).waitFor();
  const attempts = (username) =>
    adminPage.evaluate(async (username) => {
      const r = await fetch('/api/Admin/Audit', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify([{ username, action: 'login.failed', limit: 100 }]),
      });
      return (await r.json()).entries.length;
    }, username);
  assert.equal(await attempts('same-site-probe'), 1, 'the control: Folio heard its own page');
  assert.equal(await attempts('cross-site-probe'), 0, 'Folio did nothing for the other site');

  // Straight at the API: a foreign Origin, and a foreign Host (DNS rebinding).
  const foreign = await fetch(folio.url + '/api/Auth/Status', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
    body: '[]',
  });
  assert.equal(foreign.status, 403);
  const { port } = new URL(folio.url);
  const rebound = await new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/api/Auth/Status', method: 'POST', headers: { Host: `evil.example:${port}`, 'Content-Type': 'application/json' } },
      (res) => resolve(res.statusCode),
    );
    req.on('error', reject);
    req.end('[]');
  });
  assert.equal(rebound, 403);
  await admin.close();
  await ctx.close();
});

test('the admin browses, filters and verifies the audit trail', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '4-audit-trail');
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await page.getByRole('link', { name: 'Audit trail' }).click();
  const rows = page.getByTestId('audit').locator('tbody tr');
  await rows.first().waitFor();
  await shot('audit-all');

  // Every read and write of the patient is there, with who did it.
  await page.getByLabel('User name').fill('desk');
  const filtered = page.waitForResponse(
    (r) => r.url().endsWith('/api/Admin/Audit') && JSON.parse(r.request().postData())[0].username === 'desk',
  );
  await page.getByRole('button', { name: 'Show' }).click();
  const answer = await (await filtered).json();
  assert.ok(answer.entries.length > 0 && answer.entries.every((e) => e.username === 'desk'));
  await page.waitForFunction(
    (n) => document.querySelectorAll('[data-testid=audit] tbody tr').length === n,
    answer.entries.length,
  );
  // Page back to the first entry.
  for (let older = page.getByRole('button', { name: 'Older entries' }); await older.count(); ) {
    const rows = await page.getByTestId('audit').locator('tbody tr').count();
    await older.click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=audit] tbody tr').length > n, rows);
  }
  const text = await page.getByTestId('audit').textContent();
  for (const action of ['patient.register', 'patient.search', 'patient.open', 'patient.correct', 'login', 'logout']) {
    assert.ok(text.includes(action), `the audit trail shows ${action}`);
  }
  assert.ok(!text.includes('drlee'), 'the filter keeps only the front desk');
  await shot('audit-filtered');

  await page.getByRole('button', { name: 'Verify the chain' }).click();
  await page.getByTestId('audit-check').getByText('The audit trail is intact').waitFor();
  await shot('audit-verified');

  // The admin's backup, written and listed.
  await page.getByRole('link', { name: 'Backups' }).click();
  await page.getByRole('button', { name: 'Back up now' }).click();
  await page.getByText('Backup written and verified').waitFor();
  assert.equal(await page.getByTestId('backups').locator('tbody tr').count(), 1);
  // Whether the data folder's disk is encrypted, said in words, with how to
  // turn it on when it is not (the machine decides which).
  const atRest = page.getByTestId('at-rest');
  const state = await atRest.getByTestId('at-rest-state').textContent({ timeout: 10_000 });
  assert.ok(['Encrypted', 'Not encrypted', 'Cannot tell'].includes(state), state);
  assert.equal(await atRest.getByTestId('at-rest-advice').count(), state === 'Encrypted' ? 0 : 1);
  await shot('backup-written');

  // The clinic reads typed dates day first from now on.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Dates typed with / or . in search mean').selectOption('dmy');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Settings saved.').waitFor();
  const saved = await page.evaluate(async () => {
    const r = await fetch('/api/Admin/Settings', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[]' });
    return r.json();
  });
  assert.equal(saved.dateOrder, 'dmy');
  await ctx.close();
});
