// The browser at the front desk during the load test (LOADTEST_BROWSER=1):
// Debian's Chromium on a workstation PC of its own, a network namespace
// joined to the host's by a veth pair (frontend/e2e/netns.js), trusting the
// clinic only through its certificate installed with certutil, signed in
// as a front-desk account, typing searches a key at a time with a person's
// pauses for the whole day, and timing each keystroke to its rendered
// results inside the page, as frontend/e2e/search-speed.test.js does.
//
// The load test (main.go, browser.go) runs it as a child and speaks to it
// in JSON lines: this script says where the two PCs are, the load test
// starts the host on the host's PC and says where to open it and as whom,
// this script says when it is signed in, types from "type" to "stop", and
// answers the keystrokes' times. When its input closes it removes the
// network and ends. Anything that goes wrong is one {"error"} line and exit
// status 1: a browser run that cannot be made fails, it never skips.

import { createInterface } from 'node:readline';
import { launchBrowser, signIn } from '../../frontend/e2e/harness.js';
import { clinicNetwork, trustingHome } from '../../frontend/e2e/netns.js';

const say = (message) => process.stdout.write(JSON.stringify(message) + '\n');

/** The load test's lines, one at a time, as they come. */
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
let inputClosed = false;
async function next() {
  const { value, done } = await lines.next();
  if (done) {
    inputClosed = true;
    return null;
  }
  return JSON.parse(value);
}

/** random is a seeded source (mulberry32): the same seed types the same day. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** After this many keystrokes without results on screen the desk stops
 * typing: the host is not answering, and the errors say so. */
const maxProblems = 10;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * query is what the desk types for one patient: the family name whole, or
 * its first three to six letters, as people do when the list narrows fast.
 */
function query(rand, names) {
  // Up to the first letter a US keyboard has no key for: Playwright types
  // such a letter without a keydown, which would go untimed.
  const name = names[Math.floor(rand() * names.length)].toLowerCase().replace(/[^a-z' -].*$/, '') || 'smith';
  if (rand() < 0.4) return name;
  return name.slice(0, 3 + Math.floor(rand() * 4));
}

/** watch makes the page note the time of each keydown in the search box
 * and of each change of the results list since, as search-speed.test.js. */
async function watch(page) {
  await page.evaluate(() => {
    const w = window;
    w.__keydown = 0;
    w.__rendered = 0;
    // A resource entry per search answer: the buffer is emptied after each
    // keystroke (clearResourceTimings), so its default 250 never fill.
    document.querySelector('input[type=search]').addEventListener(
      'keydown',
      () => {
        w.__keydown = performance.now();
        w.__rendered = 0;
      },
      true,
    );
    new MutationObserver(() => (w.__rendered = performance.now())).observe(
      document.querySelector('[data-testid=search-results]'),
      { childList: true, subtree: true, characterData: true },
    );
  });
}

/**
 * keystroke presses one key and waits for its answer on the screen; it
 * gives the time from the keydown to the last change of the results list.
 * When the answer changed nothing on the screen (the same patients as the
 * key before), the list was right once the answer arrived: the time is to
 * the answer's arrival (Resource Timing's responseEnd), counted apart.
 */
async function keystroke(page, box, key, typed) {
  const answered = page.waitForResponse(
    (r) => new URL(r.url()).pathname === '/api/Patients/Search' && JSON.parse(r.request().postData() ?? '[]')[0] === typed,
  );
  await box.press(key === ' ' ? 'Space' : key);
  const response = await answered;
  const hits = await response.json();
  if (!response.ok()) throw new Error(`the search for "${typed}" was answered ${response.status()}: ${hits.message}`);
  if (hits.length > 0) {
    await page.getByTestId('search-hit').first().filter({ hasText: hits[0].mrn }).waitFor();
  } else {
    await page.getByText('No patient matches').waitFor();
  }
  return page.evaluate(() => {
    const w = window;
    const answers = performance
      .getEntriesByType('resource')
      .filter((e) => new URL(e.name).pathname === '/api/Patients/Search' && e.startTime >= w.__keydown);
    performance.clearResourceTimings();
    if (w.__rendered > w.__keydown) return { ms: w.__rendered - w.__keydown, unchanged: false };
    const last = answers.at(-1);
    return { ms: last ? last.responseEnd - w.__keydown : null, unchanged: true };
  });
}

async function main() {
  const net = clinicNetwork();
  say({ network: { host: net.host.ns, hostIP: net.host.ip, client: net.client.ns } });

  const open = (await next())?.open;
  if (!open) return; // the load test stopped before the day
  net.names(...open.names);
  const home = trustingHome(net.dir, open.ca);
  const chromium = await launchBrowser({ executablePath: net.chromium(), env: { ...process.env, HOME: home } });
  try {
    const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(open.url);
    await signIn(page, open.username, open.password);
    const box = page.getByRole('searchbox', { name: 'Search patients' });
    await box.waitFor();
    await watch(page);
    say({ ready: true });

    const go = await next();
    if (!go?.type) return;
    // The stop comes while typing: the current keystroke ends, then the day.
    let stopped = false;
    next().then(() => (stopped = true));

    const rand = random(open.seed);
    const times = [];
    const changed = []; // the times of the keystrokes that changed the list
    const problems = [];
    let unchanged = 0;
    let searches = 0;
    while (!stopped && problems.length < maxProblems) {
      const q = query(rand, open.queries);
      await box.fill('');
      searches++;
      for (let i = 1; i <= q.length && !stopped; i++) {
        const started = Date.now();
        let t;
        try {
          t = await keystroke(page, box, q[i - 1], q.slice(0, i));
          if (t.ms === null) throw new Error(`no answer to "${q.slice(0, i)}" was timed`);
        } catch (err) {
          // A keystroke whose results never showed is the day's error; the
          // desk starts the next search.
          problems.push(`browser search "${q.slice(0, i)}": ${err.message.split('\n')[0]}`);
          break;
        }
        times.push(t.ms);
        if (t.unchanged) unchanged++;
        else changed.push(t.ms);
        // A person's next key comes 80-250 ms after this one, or at once
        // if the screen took longer than that.
        await sleep(Math.max(0, 80 + rand() * 170 - (Date.now() - started)));
      }
      // Reading the list, asking the patient, before the next search.
      const pause = 1500 + rand() * 3500;
      for (const until = Date.now() + pause; !stopped && Date.now() < until; ) await sleep(50);
    }
    say({ times, changed, unchanged, searches, problems });
    await ctx.close();
  } finally {
    await chromium.close();
  }
}

try {
  await main();
  // Stay until the load test is done with the network (it stops the host
  // first), then remove it (netns.js does at exit).
  while (!inputClosed) await next();
  process.exit(0);
} catch (err) {
  say({ error: err?.stack ?? String(err) });
  process.exit(1);
}
