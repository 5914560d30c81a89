/**
 * The report HTML rendered by Chromium (playwright-core driving Debian's /usr/bin/chromium): the
 * chart image loads, the per-strategy cells show the fixed journal's figures right-aligned with
 * negative P&L in red, and a full-page screenshot is saved to test-output/report.png.
 * Skipped when Chromium is not installed, unless SUBLEDGER_TEST_REQUIRE_BROWSER=1.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { buildReport } from '../../src/reports/build-report.js';
import { gatherReportInput } from '../../src/reports/gather-report.js';
import { renderReport, writeReportFiles } from '../../src/reports/render-report.js';
import { AS_OF } from './fixed-journal.js';
import { type FixedBooks, openFixedBooks } from './helpers.js';

const CHROMIUM = process.env.SUBLEDGER_CHROMIUM ?? '/usr/bin/chromium';
const OUT = join(process.cwd(), 'test-output');
const available = existsSync(CHROMIUM);
if (!available && process.env.SUBLEDGER_TEST_REQUIRE_BROWSER === '1')
  throw new Error(`SUBLEDGER_TEST_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);

describe(
  'the report in a browser',
  { skip: available ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium)` },
  () => {
    let books: FixedBooks;
    let browser: BrowserContext;
    let htmlPath: string;
    before(async () => {
      books = await openFixedBooks();
      const model = buildReport(
        await gatherReportInput(
          { service: books.service },
          { accountName: 'Fixed Fund', timeZone: 'America/New_York', period: 'day', asOf: AS_OF },
        ),
      );
      htmlPath = join(OUT, 'report', 'report.html');
      writeReportFiles(await renderReport(model), htmlPath);
      // A fresh profile directory per run (playwright's form of --user-data-dir).
      browser = await chromium.launchPersistentContext(join(books.dir, 'chromium-profile'), {
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
        viewport: { width: 760, height: 900 },
      });
    });
    after(async () => {
      await browser?.close();
      await books?.close();
    });

    it('renders the table and the chart, and saves a screenshot', async () => {
      const page = await browser.newPage();
      page.setDefaultTimeout(10_000);
      await page.goto(pathToFileURL(htmlPath).href);
      const chart = await page
        .locator('img[src="report.equity-chart.png"]')
        .evaluate((img: HTMLImageElement) => [
          img.complete,
          img.naturalWidth,
          img.naturalHeight,
          Math.round(img.getBoundingClientRect().width),
        ]);
      assert.deepEqual(chart, [true, 1280, 600, 640]);
      const cell = (row: string, col: string) =>
        page.locator(`tr[data-row="${row}"] td[data-col="${col}"]`).evaluate((td: HTMLElement) => {
          const style = getComputedStyle(td);
          return [td.innerText, style.textAlign, style.color];
        });
      assert.deepEqual(await cell('deployment:fixed', 'unrealized_pnl'), ['-100.00', 'right', 'rgb(185, 28, 28)']);
      assert.deepEqual(await cell('deployment:fixed', 'total_pnl'), ['+79.20', 'right', 'rgb(21, 128, 61)']);
      assert.deepEqual(await cell('account', 'total_pnl'), ['+448.70', 'right', 'rgb(21, 128, 61)']);
      assert.deepEqual(await cell('trip:0', 'net_pnl'), ['+209.60', 'right', 'rgb(21, 128, 61)']);
      // The numbers of a column line up: their right edges are the header's.
      const rightEdges = await page
        .locator('td[data-col="total_pnl"]')
        .evaluateAll((tds: HTMLElement[]) => tds.map((td) => Math.round(td.getBoundingClientRect().right)));
      assert.equal(new Set(rightEdges).size, 1, JSON.stringify(rightEdges));
      mkdirSync(OUT, { recursive: true });
      const shot = join(OUT, 'report.png');
      await page.screenshot({ path: shot, fullPage: true });
      assert.ok(statSync(shot).size > 10_000);
      await page.close();
    });
  },
);
