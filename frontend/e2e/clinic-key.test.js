// The clinic's signing key in Settings: the first visit makes it, its
// fingerprint is shown in groups a person can read aloud, and it stays the
// same on every later visit.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminPassword, artifacts, call, launchBrowser, setUpClinic, shooter, signIn, startFolio, test } from './harness.js';

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

test('the admin sees the clinic key fingerprint in Settings', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1200, height: 1100 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '40-clinic-key');
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Clinic signing key' }).waitFor();
  const shown = page.getByTestId('clinic-key-fingerprint');
  await shown.waitFor();
  const fingerprint = (await shown.textContent()).trim();
  assert.match(fingerprint, /^[0-9A-F]{4}( [0-9A-F]{4}){7}$/);
  await shot('settings-with-key');

  // The same key from the API and on a later visit: it was made once.
  const key = await call(page, 'Admin', 'ClinicKey');
  assert.equal(key.fingerprint, fingerprint);
  await page.reload();
  await page.getByTestId('clinic-key-fingerprint').waitFor();
  assert.equal((await page.getByTestId('clinic-key-fingerprint').textContent()).trim(), fingerprint);
  await page.getByTestId('clinic-key').screenshot({ path: `${artifacts}/40-clinic-key/panel.png` });
  await ctx.close();
});
