// Telehealth (issue 14): the admin confirms the clinic's meeting-link
// template, the desk books a Video visit and its link shows in the
// appointment, the reminder letter, the day list and the check-in board;
// the clinician starts it: the patient's consent is asked once and
// recorded, the link opens in a new tab, and the visit says Video visit.
//
// Nothing leaves this machine: every address outside Folio (the meeting
// service) is answered by a stand-in page of the test's own.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminPassword, call, chaosMaxDelay, dayOf, launchBrowser, setUpClinic, shooter, signIn, startFolio, test } from './harness.js';

let folio;
let chromium;
let lee;
let patient;
const password = 'video-password-123';
const today = dayOf(new Date());
const soon = { timeout: 5000 + 2 * chaosMaxDelay };
const template = 'https://meet.example.org/{clinic}-{room}';
const linkPattern = /^https:\/\/meet\.example\.org\/riverside-family-practice-[a-z2-7]{26}$/;

/** context is a browser context whose every request to anywhere but Folio
 * is answered here, as a stand-in meeting page; opened is each such address. */
async function context(viewport = { width: 1400, height: 1000 }) {
  const ctx = await chromium.browser.newContext({ viewport });
  const origin = new URL(folio.url).origin;
  const opened = [];
  await ctx.route((url) => url.origin !== origin, (route) => {
    opened.push(route.request().url());
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Stand-in video call</h1>' });
  });
  return { ctx, opened };
}

async function signedIn(username, pw = password) {
  const { ctx, opened } = await context();
  const page = await ctx.newPage();
  await page.goto(folio.url);
  await signIn(page, username, pw);
  await page.getByTestId('signed-in-as').waitFor();
  return { ctx, page, opened };
}

before(async () => {
  folio = await startFolio();
  setUpClinic(folio);
  chromium = await launchBrowser();
  const { ctx, page } = await signedIn('admin', adminPassword);
  for (const [username, fullName, role] of [['desk', 'Dana Desk', 'frontdesk'], ['drlee', 'Dr Lee', 'clinician']]) {
    await call(page, 'Admin', 'AddUser', { username, fullName, role, password });
  }
  await call(page, 'Schedule', 'SaveHours', [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, opens: '07:00', closes: '20:00' })));
  lee = (await call(page, 'Schedule', 'Clinicians')).find((c) => c.fullName === 'Dr Lee');
  await ctx.close();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

test('the admin confirms the meeting-link template; a bad one is refused beside the field', async () => {
  const { ctx, page } = await signedIn('admin', adminPassword);
  const shot = shooter(page, 'video-1-settings');
  await page.goto(`${folio.url}/#/admin/settings`);
  const field = page.getByLabel('Video visit link');
  await page.locator('button:has-text("Save settings"):enabled').waitFor(soon);
  assert.equal(await field.inputValue(), '', 'nothing is set until the clinic confirms it');
  await page.getByText('Not set: video visits cannot be booked.').waitFor(soon);
  await page.getByTestId('use-suggested-link').click();
  assert.equal(await field.inputValue(), 'https://meet.jit.si/{clinic}-{room}');

  await field.fill('http://meet.example.org/{room}');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.locator('#meetingLinkTemplate-error').getByText(/must start with https:\/\//).waitFor(soon);
  await shot('refused');
  await field.fill('https://meet.example.org/clinic');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.locator('#meetingLinkTemplate-error').getByText(/Put \{room\} in the link/).waitFor(soon);

  await field.fill(template);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Settings saved.').waitFor(soon);
  const saved = await call(page, 'Admin', 'Settings');
  assert.equal(saved.meetingLinkTemplate, template);
  await shot('saved');

  // Video visit is a type of its own, and any type can be made one.
  await page.goto(`${folio.url}/#/admin/schedule`);
  const row = page.getByTestId('visit-types').locator('tr', { hasText: 'Video visit' });
  await row.getByRole('cell', { name: 'video', exact: true }).waitFor(soon);
  await ctx.close();
});

test('the desk books a Video visit: its link in the appointment, the reminder letter, the day list and the board', async () => {
  const { ctx, page } = await signedIn('desk');
  const shot = shooter(page, 'video-2-desk');
  patient = await call(page, 'Patients', 'Register', {
    familyName: 'Vidal', givenNames: 'Rosa', birthDate: '1958-05-02', sex: 'female', phone: '555-410-2020',
    addressLine: '4 Quay Street', city: 'Salem', region: 'OR', postalCode: '97301',
  });

  await page.getByRole('link', { name: 'Calendar' }).click();
  await page.getByTestId('calendar').locator('.ec').waitFor(soon);
  await page.getByRole('button', { name: 'New appointment' }).click();
  const form = page.getByTestId('booking-form');
  await form.getByLabel('Patient').fill('vidal');
  await form.getByRole('button', { name: /VIDAL, Rosa/ }).click(soon);
  await form.getByLabel('Clinician').selectOption(lee.id);
  await form.getByLabel('Visit type').selectOption({ label: 'Video visit (15 min)' });
  await form.getByLabel('Date').fill(today);
  await form.getByLabel('Time').fill('10:00');
  const booked = page.waitForResponse((r) => r.url().endsWith('/api/Schedule/Book'));
  await form.getByRole('button', { name: 'Book', exact: true }).click();
  const appt = (await (await booked).json()).appointments[0];
  assert.match(appt.meetingLink, linkPattern);
  assert.equal(appt.virtual, true);
  await form.waitFor({ state: 'detached', ...soon });

  await page.locator('.ec-event', { hasText: 'VIDAL' }).click();
  const details = page.getByTestId('appointment-details');
  await details.getByTestId('meeting-link').getByText(appt.meetingLink).waitFor(soon);
  await shot('appointment');

  await details.getByTestId('print-reminder').click();
  const letter = page.getByTestId('appointment-letter');
  await letter.getByText('Open this link on your phone or computer at the time of your visit').waitFor(soon);
  assert.equal(await letter.getByTestId('letter-link').textContent(), appt.meetingLink);
  assert.match(await letter.textContent(), /Dear Rosa Vidal,.*video visit.*Dr Lee/s);
  assert.match(await letter.textContent(), /4 Quay Street/);
  await shot('reminder-letter');
  await letter.getByRole('button', { name: 'Close' }).click();
  await letter.waitFor({ state: 'detached', ...soon });

  await page.getByRole('link', { name: 'Day list' }).click();
  const dayLink = page.getByTestId('day-list').getByTestId('day-list-link');
  await dayLink.getByText(appt.meetingLink).waitFor(soon);
  await shot('day-list');

  await page.getByRole('link', { name: 'Check-in' }).click();
  await page.getByTestId('board').getByTestId('board-link').getByText(appt.meetingLink).waitFor(soon);
  await shot('board');
  await ctx.close();
});

test('the clinician starts it: consent asked once and recorded, the link opened, the visit a Video visit', async () => {
  const { ctx, page, opened } = await signedIn('drlee');
  const shot = shooter(page, 'video-3-clinician');
  const appt = (await call(page, 'Schedule', 'Day', today, lee.id)).appointments.find((a) => a.patientId === patient.id);
  assert.ok(appt?.virtual, 'the desk’s video visit is there');

  await page.getByRole('link', { name: 'Calendar' }).click();
  await page.getByTestId('calendar').locator('.ec').waitFor(soon);
  await page.locator('.ec-event', { hasText: 'VIDAL' }).click();
  const details = page.getByTestId('appointment-details');
  const start = details.getByRole('button', { name: 'Start video visit' });
  await start.waitFor(soon);
  await start.click();

  // No consent yet: asked first, and nothing opens.
  const dialog = details.getByTestId('consent-dialog');
  await dialog.getByRole('heading', { name: 'Consent to video visits' }).waitFor(soon);
  await dialog.getByRole('button', { name: 'Record consent' }).click();
  await dialog.getByText('Say how the patient consented: verbally or in writing.').waitFor(soon);
  await shot('consent-asked');
  await dialog.getByLabel('Verbally, just now').check();
  await dialog.getByLabel('Note (optional)').fill('asked by phone before the call');
  await dialog.getByRole('button', { name: 'Record consent' }).click();
  await details.getByTestId('consent-recorded').waitFor(soon);
  await details.getByTestId('consent-on-file').getByText(/verbal, recorded by Dr Lee/).waitFor(soon);
  assert.deepEqual(opened, [], 'nothing was opened before the consent');
  const consent = await call(page, 'Chart', 'TelehealthConsent', patient.id);
  assert.equal(consent.current.method, 'verbal');
  assert.equal(consent.current.recordedByName, 'Dr Lee');

  const popup = ctx.waitForEvent('page');
  await details.getByRole('button', { name: 'Start video visit' }).click();
  const call1 = await popup;
  await call1.getByRole('heading', { name: 'Stand-in video call' }).waitFor(soon);
  assert.match(call1.url(), linkPattern);
  await page.getByTestId('visit-banner').getByTestId('video-visit').getByText('Video visit').waitFor(soon);
  await shot('video-visit-open');
  assert.equal(opened.length, 1);
  assert.match(opened[0], linkPattern);
  await call1.close();

  // The next video visit asks nothing: the consent is on record.
  const next = (await call(page, 'Schedule', 'Book', { patientId: patient.id, clinicianId: lee.id,
    typeId: appt.typeId, start: `${today}T17:00`, end: '', note: '', recurrence: { every: '', count: 0 } })).appointments[0];
  assert.notEqual(next.meetingLink, appt.meetingLink, 'a room of its own');
  // This time from the check-in board, where the card shows its link.
  await page.getByRole('link', { name: 'Check-in' }).click();
  const card = page.getByTestId('board-card').filter({ hasText: '17:00' });
  await card.getByTestId('board-link').getByText(next.meetingLink).waitFor(soon);
  await shot('board');
  const popup2 = ctx.waitForEvent('page');
  await card.getByRole('button', { name: 'Start video visit' }).click();
  const call2 = await popup2;
  await call2.waitForLoadState();
  assert.equal(call2.url(), next.meetingLink);
  assert.equal(await page.getByTestId('consent-dialog').count(), 0, 'consent is asked once');
  await page.getByTestId('visit-banner').getByTestId('video-visit').waitFor(soon);
  await shot('second-video-visit');
  await call2.close();
  await ctx.close();
});
