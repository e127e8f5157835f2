// The desk works through its recall list: everyone due for a care rule,
// filtered by rule; a call's outcome shows on the row; a snooze hides it
// until its day; Book opens the calendar with the patient chosen and marks
// the row booked; a screening charted on a clinician's screen takes the
// row off the desk's list as it happens.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, chaosMaxDelay, launchBrowser, nextWeekday, shooter, signIn, startFolio, test } from './harness.js';

let folio;
let chromium;
const soon = { timeout: 5000 + 2 * chaosMaxDelay };

before(async () => {
  folio = await startFolio({
    prepare(cli) {
      const r = cli(['demo', '--patients', '5', '--charts', '1']);
      if (r.status !== 0) throw new Error(`folio demo failed: ${r.stderr}`);
    },
  });
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

test('recalls: the desk filters, calls, snoozes and books; a screening charted takes the row off', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1500, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '62-recalls');
  await page.goto(folio.url);
  await signIn(page, 'desk', 'demo-frontdesk-pass');
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  const year = new Date().getFullYear();
  const fifty = await call(page, 'Patients', 'Register', {
    familyName: 'Recallson', givenNames: 'Mae', birthDate: `${year - 56}-02-02`, sex: 'female', phone: '555-300-1111',
  });
  const young = await call(page, 'Patients', 'Register', {
    familyName: 'Youngblood', givenNames: 'Ty', birthDate: `${year - 26}-05-05`, sex: 'male', phone: '555-300-2222',
  });

  await page.getByTestId('nav-recalls').click();
  const list = page.getByTestId('recalls');
  const row = (p, rule) => list.locator(`[data-testid="recall"][data-mrn="${p.mrn}"][data-rule="${rule}"]`);
  await row(fifty, 'colorectal-cancer-screening').waitFor(soon);
  await row(young, 'hiv-screening').waitFor();

  // Only the colorectal screenings: the young man is not on it.
  await page.getByLabel('Due for').selectOption({ label: 'Colorectal cancer screening' });
  await row(young, 'hiv-screening').waitFor({ state: 'detached', ...soon });
  assert.match(await row(fifty, 'colorectal-cancer-screening').textContent(), /RECALLSON, Mae.*555-300-1111.*Colorectal cancer screening.*never/s);
  await shot('01-colorectal');

  // A call: a message left.
  await row(fifty, 'colorectal-cancer-screening').getByRole('button', { name: 'Called…' }).click();
  const form = list.getByTestId('outreach-form');
  await form.getByLabel('Left a message').check();
  await form.getByLabel('Note').fill('voicemail, will call back');
  await form.getByRole('button', { name: 'Record message left' }).click();
  await row(fifty, 'colorectal-cancer-screening').getByText('Message left').waitFor(soon);
  assert.match(await row(fifty, 'colorectal-cancer-screening').textContent(), /voicemail, will call back/);

  // A snooze without a date is refused on its field; with one the row goes.
  await row(fifty, 'colorectal-cancer-screening').getByRole('button', { name: 'Snooze…' }).click();
  await form.getByLabel('Snooze until').fill('');
  await form.getByRole('button', { name: 'Record snoozed' }).click();
  await form.getByText('Say until when.').waitFor(soon);
  await form.getByLabel('Snooze until').fill(nextWeekday());
  await form.getByRole('button', { name: 'Record snoozed' }).click();
  await row(fifty, 'colorectal-cancer-screening').waitFor({ state: 'detached', ...soon });
  await page.getByLabel('Show snoozed and booked').check();
  await row(fifty, 'colorectal-cancer-screening').getByText(/Snoozed until/).waitFor(soon);
  await shot('02-snoozed');
  await page.getByLabel('Show snoozed and booked').uncheck();

  // Book from a row: the calendar opens with the patient chosen.
  await page.getByLabel('Due for').selectOption('');
  await row(young, 'hiv-screening').getByRole('button', { name: 'Book' }).click();
  const booking = page.getByTestId('booking-form');
  await booking.waitFor(soon);
  assert.match(await booking.textContent(), /YOUNGBLOOD|Youngblood/);
  const day = nextWeekday();
  await booking.getByLabel('Date').fill(day);
  await booking.getByLabel('Time').fill('10:00');
  await booking.getByRole('button', { name: 'Book', exact: true }).click();
  await booking.waitFor({ state: 'detached', ...soon });
  await page.getByTestId('nav-recalls').click();
  // Booked for a later day: off the list until then, and said so with the snoozed.
  // (The screen shows no list until the list as it is now has come.)
  await row(fifty, 'breast-cancer-screening').waitFor(soon);
  assert.equal(await row(young, 'hiv-screening').count(), 0);
  await page.getByLabel('Show snoozed and booked').check();
  await row(young, 'hiv-screening').getByText(new RegExp(`Booked until ${day}`)).waitFor(soon);
  await page.getByLabel('Show snoozed and booked').uncheck();

  // A clinician charts the 56-year-old's mammogram on another PC: the
  // row leaves this list as it happens.
  await row(fifty, 'breast-cancer-screening').waitFor(soon);
  const other = await chromium.browser.newContext();
  const doctor = await other.newPage();
  await doctor.goto(folio.url);
  await signIn(doctor, 'drlee', 'demo-clinician-pass');
  await doctor.getByRole('heading', { name: 'Find a patient' }).waitFor();
  await call(doctor, 'Chart', 'RecordCare', fifty.id, { kind: 'done', ruleId: 'breast-cancer-screening',
    codeSystem: 'http://www.ama-assn.org/go/cpt', code: '77067', display: '', performedOn: '', result: 'BI-RADS 1',
    source: 'here', performer: '', note: '' });
  await other.close();
  await row(fifty, 'breast-cancer-screening').waitFor({ state: 'detached', ...soon });
  await shot('03-after-the-mammogram');

  // Letters: one per patient shown, headed by the clinic, with all they
  // are due for of the rule chosen; as labels too; each row then says so.
  await page.getByLabel('Due for').selectOption({ label: 'Hepatitis C screening (once)' });
  await row(fifty, 'hepatitis-c-screening').waitFor(soon);
  await page.getByRole('button', { name: 'Letters and labels…' }).click();
  const view = page.getByTestId('recall-letters');
  const letter = view.getByTestId('recall-letter').filter({ hasText: 'Mae Recallson' });
  await letter.waitFor(soon);
  assert.match(await letter.textContent(), /Demo Clinic.*Tel\. 503-555-0142.*Dear Mae Recallson.*Hepatitis C screening \(once\)/s);
  await shot('04-letter');
  await view.getByLabel('Address labels instead').check();
  await view.getByTestId('recall-labels').getByText('Mae Recallson').waitFor();
  await view.getByRole('button', { name: 'Close' }).click();
  await view.waitFor({ state: 'detached' });
  await row(fifty, 'hepatitis-c-screening').getByText('Letter sent').waitFor(soon);
  await ctx.close();
});
