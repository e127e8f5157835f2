// Two people editing the same record at two screens (two browser contexts,
// two sessions). Two ways it happens:
// - the late answer: the other person saves while this one types; the
//   change is heard live and fills the fields this person has not touched,
//   and this person's own field stays as typed;
// - the true race: this person's save leaves before the other's change is
//   heard (held here until the other has saved), so Folio refuses it: the
//   form shows what the other person changed, field by field, and asks.
//   Keep mine saves a three-way merge; Use theirs keeps theirs.
// For patient details, an allergy, a medication (its renewal) and an
// appointment (its time and clinician); and a record removed meanwhile is
// said so, with nothing saved.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminPassword, call, chaosMaxDelay, hold, launchBrowser, setUpClinic, shooter, signIn, startFolio, test, dayOf } from './harness.js';

let folio;
let chromium;

const today = dayOf(new Date());
const password = 'a-password-123';
/** A change heard live while a form is open: 2 s (the form merges it in
 * after the re-read), plus two held answers under chaos. */
const soon = { timeout: 2000 + 2 * chaosMaxDelay };

before(async () => {
  folio = await startFolio();
  setUpClinic(folio);
  chromium = await launchBrowser();
  const ctx = await chromium.browser.newContext();
  const page = await ctx.newPage();
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  for (const [username, fullName, role] of [['dana', 'Dana Desk', 'frontdesk'], ['omar', 'Omar Desk', 'frontdesk'],
    ['drlee', 'Dr Lee', 'clinician'], ['drkim', 'Dr Kim', 'clinician']]) {
    await call(page, 'Admin', 'AddUser', { username, fullName, role, password });
  }
  await ctx.close();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

/** screen is a new browser (its own session) signed in, its change stream open. */
async function screen(username) {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const stream = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/events' && r.status() === 200);
  await page.goto(folio.url);
  await signIn(page, username, password);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  await stream;
  return { ctx, page };
}

/** valueIs waits until the field selector finds shows value. */
async function valueIs(page, selector, value, opts = soon) {
  try {
    await page.waitForFunction(([s, v]) => document.querySelector(s)?.value === v, [selector, value], opts);
  } catch (err) {
    const shown = await page.evaluate((s) => document.querySelector(s)?.value, selector);
    throw new Error(`${selector} shows ${JSON.stringify(shown)}, want ${JSON.stringify(value)}: ${err.message}`);
  }
}

/** valueHolds checks that the field selector finds shows value now: what
 * the person typed, kept (read once; a timed wait could fail on a busy
 * machine with the right value shown). */
async function valueHolds(page, selector, value) {
  assert.equal(await page.evaluate((s) => document.querySelector(s)?.value, selector), value, `${selector} lost what was typed`);
}

/** race saves on B's screen (save clicks it) while its save is held from
 * Folio, lets A save meanwhile (aSaves), then lets B's save through: it
 * reaches Folio after A's, at the version B read. */
async function race(b, method, save, aSaves) {
  const held = await hold(b.page, method, { reach: false });
  await save();
  await held.calls(1);
  await aSaves();
  await held.release();
}

/** conflictFields waits for B's conflict panel and gives the fields it names. */
async function conflictFields(page) {
  const panel = page.getByTestId('save-conflict');
  await panel.waitFor(soon);
  return panel.getByTestId('conflict-field').evaluateAll((els) => els.map((e) => e.dataset.field));
}

let mrnSeq = 0;
async function register(page, familyName) {
  mrnSeq++;
  return call(page, 'Patients', 'Register', { familyName, givenNames: 'Ana', birthDate: `1970-01-${String(mrnSeq).padStart(2, '0')}`,
    sex: 'female', phone: '555-0100', city: 'Shelbyville', addressLine: '1 Elm St', region: '', postalCode: '' });
}

test('patient details: a late change merges; a race asks; Keep mine merges per field; Use theirs keeps theirs', async () => {
  const a = await screen('dana');
  const b = await screen('omar');
  const shot = shooter(b.page, 'save-conflicts-patient');
  const p = await register(a.page, 'Quimby');
  for (const s of [a, b]) {
    await s.page.goto(`${folio.url}/#/patients/${p.id}`);
    await s.page.getByRole('button', { name: 'Correct details' }).click();
    await s.page.locator('#phone').waitFor();
  }

  // The late answer: B types a phone; A changes the city and saves; B's
  // form shows A's city at once and keeps B's phone; B's save merges.
  await b.page.locator('#phone').fill('555-0199');
  await a.page.locator('#city').fill('Springfield');
  await a.page.locator('#reason').fill('moved');
  await a.page.getByRole('button', { name: 'Save correction' }).click();
  await a.page.getByText('Saved. The previous details').waitFor();
  await valueIs(b.page, '#city', 'Springfield');
  await valueHolds(b.page, '#phone', '555-0199');
  await shot('01-late-change-merged');
  await b.page.locator('#reason').fill('new number');
  await b.page.getByRole('button', { name: 'Save correction' }).click();
  await b.page.getByText('Saved. The previous details').waitFor();
  let now = await call(b.page, 'Patients', 'Open', p.id);
  assert.deepEqual([now.city, now.phone], ['Springfield', '555-0199']);

  // The race: both change the phone, A the address, B the email. B's save
  // is refused: the panel names the phone (both) and the address (theirs).
  // A types once A's screen shows B's last save: typed before it arrives,
  // A's phone would clash with it, and A's form would rightly ask first.
  for (const s of [a, b]) await s.page.getByRole('button', { name: 'Correct details' }).click();
  await valueIs(a.page, '#phone', '555-0199');
  await b.page.locator('#phone').fill('555-0222');
  await b.page.locator('#email').fill('ana@example.org');
  await b.page.locator('#reason').fill('called in');
  await a.page.locator('#phone').fill('555-0101');
  await a.page.locator('#addressLine').fill('9 Oak Ave');
  await a.page.locator('#reason').fill('new address');
  await race(b, 'Patients/Correct', () => b.page.getByRole('button', { name: 'Save correction' }).click(), async () => {
    await a.page.getByRole('button', { name: 'Save correction' }).click();
    await a.page.getByText('Saved. The previous details').waitFor();
  });
  const named = await conflictFields(b.page);
  assert.deepEqual(named.sort(), ['patient.addressLine', 'patient.phone']);
  const panel = b.page.getByTestId('save-conflict');
  await panel.getByText('Dana Desk changed this patient\'s details').waitFor();
  await panel.getByText('theirs 555-0101, yours 555-0222').waitFor();
  // Nothing typed is lost while it asks.
  await valueHolds(b.page, '#phone', '555-0222');
  await valueHolds(b.page, '#email', 'ana@example.org');
  await valueHolds(b.page, '#addressLine', '9 Oak Ave');
  await shot('02-race-asks');
  // The page reloads while it asks (a PC restarted, say): the form opens
  // again with its draft and asks again, so A's phone is not quietly
  // overwritten by B's.
  await b.page.reload();
  assert.deepEqual((await conflictFields(b.page)).sort(), ['patient.addressLine', 'patient.phone']);
  await panel.getByText('theirs 555-0101, yours 555-0222').waitFor();
  await valueHolds(b.page, '#phone', '555-0222');
  await valueHolds(b.page, '#email', 'ana@example.org');
  await valueHolds(b.page, '#addressLine', '9 Oak Ave');
  // B takes A's phone, keeps B's email: A's address stays.
  await panel.getByRole('radiogroup', { name: 'Which Phone stays' }).getByLabel('use theirs').check();
  await panel.getByTestId('keep-mine').click();
  await b.page.getByText('Saved. The previous details').waitFor();
  now = await call(b.page, 'Patients', 'Open', p.id);
  assert.deepEqual([now.phone, now.email, now.addressLine, now.city], ['555-0101', 'ana@example.org', '9 Oak Ave', 'Springfield']);
  await shot('03-kept-mine-merged');

  // Use theirs: B's change is dropped, A's stays.
  for (const s of [a, b]) await s.page.getByRole('button', { name: 'Correct details' }).click();
  await b.page.locator('#phone').fill('555-0333');
  await b.page.locator('#reason').fill('b');
  await a.page.locator('#phone').fill('555-0444');
  await a.page.locator('#reason').fill('a');
  await race(b, 'Patients/Correct', () => b.page.getByRole('button', { name: 'Save correction' }).click(), async () => {
    await a.page.getByRole('button', { name: 'Save correction' }).click();
    await a.page.getByText('Saved. The previous details').waitFor();
  });
  assert.deepEqual(await conflictFields(b.page), ['patient.phone']);
  await b.page.getByTestId('use-theirs').click();
  await b.page.getByTestId('phone').getByText('555-0444').waitFor(soon);
  now = await call(b.page, 'Patients', 'Open', p.id);
  assert.equal(now.phone, '555-0444');
  await shot('04-used-theirs');
  await a.ctx.close();
  await b.ctx.close();
});

test('an allergy: a late change merges; a race asks and Keep mine saves mine; a retraction is said plainly', async () => {
  const a = await screen('drlee');
  const b = await screen('drkim');
  const shot = shooter(b.page, 'save-conflicts-allergy');
  const p = await register(a.page, 'Flanders');
  await call(a.page, 'Chart', 'AddAllergy', p.id, { substance: 'Penicillin', substanceKind: 'drug_class', code: '',
    reaction: 'rash', severity: 'mild', status: 'active', onset: '', note: '' });
  const allergies = (s) => s.page.getByTestId('allergies');
  const openChange = async (s, which = 'Change') => {
    await allergies(s).getByRole('button', { name: which }).click();
    await s.page.locator(which === 'Change' ? '#allergy-edit-reaction' : '#allergy-retract-reason').waitFor();
  };
  for (const s of [a, b]) {
    await s.page.goto(`${folio.url}/#/patients/${p.id}`);
    await allergies(s).getByText('Penicillin').waitFor();
    await openChange(s);
  }

  // The late answer.
  await b.page.locator('#allergy-edit-note').fill('confirmed by pharmacist');
  await a.page.locator('#allergy-edit-severity').selectOption('severe');
  await a.page.getByRole('button', { name: 'Save allergy' }).click();
  await a.page.getByTestId('allergy-edit-form').waitFor({ state: 'detached' });
  await valueIs(b.page, '#allergy-edit-severity', 'severe');
  await valueHolds(b.page, '#allergy-edit-note', 'confirmed by pharmacist');
  await shot('01-late-change-merged');
  await b.page.getByRole('button', { name: 'Save allergy' }).click();
  await b.page.getByTestId('allergy-edit-form').waitFor({ state: 'detached' });
  let [al] = (await call(b.page, 'Chart', 'Allergies', p.id)).allergies;
  assert.deepEqual([al.severity, al.note], ['severe', 'confirmed by pharmacist']);

  // The race: both change the reaction; B the onset too. A's form holds
  // B's save first (heard late under chaos, it is merged in): else A's
  // save is of a version gone, and A is the one asked.
  for (const s of [a, b]) await openChange(s);
  await valueIs(a.page, '#allergy-edit-note', 'confirmed by pharmacist');
  await b.page.locator('#allergy-edit-reaction').fill('anaphylaxis');
  await b.page.locator('#allergy-edit-onset').fill('2019');
  await a.page.locator('#allergy-edit-reaction').fill('hives');
  await race(b, 'Chart/UpdateAllergy', () => b.page.getByRole('button', { name: 'Save allergy' }).click(), async () => {
    await a.page.getByRole('button', { name: 'Save allergy' }).click();
    await a.page.getByTestId('allergy-edit-form').waitFor({ state: 'detached' });
  });
  assert.deepEqual(await conflictFields(b.page), ['reaction']);
  await b.page.getByTestId('save-conflict').getByText('Dr Lee changed this allergy').waitFor();
  await b.page.getByTestId('save-conflict').getByText('theirs hives, yours anaphylaxis').waitFor();
  await shot('02-race-asks');
  await b.page.getByTestId('keep-mine').click();
  await b.page.getByTestId('allergy-edit-form').waitFor({ state: 'detached', ...soon });
  [al] = (await call(b.page, 'Chart', 'Allergies', p.id)).allergies;
  assert.deepEqual([al.reaction, al.onset, al.severity], ['anaphylaxis', '2019', 'severe']);

  // Retracted by A while B changes it: B is told, and nothing is saved.
  // A retracts the allergy as B saved it (heard on A's screen first; else
  // A's retraction is of a version gone, and A is asked).
  await openChange(b);
  await b.page.locator('#allergy-edit-reaction').fill('swelling');
  await allergies(a).getByText('anaphylaxis').waitFor(soon);
  await openChange(a, 'Entered in error');
  await a.page.locator('#allergy-retract-reason').fill('wrong patient');
  await a.page.getByRole('button', { name: 'Mark as entered in error' }).click();
  const removed = b.page.getByTestId('conflict-removed');
  await removed.waitFor(soon);
  assert.match(await removed.innerText(), /^Dr Lee marked this allergy entered in error at .*: your change was not saved\.$/);
  await valueHolds(b.page, '#allergy-edit-reaction', 'swelling');
  assert.equal(await b.page.getByRole('button', { name: 'Save allergy' }).isDisabled(), true);
  await shot('03-removed-said-plainly');
  await b.page.getByTestId('save-conflict').getByRole('button', { name: 'Close' }).click();
  [al] = (await call(b.page, 'Chart', 'Allergies', p.id)).allergies;
  assert.deepEqual([al.status, al.reaction], ['entered_in_error', 'anaphylaxis']);
  await a.ctx.close();
  await b.ctx.close();
});

test('a medication: a renewal made elsewhere is followed; a race asks and Keep mine merges; a stop is said plainly', async () => {
  const a = await screen('drlee');
  const b = await screen('drkim');
  const shot = shooter(b.page, 'save-conflicts-medication');
  const p = await register(a.page, 'Skinner');
  await call(a.page, 'Chart', 'AddMedication', p.id, { drug: 'metformin', rxnorm: '', source: 'elsewhere', dose: '500 mg',
    route: 'oral', frequency: 'twice a day', quantity: '30 tablets', refills: 0, startDate: '', prescriber: 'Dr Hibbert', note: '' }, []);
  const meds = (s) => s.page.getByTestId('medications');
  const renewForm = (s) => s.page.getByTestId('renew-form');
  const field = (name) => `[data-testid=renew-form] input[id^=renew-${name}-]`;
  const active = async (s) => (await call(s.page, 'Chart', 'Medications', p.id)).filter((m) => m.status === 'active');
  const openRenew = async (s) => {
    await meds(s).getByTestId('medication').getByRole('button', { name: 'Renew' }).click();
    await renewForm(s).waitFor();
  };
  for (const s of [a, b]) {
    await s.page.goto(`${folio.url}/#/patients/${p.id}`);
    await meds(s).getByTestId('medication').waitFor();
    await openRenew(s);
  }

  // The late answer: A renews with a new dose; B's form follows A's renewal
  // (its dose shows) and keeps B's frequency; B renews A's renewal.
  await b.page.locator(field('frequency')).fill('three times a day');
  await a.page.locator(field('dose')).fill('1000 mg');
  await renewForm(a).getByRole('button', { name: 'Renew metformin' }).click();
  await a.page.getByTestId('prescribed').waitFor();
  await valueIs(b.page, field('dose'), '1000 mg');
  await valueHolds(b.page, field('frequency'), 'three times a day');
  await shot('01-renewal-followed');
  await renewForm(b).getByRole('button', { name: 'Renew metformin' }).click();
  await b.page.getByTestId('prescribed').waitFor();
  let [m] = await active(b);
  assert.deepEqual([m.dose, m.frequency], ['1000 mg', 'three times a day']);
  assert.equal((await active(b)).length, 1);

  // The race: A changes the quantity, B the dose.
  for (const s of [a, b]) await openRenew(s);
  await b.page.locator(field('dose')).fill('850 mg');
  await a.page.locator(field('quantity')).fill('60 tablets');
  await race(b, 'Chart/RenewMedication', () => renewForm(b).getByRole('button', { name: 'Renew metformin' }).click(),
    async () => {
      await renewForm(a).getByRole('button', { name: 'Renew metformin' }).click();
      await renewForm(a).waitFor({ state: 'detached' });
    });
  assert.deepEqual(await conflictFields(b.page), ['quantity']);
  await b.page.getByTestId('save-conflict').getByText('Dr Lee changed this medication').waitFor();
  await shot('02-race-asks');
  await b.page.getByTestId('keep-mine').click();
  await renewForm(b).waitFor({ state: 'detached', ...soon });
  [m] = await active(b);
  assert.deepEqual([m.dose, m.quantity, m.frequency], ['850 mg', '60 tablets', 'three times a day']);

  // Stopped by A while B renews it: B is told, nothing is saved.
  await openRenew(b);
  await b.page.locator(field('dose')).fill('2000 mg');
  // A stops the medication as it is now: B's renewal heard on A's screen
  // first (else A stops the one B replaced, and is told so).
  const renewed = meds(a).getByTestId('medication').filter({ hasText: '850 mg' });
  await renewed.waitFor(soon);
  await renewed.getByRole('button', { name: 'Stop' }).click();
  await a.page.getByLabel('Reason for stopping').fill('stomach upset');
  await a.page.getByRole('button', { name: 'Stop metformin' }).click();
  const removed = b.page.getByTestId('conflict-removed');
  await removed.waitFor(soon);
  assert.match(await removed.innerText(), /^Dr Lee stopped this medication \(stomach upset\) at .*: your change was not saved\.$/);
  await shot('03-stopped-said-plainly');
  await b.page.getByTestId('save-conflict').getByRole('button', { name: 'Close' }).click();
  assert.equal((await active(b)).length, 0);
  await a.ctx.close();
  await b.ctx.close();
});

test('an appointment: a late change merges; a race asks; Keep mine merges and Use theirs keeps theirs', async () => {
  const a = await screen('dana');
  const b = await screen('omar');
  const shot = shooter(b.page, 'save-conflicts-appointment');
  const p = await register(a.page, 'Nahasapeemapetilon');
  const clinicians = await call(a.page, 'Schedule', 'Clinicians');
  const lee = clinicians.find((c) => c.fullName === 'Dr Lee');
  const kim = clinicians.find((c) => c.fullName === 'Dr Kim');
  const [type] = await call(a.page, 'Schedule', 'Types');
  const booked = await call(a.page, 'Schedule', 'Book', { patientId: p.id, clinicianId: lee.id, typeId: type.id,
    start: `${today}T10:00`, end: `${today}T10:15`, note: '', recurrence: { every: '', count: 0 } });
  const id = booked.appointments[0].id;
  const details = (s) => s.page.getByTestId('appointment-details');
  const openChange = async (s) => {
    await details(s).getByRole('button', { name: 'Reschedule…' }).click();
    await s.page.locator('#appt-from').waitFor();
  };
  const save = (s) => s.page.getByTestId('appointment-change').getByRole('button', { name: 'Save change' }).click();
  const saved = (s) => s.page.getByTestId('appointment-change').waitFor({ state: 'detached', ...soon });
  for (const s of [a, b]) {
    await s.page.getByRole('link', { name: 'Calendar' }).click();
    await s.page.locator('.ec-event', { hasText: 'NAHASAPEEMAPETILON' }).click();
    await openChange(s);
  }

  // The late answer: A gives it to Dr Kim; B, lengthening it, sees that.
  await b.page.locator('#appt-to').fill('10:30');
  await a.page.locator('#appt-clinician').selectOption(kim.id);
  await save(a);
  await saved(a);
  await valueIs(b.page, '#appt-clinician', kim.id);
  await valueHolds(b.page, '#appt-to', '10:30');
  await shot('01-late-change-merged');
  await save(b);
  await saved(b);
  let now = await call(b.page, 'Schedule', 'Appointment', id);
  assert.deepEqual([now.clinicianId, now.start, now.end], [kim.id, `${today}T10:00`, `${today}T10:30`]);

  // The race: A moves it to 11:00, B gives it back to Dr Lee. A types
  // once A's screen shows B's 10:30 (before it, A's 11:30 would clash with
  // it and A's form would ask first).
  for (const s of [a, b]) await openChange(s);
  await valueIs(a.page, '#appt-to', '10:30');
  await b.page.locator('#appt-clinician').selectOption(lee.id);
  await a.page.locator('#appt-from').fill('11:00');
  await a.page.locator('#appt-to').fill('11:30');
  await race(b, 'Schedule/Reschedule', () => save(b), async () => {
    await save(a);
    await saved(a);
  });
  assert.deepEqual((await conflictFields(b.page)).sort(), ['from', 'to']);
  await b.page.getByTestId('save-conflict').getByText('Dana Desk changed this appointment').waitFor();
  await shot('02-race-asks');
  await b.page.getByTestId('keep-mine').click();
  await saved(b);
  now = await call(b.page, 'Schedule', 'Appointment', id);
  assert.deepEqual([now.clinicianId, now.start, now.end], [lee.id, `${today}T11:00`, `${today}T11:30`]);

  // Use theirs: both move it; A's time stays (A's screen has B's Dr Lee
  // first, so A's save is made at the version B saved).
  for (const s of [a, b]) await openChange(s);
  await valueIs(a.page, '#appt-clinician', lee.id);
  await b.page.locator('#appt-from').fill('09:30');
  await a.page.locator('#appt-from').fill('09:00');
  await race(b, 'Schedule/Reschedule', () => save(b), async () => {
    await save(a);
    await saved(a);
  });
  assert.deepEqual(await conflictFields(b.page), ['from']);
  await b.page.getByTestId('save-conflict').getByText('theirs 09:00, yours 09:30').waitFor();
  await shot('03-race-both-moved');
  await b.page.getByTestId('use-theirs').click();
  await saved(b);
  now = await call(b.page, 'Schedule', 'Appointment', id);
  assert.deepEqual([now.start, now.end], [`${today}T09:00`, `${today}T11:30`]);
  await a.ctx.close();
  await b.ctx.close();
});
