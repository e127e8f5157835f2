// Documents on the chart end to end: a clinician attaches a PDF letter and
// a PNG photo, sees them listed with their kind, date, type and size, opens
// the PDF (drawn page by page by PDF.js into a canvas, as in the desktop
// window) and the photo, and is refused a text file named .pdf beside the
// file field; a document attached in error is retracted and stays listed.

import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
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

/** pdfWithText is a minimal valid one-page PDF (A4-ish letter) with a
 * heading, a line of text and a filled bar, its xref offsets exact. */
function pdfWithText(heading, line) {
  const content = [
    'BT /F1 26 Tf 72 700 Td (' + heading + ') Tj ET',
    'BT /F1 14 Tf 72 660 Td (' + line + ') Tj ET',
    '0.12 0.44 0.55 rg 72 620 300 12 re f',
  ].join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
  ];
  let out = '%PDF-1.4\n';
  const offsets = objects.map((body, i) => {
    const at = out.length;
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    return at;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** pngPicture is a w×h RGB PNG: a red square on a pale background. */
function pngPicture(w, h) {
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3);
    for (let x = 0; x < w; x++) {
      const inside = x > w / 4 && x < (3 * w) / 4 && y > h / 4 && y < (3 * h) / 4;
      row.set(inside ? [200, 30, 30] : [235, 240, 245], 1 + x * 3);
    }
    rows.push(row);
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** today is the server's (and this PC's) date, as the date field holds it. */
function daysAgo(n) {
  const d = new Date(Date.now() - n * 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

test('a clinician attaches a PDF and a photo, views both, and a text file named .pdf is refused', async () => {
  const ctx = await chromium.browser.newContext({ viewport: { width: 1400, height: 1100 } });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const shot = shooter(page, '23-documents');
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
  const docs = page.getByTestId('documents');
  await docs.getByText('No documents attached.').waitFor();
  const rows = docs.getByTestId('document-row');

  // A referral letter as a PDF: the title is guessed from the file name, then typed.
  const letterDate = daysAgo(12);
  await docs.getByLabel(/^File/).setInputFiles({ name: 'cardiology_referral.pdf', mimeType: 'application/pdf',
    buffer: pdfWithText('Referral to cardiology', 'Please see Mrs Okafor for exertional chest pain.') });
  assert.equal(await docs.getByLabel('Title').inputValue(), 'cardiology referral');
  await docs.getByLabel('Title').fill('Cardiology referral');
  await docs.getByLabel('Kind').selectOption('referral_letter');
  await docs.getByLabel('Date of the document').fill(letterDate);
  await docs.getByRole('button', { name: 'Attach document' }).click();
  await rows.first().waitFor();

  // A wound photo as a PNG: the kind is guessed from the file's type.
  await docs.getByLabel(/^File/).setInputFiles({ name: 'wound.png', mimeType: 'image/png', buffer: pngPicture(160, 120) });
  assert.equal(await docs.getByLabel('Kind').inputValue(), 'image');
  await docs.getByLabel('Title').fill('Wound, left shin');
  await docs.getByLabel('Date of the document').fill(daysAgo(1));
  await docs.getByRole('button', { name: 'Attach document' }).click();
  await rows.nth(1).waitFor();
  const listed = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' '));
  assert.match(listed[0], new RegExp(`${daysAgo(1)} Wound, left shin added by Dr Lee Photo / image PNG, \\d+ B`));
  assert.match(listed[1], new RegExp(`${letterDate} Cardiology referral added by Dr Lee Referral letter PDF, \\d+ B`));
  await shot('listed');

  // A text file renamed .pdf: refused beside the file field, nothing attached.
  await docs.getByLabel(/^File/).setInputFiles({ name: 'notes.pdf', mimeType: 'application/pdf',
    buffer: Buffer.from('Remember to call the lab about the potassium.\n') });
  await docs.getByLabel('Kind').selectOption('other');
  await docs.getByRole('button', { name: 'Attach document' }).click();
  const fileError = page.locator('#doc-file-error');
  await fileError.waitFor();
  assert.match(await fileError.textContent(), /PDF, PNG, JPEG or WebP.*whatever its name says/);
  assert.equal(await rows.count(), 2, 'nothing was attached');
  await shot('text-named-pdf-refused');

  // A photo with a web page after the picture (a polyglot): refused beside
  // the file, saying what to do, nothing attached.
  await docs.getByLabel(/^File/).setInputFiles({ name: 'wound2.png', mimeType: 'image/png',
    buffer: Buffer.concat([pngPicture(40, 30), Buffer.from('<html><script>alert(document.cookie)</script></html>')]) });
  await docs.getByRole('button', { name: 'Attach document' }).click();
  await page.waitForFunction(() => /extra data after the picture/.test(document.querySelector('#doc-file-error')?.textContent ?? ''));
  assert.match(await fileError.textContent(), /not a valid PNG image: it has extra data after the picture\. Save it again/);
  assert.equal(await rows.count(), 2, 'nothing was attached');
  await shot('polyglot-png-refused');

  // A call larger than any document (the form refuses such a file before
  // sending it) is read to its end and answered, not cut off.
  const tooLarge = await page.evaluate(async (patientId) => {
    const form = { title: 'huge', kind: 'other', documentDate: '2026-01-02', fileName: 'huge.pdf', data: 'A'.repeat(36 << 20) };
    const r = await fetch('/api/Chart/AddDocument', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([patientId, form]) });
    return { status: r.status, body: await r.json() };
  }, patient.id);
  assert.equal(tooLarge.status, 400);
  assert.match(tooLarge.body.fields.data, /at most 25 MiB/);
  assert.equal(await rows.count(), 2, 'nothing was attached');

  // The PDF, drawn by PDF.js into a canvas: the page is there and not blank.
  await docs.getByRole('button', { name: 'View Cardiology referral' }).click();
  const viewer = page.getByTestId('document-viewer');
  await viewer.locator('[data-testid=pdf-view][data-pages="1"][data-rendered="1"]').waitFor({ timeout: 20_000 });
  const ink = await viewer.locator('canvas').first().evaluate((c) => {
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let dark = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] < 300) dark++;
    return { dark, width: c.width, height: c.height };
  });
  assert.ok(ink.width > 300 && ink.height > ink.width, `a portrait page: ${ink.width}×${ink.height}`);
  assert.ok(ink.dark > 2000, `the page has text and a bar drawn: ${ink.dark} dark pixels`);
  await viewer.locator('canvas').first().scrollIntoViewIfNeeded();
  await shot('pdf-viewed');
  await viewer.screenshot({ path: `${process.env.FOLIO_ARTIFACTS ?? 'test-artifacts'}/23-documents/pdf-viewer-only.png` });

  // The PDF viewer's image decoders are WebAssembly, which the page's
  // security policy must let it compile.
  assert.equal(await page.evaluate(() => WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))
    .then(() => 'compiled', (e) => e.message)), 'compiled');

  // The photo, shown from a blob URL.
  await docs.getByRole('button', { name: 'View Wound, left shin' }).click();
  const img = viewer.getByRole('img', { name: 'Wound, left shin' });
  await img.waitFor();
  await page.waitForFunction((el) => el.complete && el.naturalWidth === 160, await img.elementHandle());
  await shot('photo-viewed');

  // Attached in error: retracted with a reason, still listed and marked.
  await docs.getByRole('button', { name: 'Entered in error: Wound, left shin' }).click();
  await docs.getByLabel(/in error\?/).fill('wrong patient');
  await docs.getByRole('button', { name: 'Mark entered in error' }).click();
  await docs.getByText('entered in error', { exact: true }).first().waitFor();
  assert.equal(await rows.count(), 2);
  assert.match((await rows.nth(1).textContent()) ?? '', /wrong patient/);
  await shot('retracted');
  assert.deepEqual(errors, [], 'no script errors on the page');
  await ctx.close();
});
