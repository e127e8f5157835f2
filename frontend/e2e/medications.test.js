// Medications and prescriptions end to end: the admin gives the clinic an
// address and phone and the clinician a licence number; the clinician
// records a penicillin allergy and the warfarin a patient takes, prescribes
// ibuprofen, which raises an interaction alert that cannot be passed
// without a reason, passes it with one, prints the prescription (the
// printout is the prescription alone, on one page), renews it, stops it
// with a reason and finds it in the history with its story.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { adminPassword, artifacts, call, launchBrowser, setUpClinic, shooter, signIn, startFolio, test } from './harness.js';

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

test('a prescription past an interaction alert, printed, renewed and stopped', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const fullShot = shooter(page, '20-medications');
  // Each step twice: the whole page, and the medications panel up close.
  const shot = async (step) => {
    await fullShot(step);
    const panel = page.getByTestId('medications');
    if (await panel.count()) await panel.screenshot({ path: join(artifacts, '20-medications', `panel-${step}.png`) });
  };
  await page.goto(folio.url);

  // The admin: the clinic's address and phone, and a clinician with a licence number.
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('heading', { name: 'Clinic settings' }).waitFor();
  await page.getByLabel('Clinic address').fill('1 River Road\nSpringfield, IL 62701');
  await page.getByLabel('Clinic phone').fill('555-010-2000');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Settings saved.').waitFor();
  await page.getByRole('link', { name: 'Users' }).click();
  await page.getByLabel('User name').fill('drlee');
  await page.getByLabel('Full name').fill('Dr Jordan Lee');
  await page.getByLabel('Role').selectOption('clinician');
  await page.getByLabel('Licence or registration number').fill('IL-036-123456');
  await page.getByLabel('First password').fill(drPassword);
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.getByTestId('users').getByText('IL-036-123456').waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn(page, 'drlee', drPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  const patient = await call(page, 'Patients', 'Register', {
    familyName: 'Okafor', givenNames: 'Ngozi', birthDate: '1961-02-14', sex: 'female', phone: '555-410-2200',
    addressLine: '48 Elm Street', city: 'Springfield', region: 'IL', postalCode: '62704',
  });
  await page.goto(`${folio.url}/#/patients/${patient.id}`);
  await page.getByTestId('banner-allergies').getByText('Allergies not recorded').waitFor();

  // A penicillin allergy, and the warfarin she takes from her cardiologist.
  const allergies = page.getByTestId('allergies');
  await allergies.getByLabel('Substance').fill('Penicillin');
  await allergies.getByLabel('Kind').selectOption('drug_class');
  await allergies.getByLabel('Reaction').fill('rash');
  await allergies.getByRole('button', { name: 'Add allergy' }).click();
  await page.getByTestId('banner-allergies').getByText('⚠ Allergies: Penicillin (rash)').waitFor();

  const meds = page.getByTestId('medications');
  const addForm = meds.locator('form', { has: page.getByRole('heading', { name: 'Add a medication' }) });
  await addForm.getByLabel('Drug').fill('warf');
  await addForm.getByTestId('drug-results').getByRole('button', { name: /^warfarin(?![/\w-])/ }).click();
  await addForm.getByLabel('Source').selectOption('elsewhere');
  await addForm.getByLabel('Prescribed by').fill('Dr Shah, cardiology');
  await addForm.getByLabel('Dose').fill('5 mg');
  await addForm.getByLabel('Frequency').fill('once a day');
  await addForm.getByRole('button', { name: 'Add medication' }).click();
  const warfarin = meds.getByTestId('medication').filter({ hasText: 'warfarin' });
  await warfarin.waitFor();
  assert.match(await warfarin.textContent(), /prescribed elsewhere by Dr Shah, cardiology/);
  assert.equal(await warfarin.getByRole('button', { name: 'Print prescription' }).count(), 0,
    'a drug prescribed elsewhere has no prescription to print here');

  // Ibuprofen with warfarin: the alert says what, why and how grave.
  await addForm.getByLabel('Drug').fill('ibupro');
  await addForm.getByTestId('drug-results').getByRole('button', { name: /^ibuprofen(?![/\w-])/ }).click();
  await addForm.getByLabel('Dose').fill('400 mg');
  await addForm.getByLabel('Frequency').fill('three times a day');
  await addForm.getByLabel('Quantity').fill('21 tablets');
  await addForm.getByRole('button', { name: 'Add medication' }).click();
  const alertBox = addForm.getByTestId('interaction-alerts');
  await alertBox.waitFor();
  const alertText = await alertBox.textContent();
  assert.match(alertText, /MAJOR/, 'the severity');
  assert.match(alertText, /warfarin/i, 'what: the drugs involved');
  assert.match(alertText, /bleeding/i, 'why');
  assert.match(alertText, /Source:/, 'where the rule comes from');
  await shot('interaction-alert');

  // No reason, no prescription.
  await addForm.getByRole('button', { name: 'Continue with the reasons given' }).click();
  await alertBox.getByText('A reason is needed to continue past this alert.').waitFor();
  assert.equal(await meds.getByTestId('medication').filter({ hasText: 'ibuprofen' }).count(), 0, 'not added without a reason');
  await shot('reason-missing');

  await alertBox.getByRole('textbox').first().fill('3 days only; INR checked on Friday');
  await addForm.getByRole('button', { name: 'Continue with the reasons given' }).click();
  const ibuprofen = meds.getByTestId('medication').filter({ hasText: 'ibuprofen' });
  await ibuprofen.waitFor();
  assert.match(await ibuprofen.textContent(), /Alert overridden \(major\).*“3 days only; INR checked on Friday”, Dr Jordan Lee/s);
  await meds.getByTestId('prescribed').getByText('Prescribed ibuprofen 400 mg oral three times a day.').waitFor();
  await shot('prescribed-with-override');

  // The prescription: printed, it is the prescription alone.
  await meds.getByTestId('prescribed').getByRole('button', { name: 'Print prescription' }).click();
  const rx = page.getByTestId('prescription');
  await rx.waitFor();
  const rxText = await rx.innerText();
  for (const want of ['Riverside Family Practice', '1 River Road', 'Springfield, IL 62701', 'Tel. 555-010-2000',
    'Ngozi Okafor', '1961-02-14', '48 Elm Street', 'Springfield, IL 62704', 'ibuprofen', '400 mg', 'oral',
    'three times a day', '21 tablets (twenty-one)', 'none', 'Dr Jordan Lee', 'IL-036-123456', 'Signature']) {
    assert.ok(rxText.includes(want), `the prescription shows ${want}:\n${rxText}`);
  }
  assert.ok(!rxText.includes('INR checked'), 'the override reason is the chart’s, not the pharmacy’s');
  await fullShot('prescription-view');

  await page.emulateMedia({ media: 'print' });
  const printed = await page.evaluate(() => document.body.innerText);
  for (const want of ['Riverside Family Practice', 'Ngozi Okafor', 'ibuprofen', 'Dr Jordan Lee', 'IL-036-123456']) {
    assert.ok(printed.includes(want), `the printout shows ${want}`);
  }
  for (const chrome of ['Sign out', 'Medications', 'Demographics', 'Close']) {
    assert.ok(!printed.includes(chrome), `the printout leaves out "${chrome}":\n${printed}`);
  }
  await fullShot('prescription-printed');
  const pdf = await page.pdf({ format: 'Letter' });
  writeFileSync(join(artifacts, '20-medications', 'prescription.pdf'), pdf);
  const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? [];
  assert.equal(pages.length, 1, 'the prescription prints on one page');
  await page.emulateMedia({ media: 'screen' });
  await page.getByTestId('prescription-view').getByRole('button', { name: 'Close' }).click();
  await rx.waitFor({ state: 'detached' });

  // Renewal: the form comes filled in; the alert is checked again and needs its reason again.
  await ibuprofen.getByRole('button', { name: 'Renew' }).click();
  const renewForm = ibuprofen.getByTestId('renew-form');
  assert.equal(await renewForm.getByLabel('Dose').inputValue(), '400 mg');
  assert.equal(await renewForm.getByLabel('Quantity').inputValue(), '21 tablets');
  await renewForm.getByLabel('Quantity').fill('14 tablets');
  await renewForm.getByRole('button', { name: 'Renew ibuprofen' }).click();
  await renewForm.getByTestId('interaction-alerts').waitFor();
  await renewForm.getByTestId('interaction-alerts').getByRole('textbox').first().fill('2 more days; INR stable');
  await renewForm.getByRole('button', { name: 'Renew with the reasons given' }).click();
  await renewForm.waitFor({ state: 'detached' });
  const renewed = meds.getByTestId('medication').filter({ hasText: 'ibuprofen' });
  await renewed.getByText('renewal').waitFor();
  assert.match(await renewed.textContent(), /qty 14 tablets/);
  assert.match(await renewed.textContent(), /2 more days; INR stable/);
  await shot('renewed');

  // Stopping needs a reason; then it is history, with who and why.
  await renewed.getByRole('button', { name: 'Stop' }).click();
  const stopForm = renewed.getByTestId('stop-form');
  await stopForm.getByRole('button', { name: 'Stop ibuprofen' }).click();
  await stopForm.getByText('Say why this medication is stopped.').waitFor();
  await stopForm.getByLabel('Reason for stopping').fill('pain settled');
  await stopForm.getByRole('button', { name: 'Stop ibuprofen' }).click();
  await meds.getByTestId('medication').filter({ hasText: 'ibuprofen' }).waitFor({ state: 'detached' });

  // One more, entered in error.
  await addForm.getByLabel('Drug').fill('metfor');
  await addForm.getByTestId('drug-results').getByRole('button', { name: /^metformin(?![/\w-])/ }).click();
  await addForm.getByLabel('Source').selectOption('elsewhere');
  await addForm.getByRole('button', { name: 'Add medication' }).click();
  const metformin = meds.getByTestId('medication').filter({ hasText: 'metformin' });
  await metformin.waitFor();
  await metformin.getByRole('button', { name: 'Entered in error' }).click();
  await metformin.getByLabel('Why was this entered in error?').fill('another patient’s list');
  await metformin.getByRole('button', { name: 'Mark as entered in error' }).click();
  await metformin.waitFor({ state: 'detached' });

  await meds.getByRole('button', { name: 'History (3)' }).click();
  const past = meds.getByTestId('past-medication');
  const stopped = past.filter({ hasText: 'pain settled' });
  assert.match(await stopped.textContent(), /ibuprofen 400 mg.*stopped \d{4}-\d\d-\d\d by Dr Jordan Lee: “pain settled”/s);
  assert.match(await past.filter({ hasText: 'Renewed' }).textContent(), /qty|ibuprofen 400 mg/);
  assert.match(await past.filter({ hasText: 'metformin' }).textContent(), /entered in error.*another patient’s list/s);

  // Its story: the first prescription, the renewal, the stops, each with who and why.
  await stopped.getByRole('button', { name: 'Changes' }).click();
  const story = stopped.getByTestId('medication-history');
  await story.waitFor();
  const storyText = await story.textContent();
  assert.match(storyText, /Dr Jordan Lee: prescribed — ibuprofen 400 mg oral three times a day; quantity 21 tablets/);
  assert.match(storyText, /stopped.*“Renewed”/s);
  assert.match(storyText, /renewed — ibuprofen 400 mg oral three times a day; quantity 14 tablets/);
  assert.match(storyText, /stopped.*“pain settled”.*stop reason: — → pain settled/s);
  await shot('history');

  // The audit trail has the print, by whom, for which patient.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  const audit = await call(page, 'Admin', 'Audit', { username: '', action: 'prescription.print', patientId: '', from: '',
    to: '', beforeSeq: 0, limit: 10 });
  const entries = audit.entries ?? [];
  assert.equal(entries.length, 1, 'one print recorded');
  assert.equal(entries[0].username, 'drlee');
  assert.match(entries[0].detail, /ibuprofen 400 mg/);
  await ctx.close();
});
