/**
 * The dashboard's entry: sign-in, the hash router and the live connection.
 *
 *   #/                   the account overview (admin); a deployment token goes to its own page
 *   #/deployments/{id}   one deployment (the admin: any; a deployment token: only its own; the
 *                        page for another one is refused here, before any request)
 *
 * The token lives in sessionStorage under `subledger.token`. Every page is told of each live
 * change and reloads what it shows; focus moves to the page heading on navigation.
 */
import './styles.css';
import { Api, ApiError, type Session } from './api.js';
import { h } from './dom.js';
import { type LiveState, connectLive } from './live.js';
import { type Context, type Page, messagePage } from './page.js';
import { deploymentPage } from './pages/deployment.js';
import { loginPage } from './pages/login.js';
import { overviewPage } from './pages/overview.js';

const TOKEN_KEY = 'subledger.token';
const main = document.getElementById('main')!;
const liveStatus = document.getElementById('live-status')!;
const who = document.getElementById('who')!;
const signOutButton = document.getElementById('sign-out') as HTMLButtonElement;
const nav = document.getElementById('nav')!;

let page: Page | undefined;
let context: Context | undefined;
let disconnect: (() => void) | undefined;

const LIVE_TEXT: Record<LiveState, string> = {
  connecting: 'Connecting…',
  live: '● Live',
  offline: 'Offline, retrying…',
};

function signOut(message?: string): void {
  sessionStorage.removeItem(TOKEN_KEY);
  disconnect?.();
  disconnect = undefined;
  page?.destroy();
  page = undefined;
  context = undefined;
  liveStatus.textContent = '';
  who.textContent = '';
  nav.replaceChildren();
  signOutButton.hidden = true;
  document.title = 'Sign in · Subledger';
  loginPage(main, message, signedIn);
}

function signedIn(token: string, session: Session): void {
  sessionStorage.setItem(TOKEN_KEY, token);
  context = { api: new Api(token), session, signOut };
  who.textContent = session.principal === 'admin' ? 'admin' : `deployment ${session.deployment}`;
  signOutButton.hidden = false;
  nav.replaceChildren(
    session.principal === 'admin'
      ? h('a', { href: '#/' }, 'Overview')
      : h('a', { href: `#/deployments/${encodeURIComponent(session.deployment)}` }, 'My deployment'),
    h('a', { href: 'docs' }, 'API docs'),
  );
  disconnect = connectLive(token, {
    onState: (state) => {
      liveStatus.textContent = LIVE_TEXT[state];
      liveStatus.className = `live live-${state}`;
    },
    onChange: (change) => page?.onChange(change),
  });
  route();
}

function route(): void {
  if (!context) return;
  const hash = location.hash || '#/';
  if (!hash.startsWith('#/')) return; // an in-page anchor, not a route
  const session = context.session;
  page?.destroy();
  const match = /^#\/deployments\/([^/?#]+)$/.exec(hash);
  if (hash === '#/') {
    if (session.principal === 'deployment')
      return location.replace(`#/deployments/${encodeURIComponent(session.deployment)}`);
    document.title = 'Overview · Subledger';
    page = overviewPage(context, main);
  } else if (match) {
    const id = decodeURIComponent(match[1]!);
    if (session.principal === 'deployment' && id !== session.deployment) {
      document.title = 'Not allowed · Subledger';
      page = messagePage(
        main,
        'Not allowed',
        `This token belongs to deployment '${session.deployment}'; it may only see that deployment.`,
        h(
          'p',
          {},
          h(
            'a',
            { href: `#/deployments/${encodeURIComponent(session.deployment)}` },
            `Go to deployment ${session.deployment}`,
          ),
        ),
      );
    } else {
      document.title = `${id} · Subledger`;
      page = deploymentPage(context, main, id);
    }
  } else {
    document.title = 'Not found · Subledger';
    page = messagePage(
      main,
      'Page not found',
      `Nothing at ${hash}.`,
      h('p', {}, h('a', { href: '#/' }, 'Go to the start page')),
    );
  }
  (main.querySelector('h1') as HTMLElement | null)?.focus();
}

async function start(): Promise<void> {
  document.getElementById('skip-link')!.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  signOutButton.addEventListener('click', () => signOut('Signed out.'));
  window.addEventListener('hashchange', route);
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return signOut();
  try {
    signedIn(token, await new Api(token).session());
  } catch (error) {
    signOut(
      error instanceof ApiError && error.status === 401
        ? 'The saved token is no longer accepted; sign in again.'
        : `Could not reach the server: ${(error as Error).message}`,
    );
  }
}

void start();
