/**
 * Loss-limit alerts through the composition root and a REAL SMTP server (smtp-server in its own
 * process, the messages parsed by python3's `email`): with the report mailer configured
 * (SMTP_URL, SUBLEDGER_REPORT_FROM, SUBLEDGER_REPORT_TO), `createRuntime`'s watcher mails one
 * message per breach — the subject naming the deployment and the limit, the body the exact
 * figures of a fixed journal — and acts on it (both deployments paused).
 *
 * The journal: alpha (capital 20,000, max_daily_loss 50) buys 10 XYZ @ 100, beta (10,000,
 * max_drawdown_pct 1.5) buys 20 @ 100; XYZ is marked 104 (the peak: +40 and +80), then 95:
 * alpha has lost 50 today (0 → −50); beta is 180 under its peak of 80, 1.7857… % of 10,080.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dec } from '../../src/core/decimal.js';
import type { DeploymentId, FillId, Symbol } from '../../src/core/ids.js';
import type { JournalEvent } from '../../src/app/journal/journal-codec.js';
import { loadConfig } from '../../src/config.js';
import { type Runtime, createRuntime } from '../../src/server.js';
import { type ParsedMessage, type SmtpSink, parseMime, startSmtpSink } from '../reports/helpers.js';
import { tempDir } from '../helpers/tmp.js';

const A = 'alpha' as DeploymentId;
const B = 'beta' as DeploymentId;
const XYZ = 'XYZ' as Symbol;

describe('loss-limit alerts by email (composition root, real SMTP server)', () => {
  const { dir, cleanup } = tempDir('subledger-alert-');
  let sink: SmtpSink;
  let runtime: Runtime;
  let messages: ParsedMessage[];
  let day: string;

  before(async () => {
    sink = await startSmtpSink();
    process.env.SMTP_URL = sink.url;
    process.env.SUBLEDGER_REPORT_FROM = 'Subledger <alerts@subledger.test>';
    process.env.SUBLEDGER_REPORT_TO = 'ops@example.com';
    const config = loadConfig(
      {
        db: join(dir, 'alert.db'),
        port: '0',
        adminToken: 'admin-token-0123456789',
        tokenSecret: 'secret-0123456789abcdef',
      },
      {},
    );
    runtime = await createRuntime(config);
    const { app } = runtime;
    await app.createDeployment({
      id: A,
      name: 'Alpha bot',
      initialCapital: dec('20000'),
      limits: { maxDailyLoss: dec('50') },
    });
    await app.createDeployment({ id: B, initialCapital: dec('10000'), limits: { maxDrawdownPct: dec('1.5') } });
    let n = 0;
    const ts = () => new Date(runtime.broker.clock.now().getTime() + ++n).toISOString();
    const fill = (id: string, who: DeploymentId, qty: string): JournalEvent => ({
      type: 'fill',
      id: id as FillId,
      symbol: XYZ,
      price: dec('100'),
      ts: ts(),
      legs: [{ deployment: who, side: 'buy', qty: dec(qty), fee: dec('0'), feeCurrency: 'quote' }],
    });
    const mark = (price: string): JournalEvent => ({
      type: 'mark',
      symbol: XYZ,
      price: dec(price),
      ts: ts(),
      source: 'test',
    });
    await app.service.append([fill('f1', A, '10'), fill('f2', B, '20')]);
    await app.service.append([mark('104')]);
    await app.service.append([mark('95')]);
    day = runtime.broker.clock.now().toISOString().slice(0, 10);
    const files = await sink.messages(2);
    messages = files.map(parseMime).sort((x, y) => (x.subject < y.subject ? -1 : 1));
  });
  after(async () => {
    await runtime?.close();
    await sink?.stop();
    cleanup();
  });

  const text = (m: ParsedMessage) => m.parts.find((p) => p.type === 'text/plain')!.content!;
  const html = (m: ParsedMessage) => m.parts.find((p) => p.type === 'text/html')!.content!;
  const breachTs = (d: DeploymentId) => runtime.controls.breaches(d)[0]!.ts;

  it('one message per breach, the subject naming the deployment and the limit', () => {
    assert.deepEqual(
      messages.map((m) => [m.subject, m.from, m.to, m.defects]),
      [
        [
          'Subledger alert: alpha reached max_daily_loss 50 (50): paused',
          'Subledger <alerts@subledger.test>',
          'ops@example.com',
          [],
        ],
        [
          'Subledger alert: beta reached max_drawdown_pct 1.5 (1.785714285714285714): paused',
          'Subledger <alerts@subledger.test>',
          'ops@example.com',
          [],
        ],
      ],
    );
    assert.deepEqual(
      messages.map((m) => m.parts.map((p) => p.type)),
      [
        ['text/plain', 'text/html'],
        ['text/plain', 'text/html'],
      ],
    );
  });

  it("the body carries the breach's exact figures from the journal", () => {
    /** The body's `label: value` lines. */
    const rows = (m: ParsedMessage) =>
      Object.fromEntries(
        text(m)
          .split('\n')
          .map((line) => /^([^:]+):\s+(.*)$/.exec(line))
          .filter((match) => match !== null)
          .map((match) => [match[1], match[2]]),
      );
    const [alpha, beta] = messages;
    assert.match(text(alpha!), /^Alpha bot \(alpha\) reached its loss limit max_daily_loss and was paused\.$/m);
    assert.deepEqual(rows(alpha!), {
      Deployment: 'Alpha bot (alpha)',
      Limit: 'max_daily_loss 50',
      "Reached (today's loss)": '50',
      Action: 'paused: the risk check lets it only reduce its positions until it is resumed',
      'Total P&L now': '-50',
      "Total P&L at the day's start": '0',
      "Today's loss": '50',
      'Peak total P&L': '40',
      Capital: '20000',
      // 90 under the peak of 20,040, half-up at 18 places
      'Drawdown from the peak (%)': '0.449101796407185629',
      Breach: `alpha:max_daily_loss:${day} at ${breachTs(A)}`,
    });
    assert.deepEqual(rows(beta!), {
      Deployment: 'beta',
      Limit: 'max_drawdown_pct 1.5',
      'Reached (drawdown from the peak (%))': '1.785714285714285714',
      Action: 'paused: the risk check lets it only reduce its positions until it is resumed',
      'Total P&L now': '-100',
      "Total P&L at the day's start": '0',
      "Today's loss": '100',
      'Peak total P&L': '80',
      Capital: '10000',
      'Drawdown from the peak (%)': '1.785714285714285714',
      Breach: `beta:max_drawdown_pct:${day} at ${breachTs(B)}`,
    });
    assert.ok(html(alpha!).includes('<th align="left">Today&#39;s loss</th><td>50</td>'));
  });

  it('the breaches are journaled and carried out; no third message', async () => {
    assert.deepEqual(
      [A, B].map((d) => runtime.app.getDeployment(d).status),
      ['paused', 'paused'],
    );
    assert.deepEqual(
      [A, B].map((d) => runtime.controls.breaches(d).map((b) => [b.limit, b.value, b.action])),
      [[['max_daily_loss', '50', 'pause']], [['max_drawdown_pct', '1.785714285714285714', 'pause']]],
    );
    assert.equal(existsSync(join(sink.dir, '3.eml')), false);
  });
});
