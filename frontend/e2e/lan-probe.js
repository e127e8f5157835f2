// lan-probe asks a Folio host what a program (not a browser) on another PC
// of the clinic may ask: e2e/clinic-lan.test.js runs it on the workstation
// PC (ip netns exec). Its argument is a JSON list of requests
//   { url, method, headers, body, ca }  (ca: a certificate file to trust
//   besides nothing: a request without it trusts only the system's)
// and it prints, as JSON, for each: { status, location, type, body } or
// { error } when there was no answer (a refused certificate, say).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';

function ask({ url, method = 'GET', headers = {}, body, ca }) {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const tls = u.protocol === 'https:' ? { ...(ca ? { ca: readFileSync(ca) } : {}), ...(isIP(u.hostname) ? {} : { servername: u.hostname }) } : {};
    // servername: the name asked for in TLS is the URL's, whatever Host
    // header a request sends (Node would take the Host header's).
    const req = mod.request(u, { method, headers, ...tls, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, location: res.headers.location ?? '',
        type: res.headers['content-type'] ?? '', body: text.slice(0, 4000) }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', (err) => resolve({ error: `${err.code ?? ''} ${err.message}`.trim() }));
    req.end(body);
  });
}

const asked = JSON.parse(process.argv[2]);
const answers = [];
for (const r of asked) answers.push(await ask(r));
process.stdout.write(JSON.stringify(answers));
