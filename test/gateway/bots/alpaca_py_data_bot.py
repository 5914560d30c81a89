"""A market-data bot written the way an alpaca-py user writes one: StockDataStream, unchanged.

It is pointed at a server only through the client's own `url_override` (the feed's full URL, e.g.
ws://127.0.0.1:8081/v2/iex); keys come from APCA_API_KEY_ID and APCA_API_SECRET_KEY and are passed
to the constructor explicitly. alpaca-py speaks msgpack (Content-Type: application/msgpack).

It subscribes to the trades and quotes of SYMBOL, waits for COUNT trades and COUNT quotes, then
stops the stream and prints one JSON line: client, symbol, trades (symbol, price, size, id,
timestamp), quotes (symbol, bid_price, ask_price, timestamp).

  python alpaca_py_data_bot.py --url ws://127.0.0.1:8081/v2/iex --symbol AAPL --count 2
"""
import argparse
import json
import os
from importlib.metadata import version

from alpaca.data.live import StockDataStream


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--symbol", required=True)
    parser.add_argument("--count", type=int, default=2)
    args = parser.parse_args()

    stream = StockDataStream(
        os.environ["APCA_API_KEY_ID"], os.environ["APCA_API_SECRET_KEY"], url_override=args.url
    )
    trades, quotes = [], []

    async def done():
        if len(trades) >= args.count and len(quotes) >= args.count:
            await stream.stop_ws()

    async def on_trade(trade):
        if len(trades) < args.count:
            trades.append(
                {
                    "symbol": trade.symbol,
                    "price": trade.price,
                    "size": trade.size,
                    "id": trade.id,
                    "timestamp": trade.timestamp.isoformat(),
                }
            )
        await done()

    async def on_quote(quote):
        if len(quotes) < args.count:
            quotes.append(
                {
                    "symbol": quote.symbol,
                    "bid_price": quote.bid_price,
                    "ask_price": quote.ask_price,
                    "timestamp": quote.timestamp.isoformat(),
                }
            )
        await done()

    stream.subscribe_trades(on_trade, args.symbol)
    stream.subscribe_quotes(on_quote, args.symbol)
    stream.run()
    print(
        json.dumps(
            {
                "client": f"alpaca-py {version('alpaca-py')}",
                "symbol": args.symbol,
                "trades": trades,
                "quotes": quotes,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
