#!/usr/bin/env python3
"""MOV Dealer client check (stdlib only).

Sends exactly what the public `mov_sdk.flash_api.FlashApi` client sends to a Dealer on
127.0.0.1:PORT (the client is built on `requests`; this file reproduces its wire bytes with
http.client so the test needs no third-party package):

- headers Content-Type "application/json; charset=utf-8", Accept "application/json" and the
  client's browser User-Agent, plus what `requests` adds (Accept-Encoding, Connection);
- place-order: POST with a JSON body of strings, symbol turned from "btm_usdt" into "BTM/USDT";
- orders: GET with `symbol=BTM/USDT&side=SELL` in the raw path, the `/` unencoded and the side
  upper-cased (the client runs the side through its symbol formatter);
- cancel-order: GET with `Host: localhost:PORT` (the client swaps 127.0.0.1 for localhost);
- market-depth: GET /flashswap/v3/market-depth?symbol=BTM/USDT.

A reply with HTTP status >= 400 is None, as in the client. Usage: dealer_client.py PORT
Prints one JSON line with what it saw; exit status 0 when every step behaved.
"""
import http.client
import json
import sys
from decimal import Decimal

HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "Accept": "application/json",
    "User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/60.0.3112.90 Safari/537.36",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
}


def mov_format_symbol(symbol):
    return symbol.replace("_", "/").upper()


def request(port, method, raw_path, body=None, host=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        # putrequest keeps the raw path byte for byte (no re-encoding of "/").
        conn.putrequest(method, raw_path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host or "127.0.0.1:%d" % port)
        for k, v in HEADERS.items():
            conn.putheader(k, v)
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
        res = conn.getresponse()
        payload = res.read()
        if res.status >= 400:
            return None
        return json.loads(payload.decode("utf-8"))
    finally:
        conn.close()


def send_order(port, symbol, side, price, amount):
    params = {"symbol": mov_format_symbol(symbol), "side": side, "price": str(price), "amount": str(amount)}
    return request(port, "POST", "/api/v1/place-order", params)


def cancel_order_by_id(port, order_id):
    return request(port, "GET", "/api/v1/cancel-order?order_id={}".format(order_id), host="localhost:%d" % port)


def query_list_orders(port, symbol, side):
    path = "/api/v1/orders?symbol={}&side={}".format(mov_format_symbol(symbol), mov_format_symbol(side))
    return request(port, "GET", path)


def get_depth(port, symbol):
    return request(port, "GET", "/flashswap/v3/market-depth?symbol={}".format(mov_format_symbol(symbol)))


def find(orders, oid):
    for o in orders:
        if o["order_id"] == oid:
            return o
    return None


def main():
    port = int(sys.argv[1])
    price, amount = sys.argv[2], sys.argv[3]
    out = {"ok": False}
    placed = send_order(port, "btm_usdt", "sell", price, amount)
    assert placed is not None and placed["code"] == 200, placed
    oid = placed["result"]["data"]["order_id"]
    assert isinstance(oid, int), oid
    out["order_id"] = oid
    out["placed_order"] = placed["result"]["data"]["order"]

    listed = query_list_orders(port, "btm_usdt", "sell")
    assert listed is not None and listed["code"] == 200, listed
    mine = find(listed["result"]["data"], oid)
    assert mine is not None, listed
    out["status_after_place"] = mine["status"]

    depth = get_depth(port, "btm_usdt")
    assert depth is not None and depth["code"] == 200, depth
    asks = depth["data"]["asks"]
    out["fee_rate"] = depth["data"]["fee_rate"]
    out["ask_at_price_before"] = next((s for p, s in asks if Decimal(p) == Decimal(price)), None)
    prices = [Decimal(p) for p, _ in asks]
    out["asks_ascending"] = prices == sorted(prices)

    cancelled = cancel_order_by_id(port, oid)
    assert cancelled is not None and cancelled["code"] == 200, cancelled

    listed = query_list_orders(port, "btm_usdt", "sell")
    mine = find(listed["result"]["data"], oid)
    out["status_after_cancel"] = mine["status"] if mine else None

    depth = get_depth(port, "btm_usdt")
    out["ask_at_price_after"] = next((s for p, s in depth["data"]["asks"] if Decimal(p) == Decimal(price)), None)

    again = cancel_order_by_id(port, 999999)
    out["unknown_cancel"] = again  # HTTP 200, code 404: the client sees the body
    out["ok"] = True
    print(json.dumps(out))


if __name__ == "__main__":
    main()
