// A clinic's network for the browser tests: two Linux network namespaces,
// the host's PC and a workstation PC, joined by a veth pair as two PCs on
// one switch. Programs run "on" a PC through `ip netns exec`, which also
// puts /etc/netns/<namespace>/hosts over /etc/hosts for them: that is how
// the workstation PC resolves the host's <name>.local, as mDNS would.
//
// It needs root, ip(8) and certutil (Debian's libnss3-tools; `make
// deps-test` installs it). Without them it throws, saying so: the test
// fails, it never skips.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const prefix = 'folio-e2e-';

/** ip runs ip(8) and throws what it said when it fails. */
function ip(...args) {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`network namespaces are not available here, so the clinic's network cannot be tested ` +
      `(it needs root and ip(8), from iproute2): ip ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
  }
  return r.stdout;
}

/** removeNamespace deletes a namespace and its /etc/netns folder; a
 * namespace already gone is no trouble. */
function removeNamespace(ns) {
  spawnSync('ip', ['netns', 'del', ns]);
  rmSync(join('/etc/netns', ns), { recursive: true, force: true });
}

/** sweep removes the namespaces of earlier runs whose process is gone (a
 * run killed before its clean-up), and stops what that run left running
 * in them (a folio serve holding the host's port), so they do not pile up. */
function sweep() {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = new RegExp(`^(${prefix}[hc](\\d+))\\b`).exec(line);
    if (!m || alive(Number(m[2]))) continue;
    const pids = spawnSync('ip', ['netns', 'pids', m[1]], { encoding: 'utf8' }).stdout ?? '';
    for (const pid of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone already
      }
    }
    removeNamespace(m[1]);
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * clinicNetwork makes the two PCs. Names are this process's own (its pid),
 * so test files running at once, and earlier runs, do not collide; each
 * pair of namespaces is a network of its own, so the addresses can repeat.
 * remove() (also run when the process exits) stops what runs there and
 * deletes it all.
 */
export function clinicNetwork() {
  sweep();
  const id = process.pid;
  const host = { ns: `${prefix}h${id}`, ifname: `feh${id}`, ip: '10.202.0.1' };
  const client = { ns: `${prefix}c${id}`, ifname: `fec${id}`, ip: '10.202.0.2' };
  const dir = mkdtempSync(join(tmpdir(), 'folio-e2e-lan-'));
  const running = new Set();

  const remove = () => {
    for (const proc of running) proc.kill('SIGKILL');
    running.clear();
    removeNamespace(host.ns);
    removeNamespace(client.ns);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', remove);
  // A run stopped by a signal does not reach 'exit' by itself.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      remove();
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    });
  }
  try {
    ip('netns', 'add', host.ns);
    ip('netns', 'add', client.ns);
    ip('link', 'add', host.ifname, 'type', 'veth', 'peer', 'name', client.ifname);
    for (const side of [host, client]) {
      ip('link', 'set', side.ifname, 'netns', side.ns);
      ip('-n', side.ns, 'addr', 'add', `${side.ip}/24`, 'dev', side.ifname);
      ip('-n', side.ns, 'link', 'set', side.ifname, 'up');
      ip('-n', side.ns, 'link', 'set', 'lo', 'up');
      // A clinic PC has a default route (the router); multicast follows it.
      ip('-n', side.ns, 'route', 'add', 'default', 'dev', side.ifname);
    }
  } catch (err) {
    remove();
    throw err;
  }

  /** spawnOn starts a program on a PC (host or client); it is killed at
   * remove() if still running. */
  const spawnOn = (pc, cmd, args, opts = {}) => {
    const proc = spawn('ip', ['netns', 'exec', pc.ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    return proc;
  };

  return {
    host,
    client,
    /** dir is a folder for this network's files, removed with it. */
    dir,
    spawnOn,
    /** runOn runs a program on a PC to its end: { status, stdout, stderr }. */
    runOn(pc, cmd, args, { input = '' } = {}) {
      const proc = spawnOn(pc, cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      proc.stdin.end(input);
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (d) => (stdout += d));
      proc.stderr.on('data', (d) => (stderr += d));
      return new Promise((resolve, reject) => {
        proc.once('error', reject);
        proc.once('close', (status) => resolve({ status, stdout, stderr }));
      });
    },
    /** names makes the client PC resolve each name to the host's address
     * (its /etc/hosts there); programs started after see it. */
    names(...names) {
      mkdirSync(join('/etc/netns', client.ns), { recursive: true });
      writeFileSync(join('/etc/netns', client.ns, 'hosts'),
        `127.0.0.1 localhost\n::1 localhost\n${host.ip} ${names.join(' ')}\n`);
    },
    /** chromium is a Chromium that runs on the client PC (for
     * launchBrowser's executablePath): the pipe Playwright talks over is
     * passed through, as ip netns exec runs it in its own place. */
    chromium() {
      const path = join(dir, 'chromium-on-client');
      writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${client.ns} ${process.env.CHROMIUM ?? '/usr/bin/chromium'} "$@"\n`);
      chmodSync(path, 0o755);
      return path;
    },
    remove,
  };
}

/**
 * trustingHome is a home folder whose NSS store (what Chromium on Linux
 * trusts, besides the system's) holds the clinic's certificate, installed
 * with certutil as a person following the README would: a browser started
 * with HOME there trusts the clinic, and nothing else of ours.
 */
export function trustingHome(dir, caFile) {
  const home = join(dir, 'home');
  const nssdb = join(home, '.pki', 'nssdb');
  mkdirSync(nssdb, { recursive: true });
  const certutil = (...args) => {
    const r = spawnSync('certutil', [...args, '-d', `sql:${nssdb}`], { encoding: 'utf8' });
    if (r.error?.code === 'ENOENT') {
      throw new Error("certutil is not installed, so the clinic's certificate cannot be put in the browser: " +
        'install libnss3-tools (make deps-test does)');
    }
    if (r.status !== 0) throw new Error(`certutil ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  certutil('-N', '--empty-password');
  certutil('-A', '-t', 'C,,', '-n', 'Folio clinic', '-i', caFile);
  if (!/Folio clinic\s+C,,/.test(certutil('-L'))) throw new Error('the clinic certificate is not in the NSS store');
  return home;
}

/** emptyHome is a home folder trusting nothing of ours. */
export function emptyHome(dir) {
  const home = join(dir, 'home-untrusting');
  if (!existsSync(home)) mkdirSync(home, { recursive: true });
  return home;
}
