/**
 * The client routes, one per screen. The server answers each of these paths with index.html
 * (src/http/dashboard.ts DASHBOARD_ROUTES lists the same shapes; a unit test keeps them in step).
 */
export type Route =
  | { name: 'analytics' }
  | { name: 'tests' }
  | { name: 'newTest' }
  | { name: 'test'; id: string }
  | { name: 'optimisation' }
  | { name: 'operations' }
  | { name: 'notFound'; path: string };

export type Section = 'analytics' | 'tests' | 'optimisation' | 'operations';

const FIXED: Record<string, Route> = {
  '/': { name: 'analytics' },
  '/analytics': { name: 'analytics' },
  '/tests': { name: 'tests' },
  '/tests/new': { name: 'newTest' },
  '/optimisation': { name: 'optimisation' },
  '/operations': { name: 'operations' },
};

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  const fixed = FIXED[path];
  if (fixed) return fixed;
  const m = /^\/tests\/([^/]+)$/.exec(path);
  if (m) {
    try {
      return { name: 'test', id: decodeURIComponent(m[1]!) };
    } catch {
      return { name: 'notFound', path };
    }
  }
  return { name: 'notFound', path };
}

/** The top-level section a route belongs to (the tab shown as current). */
export function sectionOf(route: Route): Section | undefined {
  switch (route.name) {
    case 'analytics':
    case 'optimisation':
    case 'operations':
      return route.name;
    case 'tests':
    case 'newTest':
    case 'test':
      return 'tests';
    default:
      return undefined;
  }
}

/** The tab's title for a route (WCAG 2.4.2: each screen its own title), with the workspace shown. */
export function routeTitle(route: Route, workspaceName: string): string {
  const names: Record<Route['name'], string> = {
    analytics: 'Analytics',
    tests: 'A/B tests',
    newTest: 'New A/B test',
    test: 'A/B test',
    optimisation: 'Optimisation',
    operations: 'Operations',
    notFound: 'Page not found',
  };
  return `${names[route.name]} · ${workspaceName} · Splitcast`;
}

export function testPath(id: string): string {
  return `/tests/${encodeURIComponent(id)}`;
}
