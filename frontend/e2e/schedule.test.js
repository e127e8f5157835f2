// The front desk's day end to end: the admin sets up visit types and hours,
// the desk books, moves and cancels in the calendar, checks a patient in
// through to done, prints the day list and works the call list.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminPassword, call, launchBrowser, setUpClinic, shooter, signIn, startFolio, test } from './harness.js';

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

const pad = (n) => String(n).padStart(2, '0');
const dayOf = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const today = dayOf(new Date());
const yesterday = dayOf(new Date(Date.now() - 86_400_000));
const deskPassword = 'desk-password-123';
const drPassword = 'doctor-password-123';

test('the admin sets up visit types, opening hours and staff', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '5-schedule-setup');
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  for (const [username, fullName, role, pw] of [
    ['desk', 'Dana Desk', 'frontdesk', deskPassword],
    ['drlee', 'Dr Lee', 'clinician', drPassword],
  ]) {
    await call(page, 'Admin', 'AddUser', { username, fullName, role, password: pw });
  }

  await page.getByRole('link', { name: 'Schedule setup' }).click();
  await page.getByRole('heading', { name: 'Visit types' }).waitFor();
  // A bad length is refused beside the field, and nothing is added.
  await page.getByLabel('New type').fill('Wound check');
  await page.getByLabel('Minutes').fill('3');
  await page.getByRole('button', { name: 'Add type' }).click();
  await page.locator('#type-minutes-error').waitFor();
  assert.equal(await page.getByTestId('visit-types').getByText('Wound check').count(), 0);
  await page.getByLabel('Minutes').fill('20');
  await page.getByRole('button', { name: 'Add type' }).click();
  await page.getByText('Saved the visit type Wound check.').waitFor();
  await page.getByTestId('visit-types').getByText('Wound check').waitFor();

  // Open every day 07:00–20:00, so the test's bookings are inside hours on any day.
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']) {
    const row = page.locator('form', { hasText: 'Opening hours' }).locator('.day', { hasText: day });
    await row.getByRole('checkbox').check();
    await row.getByLabel(`${day} opens`).fill('07:00');
    await row.getByLabel(`${day} closes`).fill('20:00');
  }
  await page.getByRole('button', { name: 'Save opening hours' }).click();
  await page.getByText('Saved the opening hours.').waitFor();
  await shot('types-and-hours');
  await ctx.close();
});

test('book, move and cancel in the calendar; the chart lists the appointments', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '6-calendar');
  await page.goto(folio.url);
  await signIn(page, 'desk', deskPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  const base = { sex: 'female', phone: '', addressLine: '', city: '', region: '', postalCode: '' };
  await call(page, 'Patients', 'Register', { ...base, familyName: 'Okonkwo', givenNames: 'Adaeze', birthDate: '1984-07-19' });
  await call(page, 'Patients', 'Register', { ...base, familyName: 'Nakamura', givenNames: 'Yuki', birthDate: '1990-02-11' });

  await page.getByRole('link', { name: 'Calendar' }).click();
  await page.getByTestId('calendar').locator('.ec').waitFor();

  // Book with the keyboard-friendly form.
  await page.getByRole('button', { name: 'New appointment' }).click();
  const form = page.getByTestId('booking-form');
  await form.getByLabel('Patient').fill('okon');
  await form.getByRole('button', { name: /OKONKWO, Adaeze/ }).click();
  await form.getByLabel('Visit type').selectOption({ label: 'Wound check (20 min)' });
  await form.getByLabel('Date').fill(today);
  await form.getByLabel('Time').fill('10:00');
  const booked = page.waitForResponse((r) => r.url().endsWith('/api/Schedule/Book'));
  await form.getByRole('button', { name: 'Book' }).click();
  const appt = (await (await booked).json()).appointments[0];
  assert.equal(appt.start, `${today}T10:00`);
  assert.equal(appt.end, `${today}T10:20`, 'the visit type gives the length');
  const event = page.locator('.ec-event', { hasText: 'OKONKWO' });
  await event.waitFor();
  // The calendar widens when the form closes: measure after that.
  await form.waitFor({ state: 'detached' });
  await shot('booked');

  // Booking the same clinician at the same time is allowed, with a warning.
  await page.getByRole('button', { name: 'New appointment' }).click();
  await form.getByLabel('Patient').fill('nakamura');
  await form.getByRole('button', { name: /NAKAMURA, Yuki/ }).click();
  await form.getByLabel('Date').fill(today);
  await form.getByLabel('Time').fill('10:05');
  await form.getByRole('button', { name: 'Book' }).click();
  const warnings = page.getByTestId('booking-warnings');
  await warnings.waitFor();
  assert.match(await warnings.textContent(), /OKONKWO|already|busy|overlap/i);
  await form.waitFor({ state: 'detached' });
  await shot('overlap-warning');

  // Drag it an hour later.
  const box = await event.boundingBox();
  const hour = box.height * 3; // the event is 20 minutes long
  const moved = page.waitForResponse((r) => r.url().endsWith('/api/Schedule/Move'));
  await page.mouse.move(box.x + box.width / 2, box.y + 5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + 5 + hour / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width / 2, box.y + 5 + hour, { steps: 5 });
  await page.mouse.up();
  const after = (await (await moved).json()).appointments[0];
  assert.notEqual(after.start, appt.start, 'the drag moved the appointment');
  assert.ok(after.start > appt.start, `moved later: ${after.start}`);
  assert.equal(after.version, appt.version + 1);
  await shot('moved');

  // Open it and cancel with a reason: it leaves the calendar but stays on record.
  await page.locator('.ec-event', { hasText: 'OKONKWO' }).click();
  const details = page.getByTestId('appointment-details');
  await details.waitFor();
  await details.getByRole('button', { name: 'Cancel…' }).click();
  await details.getByRole('button', { name: 'Cancel appointment' }).click();
  await details.locator('#appt-reason-error').waitFor();
  await shot('cancel-needs-reason');
  await details.getByLabel('Why is it cancelled?').fill('patient called, will rebook');
  await details.getByRole('button', { name: 'Cancel appointment' }).click();
  await page.locator('.ec-event', { hasText: 'OKONKWO' }).waitFor({ state: 'detached' });
  await shot('cancelled');

  // On the chart, a cancelled visit is no longer upcoming; booking from the
  // chart brings the patient along to the calendar.
  const hits = await call(page, 'Patients', 'Search', 'okonkwo', 5);
  await page.goto(`${folio.url}/#/patients/${hits[0].id}`);
  const list = page.getByTestId('patient-appointments');
  await list.getByText('None.').first().waitFor();
  await list.getByRole('button', { name: 'Book appointment' }).click();
  await form.getByTestId('chosen-patient').getByText('OKONKWO, Adaeze').waitFor();
  await form.getByLabel('Date').fill(today);
  await form.getByLabel('Time').fill('15:30');
  await form.getByRole('button', { name: 'Book' }).click();
  await page.locator('.ec-event', { hasText: 'OKONKWO' }).waitFor();
  await page.goto(`${folio.url}/#/patients/${hits[0].id}`);
  await list.getByText(`${today} 15:30`).waitFor();
  await shot('chart-appointments');
  await ctx.close();
});

test('a repeating appointment: booked weekly, and moved as a whole series by drag', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '6b-series');
  await page.goto(folio.url);
  await signIn(page, 'desk', deskPassword);
  await page.getByRole('link', { name: 'Calendar' }).click();
  await page.getByTestId('calendar').locator('.ec').waitFor();
  await page.keyboard.press('n'); // the keyboard way to a new booking
  const form = page.getByTestId('booking-form');
  await form.getByLabel('Patient').fill('nakamura');
  await form.getByRole('button', { name: /NAKAMURA, Yuki/ }).click();
  await form.getByLabel('Visit type').selectOption({ label: 'Wound check (20 min)' });
  await form.getByLabel('Date').fill(today);
  await form.getByLabel('Time').fill('08:00');
  await form.getByLabel('Repeat').selectOption('week');
  await form.getByLabel('How many in all').fill('3');
  const booked = page.waitForResponse((r) => r.url().endsWith('/api/Schedule/Book'));
  await form.getByRole('button', { name: 'Book' }).click();
  const bookedAnswer = await (await booked).json();
  assert.ok(bookedAnswer.appointments, JSON.stringify(bookedAnswer));
  const series = bookedAnswer.appointments;
  assert.equal(series.length, 3);
  assert.deepEqual(series.map((a) => a.start.slice(11)), ['08:00', '08:00', '08:00']);

  const event = page.locator('.ec-event', { hasText: '08:00' }).filter({ hasText: 'NAKAMURA' });
  await event.waitFor();
  // The calendar widens when the form closes: measure after that.
  await form.waitFor({ state: 'detached' });
  const box = await event.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + 5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + 5 + box.height * 1.5, { steps: 5 });
  await page.mouse.move(box.x + box.width / 2, box.y + 5 + box.height * 3, { steps: 5 });
  await page.mouse.up();
  const ask = page.getByTestId('move-scope');
  await ask.waitFor();
  await shot('asks-this-or-all');
  const moved = page.waitForResponse((r) => r.url().endsWith('/api/Schedule/Move'));
  await ask.getByRole('button', { name: 'the whole series' }).click();
  const answer = await (await moved).json();
  assert.ok(answer.appointments, JSON.stringify(answer));
  const after = answer.appointments;
  assert.equal(after.length, 3, 'every appointment of the series moved');
  assert.ok(after.every((a) => a.start.slice(11) === after[0].start.slice(11) && a.start.slice(11) > '08:00'));
  await shot('series-moved');
  await ctx.close();
});

test('check a patient in through to done; the day list prints; the call list has the no-show', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '7-check-in');
  await page.goto(folio.url);
  await signIn(page, 'desk', deskPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  const [yuki] = await call(page, 'Patients', 'Search', 'nakamura', 5);
  const liam = await call(page, 'Patients', 'Register', {
    familyName: 'Brennan', givenNames: 'Liam', birthDate: '1975-05-30', sex: 'male', phone: '555-300-1212',
    addressLine: '', city: '', region: '', postalCode: '',
  });
  const clinicians = await call(page, 'Schedule', 'Clinicians');
  const types = await call(page, 'Schedule', 'Types');
  const book = (start, patient = yuki) =>
    call(page, 'Schedule', 'Book', {
      patientId: patient.id, clinicianId: clinicians[0].id, typeId: types[0].id, start, end: '', note: 'bring x-rays',
      recurrence: { every: '', count: 0 },
    });
  await book(`${today}T11:00`);
  // Liam missed yesterday's visit and has nothing booked since.
  const missed = (await book(`${yesterday}T09:00`, liam)).appointments[0];

  await page.getByRole('link', { name: 'Check-in' }).click();
  const card = page.getByTestId('board-card').filter({ hasText: '11:00 NAKAMURA' });
  await page.getByTestId('column-booked').getByText('11:00 NAKAMURA').waitFor();
  await shot('board-booked');
  for (const [action, column] of [
    ['Arrived →', 'arrived'],
    ['To room →', 'in_room'],
    ['With clinician →', 'with_clinician'],
    ['Done →', 'done'],
  ]) {
    await card.getByRole('button', { name: action }).click();
    await page.getByTestId(`column-${column}`).getByText('11:00 NAKAMURA').waitFor();
    if (column === 'arrived') {
      await card.getByTestId('wait').waitFor();
      await shot('board-arrived');
    }
  }
  await shot('board-done');

  // The day list, in print preview.
  await page.getByRole('link', { name: 'Day list' }).click();
  const dayList = page.getByTestId('day-list');
  await dayList.getByText('bring x-rays').waitFor();
  assert.match(await dayList.textContent(), /bring x-rays/);
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.getByRole('button', { name: 'Print' }).isVisible(), false, 'buttons are not printed');
  assert.equal(await page.getByRole('link', { name: 'Calendar' }).isVisible(), false, 'the menu is not printed');
  await shot('day-list-print-preview');
  const pdf = await page.pdf({ format: 'A4' });
  assert.ok(pdf.length > 1000, 'the day list prints to a PDF');
  await page.emulateMedia({ media: 'screen' });

  // Yesterday's missed visit, marked no-show, is on the call list to rebook.
  await call(page, 'Schedule', 'NoShow', missed.id, 'did not attend, no call', missed.version);
  await page.getByRole('link', { name: 'Call list' }).click();
  const calls = page.getByTestId('call-list');
  await calls.getByText('did not attend, no call').waitFor();
  assert.match(await calls.textContent(), /BRENNAN/);
  assert.match(await calls.textContent(), /555-300-1212/);
  assert.doesNotMatch(await calls.textContent(), /NAKAMURA/);
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const file = await downloading;
  assert.match(file.suggestedFilename(), /^call-list-\d{4}-\d{2}-\d{2}\.csv$/);
  const chunks = [];
  for await (const c of await file.createReadStream()) chunks.push(c);
  const csv = Buffer.concat(chunks).toString('utf8');
  assert.match(csv, /Brennan/);
  assert.match(csv, /did not attend, no call/);
  await shot('call-list');
  await ctx.close();
});

test('the day list opens on the whole clinic, every clinician\'s appointments; one clinician is a choice away', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '7-day-list-clinic');
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await call(page, 'Admin', 'AddUser', { username: 'drokafor', fullName: 'Dr Okafor', role: 'clinician', password: drPassword });
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn(page, 'desk', deskPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  const ama = await call(page, 'Patients', 'Register', {
    familyName: 'Quansah', givenNames: 'Ama', birthDate: '1969-02-12', sex: 'female', phone: '555-300-7070',
  });
  const clinicians = await call(page, 'Schedule', 'Clinicians');
  const lee = clinicians.find((c) => c.fullName === 'Dr Lee');
  const okafor = clinicians.find((c) => c.fullName === 'Dr Okafor');
  const types = await call(page, 'Schedule', 'Types');
  await call(page, 'Schedule', 'Book', {
    patientId: ama.id, clinicianId: okafor.id, typeId: types[0].id, start: `${today}T15:00`, end: '',
    note: 'with Dr Okafor', recurrence: { every: '', count: 0 },
  });
  await call(page, 'Schedule', 'Book', {
    patientId: ama.id, clinicianId: lee.id, typeId: types[0].id, start: `${today}T16:00`, end: '',
    note: 'with Dr Lee', recurrence: { every: '', count: 0 },
  });

  await page.getByRole('link', { name: 'Day list' }).click();
  const dayList = page.getByTestId('day-list');
  await dayList.getByText('with Dr Okafor').waitFor();
  await dayList.getByText('with Dr Lee').waitFor();
  assert.equal(await page.getByLabel('Clinician').inputValue(), '', 'the whole clinic is chosen');
  assert.match(await dayList.getByRole('heading', { level: 1 }).textContent(), /^Whole clinic · /);
  await dayList.getByRole('columnheader', { name: 'Clinician' }).waitFor();
  await shot('whole-clinic');

  await page.getByLabel('Clinician').selectOption({ label: 'Dr Okafor' });
  await dayList.getByRole('heading', { name: /^Dr Okafor · / }).waitFor();
  await dayList.getByText('with Dr Lee').waitFor({ state: 'detached' });
  assert.equal(await dayList.getByText('with Dr Okafor').count(), 1);
  await shot('one-clinician');
  await ctx.close();
});
