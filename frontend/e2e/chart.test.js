// The clinician's chart end to end: allergies always in the banner, a
// problem coded from the ICD-10-CM list, and a visit note that survives a
// reload as a draft, locks when signed, takes addenda, and stays readable
// when retracted.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminPassword, call, launchBrowser, setUpClinic, shooter, signIn, startFolio, test } from './harness.js';

let folio;
let chromium;
const drPassword = 'doctor-password-123';

before(async () => {
  folio = await startFolio();
  setUpClinic(folio);
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

test('a clinician records allergies and a problem, writes, signs, amends and retracts a visit note', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '11-clinical-chart');
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await call(page, 'Admin', 'AddUser', { username: 'drlee', fullName: 'Dr Lee', role: 'clinician', password: drPassword });
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn(page, 'drlee', drPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  const patient = await call(page, 'Patients', 'Register', {
    familyName: 'Okafor', givenNames: 'Ngozi', birthDate: '1961-02-14', sex: 'female', phone: '555-410-2200',
  });
  await page.goto(`${folio.url}/#/patients/${patient.id}`);
  const banner = page.getByTestId('banner-allergies');
  await banner.getByText('Allergies not recorded').waitFor();

  // An allergy: missing substance first, then complete; the banner shows it.
  const allergies = page.getByTestId('allergies');
  await allergies.getByRole('button', { name: 'Add allergy' }).click();
  await page.locator('#allergy-substance-error').waitFor();
  await allergies.getByLabel('Substance').fill('Penicillin');
  await allergies.getByLabel('Reaction').fill('hives');
  await allergies.getByLabel('Severity').selectOption('severe');
  await allergies.getByRole('button', { name: 'Add allergy' }).click();
  await banner.getByText('⚠ Allergies: Penicillin (hives)').waitFor();

  // A problem from the ICD-10-CM list, found by words as typed.
  const problems = page.getByTestId('problems');
  await problems.getByLabel('Add a problem (ICD-10-CM: words or code)').fill('type 2 diabetes without compl');
  await problems.getByTestId('icd-results').getByRole('button', { name: /E11\.9/ }).click();
  await problems.getByLabel('Onset (year, year-month or date)').fill('2019');
  await problems.getByRole('button', { name: 'Add problem' }).click();
  await problems.getByText('since 2019').waitFor();
  assert.match(await problems.textContent(), /E11\.9\s+Type 2 diabetes mellitus without complications/);
  await shot('allergy-and-problem');

  // Vitals in the clinic's units: an impossible pulse is refused beside the
  // field; a high blood pressure is flagged; a measure charts over time.
  const vitals = page.getByTestId('vitals');
  await vitals.getByLabel('Weight').fill('82');
  await vitals.getByLabel('Height').fill('165');
  await vitals.getByLabel('Systolic').fill('152');
  await vitals.getByLabel('Diastolic').fill('96');
  await vitals.getByLabel('Pulse').fill('400');
  await vitals.getByRole('button', { name: 'Record vitals' }).click();
  await vitals.locator('input[aria-invalid=true]').first().waitFor();
  assert.equal(await vitals.getByText('No vitals recorded.').count(), 1, 'nothing was recorded');
  await vitals.getByLabel('Pulse').fill('72');
  await vitals.getByRole('button', { name: 'Record vitals' }).click();
  await vitals.locator('tbody tr').first().waitFor();
  const row = await vitals.locator('tbody tr').first().textContent();
  assert.match(row, /152\/96/);
  assert.match(row, /30\.1/, 'BMI computed from 82 kg and 165 cm');
  assert.match(row, /high/, 'the blood pressure is flagged');
  await vitals.getByRole('button', { name: 'BP' }).click();
  await vitals.getByTestId('vitals-chart').locator('canvas').waitFor();
  await shot('vitals-charted');

  // Medications: she takes simvastatin; clarithromycin with it is an ONC
  // high-priority interaction, so it is refused until a reason is given.
  const meds = page.getByTestId('medications');
  await meds.getByLabel('Drug').fill('simvast');
  await meds.getByTestId('drug-results').getByRole('button', { name: /^simvastatin(?![/\w-])/ }).click();
  await meds.getByLabel('Source').selectOption('elsewhere');
  await meds.getByLabel('Dose').fill('40 mg');
  await meds.getByLabel('Frequency').fill('at night');
  await meds.getByRole('button', { name: 'Add medication' }).click();
  await meds.locator('.item', { hasText: 'simvastatin' }).waitFor();
  await meds.getByLabel('Drug').fill('clarithro');
  await meds.getByTestId('drug-results').getByRole('button', { name: /^clarithromycin(?![/\w-])/ }).click();
  await meds.getByLabel('Dose').fill('500 mg');
  await meds.getByLabel('Frequency').fill('twice a day');
  await meds.getByRole('button', { name: 'Add medication' }).click();
  const alertBox = meds.getByTestId('interaction-alerts');
  await alertBox.waitFor();
  assert.match(await alertBox.textContent(), /CONTRAINDICATED/);
  assert.equal(await meds.locator('.item', { hasText: 'clarithromycin' }).count(), 0, 'not added without a reason');
  await shot('interaction-alert');
  await alertBox.getByRole('textbox').first().fill('short course; simvastatin paused for 7 days');
  await meds.getByRole('button', { name: 'Continue with the reasons given' }).click();
  const added = meds.locator('.item', { hasText: 'clarithromycin' });
  await added.waitFor();
  assert.match(await added.textContent(), /simvastatin paused for 7 days/);
  await shot('interaction-overridden');

  // A visit: the draft is saved as it is typed and survives a reload.
  await page.getByRole('button', { name: 'New visit' }).click();
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  await page.getByLabel('Subjective').fill('Tired for three weeks; thirsty at night.');
  await page.getByLabel('Objective').fill('BP 142/88. BMI 31.');
  await page.getByLabel('Assessment').fill('Type 2 diabetes, suboptimal control.');
  await page.getByLabel('Plan').fill('HbA1c; review in 4 weeks.');
  await page.getByTestId('save-state').getByText('Draft saved').waitFor();
  await shot('draft-saved');
  await page.reload();
  await page.getByRole('heading', { name: 'Visit note' }).waitFor();
  assert.equal(await page.getByLabel('Plan').inputValue(), 'HbA1c; review in 4 weeks.');

  // Signing locks the note: no editor, only addenda.
  await page.getByRole('button', { name: 'Sign note' }).click();
  await page.getByTestId('note-status').getByText('signed').waitFor();
  assert.equal(await page.getByTestId('note-editor').count(), 0, 'a signed note has no editor');
  assert.match(await page.getByTestId('signed-note').textContent(), /suboptimal control/);
  // Not through the API either.
  const encounterId = decodeURIComponent(new URL(page.url()).hash.split('/').pop());
  const refused = await page.evaluate(async (id) => {
    const r = await fetch('/api/Chart/SaveDraft', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([id, { subjective: 'changed', objective: '', assessment: '', plan: '' }, 99]),
    });
    return r.status;
  }, encounterId);
  assert.equal(refused, 409);
  await page.getByLabel('Add an addendum').fill('HbA1c came back 8.1%.');
  await page.getByRole('button', { name: 'Add addendum' }).click();
  await page.getByTestId('addenda').getByText('HbA1c came back 8.1%.').waitFor();
  assert.match(await page.getByTestId('addenda').textContent(), /Dr Lee/);
  await shot('signed-with-addendum');

  // Retraction needs a reason; the note stays readable, marked retracted.
  await page.getByRole('button', { name: 'Retract note…' }).click();
  await page.getByRole('button', { name: 'Retract note', exact: true }).click();
  await page.locator('#retract-reason-error').waitFor();
  await page.getByLabel('Why is this note retracted?').fill('written in the wrong chart');
  await page.getByRole('button', { name: 'Retract note', exact: true }).click();
  await page.getByTestId('retracted').getByText('written in the wrong chart').waitFor();
  assert.match(await page.getByTestId('signed-note').textContent(), /suboptimal control/);
  await shot('retracted');

  await page.getByRole('link', { name: 'Back to chart' }).click();
  await page.getByTestId('visits').getByText('retracted').waitFor();
  await ctx.close();
});
