// The desk's calendar as found by testing (issue 13): every appointment
// shows its patient's name, a 15-minute one too; the calendar opens on
// today's day with a column per clinician and remembers each person's
// choice; Reschedule finds the next free slot; and a booking can be made
// with the keyboard alone.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminPassword, call, chaosMaxDelay, dayOf, hold, launchBrowser, setUpClinic, shooter, signIn, startFolio, test } from './harness.js';

let folio;
let chromium;
const deskPassword = 'desk-password-123';
const today = dayOf(new Date());
// A day a week ahead: its free slots do not depend on the time the test runs.
const later = dayOf(new Date(Date.now() + 7 * 86_400_000));
let lee;
let kim;
let types;

before(async () => {
  folio = await startFolio();
  setUpClinic(folio);
  chromium = await launchBrowser();
  const ctx = await chromium.browser.newContext();
  const page = await ctx.newPage();
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  for (const [username, fullName, role] of [
    ['desk', 'Dana Desk', 'frontdesk'],
    ['omar', 'Omar Desk', 'frontdesk'],
    ['drlee', 'Dr Lee', 'clinician'],
    ['drkim', 'Dr Kim', 'clinician'],
    ['drpatel', 'Dr Patel', 'clinician'],
    // Ten clinicians in all: the whole clinic's day has narrow columns.
    ...['Abara', 'Bauer', 'Chen', 'Diaz', 'Eriksen', 'Fofana', 'Gupta'].map((n) => [`dr${n.toLowerCase()}`, `Dr ${n}`, 'clinician']),
  ]) {
    await call(page, 'Admin', 'AddUser', { username, fullName, role, password: deskPassword });
  }
  await call(page, 'Schedule', 'SaveHours', [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, opens: '07:00', closes: '20:00' })));
  const clinicians = await call(page, 'Schedule', 'Clinicians');
  lee = clinicians.find((c) => c.fullName === 'Dr Lee');
  kim = clinicians.find((c) => c.fullName === 'Dr Kim');
  types = await call(page, 'Schedule', 'Types');
  await ctx.close();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

async function signedIn(username, viewport = { width: 1920, height: 1080 }) {
  const ctx = await chromium.browser.newContext({ viewport });
  const page = await ctx.newPage();
  await page.goto(folio.url);
  await signIn(page, username, deskPassword);
  await page.getByTestId('signed-in-as').waitFor();
  return { ctx, page };
}

const typeNamed = (name) => types.find((t) => t.name === name);

async function register(page, familyName, givenNames, phone = '') {
  return call(page, 'Patients', 'Register', { familyName, givenNames, birthDate: '1970-04-02', sex: 'female', phone,
    addressLine: '', city: '', region: '', postalCode: '' });
}

function book(page, patient, clinician, type, start, note = '') {
  return call(page, 'Schedule', 'Book', { patientId: patient.id, clinicianId: clinician.id, typeId: type.id, start,
    end: '', note, recurrence: { every: '', count: 0 } });
}

async function openCalendar(page) {
  await page.getByRole('link', { name: 'Calendar' }).click();
  await page.getByTestId('calendar').locator('.ec').waitFor();
}

test("a 15-minute appointment shows its patient's name, with the visit type and phone in its tooltip", async () => {
  const { ctx, page } = await signedIn('desk');
  const shot = shooter(page, 'calendar-desk-1-names');
  const p = await register(page, 'Wolfeschlegelsteinhausen', 'Hubert Blaine', '555-410-2020');
  await book(page, p, lee, typeNamed('Consultation'), `${today}T11:00`);
  await openCalendar(page);
  const event = page.locator('.ec-event', { hasText: 'WOLFESCHLEGELSTEINHAUSEN' });
  await event.waitFor();
  await event.scrollIntoViewIfNeeded();
  const box = await event.boundingBox();
  const name = event.locator('.who');
  const nameBox = await name.boundingBox();
  assert.ok(box.height < 40, `a 15-minute box is short: ${box.height}px`);
  assert.ok(box.width < 200, `in a narrow column: ${box.width}px`);
  // The name's line lies inside the box, not cut off below the time.
  assert.ok(nameBox.y >= box.y - 1 && nameBox.y + nameBox.height <= box.y + box.height + 1,
    `the name is inside its box: ${JSON.stringify({ box, nameBox })}`);
  assert.ok(nameBox.height > 8 && nameBox.width > 40, `the name is drawn: ${JSON.stringify(nameBox)}`);
  assert.equal(await name.innerText(), 'WOLFESCHLEGELSTEINHAUSEN, Hubert Blaine');
  const tip = await event.getByTestId('appointment-box').getAttribute('title');
  assert.match(tip, /WOLFESCHLEGELSTEINHAUSEN, Hubert Blaine/);
  assert.match(tip, /Consultation · 11:00/);
  assert.match(tip, /555-410-2020/);
  await shot('15-minute-name');
  await ctx.close();
});

/** shows waits until a select shows value: the clinicians, its options, may
 * arrive after the choice remembered for it (late answers). */
async function shows(select, value) {
  const until = Date.now() + 5000 + 2 * chaosMaxDelay;
  while ((await select.inputValue()) !== value && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await select.inputValue(), value);
}

test("the calendar opens on today's day by clinician, as tall as the screen, and remembers each person's choice", async () => {
  const { ctx, page } = await signedIn('desk');
  const shot = shooter(page, 'calendar-desk-2-views');
  await openCalendar(page);
  const view = page.getByLabel('View', { exact: true });
  const clinician = page.getByRole('combobox', { name: 'Clinician' });
  assert.equal(await view.inputValue(), 'day');
  assert.equal(await clinician.inputValue(), '', 'the whole clinic');
  for (const name of ['Dr Lee', 'Dr Kim', 'Dr Patel']) await page.getByTestId('calendar').getByText(name).waitFor();
  assert.match(await page.getByRole('heading', { level: 1 }).innerText(), new RegExp(today));
  const cal = await page.getByTestId('calendar').boundingBox();
  assert.ok(cal.y + cal.height > 1080 - 120 && cal.y + cal.height <= 1080, `the calendar reaches the screen's foot: ${JSON.stringify(cal)}`);
  await shot('day-by-clinician');

  // Desk chooses Dr Kim's week: kept across a reload and sign-in...
  await view.selectOption('week');
  await clinician.selectOption(kim.id);
  await page.getByRole('heading', { name: /^Week of/ }).waitFor();
  await page.reload();
  await page.getByTestId('signed-in-as').waitFor();
  await openCalendar(page);
  await page.getByRole('heading', { name: /^Week of/ }).waitFor();
  assert.equal(await view.inputValue(), 'week');
  await shows(clinician, kim.id);
  await shot('remembered-week');

  // ...and a visit to the day list, which shares the calendar's store, does not change it.
  await page.getByRole('link', { name: 'Day list' }).click();
  await page.getByTestId('day-list').waitFor();
  await openCalendar(page);
  assert.equal(await view.inputValue(), 'week');

  // Another person at the desk still gets the day by clinician.
  const other = await signedIn('omar');
  await openCalendar(other.page);
  assert.equal(await other.page.getByLabel('View', { exact: true }).inputValue(), 'day');
  assert.equal(await other.page.getByRole('combobox', { name: 'Clinician' }).inputValue(), '');
  await other.ctx.close();

  // Back to the day by clinician, for the tests after this one.
  await view.selectOption('day');
  await clinician.selectOption('');
  await page.getByRole('heading', { name: new RegExp(`^\\w+day ${today}$`) }).waitFor();
  await ctx.close();
});

test('Reschedule: date, time, clinician, type and note, with the next free slot found; a late answer never overwrites typing', async () => {
  const { ctx, page } = await signedIn('desk');
  const shot = shooter(page, 'calendar-desk-3-reschedule');
  const p = await register(page, 'Ferreira', 'Ines', '555-777-0101');
  const others = [await register(page, 'Busy', 'One'), await register(page, 'Busy', 'Two')];
  // Dr Lee a week ahead: 07:00–07:15 and 07:15–07:45 taken, 07:45 free.
  await book(page, others[0], lee, typeNamed('Consultation'), `${later}T07:00`);
  await book(page, others[1], lee, typeNamed('Long consultation'), `${later}T07:15`);
  const booked = (await book(page, p, kim, typeNamed('Consultation'), `${today}T12:00`)).appointments[0];

  await openCalendar(page);
  await page.locator('.ec-event', { hasText: 'FERREIRA' }).click();
  const details = page.getByTestId('appointment-details');
  await details.getByRole('button', { name: 'Reschedule…' }).click();
  const form = page.getByTestId('appointment-change');
  await form.getByLabel('Date').fill(later);
  await form.getByLabel('Clinician').selectOption(lee.id);
  await form.getByLabel('Visit type').selectOption(typeNamed('Long consultation').id);
  assert.equal(await form.getByLabel('To').inputValue(), '12:30', 'the new type takes its length');
  await form.getByLabel('Note').fill('Moved at her request');

  // The answer held back while the time is typed: it fills nothing.
  const slow = await hold(page, 'Schedule/NextFreeSlot');
  await form.getByTestId('find-free-slot').click();
  await slow.calls(1);
  await form.getByLabel('From').fill('13:00');
  await slow.release();
  await form.getByTestId('free-slot-note').getByText('nothing was filled in').waitFor();
  assert.equal(await form.getByLabel('From').inputValue(), '13:00');
  assert.equal(await form.getByLabel('Date').inputValue(), later);
  await shot('late-answer-kept-typing');

  await form.getByTestId('find-free-slot').click();
  await page.waitForFunction(() => document.querySelector('#appt-from')?.value === '07:45');
  assert.equal(await form.getByLabel('Date').inputValue(), later);
  assert.equal(await form.getByLabel('To').inputValue(), '08:15');
  assert.equal(await form.getByLabel('Note').inputValue(), 'Moved at her request');
  await shot('next-free-slot');
  // Again: the one after it.
  await form.getByTestId('find-free-slot').click();
  await page.waitForFunction(() => document.querySelector('#appt-from')?.value === '07:50');
  await form.getByLabel('From').fill('07:45');
  await form.getByLabel('To').fill('08:15');

  const saved = page.waitForResponse((r) => r.url().endsWith('/api/Schedule/Reschedule'));
  await form.getByRole('button', { name: 'Save change' }).click();
  assert.equal((await saved).status(), 200);
  await form.waitFor({ state: 'detached' });
  const now = await call(page, 'Schedule', 'Appointment', booked.id);
  assert.deepEqual([now.start, now.end, now.clinicianId, now.typeId, now.note],
    [`${later}T07:45`, `${later}T08:15`, lee.id, typeNamed('Long consultation').id, 'Moved at her request']);
  await shot('rescheduled');
  await ctx.close();
});

test('booking with the keyboard alone: N, the patient by arrow keys and Enter, date and time filled in, length empty', async () => {
  const { ctx, page } = await signedIn('desk');
  const shot = shooter(page, 'calendar-desk-4-keyboard');
  await register(page, 'Okonkwo', 'Adaeze');
  await register(page, 'Okoro', 'Ben');
  await openCalendar(page);

  await page.keyboard.press('n');
  const form = page.getByTestId('booking-form');
  await form.waitFor();
  await page.waitForFunction(() => document.activeElement?.id === 'book-patient');
  assert.match(await form.getByLabel('Date').inputValue(), /^\d{4}-\d{2}-\d{2}$/);
  assert.ok((await form.getByLabel('Date').inputValue()) >= today, 'never a past day');
  assert.match(await form.getByLabel('Time').inputValue(), /^\d{2}:\d{2}$/);
  assert.equal(await form.getByLabel('Length (minutes)').inputValue(), '', 'empty, not 0: the type gives the length');

  // N and T typed into a field are letters: the form stays and the calendar keeps its day.
  await page.keyboard.type('okon');
  await form.getByRole('button', { name: /OKONKWO, Adaeze/ }).waitFor();
  assert.equal(await form.getByRole('button', { name: /OKORO/ }).count(), 0);
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  // The matches for "ok" itself (an answer for "oko" may show first).
  await form.locator('#book-patient-hits[aria-busy="false"]').waitFor();
  await form.getByRole('button', { name: /OKORO, Ben/ }).waitFor();
  await form.getByRole('button', { name: /OKONKWO, Adaeze/ }).waitFor();
  // ↓ ↓ ↑ points at the second match; Enter chooses it (Enter never books from here).
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowDown');
  const hits = form.locator('.hit');
  assert.equal(await hits.count(), 2);
  const second = (await hits.nth(1).innerText()).split(' MRN')[0].trim();
  assert.equal((await form.locator('.hit.active').innerText()).split(' MRN')[0].trim(), second);
  await shot('picker-arrow-keys');
  await page.keyboard.press('Enter');
  const chosen = form.getByTestId('chosen-patient');
  await chosen.getByText(second).waitFor();
  // On to the next field (the focus moves once the choice has rendered).
  await page.waitForFunction(() => document.activeElement?.id === 'book-clinician', null, { timeout: 5000 });

  // Tab on to the note (no fixed count), type with N and T in it, Enter books.
  let tabs = 0;
  while ((await page.evaluate(() => document.activeElement?.id)) !== 'book-note' && tabs < 20) {
    await page.keyboard.press('Tab');
    tabs++;
  }
  assert.ok(tabs < 20, `the note is reached in ${tabs} Tab presses`);
  const title = await page.getByRole('heading', { level: 1 }).innerText();
  await page.keyboard.type('Needs a translator; NT');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), title, 'T typed into a field is a letter');
  assert.equal(await form.getByLabel('Note for the front desk').inputValue(), 'Needs a translator; NT');
  await shot('typed-by-keyboard');
  const booked = page.waitForResponse((r) => r.url().endsWith('/api/Schedule/Book'));
  await page.keyboard.press('Enter');
  const appt = (await (await booked).json()).appointments[0];
  assert.equal(`${appt.patientFamilyName.toUpperCase()}, ${appt.patientGivenNames}`, second);
  assert.equal(appt.note, 'Needs a translator; NT');
  assert.equal(appt.minutes, 15, "the type's own length");
  await form.waitFor({ state: 'detached' });

  // N and T typed into the search box do not open a booking or move the calendar.
  await page.locator('#patient-search').focus();
  await page.keyboard.type('nt');
  assert.equal(await page.locator('#patient-search').inputValue(), 'nt');
  assert.equal(await form.count(), 0, 'no booking form opened');
  await shot('search-box-letters');
  await ctx.close();
});
