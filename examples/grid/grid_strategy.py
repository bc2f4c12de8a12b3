#!/usr/bin/env python3
"""A grid market maker on a deskgate gateway, in plain Python (stdlib only).

It talks to the gateway the way any out-of-process strategy does (docs/bus.md, docs/gateway.md):
commands over the Redis bus (register, allocate, place, cancel, query, release) and the gateway's
order events over Redis pub/sub. Market data (instrument grid, best bid/ask) comes from the
gateway's REST API on loopback, since no bus query returns a book.

  1. register the strategy (its own ledger slot) and allocate funds to it from main;
  2. read the mid and place LEVELS buys below and LEVELS sells above it, STEP apart;
  3. whenever an order fills (fully or in part), place the opposite order one STEP away for the
     filled amount: a buy filled at P becomes a sell at P + STEP, a sell at P a buy at P - STEP;
  4. on SIGINT / SIGTERM: cancel every open order of the strategy, wait until none is open, and
     release everything its slot holds back to main.

Every place carries an idempotency key derived from what it is for (run id + level, or run id +
the filled order + its cumulative filled size), so a retry after a timeout, or the same fill seen
twice (event and poll), can never place a second order.

    python3 examples/grid/grid_strategy.py --gateway sim --symbol BTC-USDT \\
        --allocate USDT=5000 --allocate BTC=0.05 --levels 5 --step-bps 5 --size 0.001
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
import urllib.parse
import urllib.request
import uuid
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "clients", "python"))
from deskgate_bus_redis import EventSubscriber, send_command  # noqa: E402

STRATEGY = re.compile(r"^[a-z][a-z0-9]{0,11}$")
CURRENCY = re.compile(r"^[A-Z0-9]{1,15}$")
OPEN_STATES = ("pending-new", "open", "partially-filled", "pending-cancel", "unknown")
# Bus errors after which the command may or may not have run: re-send with the same key.
RETRY_CODES = ("DG_E_BUS_TIMEOUT", "DG_E_BUS_UNAVAILABLE")


class Fatal(Exception):
    """Stop the strategy with this message (exit 1)."""


def log(msg: str) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + ".%03dZ" % (int(time.time() * 1000) % 1000)
    print("%s %s" % (stamp, msg), flush=True)


def dec(text: str, what: str, positive: bool = True) -> Decimal:
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError("%s: %r is not a decimal number" % (what, text))
    if not d.is_finite() or (positive and d <= 0):
        raise argparse.ArgumentTypeError("%s: %r must be a positive number" % (what, text))
    return d


def parse_allocation(text: str) -> Tuple[str, Decimal]:
    cur, sep, amount = text.partition("=")
    cur = cur.strip().upper()
    if not sep or not CURRENCY.match(cur):
        raise argparse.ArgumentTypeError("--allocate %r: use CURRENCY=AMOUNT, e.g. USDT=5000" % text)
    return cur, dec(amount.strip(), "--allocate %s" % cur)


def fmt(d: Decimal) -> str:
    """A decimal as plain text without exponent or trailing zeros ("60030.5", "0.001")."""
    t = format(d, "f")
    return t.rstrip("0").rstrip(".") if "." in t else t


class Gateway:
    """Commands to one gateway over the Redis bus; retries with the same key on a lost reply."""

    def __init__(self, name: str, host: str, port: int, timeout: float) -> None:
        self.name, self.host, self.port, self.timeout = name, host, port, timeout

    def call(self, cmd: str, payload: Dict[str, Any], key: Optional[str] = None, tries: int = 3) -> Dict[str, Any]:
        attempt = 1
        while True:
            reply = send_command(self.name, cmd, payload, host=self.host, port=self.port, timeout=self.timeout, key=key)
            if reply.get("ok") or reply.get("code") not in RETRY_CODES or attempt >= tries:
                return reply
            # "never delivered": nobody is taking commands for this gateway; retrying will not help.
            if "never delivered" in str(reply.get("message")):
                return reply
            # Without a key a retry could run the command twice: only reads and keyed commands retry.
            if key is None and cmd != "query":
                return reply
            attempt += 1
            log("retry %s key=%s (%s: %s) attempt %d" % (cmd, key, reply.get("code"), reply.get("message"), attempt))
            time.sleep(0.5)

    def fail(self, what: str, r: Dict[str, Any]) -> "Fatal":
        hint = ""
        if r.get("code") == "DG_E_BUS_TIMEOUT":
            hint = " (is `deskgate serve` running with \"bus\": \"redis\" and a venue named %r?)" % self.name
        return Fatal("%s failed: %s %s%s" % (what, r.get("code"), r.get("message"), hint))

    def must(self, cmd: str, payload: Dict[str, Any], key: Optional[str] = None) -> Any:
        r = self.call(cmd, payload, key)
        if not r.get("ok"):
            raise self.fail(cmd, r)
        return r.get("result")


class Rest:
    """The gateway's REST API (instrument grid, book) on loopback."""

    def __init__(self, base: str, token: Optional[str]) -> None:
        self.base = base.rstrip("/")
        self.token = token

    def get(self, path: str) -> Any:
        req = urllib.request.Request(self.base + path)
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(req, timeout=5) as res:
                return json.loads(res.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            raise Fatal("GET %s%s: HTTP %d %s" % (self.base, path, e.code, e.read()[:200].decode("utf-8", "replace")))
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise Fatal("GET %s%s failed: %s (is the http listener on?)" % (self.base, path, e))


class Grid:
    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        self.gw = Gateway(a.gateway, a.redis_host, a.redis_port, a.timeout)
        self.rest = Rest(a.http, a.token or os.environ.get("DESKGATE_TOKEN"))
        self.run = uuid.uuid4().hex[:10]
        self.stopping = False
        self.slot = 0
        # clientId -> {side, price, size, filled, state, version}
        self.orders: Dict[str, Dict[str, Any]] = {}
        # clientId -> filled size already answered with a counter order
        self.countered: Dict[str, Decimal] = {}
        self.base = self.quote = ""
        self.tick = self.lot = self.min_size = Decimal(0)
        self.step = Decimal(0)
        self.anchor = Decimal(0)
        self.stats = {"placed": 0, "counters": 0, "fills": 0, "refused": 0}

    # ---- set-up ----------------------------------------------------------------------------

    def instrument(self) -> None:
        want = self.a.symbol.upper()
        for inst in self.rest.get("/v1/instruments"):
            if want in (inst.get("native"), inst.get("symbol"), str(inst.get("symbol", "")).replace("/", "-")):
                self.base, self.quote = inst["base"], inst["quote"]
                self.tick, self.lot = Decimal(inst["tickSize"]), Decimal(inst["lotSize"])
                self.min_size = Decimal(inst.get("minSize") or inst["lotSize"])
                return
        raise Fatal("instrument %s is not traded on gateway %s" % (self.a.symbol, self.a.gateway))

    def mid(self) -> Decimal:
        book = self.rest.get("/v1/book/%s?depth=1" % urllib.parse.quote(self.a.symbol.upper()))
        if not book.get("bids") or not book.get("asks"):
            raise Fatal("book of %s is empty on one side: no mid to centre the grid on" % self.a.symbol)
        return (Decimal(book["bids"][0][0]) + Decimal(book["asks"][0][0])) / 2

    def check_args(self) -> None:
        size = self.a.size
        if size % self.lot != 0 or size < self.min_size:
            raise Fatal("--size %s is not on the %s lot grid (lot %s, min %s)" % (fmt(size), self.a.symbol, fmt(self.lot), fmt(self.min_size)))
        if self.a.step_ticks is not None:
            self.step = self.tick * self.a.step_ticks
        else:
            ticks = (self.anchor * self.a.step_bps / Decimal(10000) / self.tick).to_integral_value(ROUND_HALF_EVEN)
            self.step = self.tick * max(1, int(ticks))
        lowest = self.anchor - self.step * self.a.levels
        if lowest <= 0:
            raise Fatal("grid reaches price %s: fewer --levels or a smaller step" % fmt(lowest))

    def register(self) -> None:
        r = self.gw.call("register", {"strategy": self.a.strategy}, key="register:%s" % self.a.strategy)
        if r.get("ok"):
            self.slot = int(r["result"]["index"])
        else:
            m = re.search(r"has slot (\d+)", str(r.get("message", "")))
            if r.get("code") != "DG_E_LEDGER_DUPLICATE_STRATEGY" or not m:
                raise self.gw.fail("register %s" % self.a.strategy, r)
            self.slot = int(m.group(1))
        log("register strategy=%s slot=%d" % (self.a.strategy, self.slot))

    def allocate(self) -> None:
        for cur, amount in self.a.allocate:
            res = self.gw.must(
                "allocate",
                {"strategy": self.a.strategy, "currency": cur, "amount": fmt(amount), "index": self.slot},
                key="%s-%s-alloc-%s" % (self.a.strategy, self.run, cur),
            )
            log("allocate %s %s -> slot %d (slot free %s, main free %s)" % (fmt(amount), cur, self.slot, res["slot"]["free"], res["main"]["free"]))

    def free(self, cur: str) -> Tuple[Decimal, Decimal]:
        r = self.gw.call("query", {"what": "balance", "currency": cur, "index": self.slot})
        if not r.get("ok"):
            if r.get("code") == "DG_E_LEDGER_UNKNOWN_CURRENCY":
                return Decimal(0), Decimal(0)
            raise self.gw.fail("query balance %s" % cur, r)
        return Decimal(r["result"]["free"]), Decimal(r["result"]["frozen"])

    def check_funds(self) -> None:
        levels = range(1, self.a.levels + 1)
        need_quote = sum((self.anchor - self.step * k) * self.a.size for k in levels)
        need_base = self.a.size * self.a.levels
        have_quote, _ = self.free(self.quote)
        have_base, _ = self.free(self.base)
        short = []
        if have_quote < need_quote:
            short.append("%s %s (has %s)" % (fmt(need_quote), self.quote, fmt(have_quote)))
        if have_base < need_base:
            short.append("%s %s (has %s)" % (fmt(need_base), self.base, fmt(have_base)))
        if short:
            raise Fatal("slot %d cannot carry the grid: needs %s; --allocate more" % (self.slot, " and ".join(short)))

    # ---- orders ----------------------------------------------------------------------------

    def place(self, side: str, price: Decimal, size: Decimal, key: str, why: str) -> Optional[str]:
        payload = {
            "strategy": self.a.strategy,
            "instrument": self.a.symbol.upper(),
            "side": side,
            "type": "limit",
            "price": fmt(price),
            "size": fmt(size),
        }
        r = self.gw.call("place", payload, key=key)
        if not r.get("ok"):
            self.stats["refused"] += 1
            log("place %s %s @ %s (%s) refused: %s %s" % (side, fmt(size), fmt(price), why, r.get("code"), r.get("message")))
            return None
        o = r["result"]
        self.stats["placed"] += 1
        self.track(o)
        log("place %s %s @ %s (%s) key=%s -> %s %s" % (side, fmt(size), fmt(price), why, key, o["clientId"], o["state"]))
        return str(o["clientId"])

    def place_grid(self) -> None:
        for k in range(1, self.a.levels + 1):
            self.place("buy", self.anchor - self.step * k, self.a.size, "%s-%s-L-%d" % (self.a.strategy, self.run, k), "level -%d" % k)
            self.place("sell", self.anchor + self.step * k, self.a.size, "%s-%s-L+%d" % (self.a.strategy, self.run, k), "level +%d" % k)

    def track(self, o: Dict[str, Any]) -> None:
        """Take an order view (event data or query result); counter any new fill."""
        cid = str(o.get("clientId"))
        if o.get("strategy") != self.a.strategy or o.get("price") is None:
            return
        ver = int(o.get("version") or 0)
        known = self.orders.get(cid)
        if known is not None and ver < known["version"]:
            return  # older than what we have (events and poll answers interleave)
        filled = Decimal(str(o.get("filledSize") or "0"))
        self.orders[cid] = {
            "side": o["side"],
            "price": Decimal(str(o["price"])),
            "size": Decimal(str(o["size"])),
            "filled": filled,
            "state": o["state"],
            "version": ver,
        }
        self.countered.setdefault(cid, Decimal(0))
        self.counter(cid)

    def counter(self, cid: str) -> None:
        o = self.orders[cid]
        delta = o["filled"] - self.countered[cid]
        if delta <= 0 or self.stopping:
            return
        if delta < self.min_size:
            return  # wait until the filled amount reaches a placeable size
        self.stats["fills"] += 1
        self.countered[cid] = o["filled"]
        if o["side"] == "buy":
            side, price = "sell", o["price"] + self.step
        else:
            side, price = "buy", o["price"] - self.step
        log("fill %s %s %s @ %s (filled %s/%s, %s) -> counter %s @ %s" % (cid, o["side"], fmt(delta), fmt(o["price"]), fmt(o["filled"]), fmt(o["size"]), o["state"], side, fmt(price)))
        if price <= 0:
            log("counter of %s skipped: price %s" % (cid, fmt(price)))
            return
        key = "%s-%s-c-%s-%s" % (self.a.strategy, self.run, cid, fmt(o["filled"]))
        if self.place(side, price, delta, key, "counter of %s" % cid) is not None:
            self.stats["counters"] += 1

    def poll(self) -> None:
        """Catch up with events missed by pub/sub: open orders, then each tracked order that left the list."""
        r = self.gw.call("query", {"what": "orders", "strategy": self.a.strategy})
        if not r.get("ok"):
            log("poll failed: %s %s" % (r.get("code"), r.get("message")))
            return
        seen = set()
        for o in r["result"]:
            seen.add(o["clientId"])
            self.track(o)
        for cid, o in list(self.orders.items()):
            if cid not in seen and o["state"] in OPEN_STATES:
                one = self.gw.call("query", {"what": "order", "clientId": cid})
                if one.get("ok"):
                    self.track(one["result"])

    # ---- shutdown ----------------------------------------------------------------------------

    def open_orders(self) -> List[Dict[str, Any]]:
        r = self.gw.call("query", {"what": "orders", "strategy": self.a.strategy})
        if not r.get("ok"):
            raise self.gw.fail("query orders", r)
        return list(r["result"])

    def cancel_all(self) -> None:
        deadline = time.monotonic() + self.a.shutdown_timeout
        rounds = 0
        while True:
            left = self.open_orders()
            if not left:
                log("no open %s orders" % self.a.strategy)
                return
            if time.monotonic() > deadline:
                raise Fatal("%d order(s) still open after %.0fs: %s" % (len(left), self.a.shutdown_timeout, ", ".join(o["clientId"] for o in left)))
            for o in left:
                if o["state"] == "pending-cancel":
                    continue
                cid = o["clientId"]
                r = self.gw.call("cancel", {"strategy": self.a.strategy, "clientId": cid}, key="%s-%s-x-%s-%d" % (self.a.strategy, self.run, cid, rounds))
                if r.get("ok"):
                    log("cancel %s %s %s @ %s -> %s" % (cid, o["side"], o["size"], o["price"], r["result"]["state"]))
                else:
                    log("cancel %s: %s %s" % (cid, r.get("code"), r.get("message")))
            rounds += 1
            time.sleep(0.2)

    def release_all(self) -> None:
        for cur in sorted({self.base, self.quote} | {c for c, _ in self.a.allocate}):
            free, frozen = self.free(cur)
            if frozen > 0:
                log("warning: %s %s still frozen in slot %d" % (fmt(frozen), cur, self.slot))
            if free <= 0:
                continue
            res = self.gw.must(
                "release",
                {"strategy": self.a.strategy, "currency": cur, "amount": fmt(free), "index": self.slot},
                key="%s-%s-release-%s" % (self.a.strategy, self.run, cur),
            )
            log("release %s %s -> main (slot left %s, main free %s)" % (fmt(free), cur, res["slot"]["total"], res["main"]["free"]))

    # ---- main loop -------------------------------------------------------------------------

    def start(self) -> None:
        self.instrument()
        self.anchor = (self.mid() / self.tick).to_integral_value(ROUND_HALF_EVEN) * self.tick
        self.check_args()
        self.register()
        self.allocate()
        self.check_funds()
        log(
            "grid %s on %s/%s: anchor %s step %s levels %d size %s run %s"
            % (self.a.strategy, self.a.gateway, self.a.symbol.upper(), fmt(self.anchor), fmt(self.step), self.a.levels, fmt(self.a.size), self.run)
        )

    def adopt(self) -> None:
        """Open orders of the strategy from an earlier run: managed (and cancelled at exit) from here
        on, but fills they had before this run are not countered again."""
        for o in self.open_orders():
            self.countered[o["clientId"]] = Decimal(str(o.get("filledSize") or "0"))
            self.track(o)
            log("adopt %s %s %s @ %s (%s, filled %s)" % (o["clientId"], o["side"], o["size"], o["price"], o["state"], o["filledSize"]))

    def loop(self, sub: EventSubscriber) -> None:
        self.place_grid()
        self.poll()
        next_poll = time.monotonic() + self.a.poll
        while not self.stopping:
            ev = sub.get(timeout=0.2)
            if ev is not None and ev.get("type") == "order":
                self.track(ev["data"])
            if time.monotonic() >= next_poll:
                self.poll()
                next_poll = time.monotonic() + self.a.poll

    def stop(self) -> None:
        self.stopping = True
        log("stopping: cancel open orders, release funds")
        self.cancel_all()
        self.release_all()
        log("stopped: placed %(placed)d (counters %(counters)d) fills %(fills)d refused %(refused)d" % self.stats)


def args(argv: Optional[List[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Grid strategy on a deskgate gateway over the Redis bus (stdlib only).")
    p.add_argument("--gateway", default="sim", help="gateway (venue) name in the serve config (default sim)")
    p.add_argument("--symbol", default="BTC-USDT")
    p.add_argument("--strategy", default="grid", help="strategy name: lowercase letter then up to 11 letters/digits")
    p.add_argument("--allocate", action="append", type=parse_allocation, default=[], metavar="CUR=AMOUNT",
                   help="move AMOUNT of CUR from main to the strategy at start (repeat per currency)")
    p.add_argument("--levels", type=int, default=5, help="orders on each side (1-50)")
    step = p.add_mutually_exclusive_group()
    step.add_argument("--step-ticks", type=int, help="distance between levels in ticks")
    step.add_argument("--step-bps", type=lambda t: dec(t, "--step-bps"), help="distance between levels in bps of the mid (default 5)")
    p.add_argument("--size", type=lambda t: dec(t, "--size"), required=True, help="base size per level")
    p.add_argument("--http", default="http://127.0.0.1:8080", help="the gateway's REST base for instruments and book")
    p.add_argument("--token", default=None, help="REST token (default $DESKGATE_TOKEN)")
    p.add_argument("--redis-host", default="127.0.0.1")
    p.add_argument("--redis-port", type=int, default=6379)
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for a command's reply")
    p.add_argument("--poll", type=float, default=3.0, help="seconds between order queries (catch-up for missed events)")
    p.add_argument("--shutdown-timeout", type=float, default=15.0, help="seconds to wait for cancels at exit")
    a = p.parse_args(argv)
    if not STRATEGY.match(a.strategy):
        p.error("--strategy %r: lowercase letter then up to 11 lowercase letters/digits" % a.strategy)
    if not 1 <= a.levels <= 50:
        p.error("--levels %d: between 1 and 50" % a.levels)
    if a.step_ticks is not None and a.step_ticks < 1:
        p.error("--step-ticks %d: at least 1" % a.step_ticks)
    if a.step_ticks is None and a.step_bps is None:
        a.step_bps = Decimal(5)
    if not a.allocate:
        p.error("--allocate CUR=AMOUNT is required (funds for the grid, e.g. --allocate USDT=5000 --allocate BTC=0.05)")
    if len({c for c, _ in a.allocate}) != len(a.allocate):
        p.error("--allocate: each currency once")
    if a.timeout <= 0 or a.poll <= 0 or a.shutdown_timeout <= 0:
        p.error("--timeout, --poll and --shutdown-timeout must be positive")
    return a


def main(argv: Optional[List[str]] = None) -> int:
    a = args(argv)
    grid = Grid(a)
    signals = {"n": 0}

    def on_signal(signum: int, _frame: Any) -> None:
        signals["n"] += 1
        if signals["n"] > 1:
            log("second signal: exit now, orders of %s may still be open" % a.strategy)
            os._exit(130)
        grid.stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        grid.start()
    except Fatal as e:
        log("error: %s" % e)
        if grid.slot:
            try:
                grid.release_all()
            except Fatal as e2:
                log("error: %s" % e2)
        return 1
    try:
        # Subscribe before placing: no fill of ours can slip between the grid and the subscription.
        with EventSubscriber(a.gateway, ["order"], host=a.redis_host, port=a.redis_port) as sub:
            grid.adopt()
            grid.loop(sub)
    except Fatal as e:
        log("error: %s" % e)
    except (OSError, ConnectionError) as e:
        log("error: event stream lost: %s" % e)
    try:
        grid.stop()
    except Fatal as e:
        log("error: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
