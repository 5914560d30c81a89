#!/usr/bin/env python3
"""A sample bot written the way an alpaca-trade-api user writes one (Alpaca's legacy Python SDK).

It is pointed at a server only through alpaca-trade-api's own options: ``tradeapi.REST(key,
secret, base_url)`` for trading, ``Stream(key, secret, base_url=...)`` for trade_updates (the
client derives the socket from it: ``http`` becomes ``ws`` and it appends ``/stream/``), and the
APCA_API_DATA_URL environment variable for market data (the client reads the data URL from nowhere
else; the bot sets it from --data-url). Keys come from APCA_API_KEY_ID and APCA_API_SECRET_KEY and
are passed to the constructors explicitly.

For SYMBOL it reads the account, the positions and the latest trade, listens to trade_updates,
buys QTY at market (client_order_id PREFIX-1) and polls the order until it is filled, rests a
far-away limit buy (PREFIX-2, 1.00, gtc), replaces it (PREFIX-2r: qty 2, 1.05), cancels it,
closes the position and checks that it is gone. It prints one JSON line with what it saw and exits
0, or prints that line with "ok": false and "error" and exits 1 on any unexpected answer.

  python legacy_bot.py --base-url http://127.0.0.1:8790 --data-url http://127.0.0.1:8790 \
      --symbol AAPL --prefix legacy

--stream-base-url gives the Stream another base_url than REST's (default: --base-url).
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

import alpaca_trade_api as tradeapi
from alpaca_trade_api.rest import APIError
from alpaca_trade_api.stream import Stream


class Unexpected(Exception):
    """An answer the bot did not expect."""


def text(value):
    return None if value is None else str(value)


def order_facts(step, order):
    return {
        "step": step,
        "id": order.id,
        "client_order_id": order.client_order_id,
        "symbol": order.symbol,
        "side": order.side,
        "type": order.type,
        "qty": text(order.qty),
        "limit_price": text(order.limit_price),
        "status": order.status,
        "filled_qty": text(order.filled_qty),
        "filled_avg_price": text(order.filled_avg_price),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--stream-base-url")
    parser.add_argument("--data-url", required=True)
    parser.add_argument("--symbol", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--qty", type=int, default=2)
    parser.add_argument("--no-limit", action="store_true")
    parser.add_argument("--no-replace", action="store_true")
    parser.add_argument("--close-with", choices=["delete", "sell"], default="delete")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a fill or an event")
    parser.add_argument("--stream-warmup", type=float, default=2.0, help="seconds to let the stream listen")
    args = parser.parse_args()

    key_id = os.environ["APCA_API_KEY_ID"]
    secret_key = os.environ["APCA_API_SECRET_KEY"]
    os.environ["APCA_API_DATA_URL"] = args.data_url
    seen = {
        "bot": "legacy",
        "client": f"alpaca-trade-api {tradeapi.__version__}",
        "symbol": args.symbol,
        "ok": False,
        "orders": [],
        "events": [],
        "skipped": [],
    }
    events_lock = threading.Lock()

    api = tradeapi.REST(key_id, secret_key, args.base_url, api_version="v2")
    stream = Stream(key_id, secret_key, base_url=args.stream_base_url or args.base_url, data_feed="iex")

    async def on_trade_update(update):
        order = update.order
        with events_lock:
            seen["events"].append(
                {
                    "event": update.event,
                    "order_id": order["id"],
                    "client_order_id": order["client_order_id"],
                    "symbol": order["symbol"],
                    "status": order["status"],
                }
            )

    def wait_for_order(order_id, wanted):
        deadline = time.monotonic() + args.timeout
        while True:
            order = api.get_order(order_id)
            if order.status == wanted:
                return order
            if order.status in {"canceled", "expired", "rejected", "replaced", "filled", "done_for_day"}:
                raise Unexpected(f"order {order.client_order_id} is {order.status}, expected {wanted}")
            if time.monotonic() > deadline:
                raise Unexpected(f"order {order.client_order_id} still {order.status} after {args.timeout}s")
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
        account = api.get_account()
        seen["account"] = {
            "status": account.status,
            "cash": account.cash,
            "buying_power": account.buying_power,
            "equity": account.equity,
        }
        if account.status != "ACTIVE":
            raise Unexpected(f"account status {account.status}")
        step = "positions"
        seen["positions_before"] = [{"symbol": p.symbol, "qty": p.qty} for p in api.list_positions()]
        step = "latest trade"
        seen["latest_trade_price"] = text(api.get_latest_trade(args.symbol).price)

        step = "stream"
        stream.subscribe_trade_updates(on_trade_update)
        stream_thread = threading.Thread(target=stream.run, daemon=True)
        stream_thread.start()
        time.sleep(args.stream_warmup)

        step = "market buy"
        market = api.submit_order(
            symbol=args.symbol,
            qty=args.qty,
            side="buy",
            type="market",
            time_in_force="day",
            client_order_id=f"{args.prefix}-1",
        )
        if market.client_order_id != f"{args.prefix}-1":
            raise Unexpected(f"submitted {args.prefix}-1, got back {market.client_order_id}")
        filled = wait_for_order(market.id, "filled")
        if filled.filled_qty != str(args.qty):
            raise Unexpected(f"filled_qty {filled.filled_qty}, expected {args.qty}")
        if api.get_order_by_client_order_id(f"{args.prefix}-1").id != market.id:
            raise Unexpected("get_order_by_client_order_id answered another order")
        seen["orders"].append(order_facts("market", filled))

        if args.no_limit:
            seen["skipped"] += ["limit", "replace"]
        else:
            step = "limit buy"
            resting = api.submit_order(
                symbol=args.symbol,
                qty=1,
                side="buy",
                type="limit",
                time_in_force="gtc",
                limit_price="1.00",
                client_order_id=f"{args.prefix}-2",
            )
            if resting.status not in {"new", "accepted", "pending_new"}:
                raise Unexpected(f"limit order answered {resting.status}")
            if args.no_replace:
                seen["skipped"].append("replace")
            else:
                step = "replace"
                replacement = api.replace_order(
                    resting.id, qty="2", limit_price="1.05", client_order_id=f"{args.prefix}-2r"
                )
                seen["orders"].append(order_facts("replaced", api.get_order(resting.id)))
                resting = replacement
            step = "cancel"
            api.cancel_order(resting.id)
            seen["orders"].append(order_facts("limit", wait_for_order(resting.id, "canceled")))
            wait_for_event(resting.id, "canceled")

        step = "close"
        if args.close_with == "delete":
            close = api.close_position(args.symbol)
        else:
            seen["skipped"].append("close_position")
            position = api.get_position(args.symbol)
            close = api.submit_order(
                symbol=args.symbol,
                qty=position.qty,
                side="sell",
                type="market",
                time_in_force="day",
                client_order_id=f"{args.prefix}-3",
            )
        seen["orders"].append(order_facts("close", wait_for_order(close.id, "filled")))
        step = "stream events"
        wait_for_event(market.id, "fill")
        wait_for_event(close.id, "fill")

        step = "position gone"
        try:
            position = api.get_position(args.symbol)
            raise Unexpected(f"position {args.symbol} still open after closing: qty {position.qty}")
        except APIError as error:
            if error.status_code != 404:
                raise
        if any(p.symbol == args.symbol for p in api.list_positions()):
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
