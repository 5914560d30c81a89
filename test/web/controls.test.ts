/**
 * The dashboard's loss limits and kill switch in a real browser (Debian's chromium through
 * playwright-core) on a real app (the demo's first hour on a temporary SQLite file, the paper
 * broker): a sleeve with limits (max daily loss 50, max drawdown 20 %, pause) buys 10 AAPL; a mark
 * 10 under its average cost takes 100 (and the buy's fee) from it today; the page lists the breach and the sleeve
 * paused, with the journal's figures exactly; Flatten asks first (Cancel sends nothing), then
 * closes exactly its position and leaves it stopped — the demo's sleeves unchanged to the share.
 * A deployment token sees its limits but no Flatten button. Any console error fails the test.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId, Symbol } from '../../src/core/ids.js';
import type { BreachView, LossLimitsView, MetricsView, PositionView } from '../../src/web/api.js';
import { money, percent, sumDecimals } from '../../src/web/format.js';
import {
  CHROMIUM,
  type Session,
  type World,
  ensureWebBuilt,
  launchBrowser,
  outputPath,
  startWorld,
} from './fixture.js';

const R = 'risky' as DeploymentId;

const skip =
  !existsSync(CHROMIUM) && process.env.SUBLEDGER_TEST_SKIP_BROWSER === '1' ? `no chromium at ${CHROMIUM}` : false;

describe('dashboard: loss limits, breaches and the kill switch in chromium', { skip }, () => {
  let world: World;
  let browser: Session;

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `no chromium at ${CHROMIUM} (CHROMIUM_PATH=…; SUBLEDGER_TEST_SKIP_BROWSER=1 skips)`,
    );
    await ensureWebBuilt();
    world = await startWorld({ steps: 60, days: 0 });
    const { app, broker } = world.runtime;
    await app.createDeployment({
      id: R,
      name: 'Risky bot',
      initialCapital: dec('5000'),
      limits: { maxDailyLoss: dec('50'), maxDrawdownPct: dec('20'), onBreach: 'pause' },
    });
    await app.submitOrder(R, { symbol: 'AAPL', side: 'buy', qty: dec('10'), type: 'market', timeInForce: 'day' });
    for (let i = 0; i < 50 && app.listOrders(R, { status: 'open', limit: 5 }).length > 0; i++) await broker.step();
    assert.deepEqual(
      app.positions(R).map((p) => [p.symbol, p.qty]),
      [['AAPL', '10']],
    );
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await world?.close();
  });
  afterEach(() => assert.deepEqual(browser.errors.splice(0), [], 'console errors'));

  const signIn = async (page: Page, token: string, hash: string) => {
    await page.goto(`${world.url}/`);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('h1').first().waitFor();
    await page.goto(`${world.url}/${hash}`);
  };
  const kpi = (page: Page, key: string) => page.locator(`#loss-limits [data-kpi="${key}"]`);
  /** Waits until `locator`'s text is `text`. */
  const waitText = (page: Page, selector: string, text: string) =>
    page.waitForFunction(([s, t]) => document.querySelector(s!)?.textContent === t, [selector, text] as const);

  it('shows the limits, lists the breach a dropping mark causes, and flattens the sleeve after a confirmation', async () => {
    const { app } = world.runtime;
    const page = await browser.newPage({ width: 1280, height: 900 });
    const posts: string[] = [];
    page.on('request', (r) => void (r.method() === 'POST' && posts.push(new URL(r.url()).pathname)));
    await signIn(page, world.adminToken, `#/deployments/${R}`);
    await page.locator('#breaches-table').waitFor();
    assert.equal(await kpi(page, 'max_daily_loss').getAttribute('data-value'), '50');
    assert.equal(await kpi(page, 'max_daily_loss').textContent(), money('50'));
    assert.equal(await kpi(page, 'max_drawdown_pct').textContent(), percent('20'));
    assert.equal(await kpi(page, 'on_breach').textContent(), 'pause');
    assert.equal(await page.locator('#breaches-table tbody').textContent(), 'No loss limit reached.');

    // A mark 10 under the average cost: 10 shares lose 100 today, twice the limit.
    const avg = dec(app.positions(R)[0]!.avg_cost);
    await app.service.append([
      {
        type: 'mark',
        symbol: 'AAPL' as Symbol,
        price: (avg - dec('10')) as typeof avg,
        ts: new Date(world.runtime.broker.clock.now().getTime() + 1).toISOString(),
        source: 'test',
      },
    ]);
    await page.locator('#breaches-table tbody tr[data-breach-id]').waitFor();
    // The day's loss: 100 under the mark plus the buy's fee (the day opened at 0, when the sleeve did).
    const { fees } = await world.api<MetricsView>(`/deployments/${R}/metrics`);
    const loss = sumDecimals(['100', fees]);
    assert.equal(fees, '0.05');
    const figures = await world.api<LossLimitsView>(`/deployments/${R}/loss-limits`);
    assert.deepEqual([figures.day_start_pnl, figures.pnl, figures.day_loss], ['0', `-${loss}`, loss]);
    const [breach] = await world.api<BreachView[]>(`/deployments/${R}/breaches`);
    assert.deepEqual(
      [breach!.limit, breach!.value, breach!.threshold, breach!.action],
      ['max_daily_loss', loss, '50', 'pause'],
    );
    const row = `#breaches-table tr[data-breach-id="${breach!.id}"]`;
    assert.equal(await page.locator(`${row} [data-col="limit"]`).textContent(), 'Max daily loss');
    assert.equal(await page.locator(`${row} [data-col="value"]`).getAttribute('data-value'), loss);
    assert.equal(await page.locator(`${row} [data-col="value"]`).textContent(), money(loss));
    assert.equal(await page.locator(`${row} [data-col="threshold"]`).textContent(), money('50'));
    assert.equal(await page.locator(`${row} [data-col="action"]`).textContent(), 'pause');
    await waitText(page, '#loss-limits [data-kpi="day_loss"]', money(loss));
    assert.equal(await kpi(page, 'day_loss').getAttribute('data-value'), loss);
    assert.equal(await kpi(page, 'drawdown_pct').getAttribute('data-value'), figures.drawdown_pct);
    assert.equal(app.getDeployment(R).status, 'paused');
    await page.waitForFunction(() => document.querySelector('#subtitle')?.textContent?.includes('· paused ·'));
    await page.screenshot({ path: outputPath('controls-breach.png'), fullPage: true });

    const holdings = (d: string) => app.positions(d as DeploymentId).map((p) => `${p.symbol} ${p.qty}`);
    const others = ['a', 'b', 'fixed', 'trend', 'dip'].map((d) => [d, holdings(d)]);
    // Flatten asks first: Cancel sends nothing.
    await page.locator('#flatten').click();
    const dialog = page.locator('#flatten-dialog');
    await dialog.waitFor({ state: 'visible' });
    assert.match(
      (await page.locator('#flatten-question').textContent())!,
      /cancels its 0 working orders and closes its positions \(AAPL 10\) with market orders/,
    );
    await page.screenshot({ path: outputPath('controls-confirm.png') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.deepEqual(posts, []);
    assert.equal(app.getDeployment(R).status, 'paused');

    await page.locator('#flatten').click();
    await dialog.getByRole('button', { name: 'Flatten' }).click();
    await page.locator('#flatten-result [data-status]').waitFor();
    assert.deepEqual(posts, [`/deployments/${R}/flatten`]);
    assert.match((await page.locator('#flatten-orders').textContent())!, /^sell 10 AAPL \(market\): /);
    for (let i = 0; i < 50 && app.positions(R).some((p) => p.qty !== '0'); i++) await world.runtime.broker.step();

    // Flat and stopped: in the API and on the page (live); the other sleeves to the share.
    assert.deepEqual(await world.api<PositionView[]>(`/deployments/${R}/positions`), []);
    assert.equal(app.getDeployment(R).status, 'stopped');
    await page.waitForFunction(() => document.querySelector('#subtitle')?.textContent?.includes('· stopped ·'));
    await waitText(page, '#positions-table tbody', 'No positions.');
    assert.deepEqual(
      others.map(([d]) => [d, holdings(d as string)]),
      others,
    );
    assert.equal(app.service.state.controls.get(R)!.lastFlatten.at(-1)!.step, 'done');
    const account = await app.account();
    assert.equal(account.reconciled, true, JSON.stringify(account.differences));
    await page.screenshot({ path: outputPath('controls-flattened.png'), fullPage: true });
    await page.close();
  });

  it("a deployment token sees its sleeve's limits and breaches, but no Flatten button", async () => {
    const page = await browser.newPage({ width: 1280, height: 900 });
    await signIn(page, world.runtime.tokenFor('a'), '#/deployments/a');
    await page.locator('#breaches-table').waitFor();
    assert.equal(await kpi(page, 'max_daily_loss').textContent(), 'not set');
    assert.equal(await kpi(page, 'on_breach').textContent(), 'no limit set');
    assert.equal(await page.locator('#flatten').count(), 0);
    await page.close();
  });
});
