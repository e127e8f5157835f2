import { describe, expect, it } from 'vitest';
import { href, parseRoute, type Route } from './router.svelte';
import { landing, mayOpen } from './roles';

describe('parseRoute', () => {
  const cases: [string, Route][] = [
    ['', { name: 'home' }],
    ['#/', { name: 'home' }],
    ['#/patients', { name: 'home' }],
    ['#/patients/new', { name: 'register' }],
    ['#/patients/0193-ab', { name: 'patient', id: '0193-ab' }],
    ['#/patients/0193-ab/referral', { name: 'referral', id: '0193-ab' }],
    ['#/admin/users', { name: 'admin-users' }],
    ['#/admin/audit', { name: 'admin-audit' }],
    ['#/schedule', { name: 'schedule' }],
    ['#/encounters/e-1', { name: 'encounter', id: 'e-1' }],
    ['#/board', { name: 'board' }],
    ['#/call-list', { name: 'call-list' }],
    ['#/recalls', { name: 'recalls' }],
    ['#/quality', { name: 'quality' }],
    ['#/readings', { name: 'readings' }],
    ['#/patients/0193-ab/readings', { name: 'patient', id: '0193-ab', at: 'readings' }],
    ['#/templates', { name: 'templates' }],
    ['#/import', { name: 'import' }],
    ['#/admin/schedule', { name: 'admin-schedule' }],
    ['#/admin/export', { name: 'admin-export' }],
    ['#/admin/network', { name: 'admin-network' }],
    ['#/admin/nope', { name: 'not-found', path: '/admin/nope' }],
  ];
  for (const [hash, want] of cases) {
    it(`${hash || '(empty)'}`, () => expect(parseRoute(hash)).toEqual(want));
  }

  it('round-trips through href', () => {
    for (const [, route] of cases) {
      if (route.name === 'not-found') continue;
      expect(parseRoute(href(route))).toEqual(route.name === 'home' ? { name: 'home' } : route);
    }
  });
});

describe('mayOpen', () => {
  it('keeps admin pages for admins', () => {
    expect(mayOpen('frontdesk', { name: 'admin-users' })).toBe(false);
    expect(mayOpen('clinician', { name: 'admin-audit' })).toBe(false);
    expect(mayOpen('admin', { name: 'admin-users' })).toBe(true);
  });
  it('keeps charts from admins, as the Go side does', () => {
    expect(mayOpen('admin', { name: 'patient', id: 'x' })).toBe(false);
    expect(mayOpen('frontdesk', { name: 'patient', id: 'x' })).toBe(true);
    expect(mayOpen('clinician', { name: 'register' })).toBe(true);
  });
  it('keeps visit notes for clinicians', () => {
    expect(mayOpen('clinician', { name: 'encounter', id: 'e' })).toBe(true);
    expect(mayOpen('frontdesk', { name: 'encounter', id: 'e' })).toBe(false);
    expect(mayOpen('admin', { name: 'encounter', id: 'e' })).toBe(false);
    expect(mayOpen('clinician', { name: 'templates' })).toBe(true);
    expect(mayOpen('frontdesk', { name: 'templates' })).toBe(false);
  });
  it('keeps Readings to review for clinicians', () => {
    expect(mayOpen('clinician', { name: 'readings' })).toBe(true);
    expect(mayOpen('frontdesk', { name: 'readings' })).toBe(false);
    expect(mayOpen('admin', { name: 'readings' })).toBe(false);
  });

  it('lands each role on a page it may open', () => {
    for (const role of ['admin', 'clinician', 'frontdesk'] as const) expect(mayOpen(role, landing(role))).toBe(true);
  });
});
