// Settings → Clinic network on a real `folio serve --lan`: the admin sees
// the clinic certificate's fingerprint and code and downloads it (the file
// is the certificate whose SHA-256 is shown), a real `folio join` on
// another data folder asks to pair and appears on the list without a
// reload, a wrong code is refused beside its field, the right one pairs
// the workstation (join then finishes), and a revoke needs a reason.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { adminPassword, launchBrowser, settled, shooter, signIn, test } from './harness.js';

const bin = process.env.FOLIO_BIN ?? '../build/bin/folio-serve';

/** waitFor resolves with the first match of re in what proc prints. */
function waitFor(proc, re, what) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no ${re} in ${out}`)), 30_000);
    const hear = (d) => {
      out += d;
      const m = re.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    proc.stdout.on('data', hear);
    proc.stderr.on('data', hear);
    proc.on('exit', (code) => reject(new Error(`${what} exited with ${code}: ${out}`)));
  });
}

let data, wsData, host, url, browser, closeBrowser;

before(async () => {
  data = mkdtempSync(join(tmpdir(), 'folio-e2e-host-'));
  wsData = mkdtempSync(join(tmpdir(), 'folio-e2e-ws-'));
  const r = spawnSync(bin, ['setup', '--clinic', 'Riverside Family Practice', '--username', 'admin',
    '--full-name', 'Ada Admin', '--data', data], { input: adminPassword + '\n', encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  host = spawn(bin, ['serve', '--lan', '--addr', '127.0.0.1:0', '--no-announce', '--data', data],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const m = await waitFor(host, /(https:\/\/127\.0\.0\.1:\d+)\//, 'folio serve --lan');
  url = m[1];
  ({ browser, close: closeBrowser } = await launchBrowser());
});

after(async () => {
  await closeBrowser?.();
  host?.kill('SIGTERM');
  if (host) await new Promise((r) => host.once('exit', r));
  rmSync(data, { recursive: true, force: true });
  rmSync(wsData, { recursive: true, force: true });
});

test('the admin downloads the clinic certificate and pairs, then revokes, a workstation', async () => {
  // The browser has not installed the clinic's certificate yet: that is
  // what this screen hands out.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true });
  const page = await context.newPage();
  const shot = shooter(page, 'clinic-network');
  await page.goto(url);
  await signIn(page, 'admin', adminPassword);
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByTestId('clinic-network-link').click();
  await page.getByRole('heading', { name: 'Clinic network' }).waitFor();

  // folio serve --lan is the server already: the toggle is shown, not turned.
  const toggle = page.getByRole('switch', { name: "Share with the clinic's other computers" });
  await toggle.waitFor();
  assert.equal(await toggle.isDisabled(), true);
  assert.equal(await toggle.isChecked(), true, 'shown on: this process serves');
  assert.match(await page.getByTestId('share-why').innerText(), /already the clinic's server/);
  assert.match(await page.getByTestId('share-urls').innerText(), new RegExp(url.replace(/\./g, '\\.')));
  const fingerprint = (await page.getByTestId('certificate-fingerprint').innerText()).trim();
  const code = (await page.getByTestId('certificate-code').innerText()).trim();
  assert.match(fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.match(code, /^(\d{5} ){5}\d{5}$/);
  await shot('certificate');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download certificate' }).click(),
  ]);
  const file = join(wsData, '..', `folio-e2e-cert-${process.pid}.crt`);
  await download.saveAs(file);
  const pemText = readFileSync(file, 'utf8');
  rmSync(file);
  assert.match(pemText, /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
  const cert = new X509Certificate(pemText);
  assert.equal(cert.ca, true);
  const sum = createHash('sha256').update(cert.raw).digest('hex').toUpperCase().match(/../g).join(':');
  assert.equal(sum, fingerprint, 'the file is the certificate whose fingerprint is shown');
  assert.equal(cert.fingerprint256, fingerprint);
  await page.getByText('Saved folio-clinic-ca.crt').waitFor();
  await page.getByText('iPad / iPhone (iPadOS, iOS)').click();
  await shot('downloaded');

  // A real workstation asks to pair, on its own data folder; the screen
  // hears it and shows the request without a reload.
  const joining = spawn(bin, ['join', '--host', url.replace('https://', ''), '--name', 'Exam room 2',
    '--wait', '2m', '--data', wsData], { stdio: ['ignore', 'pipe', 'pipe'] });
  const joined = new Promise((r) => joining.once('exit', r));
  try {
    const pairing = (await waitFor(joining, /Pairing code: ([\d ]+)\n/, 'folio join'))[1].trim();
    const row = page.getByTestId('workstation').filter({ hasText: 'Exam room 2' });
    await row.waitFor({ timeout: 5000 });
    assert.equal(await row.getAttribute('data-status'), 'pending');
    assert.match(await row.innerText(), /waiting for approval/);
    assert.match(await row.innerText(), /127\.0\.0\.1/);
    await shot('pending');

    const codeField = row.getByLabel('Code shown on Exam room 2');
    await codeField.fill('11111 22222 33333 44444 55555 66666');
    await row.getByRole('button', { name: 'Approve' }).click();
    await row.getByText('This is not the code').waitFor();
    assert.equal(await codeField.getAttribute('aria-invalid'), 'true');
    assert.equal(await row.getAttribute('data-status'), 'pending');
    assert.equal(await codeField.inputValue(), '11111 22222 33333 44444 55555 66666', 'the typed code is kept');
    await shot('wrong-code');

    await codeField.fill(pairing);
    await row.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('workstation').filter({ hasText: 'Exam room 2' }).and(page.locator('[data-status="approved"]')).waitFor();
    const paired = page.getByTestId('workstation').filter({ hasText: 'Exam room 2' });
    assert.match(await paired.innerText(), /paired/);
    assert.match(await paired.innerText(), /Approved by\s+admin/);
    assert.equal(await joined, 0, 'folio join finishes once approved');
    await shot('approved');

    await paired.getByRole('button', { name: 'Revoke…' }).click();
    await paired.getByRole('button', { name: 'Revoke', exact: true }).click();
    await paired.getByText('Say why the workstation is revoked').waitFor();
    assert.equal(await paired.getAttribute('data-status'), 'approved');
    await shot('revoke-needs-reason');
    await paired.getByLabel('Why revoke Exam room 2?').fill('stolen from the exam room');
    await paired.getByRole('button', { name: 'Revoke', exact: true }).click();
    const revoked = page.getByTestId('workstation').filter({ hasText: 'Exam room 2' });
    await page.locator('[data-testid="workstation"][data-status="revoked"]').waitFor();
    assert.match(await revoked.innerText(), /Revoked by\s+admin.*stolen from the exam room/s);
    await settled(page);
    await shot('revoked');
  } finally {
    joining.kill('SIGTERM');
  }
  await context.close();
});
