// What a person types is never lost to an answer that arrives late (issue
// 9): each test holds the answers a form is waiting for (hold), types at
// once, lets the answers through, and reads back every character after a
// reload. The faults as they were reported: the visit note, the clinic
// settings, the schedule setup, and vitals across the screen lock.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  adminPassword, call, clinicianPassword, hold, launchBrowser, settled, setUpClinic, shooter, signIn,
  signInAsNewClinician, startFolio, test,
} from './harness.js';

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

/** within fails a wait of the test's own after 30 s, as Playwright's do. */
function within(promise, what) {
  let timer;
  const late = new Promise((_, fail) => (timer = setTimeout(() => fail(new Error(`not within 30 s: ${what}`)), 30_000)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function asAdmin(viewport = { width: 1400, height: 1000 }) {
  const ctx = await chromium.browser.newContext({ viewport });
  const page = await ctx.newPage();
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  return { ctx, page };
}

test('clinic settings typed before they arrive are kept and saved', async () => {
  const { ctx, page } = await asAdmin();
  const shot = shooter(page, '30-late-settings');
  const settings = await hold(page, 'Admin/Settings');
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Clinic settings' }).waitFor();
  await settings.calls(1);
  await page.getByLabel('Clinic address').pressSequentially('1 River Road\nSpringfield, IL 62701');
  await page.getByLabel('Clinic phone').pressSequentially('555-010-2000');
  const save = page.getByRole('button', { name: 'Save settings' });
  assert.equal(await save.isDisabled(), true, 'no saving before the settings have arrived');
  await shot('typed-before-load');
  await settings.release();

  await page.getByTestId('settings-loading').waitFor({ state: 'detached' });
  assert.equal(await page.getByLabel('Clinic address').inputValue(), '1 River Road\nSpringfield, IL 62701');
  assert.equal(await page.getByLabel('Clinic phone').inputValue(), '555-010-2000');
  assert.equal(await page.getByLabel('Clinic name').inputValue(), 'Riverside Family Practice', 'filled from the answer');
  await save.click();
  await page.getByText('Settings saved.').waitFor();

  await page.reload();
  await page.getByRole('heading', { name: 'Clinic settings' }).waitFor();
  await page.getByTestId('settings-loading').waitFor({ state: 'detached' });
  assert.equal(await page.getByLabel('Clinic address').inputValue(), '1 River Road\nSpringfield, IL 62701');
  assert.equal(await page.getByLabel('Clinic phone').inputValue(), '555-010-2000');
  assert.equal(await page.getByLabel('Clinic name').inputValue(), 'Riverside Family Practice');
  await shot('saved-and-read-back');
  await ctx.close();
});

test('schedule setup: Saturday ticked before the hours arrive joins them; a slow answer for clinician A never shows under B', async () => {
  const { ctx, page } = await asAdmin();
  const shot = shooter(page, '31-late-schedule-setup');
  await call(page, 'Admin', 'AddUser', { username: 'dra', fullName: 'Dr Amara', role: 'clinician', password: clinicianPassword });
  await call(page, 'Admin', 'AddUser', { username: 'drb', fullName: 'Dr Bello', role: 'clinician', password: clinicianPassword });
  const weekdays = [1, 2, 3, 4, 5];
  await call(page, 'Schedule', 'SaveHours', weekdays.map((weekday) => ({ weekday, opens: '08:00', closes: '17:00' })));
  const clinicians = await call(page, 'Schedule', 'Clinicians');
  const a = clinicians.find((c) => c.fullName === 'Dr Amara');
  const b = clinicians.find((c) => c.fullName === 'Dr Bello');
  await call(page, 'Schedule', 'SaveAvailability', a.id, weekdays.map((weekday) => ({ weekday, start: '09:00', end: '17:00' })));
  await call(page, 'Schedule', 'SaveAvailability', b.id, [{ weekday: 6, start: '10:00', end: '14:00' }]);

  // Saturday is ticked while the opening hours are on their way.
  const hours = await hold(page, 'Schedule/Hours');
  await page.getByRole('link', { name: 'Schedule setup' }).click();
  await page.getByRole('heading', { name: 'Opening hours' }).waitFor();
  await hours.calls(1);
  const opening = page.locator('form', { hasText: 'Opening hours' });
  await opening.locator('.day', { hasText: 'Saturday' }).getByRole('checkbox').check();
  await opening.getByLabel('Saturday closes').fill('12:00');
  assert.equal(await opening.getByRole('button', { name: 'Save opening hours' }).isDisabled(), true,
    'no saving before the hours have arrived');
  await hours.release();
  await opening.getByRole('button', { name: 'Save opening hours' }).click();
  await page.getByText('Saved the opening hours.').waitFor();
  const saved = await call(page, 'Schedule', 'Hours');
  assert.deepEqual(saved.map((h) => [h.weekday, h.opens, h.closes]),
    [[1, '08:00', '17:00'], [2, '08:00', '17:00'], [3, '08:00', '17:00'], [4, '08:00', '17:00'], [5, '08:00', '17:00'],
      [6, '08:00', '12:00']], 'Monday to Friday kept, Saturday added');
  await shot('saturday-added');

  // Dr Amara, then Dr Bello at once: Bello's answer comes first, Amara's
  // after it, and must not fill Bello's form.
  const form = page.locator('form', { hasText: "Clinicians' hours" });
  const monday = form.locator('.day', { hasText: 'Monday' }).getByRole('checkbox');
  const saturday = form.locator('.day', { hasText: 'Saturday' }).getByRole('checkbox');
  // The first clinician's hours shown (whichever it is).
  await page.waitForFunction(() => document.querySelector('select[aria-label=Clinician]')?.value &&
    !document.querySelector('[data-testid=availability-loading]'));
  await form.getByLabel('Clinician').selectOption(a.id);
  await form.locator('.day', { hasText: 'Monday' }).getByLabel('Monday from').waitFor();
  const availability = await hold(page, 'Schedule/Availability');
  await form.getByLabel('Clinician').selectOption(b.id);
  await form.getByLabel('Clinician').selectOption(a.id);
  await form.getByLabel('Clinician').selectOption(b.id);
  // The last call held is Bello's, the last choice; Amara's is the one
  // before it. Under latency chaos a read of what was shown before may be
  // held too, ahead of them: it is answered last, with the rest.
  let calls = await availability.calls(3);
  for (let n = 4; calls.at(-1).args[0] !== b.id || !calls.some((c) => c.args[0] === a.id); n++) {
    calls = await availability.calls(n);
  }
  const forB = calls.at(-1);
  const forA = calls.findLast((c) => c.args[0] === a.id);
  assert.equal(await form.getByRole('button', { name: "Save clinician's hours" }).isDisabled(), true,
    "Bello's hours cannot be saved before they arrive");
  const answered = (id) =>
    page.waitForResponse((r) => r.url().endsWith('/Schedule/Availability') && JSON.parse(r.request().postData())[0] === id);
  const bAnswered = answered(b.id);
  forB.release();
  await (await bAnswered).finished();
  await form.getByLabel('Saturday from').waitFor();
  const aAnswered = answered(a.id);
  forA.release();
  await (await aAnswered).finished();
  await settled(page);
  assert.equal(await form.getByLabel('Clinician').inputValue(), b.id);
  assert.equal(await saturday.isChecked(), true, "Bello's Saturday");
  assert.equal(await monday.isChecked(), false, "Amara's Monday is not shown under Bello's name");
  await availability.release();
  await shot('bello-after-amara-answered-late');
  // Saving Bello's hours saves Bello's hours.
  await form.getByLabel('Saturday until').fill('13:00');
  await form.getByRole('button', { name: "Save clinician's hours" }).click();
  await page.getByText('Saved the hours of Dr Bello.').waitFor();
  assert.deepEqual((await call(page, 'Schedule', 'Availability', b.id)).map((x) => [x.weekday, x.start, x.end]),
    [[6, '10:00', '13:00']]);
  assert.equal((await call(page, 'Schedule', 'Availability', a.id)).length, 5, "Amara's hours untouched");
  await ctx.close();
});

test('a visit note typed at once keeps every character, through late loads and a reload', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '32-late-visit-note');
  await signInAsNewClinician(page, folio, 'drnote', 'Dr Note');
  const patient = await call(page, 'Patients', 'Register', {
    familyName: 'Mensah', givenNames: 'Kofi', birthDate: '1970-05-02', sex: 'male', phone: '555-220-1000',
  });
  await page.goto(`${folio.url}/#/patients/${patient.id}`);
  await page.getByTestId('visits').waitFor();

  // The visit screen reads the visit, templates, phrases and the patient's
  // lists; the visit's own answer is held while all four parts are typed.
  const encounter = await hold(page, 'Chart/Encounter');
  await page.getByRole('button', { name: 'New visit' }).click();
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  await encounter.calls(1);
  const typed = {
    Subjective: 'Cough for 3 days, no fever.',
    Objective: 'Chest clear. Temp 37.1.',
    Assessment: 'Viral upper respiratory infection.',
    Plan: 'Fluids and rest; return if worse.',
  };
  for (const [part, text] of Object.entries(typed)) await page.getByLabel(part).pressSequentially(text);
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/Chart/Encounter'));
  await encounter.release();
  await (await answered).finished();
  await settled(page);
  for (const [part, text] of Object.entries(typed)) assert.equal(await page.getByLabel(part).inputValue(), text, part);
  await page.getByTestId('save-state').getByText(/Draft saved/).waitFor();
  assert.equal(await page.getByTestId('save-conflict').count(), 0, 'no conflict with itself');
  for (const [part, text] of Object.entries(typed)) assert.equal(await page.getByLabel(part).inputValue(), text, part);
  await shot('typed-at-once');

  await page.reload();
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  for (const [part, text] of Object.entries(typed)) assert.equal(await page.getByLabel(part).inputValue(), text, `${part} after reload`);
  const encounterId = decodeURIComponent(new URL(page.url()).hash.split('/').pop());
  const saved = await call(page, 'Chart', 'Encounter', encounterId);
  assert.equal(saved.note.subjective, typed.Subjective);

  // Typed, and the window reloaded before it could be saved: the text comes
  // back from the draft store, marked, and is saved with the next change.
  const saves = await hold(page, 'Chart/SaveDraft', { reach: false });
  page.on('dialog', (d) => d.accept());
  await page.getByLabel('Plan').pressSequentially(' Review in 2 days.');
  await saves.calls(1);
  await page.reload();
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  await page.getByTestId('draft-restored').waitFor();
  assert.equal(await page.getByLabel('Plan').inputValue(), `${typed.Plan} Review in 2 days.`);
  await shot('restored-after-reload');
  await saves.drop(); // the save before the reload never reached Folio
  await page.getByLabel('Plan').press('End');
  await page.getByLabel('Plan').pressSequentially(' Call if short of breath.');
  await page.getByTestId('save-state').getByText(/Draft saved/).waitFor();
  assert.equal(await page.getByTestId('draft-restored').count(), 0);
  const final = await call(page, 'Chart', 'Encounter', encounterId);
  assert.equal(final.note.plan, `${typed.Plan} Review in 2 days. Call if short of breath.`);
  assert.equal(final.note.subjective, typed.Subjective);
  await ctx.close();
});

test('a half-typed vital survives the screen lock, which shows nothing of the chart, and is then saved', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '33-vitals-across-lock');
  await signInAsNewClinician(page, folio, 'drlock', 'Dr Lock');
  const patient = await call(page, 'Patients', 'Register', {
    familyName: 'Quist', givenNames: 'Ama', birthDate: '1966-11-30', sex: 'female', phone: '555-220-2000',
  });
  await page.goto(`${folio.url}/#/patients/${patient.id}`);
  const vitals = page.getByTestId('vitals');
  await vitals.getByLabel('Systolic').pressSequentially('148');
  await page.keyboard.press('Control+l');
  await page.getByRole('heading', { name: 'Screen locked' }).waitFor();
  assert.equal(await page.getByTestId('patient-banner').count(), 0, 'the locked screen shows nothing of the chart');
  assert.equal(await page.getByText('QUIST').count(), 0);
  assert.equal(await page.getByTestId('vitals').count(), 0);
  await shot('locked');

  await page.getByLabel('Password').fill(clinicianPassword);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await vitals.waitFor();
  assert.equal(await vitals.getByLabel('Systolic').inputValue(), '148', 'the half-typed systolic is still there');
  await vitals.getByTestId('draft-restored').waitFor();
  await shot('unlocked-with-the-draft');
  await vitals.getByLabel('Diastolic').fill('92');
  await vitals.getByRole('button', { name: 'Record vitals' }).click();
  await vitals.locator('tbody tr').filter({ hasText: '148/92' }).waitFor();
  assert.equal(await vitals.getByLabel('Systolic').inputValue(), '', 'the form is empty once recorded');
  assert.equal(await vitals.getByTestId('draft-restored').count(), 0);

  await page.reload();
  await page.getByTestId('vitals').locator('tbody tr').filter({ hasText: '148/92' }).waitFor();
  assert.equal(await vitals.getByLabel('Systolic').inputValue(), '', 'no draft left after saving');
  await ctx.close();
});

test('a lost connection loses no typing: the note is kept, and saved once Folio answers again', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '34-lost-connection');
  await signInAsNewClinician(page, folio, 'drnet', 'Dr Net');
  const patient = await call(page, 'Patients', 'Register', {
    familyName: 'Ofori', givenNames: 'Akua', birthDate: '1981-09-09', sex: 'female', phone: '555-220-3000',
  });
  const visit = await call(page, 'Chart', 'OpenEncounter', patient.id, '');
  await page.goto(`${folio.url}/#/encounters/${visit.id}`);
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();

  // The connection drops: every save fails as a network error would.
  const down = (route) => route.abort('internetdisconnected');
  await page.route('**/api/Chart/SaveDraft', down);
  await page.getByLabel('Subjective').pressSequentially('Headache since this morning, worse on bending.');
  await page.getByTestId('save-state').getByText(/Not saved/).waitFor();
  assert.equal(await page.getByLabel('Subjective').inputValue(), 'Headache since this morning, worse on bending.');
  await shot('not-saved-while-down');

  // Back up: the note is saved without another keystroke.
  await page.unroute('**/api/Chart/SaveDraft', down);
  await page.getByTestId('save-state').getByText(/Draft saved/).waitFor();
  const saved = await call(page, 'Chart', 'Encounter', visit.id);
  assert.equal(saved.note.subjective, 'Headache since this morning, worse on bending.');
  await ctx.close();
});

test('a refusal sent while the screen was locked, answered after the unlock, does not lock it again', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '35-late-refusal');
  await signInAsNewClinician(page, folio, 'drrelock', 'Dr Relock');
  const patient = await call(page, 'Patients', 'Register', {
    familyName: 'Sarpong', givenNames: 'Yaa', birthDate: '1972-02-02', sex: 'female', phone: '555-220-4000',
  });
  // The chart's summary is read as it opens: that call reaches Folio only
  // once the screen is locked there, and its refusal reaches the page only
  // after the unlock.
  let send, answer, gated, refused;
  const sendNow = new Promise((r) => (send = r));
  const answerNow = new Promise((r) => (answer = r));
  const summaryAsked = new Promise((r) => (gated = r));
  const refusedThere = new Promise((r) => (refused = r));
  let first = true;
  await page.route('**/api/Chart/Summary', async (route) => {
    if (!first) return route.fallback();
    first = false;
    gated();
    await sendNow;
    try {
      const response = await route.fetch();
      refused(response.status());
      await answerNow;
      await route.fulfill({ response });
    } catch (err) {
      refused(`no answer: ${err.message}`);
    }
  });
  await page.goto(`${folio.url}/#/patients/${patient.id}`);
  await page.getByTestId('patient-banner').waitFor();
  await within(summaryAsked, 'the chart asked for its summary');
  const lockedThere = page.waitForResponse((r) => r.url().endsWith('/api/Auth/Lock'));
  await page.keyboard.press('Control+l');
  await page.getByRole('heading', { name: 'Screen locked' }).waitFor();
  await lockedThere;
  send();
  assert.equal(await within(refusedThere, 'Folio answered the summary'), 423, 'Folio refused the call: the screen was locked');
  await page.getByLabel('Password').fill(clinicianPassword);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByTestId('patient-banner').waitFor();
  const late = page.waitForResponse((r) => r.url().endsWith('/api/Chart/Summary') && r.status() === 423);
  answer();
  await (await late).finished();
  await settled(page);
  assert.equal(await page.getByRole('heading', { name: 'Screen locked' }).count(), 0, 'still unlocked');
  await page.getByTestId('summary-problems').waitFor();
  await shot('still-unlocked');
  await ctx.close();
});
