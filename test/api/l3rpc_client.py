#!/usr/bin/env python3
"""kucoin-level3-sdk RPC client check (stdlib only).

Talks to a deskgate L3 RPC server the way the SDK's Python demos do: JSON-RPC 1.0 over a raw
TCP socket, requests written back to back with no newline, one reply line per request. Then it
registers its own clientOid on a Redis channel (Server.AddEventClientOidsToChannels), subscribes
to that channel with a minimal RESP client, prints `READY <clientOid>` and waits for the frames of
its order (placed and cancelled by the test harness): received, open, done.

Usage: l3rpc_client.py RPC_PORT TOKEN REDIS_PORT
Prints one JSON line with what it saw; exit status 0 when every step behaved.
"""
import json
import os
import socket
import sys
import time


class LineReader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def line(self):
        while b"\n" not in self.buf:
            self._fill()
        i = self.buf.index(b"\n")
        out, self.buf = self.buf[:i], self.buf[i + 1 :]
        return out

    def exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def resp_command(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        b = a.encode("utf-8")
        out += b"$%d\r\n%s\r\n" % (len(b), b)
    return out


def resp_read(r):
    """Read one RESP value (enough of RESP2 for SUBSCRIBE replies and messages)."""
    line = r.line().rstrip(b"\r")
    kind, rest = line[:1], line[1:]
    if kind == b"*":
        return [resp_read(r) for _ in range(int(rest))]
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = r.exact(n + 2)[:n]
        return data.decode("utf-8")
    if kind == b":":
        return int(rest)
    if kind in (b"+", b"-"):
        return rest.decode("utf-8")
    raise ValueError("unexpected RESP line %r" % line)


def rpc_request(method, params, rid):
    return json.dumps({"method": "Server." + method, "params": [params], "id": rid}, separators=(",", ":"))


def main():
    rpc_port, token, redis_port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    out = {"ok": False}
    rpc = socket.create_connection(("127.0.0.1", rpc_port), timeout=10)
    rr = LineReader(rpc)

    # Two requests in one write, concatenated with no delimiter, as the SDK demos send them.
    batch = rpc_request("GetOrderBook", {"token": token, "number": 5}, 1) + rpc_request(
        "AnyCall", {"token": token, "method": "GetL3PartOrderBook", "args": {"number": 3}}, 2
    )
    rpc.sendall(batch.encode("utf-8"))
    book = json.loads(rr.line())
    l3 = json.loads(rr.line())
    assert book["id"] == 1 and book["error"] is None and book["result"]["code"] == "0", book
    assert l3["id"] == 2 and l3["result"]["code"] == "0", l3
    out["levels"] = [len(book["result"]["data"]["asks"]), len(book["result"]["data"]["bids"])]
    out["best_ask"] = book["result"]["data"]["asks"][0]
    out["time_ns"] = book["result"]["data"]["info"]["time"]
    out["l3_first_ask"] = l3["result"]["data"]["asks"][0]

    bad = rpc_request("GetOrderBook", {"token": token + "x", "number": 1}, 3)
    rpc.sendall(bad.encode("utf-8"))
    out["bad_token_code"] = json.loads(rr.line())["result"]["code"]

    client_oid = "py" + os.urandom(8).hex()
    channel = "deskgate-test-l3-" + os.urandom(6).hex()
    reg = rpc_request("AddEventClientOidsToChannels", {"token": token, "data": {client_oid: [channel]}}, 4)
    rpc.sendall(reg.encode("utf-8"))
    reg_reply = json.loads(rr.line())
    assert reg_reply["result"] == {"code": "0", "data": "", "error": ""}, reg_reply

    red = socket.create_connection(("127.0.0.1", redis_port), timeout=10)
    rd = LineReader(red)
    red.sendall(resp_command("SUBSCRIBE", channel))
    ack = resp_read(rd)
    assert ack[0] == "subscribe" and ack[1] == channel, ack

    print("READY " + client_oid, flush=True)

    frames = []
    deadline = time.time() + 15
    while time.time() < deadline:
        msg = resp_read(rd)
        if msg[0] != "message":
            continue
        frame = json.loads(msg[2])
        frames.append(frame)
        if frame["subject"] == "done":
            break
    out["subjects"] = [f["subject"] for f in frames]
    received = frames[0]["data"] if frames else {}
    out["client_oid_matches"] = received.get("clientOid") == client_oid
    order_id = received.get("orderId")
    out["same_order"] = all(f["data"].get("orderId") == order_id for f in frames)
    out["topic"] = frames[0]["topic"] if frames else None
    out["done_reason"] = frames[-1]["data"].get("reason") if frames else None
    out["ok"] = True
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
