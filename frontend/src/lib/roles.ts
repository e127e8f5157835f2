// Which parts of Folio each role uses. The Go side enforces the same rule
// (app/session.go rolesAllowed); this only decides what the UI offers.

import type { Role } from './types';
import type { Route } from './router.svelte';

export const roleLabel: Record<Role, string> = {
  admin: 'Admin',
  clinician: 'Clinician',
  frontdesk: 'Front desk',
};

const patientRoutes = new Set(['home', 'register', 'patient', 'schedule', 'board', 'day-list', 'call-list', 'recalls']);

export function mayOpen(role: Role, route: Route): boolean {
  if (route.name === 'not-found') return true;
  if (route.name.startsWith('admin-')) return role === 'admin';
  if (route.name === 'encounter' || route.name === 'templates' || route.name === 'lab-review' || route.name === 'readings') return role === 'clinician';
  if (route.name === 'referral') return role === 'clinician';
  if (route.name === 'import') return role === 'clinician';
  if (route.name === 'quality') return role === 'clinician' || role === 'admin';
  if (patientRoutes.has(route.name)) return role === 'frontdesk' || role === 'clinician';
  return false;
}

/** landing is the first screen after sign-in. */
export function landing(role: Role): Route {
  return role === 'admin' ? { name: 'admin-users' } : { name: 'home' };
}
