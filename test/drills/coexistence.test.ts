/**
 * The coexistence drill of issue 14 (test/drills/coexistence-drill.ts) at a test's size: 6 bots,
 * 120 orders through the REST API of a real `subledger serve --broker alpaca` against the
 * emulator. It asserts the target exactly: no broker refusal caused by another sleeve
 * (per the emulator's rejection log), no pair of interacting opposite orders ever open together at
 * the broker (the emulator's audit), and the books balance (`GET /account` and `subledger
 * reconcile`); and, so that a refusal is not merely moved from the broker to Subledger, no refusal
 * of Subledger's own whose details name another deployment or its order. Each is its own test on
 * one run of the drill, whose report is printed as diagnostics.
 *
 * Knobs (environment): SUBLEDGER_DRILL_SEED (default the drill's fixed seed),
 * SUBLEDGER_DRILL_ORDERS (default 120).
 *
 * Run: `node scripts/run-tests.mjs test/drills/coexistence`
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { COEXISTENCE_DEFAULTS, type CoexistenceResult, reportLines, runCoexistenceDrill } from './coexistence-drill.js';
import { killAll } from './processes.js';

const SEED = process.env.SUBLEDGER_DRILL_SEED ? Number(process.env.SUBLEDGER_DRILL_SEED) : COEXISTENCE_DEFAULTS.seed;
const ORDERS = Number(process.env.SUBLEDGER_DRILL_ORDERS ?? '120');

describe(`coexistence drill: 6 bots, ${ORDERS} orders on one account (seed ${SEED})`, () => {
  let result: CoexistenceResult;
  let text: string;
  before(async () => {
    result = await runCoexistenceDrill({ orders: ORDERS, seed: SEED });
    text = reportLines(result).join('\n');
  });
  after(() => killAll());

  it('the drill itself ran: every order answered, nothing left open, the refusals add up', (t) => {
    for (const line of reportLines(result)) t.diagnostic(line);
    assert.equal(result.sent, ORDERS, text);
    assert.deepEqual(result.otherErrors, {}, text);
    assert.deepEqual(result.openLeft, { books: 0, broker: 0 }, text);
    assert.equal(result.attribution.positionMismatches, 0, text);
    assert.equal(result.restNotInLog, 0, text);
    assert.equal(result.crossedSellShares, result.crossedShares, text);
  });

  it('no broker refusal caused by another sleeve', () => {
    const caused = result.attribution.refusals
      .filter((r) => r.byAnotherSleeve)
      .map(
        (r) => `${r.owner} ${r.record.client_order_id} ${r.record.rule} (${r.others.join(', ')}): ${r.record.message}`,
      );
    assert.deepEqual(caused.slice(0, 10), [], `${caused.length} broker refusals caused by another sleeve\n${text}`);
  });

  it("no order refused by Subledger's own check for another deployment's order (the refusal not just moved)", () => {
    assert.deepEqual(result.riskByOther.slice(0, 10), [], text);
  });

  it('the broker never held two opposite orders that could trade (the emulator audit)', () => {
    assert.deepEqual(result.audit, [], text);
  });

  it('the books balance: GET /account and subledger reconcile --broker alpaca', () => {
    assert.equal(result.accountReconciled, true, `GET /account does not reconcile\n${text}`);
    assert.equal(result.reconcileExit, 0, `subledger reconcile:\n${result.reconcileOutput}\n${text}`);
  });
});
