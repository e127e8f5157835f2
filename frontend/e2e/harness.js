// The end-to-end harness: a real `folio serve` on a fresh data folder and a
// real Chromium (Debian's) driven by playwright-core. Screenshots of each
// step go to $FOLIO_ARTIFACTS for a person to look at.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const bin = process.env.FOLIO_BIN ?? '../build/bin/folio-serve';
export const artifacts = process.env.FOLIO_ARTIFACTS ?? 'test-artifacts';

/** startFolio serves a new data folder on a free loopback port; prepare,
 * if given, fills the folder first through the command line. */
export async function startFolio({ prepare } = {}) {
  const data = mkdtempSync(join(tmpdir(), 'folio-e2e-'));
  const cli = (args, input = '') => spawnSync(bin, [...args, '--data', data], { input, encoding: 'utf8' });
  prepare?.(cli);
  const started = performance.now();
  const proc = spawn(bin, ['serve', '--data', data, '--addr', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`folio serve did not start: ${out} ${stderr}`)), 15_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /serving on (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.on('exit', (code) => reject(new Error(`folio serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    data,
    /** listeningAfter is how long the server took to start, in ms. */
    listeningAfter: performance.now() - started,
    /** cli runs another folio command on the same data folder. */
    cli,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
      rmSync(data, { recursive: true, force: true });
    },
  };
}

// playwright-core gives every launch a fresh, empty profile of its own
// (the --user-data-dir the Chromium notes ask for).
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return { browser, close: () => browser.close() };
}

/** shooter saves numbered screenshots of one test's steps. */
export function shooter(page, name) {
  const dir = join(artifacts, name);
  mkdirSync(dir, { recursive: true });
  let n = 0;
  return async (step) => {
    n++;
    await page.screenshot({ path: join(dir, `${String(n).padStart(2, '0')}-${step}.png`), fullPage: true });
  };
}

export const adminPassword = 'admin-password-123';

/** setUp runs the first-run setup and adds a front desk and a clinician. */
export function setUpClinic(folio, clinic = 'Riverside Family Practice', adminName = 'Ada Admin') {
  const r = folio.cli(['setup', '--clinic', clinic, '--username', 'admin', '--full-name', adminName], adminPassword + '\n');
  if (r.status !== 0) throw new Error(`folio setup failed: ${r.stderr}`);
}

export const clinicianPassword = 'doctor-password-123';

/** signInAsNewClinician adds a clinician as the admin, then signs them in. */
export async function signInAsNewClinician(page, folio, username, fullName) {
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await call(page, 'Admin', 'AddUser', { username, fullName, role: 'clinician', password: clinicianPassword });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, username, clinicianPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
}

export async function signIn(page, username, password) {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** call runs one Folio call from a signed-in page, as the UI's client does,
 * and throws the message of a refused one. */
export function call(page, service, method, ...args) {
  return page.evaluate(
    async ({ service, method, args }) => {
      const r = await fetch(`/api/${service}/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(args),
      });
      const body = await r.json();
      if (!r.ok) throw new Error(body.message);
      return body;
    },
    { service, method, args },
  );
}
