#!/usr/bin/env python3
"""Send a command to a deskgate gateway over Redis and wait for the reply (stdlib only).

Wire format (docs/bus.md): the request JSON is LPUSHed onto ``deskgate:<gateway>:cmd``; the gateway
BLMOVEs it into ``deskgate:<gateway>:cmd:processing``, handles it and LPUSHes the reply onto the
request's ``replyTo`` key (``deskgate:reply:<client id>``, expires), which this client BRPOPs.
Delivery is at least once: a gateway that dies between take and reply handles the request again
when it restarts, so send a ``key`` (idempotency key) with anything that must not run twice and
re-send with the same key after a timeout. On timeout the request is withdrawn from the queue if
it is still there ("never delivered"); otherwise the outcome is unknown.

    from deskgate_bus_redis import send_command
    reply = send_command("kraken_gateway", "allocate",
                         {"strategy": "a", "currency": "usd", "amount": "100", "index": 2})
    if reply["ok"]:
        print(reply["result"])
    else:
        print(reply["code"], reply["message"])   # e.g. DG_E_BUS_TIMEOUT

Events (``PUBLISH deskgate:<gateway>:evt:<type>``, fire-and-forget pub/sub)::

    from deskgate_bus_redis import EventSubscriber
    with EventSubscriber("kraken_gateway", ["order", "fill"]) as sub:   # types None = every type
        while True:
            ev = sub.get(timeout=1.0)    # {"v":1,"gateway","type","id","ts","data"} or None
            if ev is not None:
                print(ev["type"], ev["data"])

CLI:  python3 deskgate_bus_redis.py [--host H] [--port P] [--timeout S] [--key K] GATEWAY CMD [PAYLOAD_JSON]
      prints the reply as one JSON line; exit status 0 when ok, 1 when the gateway said no, 2 on usage errors.
"""
from __future__ import annotations

import argparse
import json
import re
import select
import socket
import sys
import time
import uuid
from typing import Any, Dict, Iterable, List, Optional, Union

GATEWAY_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
Resp = Union[None, int, bytes, str, List[Any]]


class RedisError(Exception):
    """An error reply from Redis (``-ERR ...``)."""


class MiniRedis:
    """Just enough RESP2 over a socket for LPUSH / BRPOP / LREM (and SUBSCRIBE, see EventSubscriber)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 6379, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "MiniRedis":
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def call(self, *args: Union[str, bytes, int, float]) -> Resp:
        self.send(*args)
        return self._read()

    def send(self, *args: Union[str, bytes, int, float]) -> None:
        """Write one command without reading its reply (pub/sub: replies arrive as pushes)."""
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            b = a if isinstance(a, bytes) else str(a).encode("utf-8")
            out.append(b"$%d\r\n%s\r\n" % (len(b), b))
        self.sock.sendall(b"".join(out))

    def read_push(self, timeout: Optional[float]) -> Resp:
        """The next reply or push, or ``None`` if nothing starts arriving within ``timeout`` seconds."""
        if not self.buf:
            ready, _, _ = select.select([self.sock], [], [], timeout)
            if not ready:
                return None
        return self._read()

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2 :]
        return data

    def _read(self) -> Resp:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode("utf-8")
        if kind == b"-":
            raise RedisError(rest.decode("utf-8", "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise ConnectionError("unexpected RESP type %r" % kind)


def _error(req_id: str, code: str, message: str) -> Dict[str, Any]:
    return {"v": 1, "id": req_id, "ok": False, "code": code, "message": message}


def send_command(
    gateway: str,
    cmd: str,
    payload: Any = None,
    *,
    host: str = "127.0.0.1",
    port: int = 6379,
    timeout: float = 5.0,
    key: Optional[str] = None,
) -> Dict[str, Any]:
    """S4.6 ``send_command("kraken_gateway", CMD, payload)``; errors come back as ``{"ok": False, "code", "message"}``."""
    req_id = str(uuid.uuid4())
    if not GATEWAY_NAME.match(gateway):
        return _error(req_id, "DG_E_BUS_BAD_NAME", "gateway, event type or channel name not allowed")
    reply_to = "deskgate:reply:py-" + uuid.uuid4().hex
    queue = "deskgate:%s:cmd" % gateway
    request: Dict[str, Any] = {
        "v": 1,
        "id": req_id,
        "cmd": cmd,
        "payload": payload,
        "deadline": int(time.time() * 1000 + timeout * 1000),
        "replyTo": reply_to,
    }
    if key is not None:
        request["key"] = key
    body = json.dumps(request, separators=(",", ":"))
    try:
        with MiniRedis(host, port, timeout=timeout + 5.0) as r:
            r.call("LPUSH", queue, body)
            got = r.call("BRPOP", reply_to, "%.3f" % timeout)
            if got is None:
                removed = r.call("LREM", queue, 1, body)
                what = "never delivered (withdrawn from the queue)" if removed else "taken by the gateway, outcome unknown"
                return _error(req_id, "DG_E_BUS_TIMEOUT", "no reply from the gateway in time: %s %s: %s" % (gateway, cmd, what))
            assert isinstance(got, list) and len(got) == 2 and isinstance(got[1], bytes)
            reply = json.loads(got[1].decode("utf-8"))
    except (OSError, ConnectionError, RedisError) as e:
        return _error(req_id, "DG_E_BUS_UNAVAILABLE", "bus connection failed or is closed: %s" % e)
    except (ValueError, AssertionError):
        return _error(req_id, "DG_E_BUS_BAD_REPLY", "reply from the gateway is malformed")
    if not isinstance(reply, dict) or reply.get("id") != req_id or not isinstance(reply.get("ok"), bool):
        return _error(req_id, "DG_E_BUS_BAD_REPLY", "reply from the gateway is malformed")
    return reply


EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class EventSubscriber:
    """A gateway's events over Redis pub/sub: ``SUBSCRIBE deskgate:<gw>:evt:<type>`` for each type,
    or ``PSUBSCRIBE deskgate:<gw>:evt:*`` when ``types`` is None. Events published while not
    subscribed are missed (pub/sub keeps no history): read the current state with ``query`` after
    subscribing. Messages that are not event JSON are skipped and counted in ``skipped``."""

    def __init__(
        self,
        gateway: str,
        types: Optional[Iterable[str]] = None,
        *,
        host: str = "127.0.0.1",
        port: int = 6379,
        timeout: float = 10.0,
    ) -> None:
        if not GATEWAY_NAME.match(gateway):
            raise ValueError("gateway name not allowed: %r" % gateway)
        wanted = None if types is None else list(types)
        if wanted is not None and (not wanted or not all(EVENT_TYPE.match(t) for t in wanted)):
            raise ValueError("event types not allowed: %r" % (wanted,))
        self.gateway = gateway
        self.skipped = 0
        self.redis = MiniRedis(host, port, timeout=timeout)
        prefix = "deskgate:%s:evt:" % gateway
        try:
            if wanted is None:
                self.redis.send("PSUBSCRIBE", prefix + "*")
                expect = 1
            else:
                self.redis.send("SUBSCRIBE", *[prefix + t for t in wanted])
                expect = len(wanted)
            # One confirmation per channel; nothing is published to us before them.
            for _ in range(expect):
                conf = self.redis.read_push(timeout)
                if not isinstance(conf, list) or not conf or conf[0] not in (b"subscribe", b"psubscribe"):
                    raise ConnectionError("redis did not confirm the subscription")
        except BaseException:
            self.redis.close()
            raise

    def get(self, timeout: Optional[float] = None) -> Optional[Dict[str, Any]]:
        """The next event as a dict, or ``None`` when none arrived within ``timeout`` seconds."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if end is None else max(0.0, end - time.monotonic())
            msg = self.redis.read_push(left)
            if msg is None:
                return None
            data: Any = None
            if isinstance(msg, list) and len(msg) == 3 and msg[0] == b"message":
                data = msg[2]
            elif isinstance(msg, list) and len(msg) == 4 and msg[0] == b"pmessage":
                data = msg[3]
            try:
                ev = json.loads(data.decode("utf-8")) if isinstance(data, bytes) else None
            except ValueError:
                ev = None
            if isinstance(ev, dict) and isinstance(ev.get("type"), str) and isinstance(ev.get("data"), dict):
                return ev
            self.skipped += 1
            if end is not None and time.monotonic() >= end:
                return None

    def close(self) -> None:
        self.redis.close()

    def __enter__(self) -> "EventSubscriber":
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description="Send a command to a deskgate gateway over Redis.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=6379)
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the reply")
    p.add_argument("--key", default=None, help="idempotency key (same key on a retry = run once)")
    p.add_argument("gateway")
    p.add_argument("cmd")
    p.add_argument("payload", nargs="?", default="null", help="JSON payload")
    a = p.parse_args(argv)
    try:
        payload = json.loads(a.payload)
    except ValueError:
        print("payload is not JSON", file=sys.stderr)
        return 2
    reply = send_command(a.gateway, a.cmd, payload, host=a.host, port=a.port, timeout=a.timeout, key=a.key)
    print(json.dumps(reply, separators=(",", ":")))
    return 0 if reply.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
