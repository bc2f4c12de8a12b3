#!/usr/bin/env python3
"""Live table of a deskgate gateway's orders, from the bus (stdlib only).

Subscribes to the gateway's order events on Redis, then reads the current orders with the
`query` command (subscribing first, so no change slips between the two), and keeps one row per
order up to date: open orders as a ladder per strategy and symbol (sells above buys, best in the
middle), then the most recent finished ones.

    python3 examples/grid/order_monitor.py                       # every strategy, redrawn in place
    python3 examples/grid/order_monitor.py --strategy grid       # one strategy (repeat for more)
    python3 examples/grid/order_monitor.py --plain               # one line per order event instead
    python3 examples/grid/order_monitor.py --plain --once        # the current orders, then exit

`query {what: "orders"}` names one strategy, so for "every strategy" the first read covers the
strategies named by the gateway's ledger slots (`--http`: GET /v1/balances) or else `--known`
(default api, algo, grid); a strategy first seen later in an order or balance event is read then.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import time
import urllib.error
import urllib.request
from decimal import Decimal, InvalidOperation
from typing import Any, Dict, Iterable, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))
from deskgate_bus_redis import EventSubscriber, send_command  # noqa: E402

STRATEGY = re.compile(r"^[a-z][a-z0-9]{0,11}$")
OPEN_STATES = ("pending-new", "open", "partially-filled", "pending-cancel", "unknown")
COLUMNS = ("STRATEGY", "CLIENT ID", "SYMBOL", "SIDE", "PRICE", "SIZE", "FILLED", "STATE", "UPDATED")


class Fatal(Exception):
    pass


def num(v: Any) -> Decimal:
    try:
        return Decimal(str(v))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def clock(ts: Any) -> str:
    if not isinstance(ts, (int, float)):
        return "-"
    return time.strftime("%H:%M:%S", time.gmtime(ts / 1000)) + ".%03d" % (int(ts) % 1000)


def row(o: Dict[str, Any]) -> List[str]:
    return [
        str(o.get("strategy")),
        str(o.get("clientId")),
        str(o.get("symbol") or "-"),
        str(o.get("side")),
        str(o.get("price") if o.get("price") is not None else "-"),
        str(o.get("size") if o.get("size") is not None else "-"),
        str(o.get("filledSize") or "0"),
        str(o.get("state")),
        clock(o.get("ts")),
    ]


def line(o: Dict[str, Any], tag: str) -> str:
    """One order as a plain line (--plain)."""
    r = row(o)
    event = o.get("event")
    return "%s %s %s %s %s %s %s@%s filled=%s %s%s" % (
        r[8], tag, r[0], r[1], r[2], r[3], r[5], r[4], r[6], r[7], " (%s)" % event if event and tag == "event" else "",
    )


def table(rows: List[List[str]]) -> List[str]:
    widths = [max(len(c[i]) for c in [list(COLUMNS)] + rows) for i in range(len(COLUMNS))]
    fmt_row = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return [fmt_row(list(COLUMNS))] + [fmt_row(r) for r in rows]


class Monitor:
    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.only = set(a.strategy) if a.strategy else None
        self.orders: Dict[str, Dict[str, Any]] = {}
        self.finished: List[str] = []  # clientIds, most recent last
        self.queried: set = set()
        self.events = 0
        self.dirty = True

    def wanted(self, strategy: Any) -> bool:
        return isinstance(strategy, str) and (self.only is None or strategy in self.only)

    def query(self, cmd: str, payload: Dict[str, Any]) -> Any:
        r = send_command(self.a.gateway, cmd, payload, host=self.a.redis_host, port=self.a.redis_port, timeout=self.a.timeout)
        if not r.get("ok"):
            hint = ""
            if r.get("code") == "DG_E_BUS_TIMEOUT":
                hint = " (is `deskgate serve` running with \"bus\": \"redis\" and a venue named %r?)" % self.a.gateway
            raise Fatal("%s %s: %s %s%s" % (cmd, json.dumps(payload), r.get("code"), r.get("message"), hint))
        return r.get("result")

    def slot_names(self) -> List[str]:
        url = self.a.http.rstrip("/") + "/v1/balances"
        req = urllib.request.Request(url)
        token = self.a.token or os.environ.get("DESKGATE_TOKEN")
        if token:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=5) as res:
                body = json.loads(res.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise Fatal("GET %s failed: %s" % (url, e))
        names = set()
        for slots in (body.get("slots") or {}).values():
            for s in slots:
                if isinstance(s.get("name"), str) and STRATEGY.match(s["name"]) and s["name"] not in ("total", "main"):
                    names.add(s["name"])
        return sorted(names)

    def read(self, strategies: Iterable[str]) -> None:
        """The current orders of these strategies (open; finished too with --closed)."""
        for s in strategies:
            if s in self.queried or not self.wanted(s):
                continue
            self.queried.add(s)
            for o in self.query("query", {"what": "orders", "strategy": s}):
                self.take(o)
            if self.a.closed:
                for o in self.query("query", {"what": "orders", "strategy": s, "closed": True}):
                    self.take(o)

    def take(self, o: Dict[str, Any]) -> bool:
        cid = o.get("clientId")
        if not isinstance(cid, str) or not self.wanted(o.get("strategy")):
            return False
        known = self.orders.get(cid)
        if known is not None and int(o.get("version") or 0) < int(known.get("version") or 0):
            return False
        self.orders[cid] = o
        if o.get("state") not in OPEN_STATES:
            if cid in self.finished:
                self.finished.remove(cid)
            self.finished.append(cid)
            # Keep the last --recent finished orders (all of them for --once --closed).
            while not self.a.once and len(self.finished) > self.a.recent:
                self.orders.pop(self.finished.pop(0), None)
        self.dirty = True
        return True

    def rows(self) -> List[Dict[str, Any]]:
        live = [o for o in self.orders.values() if o.get("state") in OPEN_STATES]
        # Ladder: per strategy and symbol, sells by price descending, then buys by price descending.
        live.sort(key=lambda o: (str(o.get("strategy")), str(o.get("symbol")), o.get("side") != "sell", -num(o.get("price"))))
        done = [self.orders[c] for c in reversed(self.finished) if c in self.orders]
        return live + done

    def plain_snapshot(self) -> None:
        for o in self.rows():
            print(line(o, "order"), flush=True)

    def draw(self) -> None:
        rows = self.rows()
        live = sum(1 for o in rows if o.get("state") in OPEN_STATES)
        head = "deskgate %s orders  %s  open %d  finished shown %d  events %d  (%s)" % (
            self.a.gateway,
            ",".join(sorted(self.only)) if self.only else "all strategies",
            live,
            len(rows) - live,
            self.events,
            time.strftime("%H:%M:%S", time.gmtime()),
        )
        lines = table([row(o) for o in rows])
        if live < len(rows):  # a rule between the open orders and the finished ones
            lines.insert(1 + live, "-" * len(lines[0]) + " finished")
        out = [head, ""] + lines
        if self.a.once:
            print("\n".join(out), flush=True)
        else:
            sys.stdout.write("\x1b[H\x1b[2J" + "\n".join(out) + "\n")
            sys.stdout.flush()
        self.dirty = False

    def initial(self) -> None:
        if self.only is not None:
            names = sorted(self.only)
        elif self.a.http:
            names = self.slot_names()
        else:
            names = self.a.known
        self.read(names)

    def on_event(self, ev: Dict[str, Any]) -> None:
        self.events += 1
        data = ev.get("data") or {}
        if ev.get("type") == "order":
            s = data.get("strategy")
            if isinstance(s, str) and s not in self.queried:
                self.read([s])  # first sight of this strategy: its other open orders too
            if self.take(data) and self.a.plain:
                print(line(data, "event"), flush=True)
        elif ev.get("type") == "balance":
            names = [s.get("name") for s in data.get("slots") or [] if isinstance(s, dict)]
            self.read([n for n in names if isinstance(n, str) and STRATEGY.match(n) and n not in ("total", "main")])


def args(argv: Optional[List[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Live table of a deskgate gateway's orders (Redis bus, stdlib only).")
    p.add_argument("--gateway", default="sim", help="gateway (venue) name (default sim)")
    p.add_argument("--strategy", action="append", default=[], help="show only this strategy (repeat for more)")
    p.add_argument("--plain", action="store_true", help="print lines (snapshot, then one per order event) instead of a table")
    p.add_argument("--once", action="store_true", help="print the current orders and exit")
    p.add_argument("--closed", action="store_true", help="also read finished orders at start")
    p.add_argument("--recent", type=int, default=10, help="finished orders kept on the table (default 10)")
    p.add_argument("--refresh", type=float, default=0.5, help="seconds between redraws (default 0.5)")
    p.add_argument("--http", default=None, help="REST base (e.g. http://127.0.0.1:8080) to learn strategy names from the ledger slots")
    p.add_argument("--token", default=None, help="REST token (default $DESKGATE_TOKEN)")
    p.add_argument("--known", default="api,algo,grid", help="strategies read at start when neither --strategy nor --http is given")
    p.add_argument("--redis-host", default="127.0.0.1")
    p.add_argument("--redis-port", type=int, default=6379)
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for a query's reply")
    a = p.parse_args(argv)
    for s in a.strategy:
        if not STRATEGY.match(s):
            p.error("--strategy %r: lowercase letter then up to 11 lowercase letters/digits" % s)
    a.known = [s for s in a.known.split(",") if s]
    for s in a.known:
        if not STRATEGY.match(s):
            p.error("--known %r: not a strategy name" % s)
    if a.recent < 0 or a.refresh <= 0 or a.timeout <= 0:
        p.error("--recent must be >= 0; --refresh and --timeout positive")
    return a


def main(argv: Optional[List[str]] = None) -> int:
    a = args(argv)
    m = Monitor(a)
    try:
        if a.once:
            m.initial()
            m.plain_snapshot() if a.plain else m.draw()
            return 0
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        with EventSubscriber(a.gateway, ["order", "balance"], host=a.redis_host, port=a.redis_port) as sub:
            m.initial()
            if a.plain:
                m.plain_snapshot()
            next_draw = 0.0
            while True:
                ev = sub.get(timeout=a.refresh)
                if ev is not None:
                    m.on_event(ev)
                if not a.plain and m.dirty and time.monotonic() >= next_draw:
                    m.draw()
                    next_draw = time.monotonic() + a.refresh
    except Fatal as e:
        print("order_monitor: %s" % e, file=sys.stderr)
        return 1
    except (OSError, ConnectionError) as e:
        print("order_monitor: bus connection lost: %s" % e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
