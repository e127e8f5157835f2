// Screens are hash routes (#/patients/ID), so the desktop window and the
// browser both keep the place on reload and the back button works.

export type Route =
  | { name: 'home' }
  | { name: 'register' }
  | { name: 'patient'; id: string; at?: 'readings' }
  | { name: 'referral'; id: string }
  | { name: 'encounter'; id: string }
  | { name: 'templates' }
  | { name: 'schedule' }
  | { name: 'board' }
  | { name: 'day-list' }
  | { name: 'call-list' }
  | { name: 'recalls' }
  | { name: 'quality' }
  | { name: 'readings' }
  | { name: 'lab-review' }
  | { name: 'import' }
  | { name: 'admin-users' }
  | { name: 'admin-schedule' }
  | { name: 'admin-merge' }
  | { name: 'admin-audit' }
  | { name: 'admin-settings' }
  | { name: 'admin-backups' }
  | { name: 'admin-export' }
  | { name: 'admin-network' }
  | { name: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return { name: 'home' };
  if (parts[0] === 'patients') {
    if (parts.length === 1) return { name: 'home' };
    if (parts[1] === 'new' && parts.length === 2) return { name: 'register' };
    if (parts.length === 2) return { name: 'patient', id: decodeURIComponent(parts[1]) };
    if (parts.length === 3 && parts[2] === 'referral') return { name: 'referral', id: decodeURIComponent(parts[1]) };
    // The chart opened at its home readings and monitoring (from Readings to review).
    if (parts.length === 3 && parts[2] === 'readings') return { name: 'patient', id: decodeURIComponent(parts[1]), at: 'readings' };
  }
  if (parts[0] === 'labs' && parts[1] === 'review' && parts.length === 2) return { name: 'lab-review' };
  if (parts[0] === 'encounters' && parts.length === 2) return { name: 'encounter', id: decodeURIComponent(parts[1]) };
  if (parts.length === 1) {
    switch (parts[0]) {
      case 'schedule':
        return { name: 'schedule' };
      case 'board':
        return { name: 'board' };
      case 'day-list':
        return { name: 'day-list' };
      case 'call-list':
        return { name: 'call-list' };
      case 'recalls':
        return { name: 'recalls' };
      case 'quality':
        return { name: 'quality' };
      case 'readings':
        return { name: 'readings' };
      case 'templates':
        return { name: 'templates' };
      case 'import':
        return { name: 'import' };
    }
  }
  if (parts[0] === 'admin' && parts.length === 2) {
    switch (parts[1]) {
      case 'users':
        return { name: 'admin-users' };
      case 'audit':
        return { name: 'admin-audit' };
      case 'settings':
        return { name: 'admin-settings' };
      case 'backups':
        return { name: 'admin-backups' };
      case 'schedule':
        return { name: 'admin-schedule' };
      case 'merge':
        return { name: 'admin-merge' };
      case 'export':
        return { name: 'admin-export' };
      case 'network':
        return { name: 'admin-network' };
    }
  }
  return { name: 'not-found', path };
}

export function href(route: Route): string {
  switch (route.name) {
    case 'home':
      return '#/';
    case 'register':
      return '#/patients/new';
    case 'patient':
      return `#/patients/${encodeURIComponent(route.id)}${route.at ? `/${route.at}` : ''}`;
    case 'referral':
      return `#/patients/${encodeURIComponent(route.id)}/referral`;
    case 'encounter':
      return `#/encounters/${encodeURIComponent(route.id)}`;
    case 'schedule':
      return '#/schedule';
    case 'board':
      return '#/board';
    case 'day-list':
      return '#/day-list';
    case 'call-list':
      return '#/call-list';
    case 'recalls':
      return '#/recalls';
    case 'quality':
      return '#/quality';
    case 'readings':
      return '#/readings';
    case 'lab-review':
      return '#/labs/review';
    case 'templates':
      return '#/templates';
    case 'import':
      return '#/import';
    case 'admin-schedule':
      return '#/admin/schedule';
    case 'admin-merge':
      return '#/admin/merge';
    case 'admin-users':
      return '#/admin/users';
    case 'admin-audit':
      return '#/admin/audit';
    case 'admin-settings':
      return '#/admin/settings';
    case 'admin-backups':
      return '#/admin/backups';
    case 'admin-export':
      return '#/admin/export';
    case 'admin-network':
      return '#/admin/network';
    case 'not-found':
      return '#' + route.path;
  }
}

class Router {
  route = $state<Route>(parseRoute(typeof location === 'undefined' ? '' : location.hash));

  constructor() {
    if (typeof window !== 'undefined') {
      window.addEventListener('hashchange', () => (this.route = parseRoute(location.hash)));
    }
  }

  go(route: Route) {
    location.hash = href(route);
  }
}

export const router = new Router();
