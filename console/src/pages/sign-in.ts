import { ApiError, api } from '../api.js';
import { field, h, notice } from '../dom.js';
import type { Page } from '../page.js';

/** The sign-in form: the admin token buys a session cookie (the token itself is not kept by the page). */
export const signInPage: Page = {
  title: 'Sign in',
  render(root) {
    const token = h('input', { type: 'password', name: 'token', autocomplete: 'current-password', required: true, spellcheck: 'false' });
    const status = h('div', { 'aria-live': 'polite' });
    const form = h(
      'form',
      { class: 'card narrow' },
      field('Admin token', token, 'AGATE_ADMIN_TOKEN, or the admin.token file beside the registry'),
      h('button', { type: 'submit' }, 'Sign in'),
      status,
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      status.replaceChildren();
      api('POST', '/console/session', { token: token.value })
        .then(() => window.dispatchEvent(new Event('agate:signed-in')))
        .catch((err: unknown) => {
          status.append(notice(signInError(err), 'error'));
          token.select();
        });
    });
    root.append(form);
    token.focus();
  },
};

function signInError(err: unknown): string {
  if (!(err instanceof ApiError)) return `Cannot reach the gateway: ${String(err)}`;
  if (err.status === 401) return 'Wrong admin token: the gateway refused it.';
  if (err.status === 429) return `Too many failed attempts from this address: ${err.message}`;
  return `${err.code}: ${err.message}`;
}
