/**
 * The risk check with shorts (issue 12, item 5): short-sale proceeds are not buying power, an open
 * short holds back its value plus the 50 % margin, closing a short is never blocked, gross exposure
 * stays within equity × max_leverage — and long-only sleeves are checked exactly as before.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Dec, ZERO, dec, mul, toPlain } from './decimal.js';
import type { DeploymentId, Symbol } from './ids.js';
import type { OrderState } from './orders.js';
import { type Holding, type RiskInput, type RiskLimits, buyingPower, checkOrder } from './risk.js';

const AAPL = 'AAPL' as Symbol;
const MSFT = 'MSFT' as Symbol;

/** A sleeve as the risk check sees it: cash, signed quantities at fixed prices, open orders. */
class Sleeve {
  readonly qty = new Map<Symbol, Dec>();
  readonly marks = new Map<Symbol, Dec>();
  readonly open: OrderState[] = [];
  private seq = 0;
  constructor(
    readonly id: DeploymentId,
    public cash: Dec,
    readonly limits: RiskLimits,
  ) {}

  holdings(): Holding[] {
    return [...this.qty]
      .filter(([, q]) => q !== 0n)
      .map(([symbol, qty]) => ({ symbol, qty, value: mul(qty, this.marks.get(symbol)!) }));
  }

  equity(): Dec {
    return this.holdings().reduce((e, h) => (e + h.value) as Dec, this.cash);
  }

  /** A limit order at `price` (a market buy: reservePrice = price × 1.02). */
  input(side: 'buy' | 'sell', symbol: Symbol, qty: string, price: string, market = false): RiskInput {
    this.marks.set(symbol, this.marks.get(symbol) ?? dec(price));
    const p = dec(price);
    return {
      deployment: this.id,
      active: true,
      limits: this.limits,
      cash: this.cash,
      equity: this.equity(),
      heldQty: this.qty.get(symbol) ?? ZERO,
      holdings: this.holdings(),
      openOrders: this.open,
      symbol,
      side,
      qty: dec(qty),
      price: p,
      reservePrice: side === 'buy' && market ? mul(p, dec('1.02')) : p,
    };
  }

  /** Checks the order; if accepted, leaves it open (`fill` false) or fills it at its price. */
  submit(input: RiskInput, fill = true) {
    const result = checkOrder(input);
    if (!result.ok) return result;
    if (fill) this.fill(input.symbol, input.side, input.qty, input.price);
    else
      this.open.push({
        id: `o${++this.seq}`,
        deployment: this.id,
        symbol: input.symbol,
        side: input.side,
        qty: input.qty,
        orderType: 'limit',
        limitPrice: input.price,
        timeInForce: 'gtc',
        reservePrice: input.reservePrice,
        idempotencyKey: null,
        createdAt: '2025-01-02T15:00:00Z',
        after: null,
        status: 'new',
        filledQty: ZERO,
        filledAvgPrice: null,
        brokerOrderId: null,
        reason: null,
        updatedAt: '2025-01-02T15:00:00Z',
        cancelRequested: false,
      } as OrderState);
    return result;
  }

  fill(symbol: Symbol, side: 'buy' | 'sell', qty: Dec, price: Dec): void {
    const signed = (side === 'buy' ? qty : -qty) as Dec;
    this.qty.set(symbol, ((this.qty.get(symbol) ?? ZERO) + signed) as Dec);
    this.cash = (this.cash - mul(signed, price)) as Dec;
    this.marks.set(symbol, price);
  }

  power() {
    return buyingPower(this.cash, this.holdings(), this.open);
  }
}

const refusal = (result: ReturnType<typeof checkOrder>) => {
  assert.equal(result.ok, false, 'the order was accepted');
  return result as Extract<typeof result, { ok: false }>;
};

describe('short sales need buying power for their value plus the 50 % margin', () => {
  it("the issue's three short sales ($19,800 + $19,900 + $19,900 on a $20,000 sleeve): the first is refused", () => {
    const s = new Sleeve('shorty' as DeploymentId, dec('20000'), { allowShort: true });
    const r = refusal(s.submit(s.input('sell', AAPL, '100', '198')));
    assert.equal(r.code, 'INSUFFICIENT_BUYING_POWER');
    assert.equal(
      r.message,
      "INSUFFICIENT_BUYING_POWER: deployment 'shorty' has $20,000.00 available (cash $20,000.00 − $0.00 reserved by 0 open orders); this order needs $29,700.00 (a short sale of $19,800.00 plus 50% margin)",
    );
    assert.deepEqual(r.details, {
      deployment: 'shorty',
      symbol: 'AAPL',
      available: '20000',
      cash: '20000',
      reserved: '0',
      needs: '29700',
    });
  });

  it('three short sales of $5,940 filled one after the other: the third is refused, exactly', () => {
    const s = new Sleeve('shorty' as DeploymentId, dec('20000'), { allowShort: true });
    assert.deepEqual(s.submit(s.input('sell', AAPL, '30', '198')), { ok: true, reservedCash: ZERO });
    // cash 25,940 − 2.5 × 5,940 held back = 11,090 = 20,000 − 1.5 × 5,940
    assert.equal(toPlain(s.power().available), '11090');
    assert.equal(s.submit(s.input('sell', AAPL, '30', '198')).ok, true);
    assert.equal(toPlain(s.power().available), '2180');
    const r = refusal(s.submit(s.input('sell', AAPL, '30', '198')));
    assert.equal(
      r.message,
      "INSUFFICIENT_BUYING_POWER: deployment 'shorty' has $2,180.00 available (cash $31,880.00 − $0.00 reserved by 0 open orders − $29,700.00 held back by shorts worth $11,880.00); this order needs $8,910.00 (a short sale of $5,940.00 plus 50% margin)",
    );
    assert.deepEqual(r.details, {
      deployment: 'shorty',
      symbol: 'AAPL',
      available: '2180',
      cash: '31880',
      reserved: '0',
      needs: '8910',
      held_by_shorts: '29700',
      short_value: '11880',
      short_margin: '0.5',
    });
    // What is left fits: 2,180 / 1.5 = 1,453.33 → 7 shares ($1,386, needs $2,079).
    assert.equal(s.submit(s.input('sell', AAPL, '7', '198')).ok, true);
  });

  it('open (unfilled) short sales hold back their value plus margin too', () => {
    const s = new Sleeve('shorty' as DeploymentId, dec('20000'), { allowShort: true });
    assert.equal(s.submit(s.input('sell', AAPL, '30', '198'), false).ok, true);
    assert.equal(s.submit(s.input('sell', MSFT, '20', '297'), false).ok, true);
    assert.equal(toPlain(s.power().available), '2180');
    const r = refusal(s.submit(s.input('sell', AAPL, '30', '198'), false));
    assert.equal(
      r.message,
      "INSUFFICIENT_BUYING_POWER: deployment 'shorty' has $2,180.00 available (cash $20,000.00 − $0.00 reserved by 0 open orders − $17,820.00 held back by open short sales worth $11,880.00); this order needs $8,910.00 (a short sale of $5,940.00 plus 50% margin)",
    );
  });

  it('a flat sleeve with cash C can short at most C / 1.5', () => {
    const s = new Sleeve('shorty' as DeploymentId, dec('20000'), { allowShort: true });
    assert.equal(checkOrder(s.input('sell', AAPL, '66.66', '200')).ok, true); // $13,332 → needs $19,998
    assert.equal(refusal(checkOrder(s.input('sell', AAPL, '66.67', '200'))).code, 'INSUFFICIENT_BUYING_POWER');
  });

  it('a sell that closes a long and opens a short needs margin only for the short part', () => {
    const s = new Sleeve('flip' as DeploymentId, dec('1000'), { allowShort: true });
    s.fill(AAPL, 'buy', dec('5'), dec('100')); // cash 500, long $500
    assert.equal(checkOrder(s.input('sell', AAPL, '8', '100')).ok, true); // short 3 → needs $450 ≤ $500
    const r = refusal(checkOrder(s.input('sell', AAPL, '9', '100'))); // short 4 → needs $600
    assert.equal(
      r.message,
      "INSUFFICIENT_BUYING_POWER: deployment 'flip' has $500.00 available (cash $500.00 − $0.00 reserved by 0 open orders); this order needs $600.00 (a short sale of $400.00 plus 50% margin)",
    );
  });

  it('buying power = equity − longs − 150 % of shorts − reservations (one worked example)', () => {
    const s = new Sleeve('mixed' as DeploymentId, dec('20000'), { allowShort: true });
    s.fill(AAPL, 'buy', dec('40'), dec('100')); // long $4,000
    s.fill(MSFT, 'sell', dec('10'), dec('300')); // short $3,000
    assert.equal(s.submit(s.input('buy', AAPL, '10', '90'), false).ok, true); // reserves $900
    const p = s.power();
    // cash 20,000 − 4,000 + 3,000 = 19,000; equity 20,000
    assert.deepEqual(
      [p.cash, p.reserved, p.shortValue, p.heldByShorts, p.available, p.equity, p.grossExposure].map(toPlain),
      ['19000', '900', '3000', '7500', '10600', '20000', '7900'],
    );
    // 20,000 − 4,000 − 1.5 × 3,000 − 900 = 10,600
    assert.equal(p.available, (s.equity() - dec('4000') - dec('4500') - dec('900')) as Dec);
  });
});

describe('closing a short is never blocked by its own reservation', () => {
  const shorted = () => {
    const s = new Sleeve('shorty' as DeploymentId, dec('20000'), { allowShort: true });
    s.submit(s.input('sell', AAPL, '30', '198'));
    s.submit(s.input('sell', AAPL, '30', '198'));
    return s; // short 60 AAPL, $2,180 available
  };

  it('a market buy covering the whole short passes though it reserves $12,117.60 and $2,180 is available', () => {
    const s = shorted();
    const result = s.submit(s.input('buy', AAPL, '60', '198', true), false);
    assert.deepEqual(result, { ok: true, reservedCash: dec('12117.6') });
    // While it is open the buying power does not change: the short already holds its cost back.
    assert.equal(toPlain(s.power().available), '2180');
    assert.equal(toPlain(s.power().reserved), '12117.6');
    s.open.length = 0;
    s.fill(AAPL, 'buy', dec('60'), dec('198'));
    assert.equal(toPlain(s.power().available), '20000');
  });

  it('even when the price ran against the short and the buying power is negative', () => {
    const s = shorted();
    s.marks.set(AAPL, dec('300')); // short now worth $18,000: 31,880 − 2.5 × 18,000 = −13,120
    assert.equal(toPlain(s.power().available), '-13120');
    assert.equal(checkOrder(s.input('buy', AAPL, '60', '300', true)).ok, true);
    assert.equal(checkOrder(s.input('buy', AAPL, '25', '300', true)).ok, true);
    const r = refusal(checkOrder(s.input('buy', AAPL, '61', '300', true)));
    assert.equal(
      r.message,
      "INSUFFICIENT_BUYING_POWER: deployment 'shorty' has -$13,120.00 available (cash $31,880.00 − $0.00 reserved by 0 open orders − $45,000.00 held back by shorts worth $18,000.00); this order needs $306.00 for the 1 AAPL beyond the short it covers",
    );
  });

  it('a second buy beyond what open buys already cover needs buying power', () => {
    const s = shorted();
    assert.equal(s.submit(s.input('buy', AAPL, '60', '198', true), false).ok, true);
    const r = refusal(checkOrder(s.input('buy', AAPL, '60', '198', true)));
    assert.equal(r.code, 'INSUFFICIENT_BUYING_POWER');
    assert.equal(r.details.needs, '12117.6');
  });

  it('a paused deployment may still cover', () => {
    const s = shorted();
    assert.equal(checkOrder({ ...s.input('buy', AAPL, '60', '198', true), active: false }).ok, true);
  });
});

describe('max_leverage: gross exposure within equity × max_leverage', () => {
  it('refuses a buy that would take gross exposure over equity × 0.5, with the room left', () => {
    const s = new Sleeve('lev' as DeploymentId, dec('20000'), { maxLeverage: dec('0.5') });
    s.fill(AAPL, 'buy', dec('50'), dec('100')); // long $5,000, equity $20,000
    const r = refusal(checkOrder(s.input('buy', MSFT, '60', '100')));
    assert.equal(r.code, 'MAX_LEVERAGE_EXCEEDED');
    assert.equal(
      r.message,
      "MAX_LEVERAGE_EXCEEDED: deployment 'lev' may hold at most $10,000.00 of gross exposure (max_leverage 0.5 × equity $20,000.00); it holds $5,000.00 in positions and open orders, so $5,000.00 more fits; this order adds $6,000.00",
    );
    assert.deepEqual(r.details, {
      deployment: 'lev',
      symbol: 'MSFT',
      max_leverage: '0.5',
      equity: '20000',
      limit: '10000',
      exposure: '5000',
      available: '5000',
      adds: '6000',
    });
    assert.equal(checkOrder(s.input('buy', MSFT, '50', '100')).ok, true);
  });

  it("counts what open orders would add, and shorts' value", () => {
    const s = new Sleeve('lev' as DeploymentId, dec('20000'), { maxLeverage: dec('0.5'), allowShort: true });
    s.fill(AAPL, 'sell', dec('50'), dec('100')); // short $5,000
    assert.equal(s.submit(s.input('buy', MSFT, '40', '100'), false).ok, true); // +$4,000 pending
    const r = refusal(checkOrder(s.input('sell', MSFT, '20', '100')));
    assert.equal(
      r.message,
      "MAX_LEVERAGE_EXCEEDED: deployment 'lev' may hold at most $10,000.00 of gross exposure (max_leverage 0.5 × equity $20,000.00); it holds $9,000.00 in positions and open orders, so $1,000.00 more fits; this order adds $2,000.00",
    );
    // Reducing orders pass even over the limit.
    s.marks.set(AAPL, dec('200')); // short worth $10,000: equity 15,000, exposure 14,000 > 7,500
    assert.equal(checkOrder(s.input('buy', AAPL, '10', '200')).ok, true);
    // (an order that adds exposure is refused; buying power, checked first, is gone too: −$8,000)
    assert.equal(refusal(checkOrder(s.input('buy', MSFT, '1', '100'))).code, 'INSUFFICIENT_BUYING_POWER');
  });

  it('defaults to 1, which buying power already implies: spending all of it leaves gross exposure ≤ equity', () => {
    const s = new Sleeve('lev' as DeploymentId, dec('20000'), { allowShort: true });
    assert.equal(s.submit(s.input('buy', AAPL, '80', '100')).ok, true); // long $8,000
    assert.equal(s.submit(s.input('sell', MSFT, '80', '100')).ok, true); // short $8,000 (needs $12,000)
    assert.equal(toPlain(s.power().available), '0');
    assert.deepEqual([s.power().grossExposure, s.equity()].map(toPlain), ['16000', '20000']);
    // The same two orders with max_leverage 0.75: the short would make 16,000 > 15,000.
    const t = new Sleeve('lev' as DeploymentId, dec('20000'), { allowShort: true, maxLeverage: dec('0.75') });
    assert.equal(t.submit(t.input('buy', AAPL, '80', '100')).ok, true);
    assert.equal(refusal(t.submit(t.input('sell', MSFT, '80', '100'))).code, 'MAX_LEVERAGE_EXCEEDED');
  });
});

describe('long-only sleeves are checked as before', () => {
  it('INSUFFICIENT_BUYING_POWER: the same message, the same details', () => {
    const s = new Sleeve('momentum' as DeploymentId, dec('2000'), {});
    assert.equal(s.submit(s.input('buy', AAPL, '4', '1.11'), false).ok, true);
    assert.equal(s.submit(s.input('buy', AAPL, '10', '76.10'), false).ok, true);
    const r = refusal(checkOrder(s.input('buy', AAPL, '10', '150')));
    assert.equal(
      r.message,
      "INSUFFICIENT_BUYING_POWER: deployment 'momentum' has $1,234.56 available (cash $2,000.00 − $765.44 reserved by 2 open orders); this order needs $1,500.00",
    );
    assert.deepEqual(r.details, {
      deployment: 'momentum',
      symbol: 'AAPL',
      available: '1234.56',
      cash: '2000',
      reserved: '765.44',
      needs: '1500',
    });
  });

  it('a buy of all the cash passes (gross exposure then equals equity × 1)', () => {
    const s = new Sleeve('all-in' as DeploymentId, dec('10000'), {});
    s.fill(AAPL, 'buy', dec('20'), dec('100'));
    assert.deepEqual(checkOrder(s.input('buy', MSFT, '80', '100')), { ok: true, reservedCash: dec('8000') });
  });
});
