// The other editors keep what is typed (issue 9): registration, a
// correction of a patient's details, booking, users, templates and
// phrases, the referral letter and an import's review. Each is typed into
// while the answers its screen waits for are held back (hold), or across a
// lock or a reload, and what was typed is what is saved.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  adminPassword, call, clinicianPassword, hold, launchBrowser, setUpClinic, shooter, signIn, signInAsNewClinician,
  startFolio, test,
} from './harness.js';

let folio;
let chromium;
const deskPassword = 'desk-password-123';
const pad = (n) => String(n).padStart(2, '0');
const now = new Date();
const today = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;

before(async () => {
  folio = await startFolio();
  setUpClinic(folio);
  chromium = await launchBrowser();
  // The front desk and a clinician, added once for every test.
  const ctx = await chromium.browser.newContext();
  const page = await ctx.newPage();
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await call(page, 'Admin', 'AddUser', { username: 'desk', fullName: 'Dana Desk', role: 'frontdesk', password: deskPassword });
  await call(page, 'Admin', 'AddUser', { username: 'drmensah', fullName: 'Dr Mensah', role: 'clinician', password: clinicianPassword });
  await call(page, 'Schedule', 'SaveHours', [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, opens: '07:00', closes: '20:00' })));
  await ctx.close();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

async function signedIn(username, password, viewport = { width: 1400, height: 1100 }) {
  const ctx = await chromium.browser.newContext({ viewport });
  const page = await ctx.newPage();
  await page.goto(folio.url);
  await signIn(page, username, password);
  await page.getByTestId('signed-in-as').waitFor();
  return { ctx, page };
}

test('registration typed before the clinicians arrive, and across a reload, is registered as typed', async () => {
  const { ctx, page } = await signedIn('desk', deskPassword);
  const shot = shooter(page, '36-late-registration');
  const setup = await hold(page, 'Schedule/Clinicians');
  await page.getByRole('link', { name: 'Register', exact: true }).click();
  await page.getByRole('heading', { name: 'Register a new patient' }).waitFor();
  await setup.calls(1);
  const fill = (label, value) => page.getByLabel(label, { exact: true }).pressSequentially(value);
  await fill('Family name', 'Darko');
  await fill('Given names', 'Yaw Kofi');
  await page.getByLabel('Date of birth').fill('1975-04-04');
  await page.getByLabel('Sex at birth').selectOption('male');
  await fill('Phone', '555-880-1234');
  await fill('Address', '7 Harbour Road');
  await setup.release();
  await page.getByLabel('Primary clinician').selectOption({ label: 'Dr Mensah' });
  assert.equal(await page.getByLabel('Family name', { exact: true }).inputValue(), 'Darko');

  await page.reload();
  await page.getByRole('heading', { name: 'Register a new patient' }).waitFor();
  await page.getByTestId('draft-restored').waitFor();
  assert.equal(await page.getByLabel('Given names', { exact: true }).inputValue(), 'Yaw Kofi');
  assert.equal(await page.getByLabel('Address', { exact: true }).inputValue(), '7 Harbour Road');
  await page.getByLabel('Primary clinician').locator('option', { hasText: 'Dr Mensah' }).waitFor({ state: 'attached' });
  assert.equal(await page.getByLabel('Primary clinician').locator('option:checked').textContent(), 'Dr Mensah');
  await shot('restored-after-reload');
  await page.getByRole('button', { name: 'Register patient' }).click();
  await page.getByTestId('patient-banner').waitFor();
  assert.match(await page.getByTestId('patient-banner').textContent(), /DARKO, Yaw Kofi/);
  assert.equal((await page.getByTestId('phone').textContent()).trim(), '555-880-1234');

  // Registered, the form starts empty again.
  await page.getByRole('link', { name: 'Register', exact: true }).click();
  await page.getByRole('heading', { name: 'Register a new patient' }).waitFor();
  assert.equal(await page.getByLabel('Family name', { exact: true }).inputValue(), '');
  assert.equal(await page.getByTestId('draft-restored').count(), 0);
  await ctx.close();
});

test("a correction of a patient's details survives the lock, and a newer version that arrives fills only the rest", async () => {
  const { ctx, page } = await signedIn('desk', deskPassword);
  const shot = shooter(page, '37-late-correction');
  const p = await call(page, 'Patients', 'Register', {
    familyName: 'Owusu', givenNames: 'Abena', birthDate: '1988-08-08', sex: 'female', phone: '555-880-2000',
  });
  await page.goto(`${folio.url}/#/patients/${p.id}`);
  await page.getByRole('button', { name: 'Correct details' }).click();
  await page.getByLabel('Phone', { exact: true }).fill('555-880-2999');
  await page.getByLabel('Reason for the correction').pressSequentially('new number');
  await page.keyboard.press('Control+l');
  await page.getByRole('heading', { name: 'Screen locked' }).waitFor();
  assert.equal(await page.getByText('OWUSU').count(), 0, 'nothing of the chart while locked');

  // Meanwhile someone else adds her email; the chart's answer comes late,
  // read after that change (reach: false keeps the read from Folio until
  // then, or it would be the version from before the email).
  const opened = await hold(page, 'Patients/Open', { reach: false });
  await page.getByLabel('Password').fill(deskPassword);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await page.getByRole('heading', { name: 'Correct details' }).waitFor();
  await opened.calls(1);
  const desk2 = await signedIn('desk', deskPassword);
  const fresh = await call(desk2.page, 'Patients', 'Open', p.id);
  await call(desk2.page, 'Patients', 'Correct', p.id, { ...fresh, email: 'abena@example.org' }, 'email given', fresh.version);
  await desk2.ctx.close();
  await opened.release();
  await page.getByTestId('draft-restored').waitFor();
  assert.equal(await page.getByLabel('Phone', { exact: true }).inputValue(), '555-880-2999', 'the typed phone is kept');
  assert.equal(await page.getByLabel('Reason for the correction').inputValue(), 'new number');
  await page.waitForFunction(() => document.querySelector('#email')?.value === 'abena@example.org');
  await shot('unlocked-correction-merged');
  await page.getByRole('button', { name: 'Save correction' }).click();
  await page.getByText('Saved. The previous details are kept').waitFor();
  const saved = await call(page, 'Patients', 'Open', p.id);
  assert.equal(saved.phone, '555-880-2999');
  assert.equal(saved.email, 'abena@example.org', 'the other correction is not undone');
  await ctx.close();
});

test('a booking from the chart opens at once and keeps what is typed when the calendar loads', async () => {
  const { ctx, page } = await signedIn('desk', deskPassword);
  const shot = shooter(page, '38-late-booking');
  const p = await call(page, 'Patients', 'Register', {
    familyName: 'Addo', givenNames: 'Kwesi', birthDate: '1991-01-15', sex: 'male', phone: '555-880-3000',
  });
  // The clinic's visit types are read as the chart opens (the calendar
  // shares that read): held until the booking form has been typed into.
  const setup = await hold(page, 'Schedule/Types');
  await page.goto(`${folio.url}/#/patients/${p.id}`);
  await setup.calls(1);
  await page.getByTestId('patient-appointments').getByRole('button', { name: 'Book appointment' }).click();
  const form = page.getByTestId('booking-form');
  await form.getByTestId('chosen-patient').getByText('ADDO, Kwesi').waitFor();
  assert.equal(await form.getByRole('button', { name: 'Book' }).isDisabled(), true, 'no booking before the visit types arrive');
  await form.getByLabel('Note for the front desk').pressSequentially('Needs an interpreter (Twi).');
  await form.getByLabel('Date').fill(today);
  await form.getByLabel('Time').fill('16:45');
  await setup.release();
  await form.getByLabel('Visit type').locator('option').first().waitFor({ state: 'attached' });
  assert.equal(await form.getByLabel('Note for the front desk').inputValue(), 'Needs an interpreter (Twi).');
  await form.getByTestId('chosen-patient').getByText('ADDO, Kwesi').waitFor();
  await shot('typed-while-the-calendar-loaded');
  const booked = page.waitForResponse((r) => r.url().endsWith('/api/Schedule/Book'));
  await form.getByRole('button', { name: 'Book' }).click();
  const appt = (await (await booked).json()).appointments[0];
  assert.equal(appt.note, 'Needs an interpreter (Twi).');
  assert.equal(appt.start, `${today}T16:45`);
  await ctx.close();
});

test('users: a new user typed before the list arrives is added as typed; a draft never keeps the password', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  await page.goto(folio.url);
  const users = await hold(page, 'Admin/Users');
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await users.calls(1);
  await page.getByLabel('User name', { exact: true }).pressSequentially('nurse');
  await page.getByLabel('Full name').pressSequentially('Nana Nurse');
  await page.getByLabel('Role').selectOption('frontdesk');
  await page.getByLabel('First password').pressSequentially('nurse-password-123');
  await users.release();
  await page.getByTestId('users').getByText('drmensah').waitFor();
  assert.equal(await page.getByLabel('Full name').inputValue(), 'Nana Nurse');
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.getByText('Added nurse.').waitFor();
  await page.getByTestId('users').getByText('Nana Nurse').waitFor();

  await page.getByLabel('User name', { exact: true }).fill('porter');
  await page.getByLabel('Full name').fill('Paa Porter');
  await page.getByLabel('First password').fill('porter-password-123');
  const stored = await page.evaluate(() => Object.keys(localStorage).map((k) => localStorage.getItem(k)).join(' '));
  assert.ok(stored.includes('Paa Porter'), 'the draft is kept');
  assert.ok(!stored.includes('porter-password'), 'but never the password');
  await page.reload();
  await page.getByTestId('draft-restored').waitFor();
  assert.equal(await page.getByLabel('Full name').inputValue(), 'Paa Porter');
  assert.equal(await page.getByLabel('First password').inputValue(), '');
  await ctx.close();
});

test('templates and phrases: written before the lists arrive and saved; the starter examples wait for the lists', async () => {
  const { ctx, page } = await signedIn('drmensah', clinicianPassword);
  const shot = shooter(page, '39-late-templates');
  await call(page, 'Chart', 'SaveQuickPhrase', { id: '', abbreviation: '.nad', text: 'No acute distress.', active: true, version: 0 });
  const lists = await hold(page, 'Chart/Templates');
  await page.getByRole('link', { name: 'Templates' }).click();
  await page.getByRole('heading', { name: 'Note templates and quick phrases' }).waitFor();
  await lists.calls(1);
  assert.equal(await page.getByRole('button', { name: "Add Folio's starter examples" }).count(), 0,
    'no starter examples offered before the clinic’s own lists are known');
  await page.getByRole('button', { name: 'New template' }).click();
  const form = page.getByTestId('template-form');
  await form.getByLabel('Name').pressSequentially('Sore throat');
  await form.getByLabel('Plan').pressSequentially('Salt-water gargles; review in 5 days if not better.');
  await lists.release();
  await page.getByTestId('phrase-list').getByText('.nad').waitFor();
  assert.equal(await form.getByLabel('Name').inputValue(), 'Sore throat');
  await form.getByRole('button', { name: 'Save template' }).click();
  await page.getByTestId('template-list').getByText('Sore throat').waitFor();
  const saved = await call(page, 'Chart', 'Templates');
  assert.equal(saved.find((t) => t.name === 'Sore throat')?.plan, 'Salt-water gargles; review in 5 days if not better.');

  // A phrase half-written, then a reload: its form opens again as it was.
  await page.getByRole('button', { name: 'New phrase' }).click();
  const phrase = page.getByTestId('phrase-form');
  await phrase.getByLabel('Abbreviation (one word, e.g. .nad)').fill('.wnl');
  await phrase.getByLabel('Text it becomes').fill('Within normal limits.');
  await page.reload();
  await phrase.getByTestId('draft-restored').waitFor();
  assert.equal(await phrase.getByLabel('Text it becomes').inputValue(), 'Within normal limits.');
  await shot('phrase-restored');
  await phrase.getByRole('button', { name: 'Save phrase' }).click();
  await page.getByTestId('phrase-list').getByText('.wnl').waitFor();
  await ctx.close();
});

test('the referral letter waits for the chart, survives a reload, and leaves as typed', async () => {
  const { ctx, page } = await signedIn('drmensah', clinicianPassword);
  const shot = shooter(page, '40-late-referral');
  const p = await call(page, 'Patients', 'Register', {
    familyName: 'Tetteh', givenNames: 'Esi', birthDate: '1959-12-01', sex: 'female', phone: '555-880-4000',
  });
  await call(page, 'Chart', 'AddProblem', p.id, { code: 'I10', title: '', onset: '2015', status: 'active', resolvedOn: '', note: '', encounterId: '' });
  const preview = await hold(page, 'Chart/ReferralPreview');
  await page.goto(`${folio.url}/#/patients/${p.id}/referral`);
  await preview.calls(1);
  await page.getByText('Reading the chart…').waitFor();
  assert.equal(await page.getByLabel('Letter').count(), 0, 'nothing to type into before the chart is read');
  await preview.release();
  await page.getByLabel('To (specialist, service, clinic)').pressSequentially('Cardiology, Korle Bu');
  await page.getByLabel('Reason for referral').pressSequentially('Resistant hypertension');
  await page.getByLabel('Letter').pressSequentially('Dear colleague,\nthank you for seeing Mrs Tetteh.');
  await page.getByLabel('Passphrase', { exact: true }).fill('a-long-passphrase');
  await page.reload();
  await page.getByTestId('draft-restored').waitFor();
  assert.equal(await page.getByLabel('Letter').inputValue(), 'Dear colleague,\nthank you for seeing Mrs Tetteh.');
  assert.equal(await page.getByLabel('Passphrase', { exact: true }).inputValue(), '', 'the passphrase is never kept');
  await shot('letter-restored');
  const download = page.waitForEvent('download');
  await page.getByTestId('do-export').click();
  await download;
  await page.getByTestId('referral-sent').waitFor();
  const [d] = await call(page, 'Chart', 'Disclosures', p.id);
  assert.equal(d.recipient, 'Cardiology, Korle Bu');
  await ctx.close();
});

test("an import's choices and reasons survive a reload, and are what is imported", async () => {
  const { ctx, page } = await signedIn('drmensah', clinicianPassword);
  const shot = shooter(page, '41-import-choices');
  const bundle = {
    resourceType: 'Bundle', type: 'collection',
    entry: [
      { fullUrl: 'urn:uuid:0c0c7e1a-0000-4000-8000-000000000001', resource: {
        resourceType: 'Patient', id: 'p1', name: [{ family: 'Nkansah', given: ['Kojo'] }], gender: 'male', birthDate: '1979-06-06' } },
      { fullUrl: 'urn:uuid:0c0c7e1a-0000-4000-8000-000000000002', resource: {
        resourceType: 'Condition', id: 'c1', subject: { reference: 'urn:uuid:0c0c7e1a-0000-4000-8000-000000000001' },
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
        code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'G43.909' }], text: 'Migraine' } } },
      { fullUrl: 'urn:uuid:0c0c7e1a-0000-4000-8000-000000000003', resource: {
        resourceType: 'AllergyIntolerance', id: 'a1', patient: { reference: 'urn:uuid:0c0c7e1a-0000-4000-8000-000000000001' },
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
        category: ['food'], code: { text: 'Peanut' } } },
    ],
  };
  const file = join(mkdtempSync(join(tmpdir(), 'folio-import-choices-')), 'nkansah.json');
  writeFileSync(file, JSON.stringify(bundle));
  await page.getByTestId('nav-import').click();
  await page.locator('#import-file').setInputFiles(file);
  await page.getByRole('button', { name: 'Check and open' }).click();
  await page.getByTestId('create-patient').click();
  await page.getByTestId('matched-patient').waitFor();
  const migraine = page.getByTestId('import-item').filter({ hasText: 'Migraine' });
  await migraine.getByRole('button', { name: 'Skip' }).click();
  assert.equal(await migraine.getByRole('button', { name: 'Skip' }).getAttribute('aria-pressed'), 'true');

  await page.reload();
  await page.getByTestId('imports-in-review').getByRole('button', { name: 'Continue' }).click();
  await page.getByTestId('matched-patient').waitFor();
  assert.equal(await migraine.getByRole('button', { name: 'Skip' }).getAttribute('aria-pressed'), 'true',
    'the choice made before the reload');
  await shot('choices-restored');
  await page.getByTestId('finish-import').click();
  await page.getByTestId('import-summary').waitFor();
  const chartId = new URL(await page.getByTestId('open-chart').getAttribute('href'), folio.url).hash.split('/').pop();
  const [problems, allergies] = await Promise.all([
    call(page, 'Chart', 'Problems', chartId), call(page, 'Chart', 'Allergies', chartId),
  ]);
  assert.equal(problems.length, 0, 'the skipped condition is not charted');
  assert.deepEqual((allergies.allergies ?? []).map((a) => a.substance), ['Peanut']);
  await ctx.close();
});
