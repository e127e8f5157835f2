// The end-to-end harness: a real `folio serve` on a fresh data folder and a
// real Chromium (Debian's) driven by playwright-core. Screenshots of each
// step go to $FOLIO_ARTIFACTS for a person to look at.
//
// FOLIO_E2E_CHAOS=1 runs the tests under latency chaos, as on a slow clinic
// PC or a busy network: every request to /api reaches Folio at once, but its
// answer reaches the page 0 to 1.5 s later, at random, so answers arrive
// late and out of order. The delays come from a seed, printed at the start
// (FOLIO_E2E_CHAOS_SEED=N runs the same delays again). The harness's own
// call() is exempt: it sets a test up, it is not the UI.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as nodeTest } from 'node:test';
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

export const chaos = process.env.FOLIO_E2E_CHAOS === '1';
const chaosSeed = Number(process.env.FOLIO_E2E_CHAOS_SEED) || Math.floor(Math.random() * 2 ** 31) + 1;
const maxDelay = 1500;
/** The longest an answer is held: 0 without chaos. A test that waits for
 * something to follow a change allows for it. */
export const chaosMaxDelay = chaos ? maxDelay : 0;
/** The header that marks the harness's own calls (exempt from chaos). */
const setupHeader = 'x-folio-e2e-setup';

/** mix is a 32-bit hash (FNV-1a) of the seed and a text. */
function mix(seed, text) {
  let h = (2166136261 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 2246822507) >>> 0;
  return (Math.imul(h ^ (h >>> 13), 3266489909) ^ (h >>> 16)) >>> 0;
}

let contexts = 0;

/** holdAnswers delays each API answer to a browser context by a seeded
 * random time. A request's delay depends on the seed, the context, its
 * path and how many of that path came before, not on timing, so a seed
 * gives the same delays again. */
async function holdAnswers(context) {
  const ctx = ++contexts;
  const seen = new Map();
  await context.route('**/api/**', async (route) => {
    const req = route.request();
    if (req.headers()[setupHeader]) return route.fallback();
    const path = new URL(req.url()).pathname;
    // The change stream never ends: holding it would hold it for ever.
    if (path === '/api/events') return route.fallback();
    const n = (seen.get(path) ?? 0) + 1;
    seen.set(path, n);
    const delay = mix(chaosSeed, `${ctx} ${path} ${n}`) % (maxDelay + 1);
    let response;
    try {
      response = await route.fetch();
    } catch {
      return route.abort().catch(() => {}); // the page or context closed meanwhile
    }
    await new Promise((r) => setTimeout(r, delay));
    await route.fulfill({ response }).catch(() => {});
  });
}

/** holdAnswersInBrowser is holdAnswers done by the browser itself, for a
 * browser in another network namespace: Playwright's route.fetch() asks
 * from this Node process, which is not on that network (nor trusts its
 * clinic's certificate). The page's request goes out at once from the
 * browser (CDP Fetch, paused at the response stage) and its answer is
 * held there, with the same seeded delays. It covers the pages made by
 * context.newPage(), which is what the tests use. */
async function holdAnswersInBrowser(context) {
  const ctx = ++contexts;
  const seen = new Map();
  const newPage = context.newPage.bind(context);
  context.newPage = async (...args) => {
    const page = await newPage(...args);
    const cdp = await context.newCDPSession(page);
    cdp.on('Fetch.requestPaused', async ({ requestId, request }) => {
      const path = new URL(request.url).pathname;
      const setup = Object.keys(request.headers).some((h) => h.toLowerCase() === setupHeader);
      let delay = 0;
      if (!setup && path !== '/api/events') {
        const n = (seen.get(path) ?? 0) + 1;
        seen.set(path, n);
        delay = mix(chaosSeed, `${ctx} ${path} ${n}`) % (maxDelay + 1);
      }
      await new Promise((r) => setTimeout(r, delay));
      await cdp.send('Fetch.continueResponse', { requestId }).catch(() => {}); // the page closed meanwhile
    });
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: '*/api/*', requestStage: 'Response' }] });
    return page;
  };
}

/**
 * launchBrowser starts Chromium. playwright-core gives every launch a
 * fresh, empty profile of its own (the --user-data-dir the Chromium notes
 * ask for). Options, for a browser on another computer of the clinic's
 * network (e2e/netns.js): executablePath runs Chromium there, env is its
 * environment (HOME holds the certificates it trusts), and
 * answersHeldInBrowser makes latency chaos hold answers inside the browser
 * (see holdAnswersInBrowser).
 */
export async function launchBrowser({ executablePath, env, answersHeldInBrowser = false } = {}) {
  const browser = await chromium.launch({
    executablePath: executablePath ?? process.env.CHROMIUM ?? '/usr/bin/chromium',
    env,
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
  const newPlainContext = browser.newContext.bind(browser);
  browser.newContext = async (...args) => {
    const context = await newPlainContext(...args);
    context.on('page', (page) => {
      openPages.add(page);
      page.on('close', () => openPages.delete(page));
    });
    return context;
  };
  if (chaos) {
    console.log(`latency chaos: every API answer held 0-${maxDelay} ms; seed ${chaosSeed} (FOLIO_E2E_CHAOS_SEED=${chaosSeed} replays it)`);
    const newContext = browser.newContext.bind(browser);
    browser.newContext = async (...args) => {
      const context = await newContext(...args);
      await (answersHeldInBrowser ? holdAnswersInBrowser : holdAnswers)(context);
      return context;
    };
  }
  return { browser, close: () => browser.close() };
}

/**
 * hold holds Folio's answers to the page's calls of one method (e.g.
 * 'Admin/Settings') until released: the requests reach Folio at once, as
 * usual, but the page gets no answer until then, so a test can type while a
 * form's data is on its way (with reach: false the call waits to be sent
 * too). calls(n) waits until n calls are held and gives
 * them, each with its arguments and its own release(); release() hands every
 * held answer over and lets later calls through; drop() fails them.
 */
export async function hold(page, method, { reach = true } = {}) {
  const url = `**/api/${method}`;
  const held = [];
  const dropped = [];
  const waiting = [];
  let open = false;
  const running = new Set();
  // Each held call is answered by its own handler; unrouting while one is
  // still on its way lets Playwright send the request again by itself (a
  // write reaching Folio twice), so release and drop wait for them first.
  const handler = (route) => {
    const done = answer(route);
    running.add(done);
    return done.finally(() => running.delete(done));
  };
  const answer = async (route) => {
    const req = route.request();
    if (req.headers()[setupHeader] || open) return route.fallback();
    let give;
    const given = new Promise((r) => (give = r));
    const call = { args: JSON.parse(req.postData() || '[]'), release: () => give(true) };
    const drop = () => give(false);
    dropped.push(drop);
    held.push(call);
    for (const w of waiting.filter((x) => held.length >= x.n)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.done(held.slice(0, w.n));
    }
    // reach: false keeps the call from Folio too until it is released (a
    // save that must not happen before a reload, say).
    if (!reach && !(await given)) return route.abort().catch(() => {});
    let response;
    try {
      response = await route.fetch();
    } catch {
      return route.abort().catch(() => {}); // the page or context closed meanwhile
    }
    if (!(await given)) return route.abort().catch(() => {});
    await route.fulfill({ response }).catch(() => {});
  };
  await page.route(url, handler);
  return {
    /** calls waits until n calls (1 unless given) are held and gives them;
     * it fails after 30 s, as Playwright's own waits do. */
    calls(n = 1) {
      if (held.length >= n) return Promise.resolve(held.slice(0, n));
      return new Promise((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`${method}: ${held.length} of ${n} calls came in 30 s`)), 30_000);
        waiting.push({ n, done: (calls) => (clearTimeout(timer), done(calls)) });
      });
    },
    async release() {
      open = true;
      held.forEach((c) => c.release());
      await Promise.all([...running]);
      await page.unroute(url, handler);
    },
    /** drop fails every held call, as a lost connection would (those with
     * reach: false never reach Folio), and lets later calls through. */
    async drop() {
      open = true;
      dropped.forEach((d) => d());
      await Promise.all([...running]);
      await page.unroute(url, handler);
    },
  };
}

/** settled waits until the page has drawn twice: an answer just handed
 * over has been taken in and shown by then. */
export async function settled(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** shootOpenPages saves a screenshot of every page still open, for a test
 * that failed (see failed below): what the person would have seen. */
const openPages = new Set();
export async function shootOpenPages(name) {
  const dir = join(artifacts, 'failed');
  mkdirSync(dir, { recursive: true });
  let n = 0;
  for (const page of openPages) {
    if (page.isClosed()) continue;
    await page.screenshot({ path: join(dir, `${name}-${++n}.png`), fullPage: true }).catch(() => {});
  }
}

/** test is node:test's test, which also, when it fails, saves what every
 * page still open shows (in failed/ of the artifacts). */
export function test(name, fn) {
  return nodeTest(name, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      await shootOpenPages(name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60));
      throw err;
    }
  });
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

/** dayOf is the local calendar day of d (YYYY-MM-DD), as the clinic's
 * calendar and day list name it. */
const pad2 = (n) => String(n).padStart(2, '0');
export const dayOf = (d) => `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;

/** nextWeekday is the next Tuesday, Wednesday or Thursday after today: a
 * day the demo clinic is open, never today. */
export function nextWeekday() {
  const d = new Date();
  do d.setDate(d.getDate() + 1);
  while (![2, 3, 4].includes(d.getDay()));
  return dayOf(d);
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
        headers: { 'Content-Type': 'application/json', 'X-Folio-E2E-Setup': '1' },
        body: JSON.stringify(args),
      });
      const body = await r.json();
      if (!r.ok) throw new Error(body.message);
      return body;
    },
    { service, method, args },
  );
}
