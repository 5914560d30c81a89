/**
 * Issue 15's four client bots (test/gateway/bots/, harness in ./bots.ts) against the project's
 * Alpaca emulator, before the gateway stands between them: alpaca-py, the legacy alpaca-trade-api,
 * and the JS SDK 3.1.3 and 4.0.2, each unchanged and pointed at the emulator only through its own
 * client's options. All four run at once on one emulator, each on its own symbol, while the test
 * advances the emulator's market so that market orders fill.
 *
 * Per bot, exact facts: its market order filled with its own client_order_id and qty, its limit
 * order canceled, its position closed (by the bot's own reading and by the emulator's), the
 * trade_updates events of its own orders in order, and the emulator's record of each order.
 *
 * What the emulator lacks (EMULATOR below; each gap makes the bots skip a step or do it another
 * way, and say so in their `skipped` list): PATCH /v2/orders/{id}, DELETE /v2/positions/{symbol},
 * the stream at `/stream/`, DELETE with an empty Content-Type, and `timestamp` on `new` events.
 *
 * The Python bots need `bash test/gateway/install.sh` (.ci/run runs it); without their venvs their
 * tests are skipped and say why, and fail instead under SUBLEDGER_TEST_REQUIRE_GATEWAY_CLIENTS=1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EmulatorHandle, startEmulator } from '../../src/emulator/index.js';
import { START } from '../alpaca/helpers.js';
import {
  BOT_KINDS,
  type BotEvent,
  type BotKind,
  type BotRun,
  type ServerSupport,
  assertBotCanRun,
  botProblem,
  botTestSkip,
  describeRun,
  expectedClient,
  runBot,
} from './bots.js';

/** What the emulator answers today (src/emulator/README.md, "Not emulated"). */
const EMULATOR: ServerSupport = {
  replace: false,
  closePosition: false,
  streamTrailingSlash: false,
  emptyContentTypeDelete: false,
  timestampOnEveryEvent: false,
};

/** Which steps `kind` runs on a server with `supports`, as runBot sets its flags (bots.ts). */
function planFor(kind: BotKind, supports: ServerSupport) {
  const limit = kind !== 'js-v3' || supports.emptyContentTypeDelete;
  const replace = limit && supports.replace;
  const closeWithSell = !supports.closePosition || !limit;
  const skipped = [...(limit ? [] : ['limit']), ...(replace ? [] : ['replace'])];
  return { limit, replace, closeWithSell, skipped: [...skipped, ...(closeWithSell ? ['close_position'] : [])] };
}

const SYMBOL: Record<BotKind, string> = { 'alpaca-py': 'AAPL', legacy: 'MSFT', 'js-v3': 'GOOGL', 'js-v4': 'AMZN' };
const QTY = 2;
const DECIMAL = /^-?\d+(\.\d+)?$/;

describe('the four sample bots against the emulator', () => {
  let emulator: EmulatorHandle;
  const runs = new Map<BotKind, BotRun>();

  before(async () => {
    emulator = await startEmulator({ start: START });
    const kinds = BOT_KINDS.filter((kind) => !botProblem(kind));
    const finished = await Promise.all(
      kinds.map((kind) =>
        runBot(kind, {
          baseUrl: emulator.url,
          streamUrl: emulator.wsUrl,
          dataUrl: emulator.url,
          keyId: emulator.keyId,
          secret: emulator.secretKey,
          symbol: SYMBOL[kind],
          clientOrderPrefix: kind,
          qty: QTY,
          supports: EMULATOR,
          step: () => emulator.control.advance(1),
          stepEveryMs: 25,
        }),
      ),
    );
    for (const run of finished) runs.set(run.kind, run);
  });

  after(async () => {
    await emulator?.close();
  });

  for (const kind of BOT_KINDS) {
    it(`${kind}: account, positions, stream, market buy, limit, cancel, close`, { skip: botTestSkip(kind) }, () => {
      assertBotCanRun(kind);
      const run = runs.get(kind)!;
      const report = run.report;
      assert.ok(report, `no JSON line\n${describeRun(run)}`);
      assert.equal(report.ok, true, describeRun(run));
      assert.equal(run.code, 0, describeRun(run));
      const symbol = SYMBOL[kind];
      assert.deepEqual([report.bot, report.client, report.symbol], [kind, expectedClient(kind), symbol]);

      // Account and positions before trading.
      assert.equal(report.account!.status, 'ACTIVE');
      for (const field of ['cash', 'buying_power', 'equity'] as const)
        assert.match(report.account![field], DECIMAL, `account.${field}`);
      assert.ok(!report.positions_before!.some((p) => p.symbol === symbol), 'no position before trading');
      assert.match(String(report.latest_trade_price), DECIMAL);

      // The steps each bot skipped or did another way, exactly: the emulator's gaps.
      const plan = planFor(kind, EMULATOR);
      assert.deepEqual(report.skipped, plan.skipped);

      // Its orders as it saw them last, and as the emulator recorded them.
      const orders = report.orders.map((o) => [o.step, o.symbol, o.side, o.type, o.status]);
      assert.deepEqual(orders, [
        ['market', symbol, 'buy', 'market', 'filled'],
        ...(kind === 'alpaca-py'
          ? [
              ['stop', symbol, 'sell', 'stop', 'canceled'],
              ['trailing', symbol, 'sell', 'trailing_stop', 'canceled'],
            ]
          : []),
        ...(plan.limit && plan.replace ? [['replaced', symbol, 'buy', 'limit', 'replaced']] : []),
        ...(plan.limit ? [['limit', symbol, 'buy', 'limit', 'canceled']] : []),
        ['close', symbol, 'sell', 'market', 'filled'],
      ]);
      const byStep = new Map(report.orders.map((o) => [o.step, o]));
      assert.equal(byStep.get('market')!.client_order_id, `${kind}-1`);
      if (plan.closeWithSell) assert.equal(byStep.get('close')!.client_order_id, `${kind}-3`);
      assert.deepEqual(
        [byStep.get('market')!.filled_qty, byStep.get('close')!.filled_qty].map(Number),
        [QTY, QTY],
        'filled qty',
      );
      if (plan.limit) {
        const limit = byStep.get('limit')!;
        assert.equal(limit.client_order_id, plan.replace ? `${kind}-2r` : `${kind}-2`);
        const [qty, price] = plan.replace ? [2, 1.05] : [1, 1];
        assert.deepEqual([Number(limit.qty), Number(limit.limit_price), Number(limit.filled_qty)], [qty, price, 0]);
      }
      for (const order of report.orders) {
        const recorded = emulator.control.venue.orderByClientId(order.client_order_id);
        assert.ok(recorded, `the emulator has no order ${order.client_order_id}`);
        assert.deepEqual(
          [order.id, order.status, Number(order.filled_qty)],
          [recorded.id, recorded.status, Number(recorded.filled_qty)],
        );
      }

      // Stream events of its own orders, in order (others' orders are on the same account here).
      const own = new Set(report.orders.map((o) => o.id));
      const eventsOf = (step: string) =>
        report.events.filter((e: BotEvent) => e.order_id === byStep.get(step)!.id).map((e) => e.event);
      const withNew = (events: string[]) =>
        EMULATOR.timestampOnEveryEvent || kind !== 'alpaca-py' ? ['new', ...events] : events;
      assert.deepEqual(eventsOf('market'), withNew(['fill']));
      if (plan.limit) assert.deepEqual(eventsOf('limit').slice(-1), ['canceled']);
      if (plan.limit && !plan.replace) assert.deepEqual(eventsOf('limit'), withNew(['canceled']));
      assert.deepEqual(eventsOf('close'), withNew(['fill']));
      for (const event of report.events.filter((e) => own.has(e.order_id)))
        assert.deepEqual([event.symbol, event.client_order_id.startsWith(`${kind}-`)], [symbol, true]);

      // Its position is gone: by its own reading and by the emulator's.
      assert.equal(report.position_after, null);
      const held = emulator.control.venue.positions().filter((p) => p.position.symbol === symbol);
      assert.deepEqual(
        held.map((p) => String(p.position.qty)),
        [],
      );
    });
  }

  const noBot = BOT_KINDS.every((kind) => botProblem(kind));
  it('leaves no open order on the emulator', { skip: noBot ? 'no bot ran' : false }, () => {
    const open = emulator.control.venue
      .allOrders()
      .filter((o) => ['new', 'partially_filled'].includes(String(o.status)));
    assert.deepEqual(open, []);
  });
});
