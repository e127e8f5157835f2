// Registration end to end: every section of the form, a duplicate caught
// before saving ("open this one instead"), a likely duplicate that stops
// the save until the desk says this is a different person, two charts of
// one person merged by the admin with both chart numbers still finding
// her, and the search box finding her by a birth date however it is
// typed, empty again once her chart opens.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { adminPassword, call, launchBrowser, setUpClinic, shooter, signIn, startFolio, test } from './harness.js';

let folio;
let chromium;
const deskPassword = 'desk-password-123';

before(async () => {
  folio = await startFolio();
  setUpClinic(folio);
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await folio?.stop();
});

// A 1x1 PNG, the smallest real picture.
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGNgYPgPAAEDAQAIicLsAAAAAElFTkSuQmCC',
  'base64',
);

let firstMrn = '';
let firstId = '';
let secondMrn = '';
let secondId = '';

test('register with every section; a likely duplicate is offered before saving', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1200 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '9-registration');
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await call(page, 'Admin', 'AddUser', { username: 'desk', fullName: 'Dana Desk', role: 'frontdesk', password: deskPassword });
  await call(page, 'Admin', 'AddUser', { username: 'drlee', fullName: 'Dr Lee', role: 'clinician', password: 'doctor-password-123' });
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn(page, 'desk', deskPassword);
  await page.getByRole('link', { name: 'Register new patient' }).click();
  const fill = async (label, value) => page.getByLabel(label, { exact: true }).fill(value);
  await fill('Family name', 'Okonkwo');
  await fill('Given names', 'Adaeze Grace');
  await fill('Preferred name', 'Ada');
  await fill('Date of birth', '1984-07-19');
  await page.getByLabel('Sex at birth').selectOption('female');
  await fill('Gender identity', 'woman');
  await fill('Phone', '555-201-3344');
  await fill('Email', 'ada@example'); // wrong on purpose
  await fill('Address', '12 Mill Lane');
  await fill('City', 'Riverside');
  await fill('Preferred language', 'Igbo');
  await fill('Contact name', 'Chidi Okonkwo');
  await fill('Relationship', 'brother');
  await fill('Contact phone', '555-201-7777');
  await fill('Payer', 'Acme Health');
  await fill('Member ID', 'ACM-4471-22');
  await page.getByLabel('Primary clinician').selectOption({ label: 'Dr Lee' });
  await page.locator('#photo').setInputFiles({ name: 'ada.png', mimeType: 'image/png', buffer: png });
  await fill('Front-desk note', 'Prefers morning appointments');
  await page.getByRole('button', { name: 'Register patient' }).click();
  await page.locator('#email-error').waitFor();
  await shot('invalid-email');
  await fill('Email', 'ada@example.org');
  await page.getByRole('button', { name: 'Register patient' }).click();
  await page.getByTestId('patient-banner').waitFor();
  firstMrn = (await page.getByTestId('mrn').textContent()).trim();
  firstId = decodeURIComponent(new URL(page.url()).hash.split('/').pop());
  assert.match(await page.getByTestId('insurance').textContent(), /ACM-4471-22/);
  await page.getByTestId('photo').waitFor();
  await shot('registered-chart');

  // The same person again, with a typo in the family name: the desk is
  // shown the existing chart and opens it instead.
  await page.getByRole('link', { name: 'Register', exact: true }).click();
  await fill('Family name', 'Okonkow');
  await fill('Given names', 'Adaeze');
  await fill('Date of birth', '1984-07-19');
  const dupes = page.getByTestId('duplicates');
  await dupes.getByText('OKONKWO, Adaeze Grace').waitFor();
  await shot('duplicate-offered');
  await dupes.getByRole('button', { name: 'Open this one instead' }).click();
  await page.getByTestId('patient-banner').waitFor();
  assert.equal((await page.getByTestId('mrn').textContent()).trim(), firstMrn);

  // The same name and birth date again: the save stops and shows the
  // chart, with what matched; nothing is saved.
  await page.getByRole('link', { name: 'Register', exact: true }).click();
  await fill('Family name', 'Okonkwo');
  await fill('Given names', 'Ada');
  await fill('Date of birth', '1984-07-19');
  await page.getByLabel('Sex at birth').selectOption('female');
  await fill('Phone', '555-999-1000');
  await dupes.waitFor();
  const refused = page.waitForResponse((r) => r.url().endsWith('/api/Patients/Register'));
  await page.getByRole('button', { name: 'Register patient' }).click();
  assert.equal((await refused).status(), 409);
  const confirm = page.getByTestId('duplicate-confirm');
  await confirm.waitFor();
  const row = confirm.getByRole('row').filter({ hasText: firstMrn });
  assert.match(await row.textContent(), /OKONKWO, Adaeze Grace/);
  assert.match(await row.textContent(), /1984-07-19/);
  assert.equal(await row.getByRole('link', { name: 'Open chart' }).getAttribute('href'), `#/patients/${encodeURIComponent(firstId)}`);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'confirm-title', 'the question has the focus');
  assert.equal(await dupes.count(), 0, 'the question replaces the warning beside the form');
  assert.equal(await page.getByTestId('patient-banner').count(), 0, 'nothing saved');
  await shot('duplicate-stops-the-save');
  // The API does not skip the question either.
  await assert.rejects(
    call(page, 'Patients', 'Register', { familyName: 'Okonkwo', givenNames: 'Ada', birthDate: '1984-07-19', sex: 'female' }),
    /may already have a chart/,
  );

  // The link opens that chart; back on the form, what was typed is there.
  await row.getByRole('link', { name: 'Open chart' }).click();
  await page.getByTestId('patient-banner').waitFor();
  assert.equal((await page.getByTestId('mrn').textContent()).trim(), firstMrn);
  await page.goBack();
  await page.getByRole('heading', { name: 'Register a new patient' }).waitFor();
  assert.equal(await page.getByLabel('Given names', { exact: true }).inputValue(), 'Ada');

  // Registered twice all the same (it happens), once the desk says this
  // is a different person.
  await page.getByRole('button', { name: 'Register patient' }).click();
  await confirm.waitFor();
  const confirmed = page.waitForResponse((r) => r.url().endsWith('/api/Patients/RegisterDifferentPerson'));
  await confirm.getByRole('button', { name: 'This is a different person' }).click();
  assert.deepEqual(JSON.parse((await confirmed).request().postData())[1], [firstId]);
  await page.getByTestId('patient-banner').waitFor();
  secondMrn = (await page.getByTestId('mrn').textContent()).trim();
  secondId = decodeURIComponent(new URL(page.url()).hash.split('/').pop());
  assert.notEqual(secondMrn, firstMrn);
  await ctx.close();
});

test('the admin merges the two charts; both MRNs find the one that stays', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '10-merge');
  await page.goto(folio.url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('link', { name: 'Merge charts' }).click();
  await page.getByLabel('Chart that stays (MRN)').fill(firstMrn);
  await page.getByLabel('Duplicate to merge into it (MRN)').fill(secondMrn);
  await page.getByRole('button', { name: 'Compare' }).click();
  const preview = page.getByTestId('merge-preview');
  await preview.waitFor();
  await shot('preview');
  await page.getByRole('button', { name: `Merge ${secondMrn} into ${firstMrn}` }).click();
  await page.locator('#merge-reason-error').waitFor();
  await page.getByLabel('Why are these the same person?').fill('same person: registered twice, confirmed by phone');
  await page.getByRole('button', { name: `Merge ${secondMrn} into ${firstMrn}` }).click();
  await page.getByText(`Merged ${secondMrn} into ${firstMrn}`).waitFor();
  await page.getByTestId('merges').getByText('confirmed by phone').waitFor();
  await shot('merged');
  await page.getByRole('button', { name: 'Sign out' }).click();

  // The front desk: the old MRN finds the survivor; the old chart redirects.
  await signIn(page, 'desk', deskPassword);
  const box = page.getByRole('searchbox', { name: 'Search patients' });
  const answer = page.waitForResponse(
    (r) => r.url().endsWith('/api/Patients/Search') && JSON.parse(r.request().postData())[0] === secondMrn,
  );
  await box.fill(secondMrn);
  const hits = await (await answer).json();
  assert.deepEqual(hits.map((h) => h.mrn), [firstMrn]);
  await page.goto(`${folio.url}/#/patients/${secondId}`);
  const redirected = page.getByTestId('redirected');
  await redirected.waitFor();
  assert.match(await redirected.textContent(), new RegExp(`${secondMrn} was merged into this one \\(${firstMrn}\\)`));
  assert.equal((await page.getByTestId('mrn').textContent()).trim(), firstMrn);
  await shot('old-chart-redirects');
  await ctx.close();
});

test('the search box finds her by a birth date however it is typed, and is empty once her chart opens', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await ctx.newPage();
  const shot = shooter(page, '10-search-dates');
  await page.goto(folio.url);
  await signIn(page, 'desk', deskPassword);
  await page.getByRole('heading', { name: 'Find a patient' }).waitFor();
  const box = page.getByRole('searchbox', { name: 'Search patients' });
  const hit = page.getByTestId('search-hit').filter({ hasText: firstMrn });
  for (const query of ['1984/07/19', '19/07/1984', '1984-07-19', 'July 19 1984', '19 July 1984', 'Jul 19, 1984']) {
    const answer = page.waitForResponse(
      (r) => r.url().endsWith('/api/Patients/Search') && JSON.parse(r.request().postData())[0] === query,
    );
    await box.fill(query);
    const hits = await (await answer).json();
    assert.deepEqual(hits.map((h) => h.mrn), [firstMrn], `searching ${JSON.stringify(query)}`);
    await hit.waitFor();
    if (query === 'Jul 19, 1984') await shot('found-by-date-in-words');
  }
  // Enter opens the chart; the box is empty again, for the next patient.
  await box.press('Enter');
  await page.getByTestId('patient-banner').waitFor();
  assert.equal(await box.inputValue(), '');
  await shot('chart-open-box-empty');
  // So it is when a hit is clicked.
  await box.fill('okonkwo');
  await hit.click();
  await page.getByTestId('patient-banner').waitFor();
  assert.equal(await box.inputValue(), '');
  await ctx.close();
});
