// Drugs and allergies the interaction check cannot read: a drug typed as
// free text is listed "not checked for interactions", so is a drug allergy
// Folio does not know, a food allergy is not (it is no drug), and the
// prescribing form says plainly which entries a new prescription was not
// checked against. A drug known by its brand's clinical drug string is
// checked: Entresto after Zestril raises the contraindication.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { call, launchBrowser, setUpClinic, shooter, signInAsNewClinician, startFolio } from './harness.js';

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

test('free-text drugs and unknown drug allergies are marked not checked, on the list and the prescribing form', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '25-drug-checks');
  await signInAsNewClinician(page, folio, 'drlee', 'Dr Jordan Lee');
  const patient = await call(page, 'Patients', 'Register', {
    familyName: 'Okafor', givenNames: 'Ngozi', birthDate: '1961-02-14', sex: 'female', phone: '555-410-2200',
  });
  await call(page, 'Chart', 'AddMedication', patient.id, { drug: "Grandma's herbal tea", source: 'elsewhere', dose: '', route: '',
    frequency: '', quantity: '', refills: 0, startDate: '', prescriber: '', note: '', rxnorm: '' }, []);
  await call(page, 'Chart', 'AddMedication', patient.id, { drug: 'Zestril 10 MG Oral Tablet', rxnorm: '104377', source: 'elsewhere',
    dose: '', route: '', frequency: '', quantity: '', refills: 0, startDate: '', prescriber: '', note: '' }, []);
  await call(page, 'Chart', 'AddAllergy', patient.id, { substance: 'Zorblaxin', substanceKind: 'drug', code: '', reaction: 'hives',
    severity: '', status: '', onset: '', note: '' });
  await call(page, 'Chart', 'AddAllergy', patient.id, { substance: 'Peanuts', substanceKind: 'food', code: '', reaction: '',
    severity: '', status: '', onset: '', note: '' });
  await page.goto(`${folio.url}/#/patients/${patient.id}`);

  const meds = page.getByTestId('medications');
  await meds.getByTestId('medication').first().waitFor();
  const tea = meds.getByTestId('medication').filter({ hasText: "Grandma's herbal tea" });
  await tea.getByTestId('not-checked').waitFor();
  const zestril = meds.getByTestId('medication').filter({ hasText: 'Zestril 10 MG Oral Tablet' });
  assert.equal(await zestril.getByTestId('not-checked').count(), 0, 'Zestril is read as lisinopril');
  const allergies = page.getByTestId('allergies');
  await allergies.getByTestId('allergy-not-checked').waitFor();
  assert.equal(await allergies.getByTestId('allergy-not-checked').count(), 1, 'only the drug allergy is unchecked, not the peanuts');
  await meds.scrollIntoViewIfNeeded();
  await shot('list-not-checked');

  const addForm = meds.locator('form', { has: page.getByRole('heading', { name: 'Add a medication' }) });
  await addForm.getByLabel('Drug').fill('Entresto');
  const note = addForm.getByTestId('unchecked-note');
  await note.waitFor();
  const text = await note.textContent();
  assert.match(text, /2 entries could not be checked for interactions: Grandma's herbal tea \(free text\), Zorblaxin \(free text\)/);
  await addForm.getByLabel('Dose').fill('1 tablet');
  await addForm.getByLabel('Frequency').fill('twice a day');
  await addForm.getByRole('button', { name: 'Add medication' }).click();
  const alerts = addForm.getByTestId('interaction-alerts');
  await alerts.waitFor();
  assert.match(await alerts.textContent(), /ACE inhibitor/i);
  await addForm.scrollIntoViewIfNeeded();
  await shot('form-not-checked-and-alert');
  await ctx.close();
});
