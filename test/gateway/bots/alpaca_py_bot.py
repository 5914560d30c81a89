#!/usr/bin/env python3
"""A sample bot written the way an alpaca-py user writes one (alpaca-py, the official Python SDK).

It is pointed at a server only through alpaca-py's own options: ``TradingClient(...,
url_override=BASE_URL)``, ``TradingStream(..., url_override=STREAM_URL)`` and
``StockHistoricalDataClient(..., url_override=DATA_URL)``. Keys come from APCA_API_KEY_ID and
APCA_API_SECRET_KEY and are passed to the constructors explicitly.

For SYMBOL it reads the account, the positions and the latest trade, listens to trade_updates,
buys QTY at market (client_order_id PREFIX-1) and polls the order until it is filled, rests a
far-away limit buy (PREFIX-2, 1.00, gtc), replaces it (PREFIX-2r: qty+1, 1.05), cancels it,
closes the position and checks that it is gone. It prints one JSON line with what it saw and exits
0, or prints that line with "ok": false and "error" and exits 1 on any unexpected answer.

  python alpaca_py_bot.py --base-url http://127.0.0.1:8790 --stream-url ws://127.0.0.1:8790/stream \
      --data-url http://127.0.0.1:8790 --symbol AAPL --prefix alpaca-py

--no-limit skips the resting limit order (and so its replace and cancel), --no-replace the replace
step; --close-with sell closes with a market sell (PREFIX-3) instead of DELETE
/v2/positions/{symbol}. They are for servers that lack those endpoints.
"""

import argparse
import json
import os
import sys
import threading
import time
from importlib.metadata import version

from alpaca.common.exceptions import APIError
from alpaca.data.historical import StockHistoricalDataClient
from alpaca.data.requests import StockLatestTradeRequest
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderSide, TimeInForce
from alpaca.trading.requests import (
    LimitOrderRequest,
    MarketOrderRequest,
    ReplaceOrderRequest,
    StopOrderRequest,
    TrailingStopOrderRequest,
)
from alpaca.trading.stream import TradingStream


class Unexpected(Exception):
    """An answer the bot did not expect."""


def text(value):
    """An enum's value, a UUID or a number as the text the API sent."""
    if value is None:
        return None
    return str(getattr(value, "value", value))


def order_facts(step, order):
    return {
        "step": step,
        "id": text(order.id),
        "client_order_id": order.client_order_id,
        "symbol": order.symbol,
        "side": text(order.side),
        "type": text(order.type),
        "qty": text(order.qty),
        "limit_price": text(order.limit_price),
        "status": text(order.status),
        "filled_qty": text(order.filled_qty),
        "filled_avg_price": text(order.filled_avg_price),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--stream-url", required=True)
    parser.add_argument("--data-url", required=True)
    parser.add_argument("--symbol", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--qty", type=int, default=2)
    parser.add_argument("--no-limit", action="store_true")
    parser.add_argument("--no-replace", action="store_true")
    parser.add_argument("--stops", action="store_true", help="also place and cancel a stop and a trailing stop")
    parser.add_argument("--close-with", choices=["delete", "sell"], default="delete")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a fill or an event")
    parser.add_argument("--stream-warmup", type=float, default=2.0, help="seconds to let the stream listen")
    args = parser.parse_args()

    key_id = os.environ["APCA_API_KEY_ID"]
    secret_key = os.environ["APCA_API_SECRET_KEY"]
    seen = {
        "bot": "alpaca-py",
        "client": f"alpaca-py {version('alpaca-py')}",
        "symbol": args.symbol,
        "ok": False,
        "orders": [],
        "events": [],
        "skipped": [],
    }
    events_lock = threading.Lock()

    trading = TradingClient(key_id, secret_key, paper=True, url_override=args.base_url)
    data = StockHistoricalDataClient(key_id, secret_key, url_override=args.data_url)
    stream = TradingStream(key_id, secret_key, paper=True, url_override=args.stream_url)

    async def on_trade_update(update):
        with events_lock:
            seen["events"].append(
                {
                    "event": text(update.event),
                    "order_id": text(update.order.id),
                    "client_order_id": update.order.client_order_id,
                    "symbol": update.order.symbol,
                    "status": text(update.order.status),
                }
            )

    def wait_for_order(order_id, wanted):
        deadline = time.monotonic() + args.timeout
        while True:
            order = trading.get_order_by_id(order_id)
            status = text(order.status)
            if status == wanted:
                return order
            if status in {"canceled", "expired", "rejected", "replaced", "filled", "done_for_day"}:
                raise Unexpected(f"order {order.client_order_id} is {status}, expected {wanted}")
            if time.monotonic() > deadline:
                raise Unexpected(f"order {order.client_order_id} still {status} after {args.timeout}s")
            time.sleep(0.1)

    def wait_for_event(order_id, event):
        deadline = time.monotonic() + args.timeout
        while True:
            with events_lock:
                if any(e["order_id"] == order_id and e["event"] == event for e in seen["events"]):
                    return
            if time.monotonic() > deadline:
                raise Unexpected(f"no {event} event for order {order_id} on the stream after {args.timeout}s")
            time.sleep(0.05)

    step = "start"
    stream_thread = None
    try:
        step = "account"
        account = trading.get_account()
        seen["account"] = {
            "status": text(account.status),
            "cash": text(account.cash),
            "buying_power": text(account.buying_power),
            "equity": text(account.equity),
        }
        if seen["account"]["status"] != "ACTIVE":
            raise Unexpected(f"account status {seen['account']['status']}")
        step = "positions"
        seen["positions_before"] = [
            {"symbol": p.symbol, "qty": text(p.qty)} for p in trading.get_all_positions()
        ]
        step = "latest trade"
        latest = data.get_stock_latest_trade(StockLatestTradeRequest(symbol_or_symbols=args.symbol))
        seen["latest_trade_price"] = text(latest[args.symbol].price)

        step = "stream"
        stream.subscribe_trade_updates(on_trade_update)
        stream_thread = threading.Thread(target=stream.run, daemon=True)
        stream_thread.start()
        time.sleep(args.stream_warmup)

        step = "market buy"
        market = trading.submit_order(
            MarketOrderRequest(
                symbol=args.symbol,
                qty=args.qty,
                side=OrderSide.BUY,
                time_in_force=TimeInForce.DAY,
                client_order_id=f"{args.prefix}-1",
            )
        )
        if market.client_order_id != f"{args.prefix}-1":
            raise Unexpected(f"submitted {args.prefix}-1, got back {market.client_order_id}")
        filled = wait_for_order(market.id, "filled")
        if text(filled.filled_qty) != str(args.qty):
            raise Unexpected(f"filled_qty {filled.filled_qty}, expected {args.qty}")
        by_client_id = trading.get_order_by_client_id(f"{args.prefix}-1")
        if by_client_id.id != market.id:
            raise Unexpected("get_order_by_client_id answered another order")
        seen["orders"].append(order_facts("market", filled))

        if args.stops:
            # Protective exits on the position just bought (one share each), far from the price so neither
            # triggers; then withdrawn, as a bot does before it trades the symbol again.
            step = "stop sell"
            stop = trading.submit_order(
                StopOrderRequest(
                    symbol=args.symbol,
                    qty=1,
                    side=OrderSide.SELL,
                    time_in_force=TimeInForce.GTC,
                    stop_price=1.00,
                    client_order_id=f"{args.prefix}-s",
                )
            )
            if text(stop.type) != "stop" or text(stop.stop_price) not in {"1", "1.0", "1.00"}:
                raise Unexpected(f"stop order answered type {text(stop.type)} stop_price {stop.stop_price}")
            step = "trailing stop sell"
            trailing = trading.submit_order(
                TrailingStopOrderRequest(
                    symbol=args.symbol,
                    qty=1,
                    side=OrderSide.SELL,
                    time_in_force=TimeInForce.DAY,
                    trail_percent=50,
                    client_order_id=f"{args.prefix}-t",
                )
            )
            if text(trailing.type) != "trailing_stop" or text(trailing.trail_percent) not in {"50", "50.0"}:
                raise Unexpected(f"trailing stop answered {text(trailing.type)} trail_percent {trailing.trail_percent}")
            step = "cancel stops"
            for kind, resting in (("stop", stop), ("trailing", trailing)):
                trading.cancel_order_by_id(resting.id)
                canceled = wait_for_order(resting.id, "canceled")
                seen["orders"].append(order_facts(kind, canceled))
                wait_for_event(text(resting.id), "canceled")

        if args.no_limit:
            seen["skipped"] += ["limit", "replace"]
        else:
            step = "limit buy"
            resting = trading.submit_order(
                LimitOrderRequest(
                    symbol=args.symbol,
                    qty=1,
                    side=OrderSide.BUY,
                    time_in_force=TimeInForce.GTC,
                    limit_price=1.00,
                    client_order_id=f"{args.prefix}-2",
                )
            )
            if text(resting.status) not in {"new", "accepted", "pending_new"}:
                raise Unexpected(f"limit order answered {text(resting.status)}")
            if args.no_replace:
                seen["skipped"].append("replace")
            else:
                step = "replace"
                replacement = trading.replace_order_by_id(
                    resting.id,
                    ReplaceOrderRequest(qty=2, limit_price=1.05, client_order_id=f"{args.prefix}-2r"),
                )
                seen["orders"].append(order_facts("replaced", trading.get_order_by_id(resting.id)))
                resting = replacement
            step = "cancel"
            trading.cancel_order_by_id(resting.id)
            canceled = wait_for_order(resting.id, "canceled")
            seen["orders"].append(order_facts("limit", canceled))
            wait_for_event(text(resting.id), "canceled")

        step = "close"
        if args.close_with == "delete":
            close = trading.close_position(args.symbol)
        else:
            seen["skipped"].append("close_position")
            position = trading.get_open_position(args.symbol)
            close = trading.submit_order(
                MarketOrderRequest(
                    symbol=args.symbol,
                    qty=position.qty,
                    side=OrderSide.SELL,
                    time_in_force=TimeInForce.DAY,
                    client_order_id=f"{args.prefix}-3",
                )
            )
        closed = wait_for_order(close.id, "filled")
        seen["orders"].append(order_facts("close", closed))
        step = "stream events"
        wait_for_event(text(market.id), "fill")
        wait_for_event(text(close.id), "fill")

        step = "position gone"
        try:
            position = trading.get_open_position(args.symbol)
            raise Unexpected(f"position {args.symbol} still open after closing: qty {position.qty}")
        except APIError as error:
            if error.status_code != 404:
                raise
        if any(p.symbol == args.symbol for p in trading.get_all_positions()):
            raise Unexpected(f"{args.symbol} still listed in the positions")
        seen["position_after"] = None
        seen["ok"] = True
    except Exception as error:  # noqa: BLE001 - every failure is reported in the JSON line
        seen["error"] = f"{step}: {type(error).__name__}: {error}"
    finally:
        if stream_thread is not None and stream_thread.is_alive():
            stream.stop()
            stream_thread.join(timeout=10)
        with events_lock:
            print(json.dumps(seen), flush=True)
    return 0 if seen["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
