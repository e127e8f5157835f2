// What a patient is due for alone: a clinician asks for a follow-up at a
// visit (offered from the plan's "see in 3 months") and signs the note; the
// desk's Recalls list it with what was asked, and Book opens the calendar
// with the patient and a Follow-up visit chosen; once booked the row
// leaves. A clinician's reminder set in the care panel is due in the
// chart's Due box and on the desk's list from its day.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, chaosMaxDelay, dayOf, launchBrowser, nextWeekday, shooter, signIn, startFolio, test } from './harness.js';

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

test('follow-up: asked at a visit, listed for the desk once signed, booked from the row; a reminder is due', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '63-follow-up');
  await page.goto(folio.url);
  await signIn(page, 'drlee', 'demo-clinician-pass');
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  const p = await call(page, 'Patients', 'Register', {
    familyName: 'Followell', givenNames: 'Ines', birthDate: '1961-04-09', sex: 'female', phone: '555-300-4141',
  });
  const visit = await call(page, 'Chart', 'OpenEncounter', p.id, '');
  await page.goto(`${folio.url}/#/encounters/${visit.id}`);
  await page.getByTestId('note-editor').waitFor(soon);
  await page.locator('#note-assessment').fill('Hypertension, not at goal.');
  await page.locator('#note-plan').fill('Amlodipine 5 mg daily. See in 3 months with a BP log.');

  // The plan's words are offered; nothing is set until the clinician says.
  const followUp = page.getByTestId('follow-up');
  await followUp.getByTestId('follow-up-suggestion').getByText('The plan says to follow up in 3 months.').waitFor(soon);
  await followUp.getByRole('button', { name: 'Set follow-up in 3 months' }).click();
  assert.equal(await followUp.getByLabel('Follow-up').inputValue(), '3 months');
  await followUp.getByLabel('For the desk (optional)').fill('with BP log');
  await followUp.getByRole('button', { name: 'Set follow-up' }).click();
  await followUp.getByTestId('follow-up-state').getByText(/It goes to the desk's Recalls when the note is signed/).waitFor(soon);
  await shot('01-follow-up-set');
  await page.getByRole('button', { name: 'Sign note' }).click();
  await page.getByTestId('signed-note').waitFor(soon);
  await followUp.getByTestId('follow-up-state').getByText(/On the desk's Recalls until a visit is booked/).waitFor(soon);

  // A reminder in the care panel: due today, so in the Due box at once.
  await page.goto(`${folio.url}/#/patients/${p.id}`);
  const panel = page.getByTestId('care');
  await panel.getByTestId('reminder-add').click();
  const form = panel.getByTestId('reminder-form');
  await form.getByRole('button', { name: 'Set reminder' }).click();
  await form.getByText('Say what is due (e.g. recheck potassium).').waitFor(soon);
  await form.getByLabel('What is due').fill('Call with echo result');
  await form.getByLabel('Due on').fill(dayOf(new Date()));
  await form.getByRole('button', { name: 'Set reminder' }).click();
  await panel.getByTestId('care-reminder').filter({ hasText: 'Call with echo result' }).waitFor(soon);
  const due = page.getByTestId('summary-due');
  await due.getByRole('button', { name: "Clinician's reminder: Call with echo result" }).waitFor(soon);
  await due.getByRole('button', { name: /Follow-up visit: see in 3 months/ }).waitFor(soon);
  await shot('02-due-box');

  // The desk, on its own PC: the follow-up is on Recalls with what was asked.
  const desk = await chromium.browser.newContext({ viewport: { width: 1500, height: 1000 } });
  const deskPage = await desk.newPage();
  const deskShot = shooter(deskPage, '63-follow-up-desk');
  await deskPage.goto(folio.url);
  await signIn(deskPage, 'desk', 'demo-frontdesk-pass');
  await deskPage.getByTestId('nav-recalls').click();
  const list = deskPage.getByTestId('recalls');
  const row = (rule) => list.locator(`[data-testid="recall"][data-mrn="${p.mrn}"][data-rule="${rule}"]`);
  await deskPage.getByLabel('Due for').selectOption({ label: 'Follow-up visit' });
  await row('follow-up').waitFor(soon);
  assert.match(await row('follow-up').textContent(), /FOLLOWELL, Ines.*555-300-4141.*Follow-up visit.*see in 3 months \(by \d{4}-\d{2}-\d{2}\).*with BP log/s);
  await deskPage.getByLabel('Due for').selectOption('');
  await row('reminder').waitFor(soon);
  assert.match(await row('reminder').textContent(), /Clinician's reminder.*Call with echo result/s);
  await deskShot('01-recalls');

  // Book from the row: the patient and a Follow-up visit are chosen.
  await row('follow-up').getByRole('button', { name: 'Book' }).click();
  const booking = deskPage.getByTestId('booking-form');
  await booking.waitFor(soon);
  assert.match(await booking.textContent(), /FOLLOWELL|Followell/);
  const type = booking.getByLabel('Visit type');
  assert.match(await type.locator('option:checked').textContent(), /^Follow-up\b/);
  assert.match(await booking.getByLabel('Note for the front desk').inputValue(), /Follow-up visit: see in 3 months/);
  await deskShot('02-booking');
  await booking.getByLabel('Date').fill(nextWeekday());
  await booking.getByLabel('Time').fill('11:00');
  await booking.getByRole('button', { name: 'Book', exact: true }).click();
  await booking.waitFor({ state: 'detached', ...soon });
  await deskPage.getByTestId('nav-recalls').click();
  await row('reminder').waitFor(soon);
  assert.equal(await row('follow-up').count(), 0, 'a booked follow-up leaves the list');

  // The clinician's visit screen says it is booked.
  await page.goto(`${folio.url}/#/encounters/${visit.id}`);
  await page.getByTestId('follow-up-state').getByText(/Visit booked for \d{4}-\d{2}-\d{2} 11:00/).waitFor(soon);
  await shot('03-booked');
  await desk.close();
  await ctx.close();
});
