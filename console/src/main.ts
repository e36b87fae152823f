import { SIGNED_OUT, api } from './api.js';
import { fill, h } from './dom.js';
import type { Cleanup, Page } from './page.js';
import { signInPage } from './pages/sign-in.js';
import { overviewPage } from './pages/overview.js';
import { mcpPage } from './pages/mcp.js';
import { trafficPage } from './pages/traffic.js';
import { routesPage } from './pages/routes.js';
import { consumersPage } from './pages/consumers.js';
import { auditPage } from './pages/audit.js';
import { llmPage } from './pages/llm.js';

const PAGES: Record<string, Page> = {
  overview: overviewPage,
  mcp: mcpPage,
  traffic: trafficPage,
  routes: routesPage,
  consumers: consumersPage,
  audit: auditPage,
  llm: llmPage,
};

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
let cleanup: Cleanup | void;
let signedIn = false;

/** Shows the page the location hash names (Overview by default). */
function route(): void {
  cleanup?.();
  cleanup = undefined;
  const [name = 'overview', ...params] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const page = signedIn ? (PAGES[name] ?? overviewPage) : signInPage;
  document.title = `${page.title} · agate console`;
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  nav.hidden = !signedIn;
  fill(main, h('h1', { tabindex: '-1' }, page.title));
  cleanup = page.render(main, params);
  main.querySelector('h1')?.focus();
}

function drawNav(): void {
  const links = Object.entries(PAGES).map(([name, page]) => h('li', {}, h('a', { href: `#/${name}`, 'data-page': name }, page.title)));
  const signOut = h('button', { type: 'button', class: 'link', onclick: () => void leave() }, 'Sign out');
  fill(nav, h('ul', {}, ...links, h('li', {}, signOut)));
}

async function leave(): Promise<void> {
  await api('DELETE', '/console/session').catch(() => undefined);
  signedIn = false;
  route();
}

window.addEventListener('hashchange', route);
window.addEventListener(SIGNED_OUT, () => {
  if (!signedIn) return;
  signedIn = false;
  route();
});
window.addEventListener('agate:signed-in', () => {
  signedIn = true;
  route();
});

drawNav();
// A live session (the cookie survives reloads) goes straight to the page; otherwise the sign-in form.
api('GET', '/status')
  .then(() => (signedIn = true))
  .catch(() => (signedIn = false))
  .finally(route);
