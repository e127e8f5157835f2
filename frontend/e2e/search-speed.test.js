// How long the front desk waits for search results on a clinic of 100,000
// patients: from the keystroke to the results on screen, in a real Chromium.
// Reported, not asserted: timing depends on the machine.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, shooter, signIn, startFolio, test } from './harness.js';

const clinicSize = Number(process.env.FOLIO_E2E_PATIENTS ?? 100_000);
let folio;
let chromium;

before(async () => {
  folio = await startFolio({
    prepare: (cli) => {
      const r = cli(['demo', '--patients', String(clinicSize), '--seed', '7']);
      if (r.status !== 0) throw new Error(`folio demo failed: ${r.stderr}`);
    },
  });
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

test(`search as you type on ${clinicSize.toLocaleString('en')} patients`, async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '8-search-speed');
  await page.goto(folio.url);
  await signIn(page, 'desk', 'demo-frontdesk-pass');
  const box = page.getByRole('searchbox', { name: 'Search patients' });
  await box.waitFor();
  // Measured inside the page: from the key's keydown to the last change of
  // the results list, so the test driver's own round trips do not count.
  await page.evaluate(() => {
    const w = window;
    w.__keydown = 0;
    w.__rendered = 0;
    document.querySelector('input[type=search]').addEventListener('keydown', () => (w.__keydown = performance.now()), true);
    new MutationObserver(() => (w.__rendered = performance.now())).observe(
      document.querySelector('[data-testid=search-results]'),
      { childList: true, subtree: true, characterData: true },
    );
  });

  // Queries typed a key at a time: name prefixes, two names, a date, digits.
  const queries = ['smi', 'smith j', 'garc', 'nguyen', '1980-', '555', 'ko', 'mar'];
  const times = [];
  for (const q of queries) {
    await box.fill('');
    for (let i = 1; i <= q.length; i++) {
      const typed = q.slice(0, i);
      const answered = page.waitForResponse(
        (r) => r.url().endsWith('/api/Patients/Search') && JSON.parse(r.request().postData())[0] === typed,
      );
      await box.press(q[i - 1] === ' ' ? 'Space' : q[i - 1]);
      const hits = await (await answered).json();
      if (typed.trim().length === 0) continue;
      if (hits.length > 0) {
        await page.getByTestId('search-hit').first().filter({ hasText: hits[0].mrn }).waitFor();
      } else {
        await page.getByText('No patient matches').waitFor();
      }
      times.push(await page.evaluate(() => window.__rendered - window.__keydown));
    }
  }
  await shot('results');
  assert.ok(times.length >= 20);
  console.log(
    `search keystroke to rendered results over ${times.length} keystrokes: p50 ${percentile(times, 0.5).toFixed(1)} ms, ` +
      `p95 ${percentile(times, 0.95).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`,
  );
  await ctx.close();
});
