// The clinician's printouts and templates: a new clinic's starter template
// fills a visit note whose blanks must be filled or waived before signing
// (Fill selects one, Waive marks it "[not assessed]"); ".vitals" writes the
// visit's vitals in one line; the signed note prints with its signature and
// addenda, and the after-visit summary prints in plain words with the
// medicines changed at the visit, the follow-up and the patient's
// instructions. Both are checked under print media and as PDFs.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminPassword, artifacts, call, chaosMaxDelay, hold, launchBrowser, setUpClinic, shooter, signIn, startFolio, test } from './harness.js';

let folio;
let chromium;
const soon = { timeout: 5000 + 2 * chaosMaxDelay };
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

/** pdfText is a PDF's text, page by page, read with pdf.js (the frontend's
 * own PDF reader, frontend/node_modules/pdfjs-dist). */
async function pdfText(data) {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(data) }).promise;
  const pages = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    pages.push(content.items.map((x) => x.str).join(' '));
  }
  return pages;
}

/** squeezed is text without white space: a PDF splits words at ligatures. */
const squeezed = (s) => s.replace(/\s+/g, '');

/** printed checks the page under print media: the text wanted is there and
 * the app's chrome is not; then a screenshot and a PDF, whose text is
 * checked too. */
async function printed(page, shot, name, footer, wants) {
  await page.emulateMedia({ media: 'print' });
  const text = await page.evaluate(() => document.body.innerText);
  for (const want of wants) assert.ok(text.includes(want), `the printout shows ${want}:\n${text}`);
  for (const chrome of ['Sign out', 'Sign note', 'Back to chart', 'Close', 'Add an addendum', 'Record vitals']) {
    assert.ok(!text.includes(chrome), `the printout leaves out "${chrome}":\n${text}`);
  }
  await shot(`${name}-print-media`);
  const pdf = await page.pdf({ format: 'Letter' });
  writeFileSync(join(artifacts, '70-printouts', `${name}.pdf`), pdf);
  const pages = await pdfText(pdf);
  const all = squeezed(pages.join(' '));
  for (const want of wants) assert.ok(all.includes(squeezed(want)), `the PDF shows ${want}:\n${pages.join('\n')}`);
  pages.forEach((text, i) => {
    // Each page's foot: the patient, and the page of how many.
    assert.ok(squeezed(text).includes(squeezed(`Page ${i + 1} of ${pages.length}`)), `page ${i + 1} is numbered:\n${text}`);
    assert.ok(squeezed(text).includes(squeezed(footer)), `page ${i + 1} names the patient:\n${text}`);
  });
  await page.emulateMedia({ media: 'screen' });
  return pages.length;
}

test('a visit from a starter template: blanks filled or waived, vitals in one keystroke, the note and the after-visit summary printed', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '70-printouts');
  await page.goto(folio.url);

  // The admin: the clinic's address, and a clinician.
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor(soon);
  await call(page, 'Admin', 'SaveSettings', { ...(await call(page, 'Admin', 'Settings')),
    clinicAddress: '1 River Road\nSpringfield, IL 62701', clinicPhone: '555-010-2000' });
  await call(page, 'Admin', 'AddUser', { username: 'drlee', fullName: 'Dr Jordan Lee', role: 'clinician', password: drPassword });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, 'drlee', drPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor(soon);

  // The patient's medicines before the visit.
  const p = await call(page, 'Patients', 'Register', {
    familyName: 'Printer', givenNames: 'Paula', birthDate: '1958-06-21', sex: 'female', phone: '555-700-1212',
  });
  const med = (drug, dose) => ({ drug, rxnorm: '', dose, route: 'oral', frequency: 'once a day', quantity: '30 tablets',
    refills: 1, startDate: '', source: 'prescribed_here', prescriber: '', note: '' });
  const lisinopril = await call(page, 'Chart', 'AddMedication', p.id, med('lisinopril', '10 mg'), []);
  const metformin = await call(page, 'Chart', 'AddMedication', p.id, med('metformin', '500 mg'), []);

  // The chart: the problem list's button and the vitals' units before any.
  await call(page, 'Chart', 'AddProblem', p.id, { code: 'I10', title: '', onset: '2015', status: 'active', resolvedOn: '', note: '', encounterId: '' });
  await page.goto(`${folio.url}/#/patients/${p.id}`);
  await page.getByTestId('problems').getByRole('button', { name: 'Mark resolved' }).waitFor(soon);

  const visit = await call(page, 'Chart', 'OpenEncounter', p.id, '');
  await page.goto(`${folio.url}/#/encounters/${visit.id}`);
  await page.getByTestId('note-editor').waitFor(soon);
  const vitals = page.getByTestId('vitals');
  for (const label of ['Weight (kg)', 'Height (cm)', 'Temperature (°C)', 'Head circ. (cm)']) {
    await vitals.getByLabel(label, { exact: true }).waitFor(soon);
  }
  await vitals.getByLabel('Weight (kg)').fill('84.1');
  await vitals.getByLabel('Systolic').fill('128');
  await vitals.getByLabel('Diastolic').fill('82');
  await vitals.getByLabel('Pulse').fill('72');
  await vitals.getByLabel('Temperature (°C)').fill('36.8');
  await vitals.getByRole('button', { name: 'Record vitals' }).click();
  await vitals.locator('th', { hasText: 'Temp' }).getByText('°C').waitFor(soon);

  // The starter template: its blanks are listed, and signing is refused.
  await page.getByTestId('templates').getByRole('button', { name: 'Hypertension follow-up' }).click();
  const blanks = page.getByTestId('blanks');
  await blanks.waitFor(soon);
  assert.match(await blanks.textContent(), /BP _\/_.*\(Objective, line 1\)/s);
  await page.getByTestId('save-state').getByText(/Draft saved/).waitFor(soon);
  await page.getByRole('button', { name: 'Sign note' }).click();
  await page.locator('#note-objective-error').getByText('4 blanks not filled: BP _/_ (line 1), repeat _/_ (line 1), Heart rate ___ (line 1), Weight ___ (line 1).').waitFor(soon);
  await shot('01-blanks-refused');

  // Fill selects the blank, and typing replaces it.
  await blanks.getByTestId('blank').filter({ hasText: 'BP _/_' }).first().getByRole('button', { name: 'Fill' }).click();
  await page.keyboard.type('128/82');
  assert.match(await page.locator('#note-objective').inputValue(), /^BP 128\/82 \(repeat _\/_\)/);

  // .vitals and a space: the visit's vitals in one line.
  const objective = page.locator('#note-objective');
  await objective.focus();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await objective.pressSequentially('.vitals ');
  assert.match(await objective.inputValue(), /\nBP 128\/82, HR 72, T 36\.8 °C, Wt 84\.1 kg $/);

  // The rest waived, one by one.
  while ((await blanks.getByTestId('blank').count()) > 0) {
    const before = await blanks.getByTestId('blank').count();
    await blanks.getByTestId('blank').first().getByRole('button', { name: 'Waive' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="blank"]').length < n, before, soon);
  }
  assert.match(await objective.inputValue(), /\(repeat \[not assessed\]\)/);
  await shot('02-blanks-done');

  // Medicines changed at the visit, a follow-up and the patient's instructions.
  await call(page, 'Chart', 'RenewMedication', lisinopril.id, med('lisinopril', '20 mg'), lisinopril.version, []);
  await call(page, 'Chart', 'StopMedication', metformin.id, 'stomach upset', '', metformin.version);
  await call(page, 'Chart', 'AddMedication', p.id, med('amlodipine', '5 mg'), []);
  const followUp = page.getByTestId('follow-up');
  await followUp.getByLabel('Follow-up').fill('3 months');
  await followUp.getByRole('button', { name: 'Set follow-up' }).click();
  await followUp.getByTestId('follow-up-state').waitFor(soon);
  const instructions = page.getByTestId('instructions');
  await instructions.getByRole('textbox').fill('Take lisinopril 20 mg each morning.\nCheck your blood pressure at home twice a week.');
  await instructions.getByRole('button', { name: 'Save instructions' }).click();
  await instructions.getByTestId('instructions-state').getByText(/Saved by Dr Jordan Lee/).waitFor(soon);

  await page.getByTestId('save-state').getByText(/Draft saved/).waitFor(soon);
  await page.getByRole('button', { name: 'Sign note' }).click();
  await page.getByTestId('note-status').getByText('signed').waitFor(soon);
  await page.getByLabel('Add an addendum').fill('Called: home readings 130/80.');
  await page.getByRole('button', { name: 'Add addendum' }).click();
  await page.getByTestId('addenda').getByText('Called: home readings 130/80.').waitFor(soon);
  // A long addendum: the note runs onto a second page.
  await call(page, 'Chart', 'AddAddendum', visit.id,
    Array.from({ length: 45 }, (_, i) => `Day ${i + 1} of the home log: 130/80, pulse 70.`).join('\n'));

  // The signed note on paper.
  await page.getByRole('button', { name: 'Print note' }).click();
  const note = page.getByTestId('note-print');
  await note.waitFor(soon);
  await shot('03-note-view');
  const notePages = await printed(page, shot, 'note', `Paula Printer · born 1958-06-21 · MRN ${p.mrn}`, ['Riverside Family Practice', '1 River Road', 'Paula Printer', '1958-06-21',
    p.mrn, 'Dr Jordan Lee', 'Essential hypertension', 'BP 128/82',
    'Signed electronically by Dr Jordan Lee on', 'Addendum by Dr Jordan Lee', 'Called: home readings 130/80.',
    'Day 45 of the home log']);
  assert.ok(notePages >= 2, `the long note prints on ${notePages} pages, each with its foot`);
  await note.getByRole('button', { name: 'Close' }).click();
  await note.waitFor({ state: 'detached', ...soon });

  // The after-visit summary, in plain words.
  await page.getByRole('button', { name: 'After-visit summary' }).click();
  const avs = page.getByTestId('visit-summary');
  await avs.waitFor(soon);
  const meds = await avs.getByTestId('avs-medicines').innerText();
  assert.match(meds, /Start taking\s+amlodipine 5 mg oral once a day/);
  assert.match(meds, /Take differently\s+lisinopril: now 20 mg oral once a day \(before: 10 mg oral once a day\)/);
  assert.match(meds, /Stop taking\s+metformin \(stomach upset\)/);
  await shot('04-summary-view');
  await printed(page, shot, 'after-visit-summary', 'Paula Printer · born 1958-06-21 · After-visit summary', ['Riverside Family Practice', 'Paula Printer', 'Dr Jordan Lee',
    'Your measurements: BP 128/82, HR 72, T 36.8 °C, Wt 84.1 kg',
    'amlodipine', 'lisinopril', 'metformin', 'Please come back in 3 months',
    'Take lisinopril 20 mg each morning.', 'Check your blood pressure at home twice a week.']);
  await avs.getByRole('button', { name: 'Close' }).click();

  // The referral's preview offers the signed note, ticked.
  await page.goto(`${folio.url}/#/patients/${p.id}/referral`);
  const notesSection = page.getByTestId('section-notes');
  await notesSection.waitFor(soon);
  assert.match(await notesSection.textContent(), /Visit notes.*\(1 of 1\).*Dr Jordan Lee, walk-in: Essential hypertension/s);
  assert.ok(await notesSection.getByTestId(`item-${visit.id}`).isChecked(), 'the latest note is ticked');
  await shot('05-referral-notes');

  // Each print is in the audit trail.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor(soon);
  const trail = await call(page, 'Admin', 'Audit', { username: 'drlee', action: '', patientId: p.id, from: '', to: '', beforeSeq: 0, limit: 200 });
  const actions = trail.entries.map((a) => a.action);
  for (const want of ['note.print', 'visit_summary.print', 'visit.instructions']) {
    assert.ok(actions.includes(want), `the audit trail has ${want}: ${actions.join(', ')}`);
  }
  await ctx.close();
});

test('the patient\'s instructions: what is typed while a save is on its way stays the clinician\'s', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '71-instructions-late');
  await page.goto(folio.url);
  await signIn(page, 'drlee', drPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor(soon);
  const p = await call(page, 'Patients', 'Register', {
    familyName: 'Later', givenNames: 'Lena', birthDate: '1970-01-30', sex: 'female', phone: '555-700-3434',
  });
  const visit = await call(page, 'Chart', 'OpenEncounter', p.id, '');
  await page.goto(`${folio.url}/#/encounters/${visit.id}`);
  const instructions = page.getByTestId('instructions');
  await instructions.waitFor(soon);
  const box = instructions.getByRole('textbox');

  const saving = await hold(page, 'Chart/SaveVisitInstructions');
  await box.fill('Rest for two days.');
  await instructions.getByRole('button', { name: 'Save instructions' }).click();
  await saving.calls(1);
  await box.pressSequentially(' Drink plenty of water.');
  await saving.release();
  await instructions.getByText('Not saved yet.').waitFor(soon);
  assert.equal(await box.inputValue(), 'Rest for two days. Drink plenty of water.', 'the save that came back did not take the typing');
  await shot('01-typed-while-saving');
  await instructions.getByRole('button', { name: 'Save instructions' }).click();
  await instructions.getByTestId('instructions-state').waitFor(soon);
  const saved = await call(page, 'Chart', 'Encounter', visit.id);
  assert.equal(saved.instructions.text, 'Rest for two days. Drink plenty of water.');
  assert.equal(saved.instructions.version, 2, 'each save is a version, the one before kept');
  await ctx.close();
});
