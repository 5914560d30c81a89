/**
 * The dashboard in a real browser (Debian's chromium through playwright-core) on a real app:
 * the demo's session plus a few simulated days on a temporary SQLite file and the paper broker.
 * Sign in with the admin token, check the overview's numbers are the API's (exact value and
 * formatted text), open a deployment and check every table, download the CSV, watch a fill
 * arrive live, use the keyboard, read it at 1280 px and at 390 px, list a deployment's gateway
 * keys (never a secret) with their last request through the gateway, and sign in with a
 * deployment token that sees only its own page. Any console error fails the test.
 * Screenshots go to test-output/ (docs/images/dashboard.png is one of them).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { GatewayKeyView as ServedGatewayKey } from '../../src/http/routes/gateway-keys.js';
import type {
  AccountView,
  DeploymentView,
  GatewayKeyView,
  HistoryView,
  MetricsView,
  OrderView,
  PositionView,
  StatsOverviewView,
  TradePage,
} from '../../src/web/api.js';
import { money, percent, qty, ratio, ratioPercent, sumDecimals, when } from '../../src/web/format.js';
import {
  CHROMIUM,
  type Session,
  type World,
  ensureWebBuilt,
  launchBrowser,
  outputPath,
  startWorld,
} from './fixture.js';

/** src/web may not import src/http, so it repeats the key's shape: this fails the typecheck when they part. */
const SAME_KEY_SHAPE: [ServedGatewayKey, GatewayKeyView] extends [GatewayKeyView, ServedGatewayKey] ? true : never =
  true;

const skip =
  !existsSync(CHROMIUM) && process.env.SUBLEDGER_TEST_SKIP_BROWSER === '1' ? `no chromium at ${CHROMIUM}` : false;

describe('dashboard in chromium', { skip }, () => {
  let world: World;
  let browser: Session;
  /** Console errors a test expects (each removed once seen). */
  let expected: RegExp[] = [];

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `no chromium at ${CHROMIUM}: apt-get install chromium (or CHROMIUM_PATH=…; SUBLEDGER_TEST_SKIP_BROWSER=1 skips)`,
    );
    await ensureWebBuilt();
    world = await startWorld();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await world?.close();
  });
  afterEach(() => {
    const unexpected = browser.errors.splice(0).filter((e) => {
      const i = expected.findIndex((re) => re.test(e));
      if (i >= 0) expected.splice(i, 1);
      return i < 0;
    });
    expected = [];
    assert.deepEqual(unexpected, [], 'console errors');
  });

  const signIn = async (page: Page, token: string) => {
    await page.goto(`${world.url}/`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  const cell = (page: Page, row: string, col: string) => page.locator(`${row} [data-col="${col}"]`);
  /** Waits until the cell shows `text`, then checks it carries the exact `value`. */
  const expectCell = async (page: Page, row: string, col: string, value: string | null, text: string) => {
    const target = cell(page, row, col);
    await page
      .waitForFunction(
        ([sel, t]) => document.querySelector(sel!)?.textContent === t,
        [`${row} [data-col="${col}"]`, text] as const,
        { timeout: 5000 },
      )
      .catch(() => undefined);
    assert.equal(await target.textContent(), text, `${row} ${col}`);
    if (value !== null) assert.equal(await target.getAttribute('data-value'), value, `${row} ${col} exact`);
  };

  it('the overview at 1280 px shows every deployment with the API’s numbers, the house and the reconciliation', async () => {
    const page = await browser.newPage({ width: 1280, height: 900 });
    await signIn(page, world.adminToken);
    await page.locator('#sleeves-table tbody tr[data-deployment]').first().waitFor();
    const deployments = await world.api<DeploymentView[]>('/deployments');
    const stats = await world.api<StatsOverviewView>('/stats');
    assert.equal(await page.locator('#sleeves-table tbody tr[data-deployment]').count(), deployments.length);
    for (const d of deployments) {
      const m = await world.api<MetricsView>(`/deployments/${d.id}/metrics`);
      const s = stats.deployments.find((x) => x.subject === d.id)!;
      const row = `#sleeves-table tr[data-deployment="${d.id}"]`;
      assert.equal(await cell(page, row, 'strategy').textContent(), d.strategy);
      assert.equal(await cell(page, row, 'status').textContent(), d.status);
      const capital = sumDecimals([m.initial_capital, m.capital_flows]);
      await expectCell(page, row, 'capital', capital, money(capital));
      await expectCell(page, row, 'equity', m.virtual_portfolio_value, money(m.virtual_portfolio_value));
      await expectCell(page, row, 'realized', m.realized_pnl, money(m.realized_pnl));
      await expectCell(page, row, 'unrealized', m.unrealized_pnl, money(m.unrealized_pnl));
      await expectCell(page, row, 'total_pnl', m.total_pnl, money(m.total_pnl));
      await expectCell(page, row, 'return', m.return_pct, percent(m.return_pct));
      await expectCell(page, row, 'max_drawdown', s.max_drawdown, ratioPercent(s.max_drawdown));
      await expectCell(page, row, 'sharpe', s.sharpe, ratio(s.sharpe));
    }
    assert.ok(
      stats.deployments.some((s) => s.sharpe !== null),
      'the world has enough daily closes for a Sharpe ratio',
    );
    const account = await world.api<AccountView>('/account');
    assert.match(
      (await page.locator('tr[data-deployment="house"]').textContent())!,
      new RegExp(`House cash ${money(account.house.cash).replace('.', '\\.')}`),
    );
    assert.equal(
      await page.locator('#recon-status').textContent(),
      '✓ Reconciled: Σ sleeves + house = broker, for cash and every symbol.',
    );
    for (const d of account.differences) {
      const row = `#recon-table tr[data-item="${d.item}"]`;
      await expectCell(page, row, 'broker', d.broker, d.item === 'cash' ? money(d.broker) : qty(d.broker));
      await expectCell(page, row, 'difference', d.difference, '0');
    }
    assert.equal(await page.locator('[data-kpi="broker_equity"]').getAttribute('data-value'), account.broker.equity);
    // One chart with a line per deployment.
    await page.locator('#equity-chart canvas').waitFor();
    const legend = await page.locator('#equity-chart .u-legend .u-label').allTextContents();
    assert.deepEqual(
      legend.slice(1),
      deployments.map((d) => d.id),
    );
    await page.screenshot({ path: outputPath('overview-1280.png'), fullPage: true });
    assert.ok(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
      'no sideways scrolling at 1280 px',
    );
    await page.close();
  });

  it('a deployment page shows its positions, trades, orders, capital flows and daily history as the API has them', async () => {
    const page = await browser.newPage({ width: 1280, height: 900 });
    await signIn(page, world.adminToken);
    await page.getByRole('link', { name: 'Deployment A a' }).click();
    await page.locator('h1', { hasText: 'Deployment A' }).waitFor();
    await page.locator('#history-table tbody tr').first().waitFor();
    const m = await world.api<MetricsView>('/deployments/a/metrics');
    assert.equal(await page.locator('[data-kpi="equity"]').getAttribute('data-value'), m.virtual_portfolio_value);
    assert.equal(await page.locator('[data-kpi="equity"]').textContent(), money(m.virtual_portfolio_value));
    for (const p of (await world.api<PositionView[]>('/deployments/a/positions')).filter((x) => x.qty !== '0')) {
      const row = `#positions-table tr[data-symbol="${p.symbol}"]`;
      await expectCell(page, row, 'qty', p.qty, qty(p.qty));
      await expectCell(page, row, 'avg_cost', p.avg_cost, money(p.avg_cost, 4));
      await expectCell(page, row, 'mark', p.mark, money(p.mark));
      await expectCell(page, row, 'unrealized', p.unrealized_pnl, money(p.unrealized_pnl));
    }
    const trades = await world.api<TradePage>('/deployments/a/trades?limit=20');
    assert.deepEqual(
      await page
        .locator('#trades-table tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-fill-id'))),
      trades.trades.map((t) => t.fill_id),
    );
    const closing = trades.trades.find((t) => t.realized_pnl !== '0')!;
    await expectCell(
      page,
      `#trades-table tr[data-fill-id="${closing.fill_id}"]`,
      'realized',
      closing.realized_pnl,
      money(closing.realized_pnl),
    );
    for (const o of await world.api<OrderView[]>('/deployments/a/orders?status=all')) {
      assert.equal(await cell(page, `#orders-table tr[data-order-id="${o.id}"]`, 'status').textContent(), o.status);
    }
    const flows = await world.api<{ amount: string }[]>('/deployments/a/capital-flows');
    assert.deepEqual(
      await page
        .locator('#flows-table [data-col="amount"]')
        .evaluateAll((cells) => cells.map((c) => c.getAttribute('data-value'))),
      flows.map((f) => f.amount),
    );
    const history = await world.api<HistoryView>('/deployments/a/history?period=daily');
    assert.equal(await page.locator('#history-table tbody tr').count(), history.rows.length);
    await expectCell(
      page,
      '#history-table tbody tr:first-child',
      'equity',
      history.rows.at(-1)!.equity,
      money(history.rows.at(-1)!.equity),
    );
    await page.locator('#equity-chart canvas').waitFor();
    await page.locator('#drawdown-chart canvas').waitFor();
    // The CSV download is the API's CSV, byte for byte.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'history-a-daily.csv');
    assert.equal(
      readFileSync((await download.path())!, 'utf8'),
      await world.api<string>('/deployments/a/history?period=daily&format=csv'),
    );
    await page.screenshot({ path: outputPath('deployment-1280.png'), fullPage: true });
    // Deployment b's rejected order shows the broker's reason.
    await page.goto(`${world.url}/#/deployments/b`);
    const rejected = (await world.api<OrderView[]>('/deployments/b/orders?status=all')).find(
      (o) => o.status === 'rejected',
    )!;
    assert.ok(rejected.reason, 'the world has a rejected order with a reason');
    await expectCell(page, `#orders-table tr[data-order-id="${rejected.id}"]`, 'reason', null, rejected.reason);
    await page.close();
  });

  it('a fill arrives live: the order, the trade and the position update without a reload', async () => {
    const page = await browser.newPage({ width: 1280, height: 900 });
    await signIn(page, world.adminToken);
    await page.goto(`${world.url}/#/deployments/a`);
    await page.locator('#trades-table tbody tr').first().waitFor();
    await page.locator('#live-status', { hasText: 'Live' }).waitFor();
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const before = await world.api<PositionView[]>('/deployments/a/positions');
    const order = await world.api<OrderView>('/deployments/a/orders', world.adminToken, {
      symbol: 'AAPL',
      side: 'buy',
      qty: '3',
      type: 'market',
    });
    await page.locator(`#orders-table tr[data-order-id="${order.id}"]`).waitFor();
    for (let i = 0; i < 10; i++) {
      await world.runtime.broker.step();
      const now = (await world.api<OrderView[]>('/deployments/a/orders?status=all')).find((o) => o.id === order.id)!;
      if (now.status === 'filled') break;
    }
    const all = await world.api<TradePage>('/deployments/a/trades?limit=1000');
    const fill = all.trades.find((t) => t.order_id === order.id);
    assert.ok(fill, 'the paper broker filled the order');
    await page.locator(`#trades-table tr[data-fill-id="${fill.fill_id}"]`).waitFor({ timeout: 8000 });
    await expectCell(page, `#orders-table tr[data-order-id="${order.id}"]`, 'status', null, 'filled');
    const aapl = (await world.api<PositionView[]>('/deployments/a/positions')).find((p) => p.symbol === 'AAPL')!;
    assert.equal(BigInt(aapl.qty), BigInt(before.find((p) => p.symbol === 'AAPL')?.qty ?? '0') + 3n);
    await expectCell(page, '#positions-table tr[data-symbol="AAPL"]', 'qty', aapl.qty, qty(aapl.qty));
    assert.equal(
      await page.evaluate(() => (window as unknown as { marker?: number }).marker),
      42,
      'the page was not reloaded',
    );
    await page.close();
  });

  it('works from the keyboard: sign in, reach a deployment link, open it, page through trades', async () => {
    const page = await browser.newPage({ width: 1280, height: 900 });
    await page.goto(`${world.url}/`);
    await page.keyboard.type(world.adminToken);
    await page.keyboard.press('Enter');
    await page.locator('#sleeves-table tbody tr[data-deployment]').first().waitFor();
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      await page.keyboard.press('Tab');
      found = await page.evaluate(() => document.activeElement?.getAttribute('href') === '#/deployments/trend');
    }
    assert.ok(found, 'Tab reaches the link to deployment trend');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    assert.notEqual(outline, 'none', 'the focused link is visibly marked');
    await page.keyboard.press('Enter');
    await page.locator('h1', { hasText: 'Trend follower' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus moves to the new page');
    await page.locator('#trades-table tbody tr').first().waitFor();
    const first = await world.api<TradePage>('/deployments/trend/trades?limit=20');
    assert.ok(first.next_cursor, 'trend has more than one page of trades');
    const second = await world.api<TradePage>(`/deployments/trend/trades?limit=20&cursor=${first.next_cursor}`);
    await page.locator('#trades-next').focus();
    await page.keyboard.press('Enter');
    await page.locator('#trades-page', { hasText: 'Page 2' }).waitFor();
    await page.locator(`#trades-table tr[data-fill-id="${second.trades[0]!.fill_id}"]`).waitFor();
    // Focus stays on the pager (on "Previous" when "Next" became disabled on the last page).
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      second.next_cursor ? 'trades-next' : 'trades-previous',
    );
    await page.locator('#trades-previous').focus();
    await page.keyboard.press('Enter');
    await page.locator('#trades-page', { hasText: 'Page 1' }).waitFor();
    await page.close();
  });

  it('is readable at a phone width (390 px): no sideways scrolling, every number on screen', async () => {
    const page = await browser.newPage({ width: 390, height: 844 });
    await signIn(page, world.adminToken);
    await page.locator('#sleeves-table tbody tr[data-deployment]').first().waitFor();
    await page.locator('#equity-chart canvas').waitFor();
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(await fits(), 'overview fits 390 px');
    for (const col of ['equity', 'total_pnl', 'sharpe', 'mark_age']) {
      const box = (await page.locator(`#sleeves-table tr[data-deployment="a"] [data-col="${col}"]`).boundingBox())!;
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `${col} is within the screen`);
    }
    await page.screenshot({ path: outputPath('overview-390.png'), fullPage: true });
    await page.getByRole('link', { name: 'Deployment A a' }).click();
    await page.locator('#history-table tbody tr').first().waitFor();
    await page.locator('#drawdown-chart canvas').waitFor();
    await page.waitForTimeout(300); // the charts follow their container's width
    assert.ok(await fits(), 'deployment page fits 390 px');
    const chart = (await page.locator('#drawdown-chart canvas').boundingBox())!;
    assert.ok(chart.x + chart.width <= 390, 'the chart shrinks to the screen');
    await page.screenshot({ path: outputPath('deployment-390.png'), fullPage: true });
    await page.close();
  });

  it('a deployment token sees its own page only, and asks the API for nothing else', async () => {
    const page = await browser.newPage({ width: 1280, height: 900 });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await signIn(page, world.runtime.tokenFor('a'));
    await page.locator('h1', { hasText: 'Deployment A' }).waitFor();
    assert.equal(new URL(page.url()).hash, '#/deployments/a');
    assert.deepEqual(await page.locator('#nav a').allTextContents(), ['My deployment', 'API docs']);
    assert.equal(await page.getByRole('link', { name: '← Account overview' }).count(), 0);
    await page.locator('#trades-table tbody tr').first().waitFor();
    await page.goto(`${world.url}/#/deployments/b`);
    await page.locator('h1', { hasText: 'Not allowed' }).waitFor();
    await page.goto(`${world.url}/#/`);
    await page.waitForFunction(() => location.hash === '#/deployments/a');
    await page.locator('#trades-table tbody tr').first().waitFor();
    const foreign = requests.filter(
      (path) => /^\/(account|stats|strategies)|^\/deployments\/(?!a\/)[^/]+/.test(path) && path !== '/deployments',
    );
    assert.deepEqual(foreign, []);
    await page.screenshot({ path: outputPath('deployment-token.png') });
    await page.close();
  });

  it('lists a deployment’s gateway keys with status and last request, never a secret; a deployment token is told the admin manages them', async () => {
    assert.ok(SAME_KEY_SHAPE);
    const page = await browser.newPage({ width: 1280, height: 900 });
    await signIn(page, world.adminToken);
    await page.locator('#sleeves-table tbody tr[data-deployment]').first().waitFor();
    // No key yet: the section says how to create one.
    await page.goto(`${world.url}/#/deployments/b`);
    const empty = page.locator('#gateway-keys-empty');
    await empty.waitFor();
    assert.match((await empty.textContent())!, /subledger keys create b.*POST \/deployments\/b\/gateway-keys/);

    type Created = { key_id: string; secret: string };
    const used = await world.api<Created>('/deployments/a/gateway-keys', world.adminToken, {});
    const idle = await world.api<Created>('/deployments/a/gateway-keys', world.adminToken, {});
    const revoked = await world.api<Created>('/deployments/a/gateway-keys', world.adminToken, {});
    const revoke = await fetch(`${world.url}/deployments/a/gateway-keys/${revoked.key_id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${world.adminToken}` },
    });
    assert.equal(revoke.status, 200);
    // One request through the gateway with the first key pair, as a bot's Alpaca client makes it.
    const account = await fetch(`${world.gatewayUrl}/v2/account`, {
      headers: { 'APCA-API-KEY-ID': used.key_id, 'APCA-API-SECRET-KEY': used.secret },
    });
    assert.equal(account.status, 200, await account.text());
    const keys = await world.api<GatewayKeyView[]>('/deployments/a/gateway-keys');
    assert.deepEqual(
      keys.map((k) => k.key_id),
      [used.key_id, idle.key_id, revoked.key_id],
    );
    const usedView = keys[0]!;
    const revokedView = keys[2]!;
    assert.ok(usedView.last_used_at, 'the gateway request is the key’s last request');
    assert.ok(revokedView.revoked_at);

    await page.goto(`${world.url}/#/deployments/a`);
    await page.locator('#gateway-keys-table tbody tr[data-key-id]').first().waitFor();
    assert.deepEqual(
      await page
        .locator('#gateway-keys-table tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key-id'))),
      keys.map((k) => k.key_id),
    );
    const row = (k: { key_id: string }) => `#gateway-keys-table tr[data-key-id="${k.key_id}"]`;
    for (const k of keys) {
      assert.equal(await cell(page, row(k), 'key_id').textContent(), k.key_id);
      await expectCell(page, row(k), 'created', k.created_at, when(k.created_at));
    }
    assert.equal(await cell(page, row(used), 'status').textContent(), 'active');
    assert.equal(await cell(page, row(idle), 'status').textContent(), 'active');
    assert.equal(
      await cell(page, row(revoked), 'status').textContent(),
      `revoked at ${when(revokedView.revoked_at)} UTC`,
    );
    await expectCell(page, row(used), 'last_request', usedView.last_used_at, when(usedView.last_used_at));
    await expectCell(page, row(idle), 'last_request', null, 'none since the server started');
    await expectCell(page, row(revoked), 'last_request', null, 'none since the server started');
    // No secret anywhere on the page: not in its text, not in its markup.
    const html = await page.content();
    for (const k of [used, idle, revoked])
      assert.ok(!html.includes(k.secret), `the secret of ${k.key_id} is not shown`);
    await page.locator('#gateway-keys-section').screenshot({ path: outputPath('gateway-keys.png') });
    await page.close();

    // A deployment token may not list keys (403): its page says the admin manages them, and never asks.
    const token = world.runtime.tokenFor('a');
    await assert.rejects(world.api('/deployments/a/gateway-keys', token), /: 403 /);
    const own = await browser.newPage({ width: 1280, height: 900 });
    const requests: string[] = [];
    own.on('request', (r) => requests.push(new URL(r.url()).pathname));
    await signIn(own, token);
    await own.locator('h1', { hasText: 'Deployment A' }).waitFor();
    const message = own.locator('#gateway-keys-admin');
    await message.waitFor();
    assert.match((await message.textContent())!, /managed by the admin/);
    await own.locator('#trades-table tbody tr').first().waitFor();
    assert.equal(await own.locator('#gateway-keys-table').count(), 0);
    const ownHtml = await own.content();
    for (const k of [used, idle, revoked]) {
      assert.ok(!ownHtml.includes(k.key_id), `key ${k.key_id} is not shown to the deployment token`);
      assert.ok(!ownHtml.includes(k.secret));
    }
    assert.deepEqual(
      requests.filter((path) => path.endsWith('/gateway-keys')),
      [],
    );
    await own.close();
  });

  it('refuses a wrong token at sign-in with a message', async () => {
    const page = await browser.newPage();
    expected = [/401/];
    await signIn(page, 'not-a-token-at-all');
    await page.locator('#login-problem', { hasText: 'This token is not valid.' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'token');
    await page.close();
  });
});
