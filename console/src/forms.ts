import { ApiError, errorText } from './api.js';
import { h, notice } from './dom.js';

/**
 * The admin API's refusal as the CLI words it: the message, then each problem on its own line. A problem that
 * starts `line:col:` (a pasted config's) gets a button carrying `data-line`/`data-col`, for the form to jump to.
 */
export function refusal(err: unknown): HTMLElement {
  if (!(err instanceof ApiError) || err.problems.length === 0) return notice(errorText(err), 'error');
  return h('div', { class: 'notice error', role: 'alert' }, h('p', {}, `${err.code}: ${err.message}`), h('ul', { class: 'problems' }, ...err.problems.map(problem)));
}

function problem(text: string): HTMLElement {
  const m = /^(\d+):(\d+): (.*)$/s.exec(text);
  if (!m) return h('li', {}, text);
  return h('li', {}, h('button', { type: 'button', class: 'link', 'data-line': m[1]!, 'data-col': m[2]! }, `line ${m[1]}, column ${m[2]}`), ': ', m[3]!);
}

/** Submits `form` through `send`; the outcome goes to `status`, and `done` runs after a success. */
export function onSubmit(form: HTMLFormElement, status: HTMLElement, how: { send: () => Promise<unknown>; done: () => void }): HTMLFormElement {
  const { send, done } = how;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    status.replaceChildren(notice('Saving…'));
    send()
      .then((answer) => {
        // Warnings (an OpenAPI conversion's skipped parts) are worth reading even though the save succeeded.
        const warnings = (answer as { warnings?: unknown } | undefined)?.warnings;
        status.replaceChildren(notice(Array.isArray(warnings) && warnings.length ? `Saved, with warnings:\n${warnings.join('\n')}` : 'Saved.', 'ok'));
        form.reset();
        done();
      })
      .catch((err: unknown) => status.replaceChildren(refusal(err)));
  });
  return form;
}

/** A delete button (or another destructive one, by `text`) that asks first, then calls `remove` and `done`; failures show in `status`. */
export function deleteButton(label: string, remove: () => Promise<unknown>, after: { status: HTMLElement; done: () => void; text?: string }): HTMLButtonElement {
  return h(
    'button',
    {
      type: 'button',
      class: 'danger',
      'aria-label': label,
      onclick: () => {
        if (!confirm(`${label}?`)) return;
        remove()
          .then(after.done)
          .catch((err: unknown) => after.status.replaceChildren(refusal(err)));
      },
    },
    after.text ?? 'Delete',
  );
}
