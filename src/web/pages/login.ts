/**
 * The sign-in form: the admin token or a deployment token, checked with `GET /session` and kept
 * in this tab's sessionStorage (never in a cookie or localStorage; closing the tab forgets it).
 */
import { Api, ApiError, type Session } from '../api.js';
import { h } from '../dom.js';

export function loginPage(
  main: HTMLElement,
  message: string | undefined,
  onSignedIn: (token: string, session: Session) => void,
): void {
  const input = h('input', {
    id: 'token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'token-help',
  });
  const problem = h('p', { id: 'login-problem', class: 'error', role: 'alert' }, message ?? '');
  const button = h('button', { type: 'submit', class: 'button-primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login', novalidate: true },
    h('label', { for: 'token' }, 'API token'),
    input,
    h(
      'p',
      { id: 'token-help', class: 'muted' },
      'The admin token, or a deployment’s token (',
      h('code', {}, 'sld_…'),
      '), as printed by ',
      h('code', {}, 'subledger serve'),
      ' or ',
      h('code', {}, 'demo'),
      '. It is kept in this browser tab only.',
    ),
    button,
    problem,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) {
      problem.textContent = 'Enter a token.';
      input.focus();
      return;
    }
    button.disabled = true;
    problem.textContent = '';
    new Api(token)
      .session()
      .then((session) => onSignedIn(token, session))
      .catch((error: unknown) => {
        problem.textContent =
          error instanceof ApiError && error.status === 401
            ? 'This token is not valid.'
            : `Could not sign in: ${(error as Error).message}`;
        button.disabled = false;
        input.focus();
        input.select();
      });
  });
  main.replaceChildren(h('h1', { tabindex: -1 }, 'Sign in'), form);
  input.focus();
}
