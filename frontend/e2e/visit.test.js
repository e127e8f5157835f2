// A visit end to end: the clinic's templates and quick phrases kept in the
// editor; a clinician starts the visit of a patient who arrived, from the
// check-in board; the note takes a template and an expanding quick phrase;
// a diagnosis found in ICD-10-CM joins the problem list; a save from another
// tab is a clear conflict, not a silent overwrite; signing locks the note
// and its diagnoses, after which only addenda are added.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminPassword, call, launchBrowser, setUpClinic, shooter, signIn, startFolio, test } from './harness.js';

let folio;
let chromium;
const deskPassword = 'desk-password-123';
const drPassword = 'doctor-password-123';
const pad = (n) => String(n).padStart(2, '0');
const now = new Date();
const today = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;

before(async () => {
  folio = await startFolio();
  setUpClinic(folio);
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

test('a clinician opens a visit from the board, writes it with a template, a phrase and a diagnosis, and signs', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '20-visit');
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await call(page, 'Admin', 'AddUser', { username: 'desk', fullName: 'Dana Desk', role: 'frontdesk', password: deskPassword });
  await call(page, 'Admin', 'AddUser', { username: 'drlee', fullName: 'Dr Lee', role: 'clinician', password: drPassword });
  await page.getByRole('button', { name: 'Sign out' }).click();

  // The desk books today's visit and marks the patient arrived; the desk has
  // no visit to open and sees no button for it.
  await signIn(page, 'desk', deskPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  const patient = await call(page, 'Patients', 'Register', {
    familyName: 'Haddad', givenNames: 'Omar', birthDate: '1958-09-03', sex: 'male', phone: '555-771-0042',
  });
  const [clinician] = await call(page, 'Schedule', 'Clinicians');
  const [type] = await call(page, 'Schedule', 'Types');
  await call(page, 'Schedule', 'Book', {
    patientId: patient.id, clinicianId: clinician.id, typeId: type.id, start: `${today}T10:00`, end: '', note: '',
    recurrence: { every: '', count: 0 },
  });
  await page.getByRole('link', { name: 'Check-in' }).click();
  const card = page.getByTestId('board-card').filter({ hasText: 'HADDAD' });
  await card.getByRole('button', { name: 'Arrived →' }).click();
  await page.getByTestId('column-arrived').getByText('HADDAD').waitFor();
  assert.equal(await card.getByTestId('open-visit').count(), 0, 'the front desk has no visit button');
  assert.equal(await page.getByRole('link', { name: 'Templates' }).count(), 0, 'nor the templates editor');
  await shot('desk-board-arrived');
  await page.getByRole('button', { name: 'Sign out' }).click();

  // The clinician keeps the clinic's wording: a template, edited after it was
  // first saved, one retired, and a quick phrase.
  await signIn(page, 'drlee', drPassword);
  await page.getByRole('link', { name: 'Templates' }).click();
  await page.getByRole('heading', { name: 'Note templates and quick phrases' }).waitFor();
  const templateForm = page.getByTestId('template-form');
  await page.getByRole('button', { name: 'New template' }).click();
  await templateForm.getByRole('button', { name: 'Save template' }).click();
  await page.locator('#template-name-error').waitFor(); // a template needs a name
  await templateForm.getByLabel('Name').fill('Chest infection');
  await templateForm.getByLabel('Objective').fill('Chest: crackles at the _ base.');
  await templateForm.getByLabel('Plan').fill('Amoxicillin 500 mg three times a day for 5 days.');
  await templateForm.getByRole('button', { name: 'Save template' }).click();
  const templates = page.getByTestId('template-list');
  await templates.getByText('Chest infection').waitFor();
  await templates.getByTestId('template-row').filter({ hasText: 'Chest infection' }).getByRole('button', { name: 'Edit' }).click();
  await templateForm.getByLabel('Plan').fill('Amoxicillin 500 mg three times a day for 5 days. Review in 48 hours if no better.');
  await templateForm.getByRole('button', { name: 'Save template' }).click();
  await templateForm.waitFor({ state: 'detached' });
  await page.getByRole('button', { name: 'New template' }).click();
  await templateForm.getByLabel('Name').fill('Old wording');
  await templateForm.getByLabel('Plan').fill('Not used any more.');
  await templateForm.getByRole('button', { name: 'Save template' }).click();
  const old = templates.getByTestId('template-row').filter({ hasText: 'Old wording' });
  await old.getByRole('button', { name: 'Retire' }).click();
  await old.getByText('retired').waitFor();
  await page.getByRole('button', { name: 'New phrase' }).click();
  const phraseForm = page.getByTestId('phrase-form');
  await phraseForm.getByLabel('Abbreviation (one word, e.g. .nad)').fill('.sob');
  await phraseForm.getByLabel('Text it becomes').fill('Short of breath on climbing one flight of stairs.');
  await phraseForm.getByRole('button', { name: 'Save phrase' }).click();
  await page.getByTestId('phrase-list').getByText('.sob').waitFor();
  await shot('templates-and-phrases');

  // From the board, the clinician starts the visit of the arrived patient.
  await page.getByRole('link', { name: 'Check-in' }).click();
  await card.getByTestId('open-visit').getByText('Start visit').click();
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  const encounterId = decodeURIComponent(new URL(page.url()).hash.split('/').pop());
  assert.match(await page.getByText('booked visit').textContent(), /Dr Lee/);

  // The edited template is offered (the retired one is not) and fills the note.
  const offered = page.getByTestId('templates');
  assert.equal(await offered.getByRole('button', { name: 'Old wording' }).count(), 0, 'a retired template is not offered');
  await offered.getByRole('button', { name: 'Chest infection' }).click();
  assert.match(await page.getByLabel('Plan').inputValue(), /Review in 48 hours if no better\./);

  // A quick phrase expands as it is typed.
  await page.getByLabel('Subjective').pressSequentially('Cough for 5 days. .sob Fever at night.');
  assert.equal(await page.getByLabel('Subjective').inputValue(),
    'Cough for 5 days. Short of breath on climbing one flight of stairs. Fever at night.');
  await page.getByLabel('Assessment').fill('Community-acquired chest infection.');
  await page.getByTestId('save-state').getByText(/Draft saved \d\d:\d\d/).waitFor();
  await shot('template-and-phrase');

  // A diagnosis found by words as typed; it joins the problem list.
  const dx = page.getByTestId('diagnoses');
  await dx.getByLabel('Add a diagnosis (ICD-10-CM: words or code)').fill('acute bronch');
  await dx.getByTestId('dx-results').getByRole('button', { name: /J20\.9 Acute bronchitis, unspecified/ }).click();
  const added = dx.getByTestId('diagnosis').filter({ hasText: 'J20.9 ' });
  await added.getByText('primary').waitFor();
  await added.getByText('added to the problem list').waitFor();
  await shot('diagnosis-added');

  // The draft and the diagnosis survive a reload; opening the visit again
  // from the board finds the same visit.
  await page.reload();
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  assert.match(await page.getByLabel('Subjective').inputValue(), /one flight of stairs/);
  await dx.getByTestId('diagnosis').filter({ hasText: 'J20.9 ' }).waitFor();
  await page.getByRole('link', { name: 'Check-in' }).click();
  await card.getByTestId('open-visit').click();
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  assert.equal(decodeURIComponent(new URL(page.url()).hash.split('/').pop()), encounterId, 'the same visit');

  // A save from another tab is a conflict the clinician resolves, not a
  // silent overwrite.
  const other = await ctx.newPage();
  await other.goto(`${folio.url}/#/encounters/${encounterId}`);
  await other.getByRole('heading', { name: 'Visit note' }).waitFor();
  await other.getByLabel('Objective').fill('Temp 38.2. Crackles at the right base.');
  await other.getByTestId('save-state').getByText('Draft saved').waitFor();
  await page.getByLabel('Objective').fill('Temp 38.4. Crackles at the right base.');
  const conflict = page.getByTestId('save-conflict');
  await conflict.getByText('This note was changed in another window or tab.').waitFor();
  await shot('save-conflict');
  await conflict.getByRole('button', { name: 'Keep my text here' }).click();
  await conflict.waitFor({ state: 'detached' });
  await page.getByTestId('save-state').getByText('Draft saved').waitFor();
  await other.close();

  // The chart's problem list and visit list show the diagnosis.
  await page.getByRole('link', { name: 'Back to chart' }).click();
  await page.getByTestId('problems').getByText('J20.9', { exact: true }).waitFor();
  await page.getByTestId('visit-diagnoses').getByText('J20.9', { exact: true }).waitFor();
  await shot('chart-with-diagnosis');
  await page.goBack();
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  assert.equal(await page.getByLabel('Objective').inputValue(), 'Temp 38.4. Crackles at the right base.');

  // Signing locks the note and its diagnoses; an addendum is added after.
  await page.getByRole('button', { name: 'Sign note' }).click();
  await page.getByTestId('note-status').getByText('signed').waitFor();
  assert.equal(await dx.getByRole('button', { name: 'Remove…' }).count(), 0, 'no removing after signing');
  assert.equal(await dx.getByLabel('Add a diagnosis (ICD-10-CM: words or code)').count(), 0, 'no adding either');
  await dx.getByText('The diagnoses are locked with the signed note.').waitFor();
  const signed = await call(page, 'Chart', 'Encounter', encounterId);
  const refused = await page.evaluate(async (d) => {
    const r = await fetch('/api/Chart/RemoveDiagnosis', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([d.id, 'changed my mind', d.version]),
    });
    return r.status;
  }, signed.diagnoses[0]);
  assert.equal(refused, 409, 'the API refuses it too');
  await page.getByLabel('Add an addendum').pressSequentially('Chest X-ray: right lower lobe. .sob ');
  await page.getByRole('button', { name: 'Add addendum' }).click();
  const addenda = page.getByTestId('addenda');
  await addenda.getByText('Chest X-ray: right lower lobe. Short of breath on climbing one flight of stairs.').waitFor();
  assert.match(await addenda.textContent(), /Dr Lee/);
  await shot('signed-with-addendum');

  // The appointment in the calendar opens the same visit.
  await page.getByRole('link', { name: 'Calendar' }).click();
  await page.locator('.ec-event', { hasText: 'HADDAD' }).click();
  const details = page.getByTestId('appointment-details');
  await details.getByTestId('open-visit').getByText('Start visit').waitFor();
  await shot('appointment-details');
  await details.getByTestId('open-visit').click();
  await page.getByTestId('note-status').getByText('signed').waitFor();
  assert.equal(decodeURIComponent(new URL(page.url()).hash.split('/').pop()), encounterId, 'the same visit');
  await ctx.close();
});
