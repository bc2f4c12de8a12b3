#!/usr/bin/env python3
"""Read deskgate's shared-memory balances (stdlib only: mmap, struct, zlib, decimal).

The gateway is the only writer of /dev/shm/deskgate-<name>.bal (layout: docs/ledger.md and
src/ledger/shm-layout.ts). A reader copies seq, body, seq under a seqlock and keeps the copy
only when both seqs are equal and even and the body's CRC-32 matches, so every snapshot is one
the gateway published whole.

    from deskgate_shm import ShmBalances
    with ShmBalances.for_exchange("kraken") as shm:   # = ShmBalances("/dev/shm/deskgate-kraken.bal")
        shm.balance("USDT")        # Decimal: account total (slot 0)
        shm.balance("USDT", 2)     # Decimal: total of strategy slot 2
        shm.slot("USDT", 1)        # {"total": Decimal, "free": ..., "frozen": ...} of main
        shm.cell("USDT", 2)        # (scale, Cell(total, free, frozen)) in minor units: single-cell fast path

Single-cell reads (`cell`, and `balance`) read one cell straight from the mapping under the seqlock
alone (no copy of the table, no CRC) on x86-64; elsewhere they take a CRC-checked snapshot
(docs/ledger.md, "Single-cell reads", says why).

CLI:  python3 deskgate_shm.py /dev/shm/deskgate-<name>.bal [CURRENCY [SLOT]] [--json]
"""
from __future__ import annotations

import json
import mmap
import os
import platform
import struct
import sys
import tempfile
import time
import zlib
from decimal import Decimal
from typing import Dict, List, NamedTuple, Optional, Tuple

MAGIC = b"DGSHMBAL"
VERSION = 1
HEADER_SIZE = 64
SEQ_OFFSET = 24
BODY_FIXED = 16
SLOT_NAME_BYTES = 16
CODE_BYTES = 16
ROW_FIXED = 24
CELL_BYTES = 48

_HEADER = struct.Struct("<8sHHHHII")  # magic, version, header size, slots, max currencies, row size, body capacity
_SEQ = struct.Struct("<Q")
_BODY_HEAD = struct.Struct("<qII")  # published-at ms, currency count, crc32
_U32 = struct.Struct("<I")
_CELL = struct.Struct("<QqQqQq")  # total, free, frozen: (low u64, high i64) each
_SEQLOCK_CELLS = platform.machine().lower() in ("x86_64", "amd64")


class ShmError(Exception):
    """Bad file layout (code DG_E_LEDGER_SHM_LAYOUT) or no stable snapshot (DG_E_LEDGER_SHM_BUSY)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class Cell(NamedTuple):
    total: int
    free: int
    frozen: int


class Row(NamedTuple):
    currency: str
    scale: int
    cells: List[Cell]


class Snapshot(NamedTuple):
    exchange: str
    seq: int
    published_at: int  # ms since epoch
    slot_names: List[str]
    rows: Dict[str, Row]


def _ascii(b: bytes) -> str:
    return b.split(b"\0", 1)[0].decode("latin-1")


def to_decimal(units: int, scale: int) -> Decimal:
    """Minor units → exact Decimal (no float, no context rounding)."""
    return Decimal(f"{units}E-{scale}")


def format_units(units: int, scale: int) -> str:
    """Canonical decimal string of minor units ("1.5", "100", "-0.25"): no exponent, no trailing zeros."""
    neg = units < 0
    digits = str(-units if neg else units).rjust(scale + 1, "0")
    whole, frac = (digits[: len(digits) - scale], digits[len(digits) - scale:]) if scale else (digits, "")
    frac = frac.rstrip("0")
    text = f"{whole}.{frac}" if frac else whole
    return f"-{text}" if neg and units != 0 else text


def default_path(name: str) -> str:
    """Where a gateway named `name` publishes (the same rule as defaultShmPath in shm-writer.ts)."""
    if not name or len(name) > 64 or not all(c.isascii() and (c.isalnum() or c in "._-") for c in name):
        raise ValueError(f"invalid gateway name {name!r}")
    base = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
    return os.path.join(base, f"deskgate-{name}.bal")


class ShmBalances:
    def __init__(self, path: str, verify_checksum: bool = True, max_attempts: int = 10_000) -> None:
        self.path = path
        self.verify_checksum = verify_checksum
        self.max_attempts = max_attempts
        self.snapshots = 0
        self.retries = 0
        fd = os.open(path, os.O_RDONLY)
        try:
            st = os.fstat(fd)
            size = st.st_size
            self._ino = st.st_ino
            if size < HEADER_SIZE:
                raise ShmError("DG_E_LEDGER_SHM_LAYOUT", f"{path}: shorter than the header")
            self._mm = mmap.mmap(fd, size, access=mmap.ACCESS_READ)
        finally:
            os.close(fd)
        magic, version, hsize, slots, max_cur, row_size, capacity = _HEADER.unpack_from(self._mm, 0)
        if magic != MAGIC:
            raise ShmError("DG_E_LEDGER_SHM_LAYOUT", "bad magic")
        if version != VERSION or hsize != HEADER_SIZE:
            raise ShmError("DG_E_LEDGER_SHM_LAYOUT", f"version {version} (this reader knows {VERSION})")
        if row_size != ROW_FIXED + CELL_BYTES * slots or capacity != BODY_FIXED + SLOT_NAME_BYTES * slots + max_cur * row_size:
            raise ShmError("DG_E_LEDGER_SHM_LAYOUT", "row size or body capacity disagrees with the geometry")
        if size < HEADER_SIZE + capacity:
            raise ShmError("DG_E_LEDGER_SHM_LAYOUT", "file shorter than its layout")
        self.slot_count = slots
        self.max_currencies = max_cur
        self.row_size = row_size
        self.capacity = capacity
        self.exchange = _ascii(self._mm[32:64])
        self._row_cells = struct.Struct("<" + "Qq" * 3 * slots)
        self._rows_at = HEADER_SIZE + BODY_FIXED + SLOT_NAME_BYTES * slots
        self._row_of: Dict[bytes, int] = {}

    @classmethod
    def for_exchange(cls, name: str, **kwargs: object) -> "ShmBalances":
        """Open the gateway file of an exchange/gateway name: /dev/shm/deskgate-<name>.bal (S4.5)."""
        return cls(default_path(name), **kwargs)  # type: ignore[arg-type]

    # -- context manager ------------------------------------------------------------------------
    def __enter__(self) -> "ShmBalances":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._mm.close()

    def replaced(self) -> bool:
        """True when the gateway replaced the file since it was opened (open a new ShmBalances to follow)."""
        try:
            return os.stat(self.path).st_ino != self._ino
        except OSError:
            return True

    # -- seqlock read ---------------------------------------------------------------------------
    def _decode(self, body: bytes) -> Optional[Tuple[int, List[str], Dict[str, Row]]]:
        published_at, count, crc = _BODY_HEAD.unpack_from(body, 0)
        if count > self.max_currencies:
            return None
        used = BODY_FIXED + SLOT_NAME_BYTES * self.slot_count + count * self.row_size
        if self.verify_checksum and zlib.crc32(body[BODY_FIXED:used], zlib.crc32(body[0:12])) != crc:
            return None
        names = [_ascii(body[BODY_FIXED + s * SLOT_NAME_BYTES: BODY_FIXED + (s + 1) * SLOT_NAME_BYTES]) for s in range(self.slot_count)]
        rows: Dict[str, Row] = {}
        off = BODY_FIXED + SLOT_NAME_BYTES * self.slot_count
        for _ in range(count):
            code = _ascii(body[off: off + CODE_BYTES])
            scale = body[off + CODE_BYTES]
            w = self._row_cells.unpack_from(body, off + ROW_FIXED)  # (lo, hi) × 3 per slot
            cells = [Cell((w[i + 1] << 64) + w[i], (w[i + 3] << 64) + w[i + 2], (w[i + 5] << 64) + w[i + 4])
                     for i in range(0, 6 * self.slot_count, 6)]
            rows[code] = Row(code, scale, cells)
            off += self.row_size
        return published_at, names, rows

    def read(self) -> Snapshot:
        """One consistent snapshot (raises ShmError DG_E_LEDGER_SHM_BUSY if none within max_attempts)."""
        mm = self._mm
        why = "never stable"
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1:
                self.retries += 1
                if attempt % 64 == 0:
                    time.sleep(0.001)  # let a descheduled writer finish
            (s1,) = _SEQ.unpack_from(mm, SEQ_OFFSET)
            if s1 == 0:
                why = "nothing published yet"
                continue
            if s1 & 1:
                why = "write in progress"
                continue
            body = mm[HEADER_SIZE: HEADER_SIZE + self.capacity]
            (s2,) = _SEQ.unpack_from(mm, SEQ_OFFSET)
            if s2 != s1:
                why = "seq moved during the copy"
                continue
            decoded = self._decode(body)
            if decoded is None:
                why = "checksum mismatch"
                continue
            self.snapshots += 1
            published_at, names, rows = decoded
            return Snapshot(self.exchange, s1, published_at, names, rows)
        raise ShmError("DG_E_LEDGER_SHM_BUSY", f"{self.path}: {why}")

    def cell(self, currency: str, index: int = 0) -> Optional[Tuple[int, Cell]]:
        """(scale, Cell) of one (currency, slot) in minor units, None if absent. On x86-64 a seqlock
        read of just that cell from the mapping (no table copy, no CRC); elsewhere from read()."""
        if not 0 <= index < self.slot_count:
            return None
        if not _SEQLOCK_CELLS:
            row = self.read().rows.get(currency.upper())
            return None if row is None else (row.scale, row.cells[index])
        code = currency.upper().encode("latin-1").ljust(CODE_BYTES, b"\0")
        if len(code) != CODE_BYTES:
            return None
        mm = self._mm
        rows_at, row_size = self._rows_at, self.row_size
        for attempt in range(1, self.max_attempts + 1):
            if attempt > 1:
                self.retries += 1
                if attempt % 64 == 0:
                    time.sleep(0.001)
            (s1,) = _SEQ.unpack_from(mm, SEQ_OFFSET)
            if s1 == 0 or s1 & 1:
                continue
            count = min(_U32.unpack_from(mm, HEADER_SIZE + 8)[0], self.max_currencies)
            row = self._row_of.get(code, -1)
            if not 0 <= row < count or mm[rows_at + row * row_size: rows_at + row * row_size + CODE_BYTES] != code:
                row = next((r for r in range(count)
                            if mm[rows_at + r * row_size: rows_at + r * row_size + CODE_BYTES] == code), -1)
            if row >= 0:
                at = rows_at + row * row_size
                scale = mm[at + CODE_BYTES]
                w = _CELL.unpack_from(mm, at + ROW_FIXED + index * CELL_BYTES)
            (s2,) = _SEQ.unpack_from(mm, SEQ_OFFSET)
            if s2 != s1:
                continue
            if row < 0:
                return None
            self._row_of[code] = row
            return scale, Cell((w[1] << 64) + w[0], (w[3] << 64) + w[2], (w[5] << 64) + w[4])
        raise ShmError("DG_E_LEDGER_SHM_BUSY", f"{self.path}: never stable")

    # -- convenience (S4.5) ---------------------------------------------------------------------
    def slot(self, currency: str, index: int = 0, snap: Optional[Snapshot] = None) -> Optional[Dict[str, Decimal]]:
        """total/free/frozen of (currency, slot) as exact Decimals; None if absent."""
        s = snap or self.read()
        row = s.rows.get(currency.upper())
        if row is None or not 0 <= index < len(row.cells):
            return None
        cell = row.cells[index]
        return {k: to_decimal(getattr(cell, k), row.scale) for k in ("total", "free", "frozen")}

    def balance(self, currency: str, index: int = 0) -> Optional[Decimal]:
        """Total of (currency, slot): slot 0 = account, 1 = main (unallocated), 2.. = strategies."""
        c = self.cell(currency, index)
        return None if c is None else to_decimal(c[1].total, c[0])


def _main(argv: List[str]) -> int:
    args = [a for a in argv if a != "--json"]
    as_json = "--json" in argv
    if not 1 <= len(args) <= 3 or args[0] in ("-h", "--help"):
        print("usage: deskgate_shm.py FILE [CURRENCY [SLOT]] [--json]", file=sys.stderr)
        return 2
    try:
        with ShmBalances(args[0]) as shm:
            snap = shm.read()
            currencies = [args[1].upper()] if len(args) >= 2 else list(snap.rows)
            slots = [int(args[2])] if len(args) == 3 else None
            out = []
            for cur in currencies:
                row = snap.rows.get(cur)
                if row is None:
                    print(f"unknown currency {cur}", file=sys.stderr)
                    return 1
                for i in slots if slots is not None else range(len(row.cells)):
                    if not 0 <= i < len(row.cells):
                        print(f"no slot {i} (slots 0..{len(row.cells) - 1})", file=sys.stderr)
                        return 1
                    cell = row.cells[i]
                    out.append({"currency": cur, "slot": i, "name": snap.slot_names[i],
                                **{k: format_units(getattr(cell, k), row.scale) for k in ("total", "free", "frozen")}})
    except (OSError, ShmError) as e:
        print(str(e), file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps({"exchange": snap.exchange, "seq": snap.seq, "publishedAt": snap.published_at, "balances": out}))
    else:
        for o in out:
            print(f"{o['currency']} slot {o['slot']} ({o['name'] or '-'}): total={o['total']} free={o['free']} frozen={o['frozen']}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
