"""Intake of a large batch: one look-up per batch, copies written in place, arrivals numbered."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from pathlib import Path

from aggregator.clock import CHINA
from aggregator.rulebook.policy import Limits
from aggregator.store.intake import scan_inbox, take_in
from aggregator.store.ledger import Ledger

NOW = dt.datetime(2023, 6, 9, 12, 0, tzinfo=CHINA)


def _drop(inbox: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():
        path = inbox / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (NOW.timestamp() - 3600,) * 2)


def _take(ledger: Ledger, inbox: Path) -> int:
    return take_in(ledger, scan_inbox(inbox), NOW, Limits())


def test_a_large_batch_is_recorded_with_owner_only_copies(tmp_path: Path) -> None:
    inbox, state = tmp_path / "inbox", tmp_path / "state"
    files = {f"市{i % 7}/报表{i}.csv": f"县,{i}\n".encode() for i in range(150)}
    files["市0/副本.csv"] = files["市0/报表0.csv"]  # same bytes under two names: one copy
    _drop(inbox, files)
    ledger = Ledger(state)
    try:
        assert _take(ledger, inbox) == 151
        subs = {s.name: s for s in ledger.submissions()}
        assert subs.keys() == files.keys()
        for name, s in subs.items():
            assert s.stored.read_bytes() == files[name]
            assert stat.S_IMODE(s.stored.stat().st_mode) == 0o600
            assert stat.S_IMODE(s.stored.parent.stat().st_mode) & 0o077 == 0
        assert _take(ledger, inbox) == 0  # nothing new
    finally:
        ledger.close()


def test_a_copy_left_by_a_killed_run_is_written_again(tmp_path: Path) -> None:
    inbox, state = tmp_path / "inbox", tmp_path / "state"
    data = b"a return, complete"
    sha = hashlib.sha256(data).hexdigest()
    _drop(inbox, {"宁波市/上半年.csv": data})
    ledger = Ledger(state)
    left = state / "blobs" / sha[:2] / sha
    left.parent.mkdir(parents=True)
    left.write_bytes(b"a return, cut\0\0\0\0\0")  # no row points at it; same size
    try:
        assert _take(ledger, inbox) == 1
        (sub,) = ledger.submissions()
        assert sub.stored == left and left.read_bytes() == data
    finally:
        ledger.close()


def test_a_resent_batch_numbers_each_name_again(tmp_path: Path) -> None:
    inbox, state = tmp_path / "inbox", tmp_path / "state"
    first = {f"市/表{i}.csv": f"A{i}".encode() for i in range(120)}
    _drop(inbox, first)
    ledger = Ledger(state)
    try:
        assert _take(ledger, inbox) == 120
        _drop(inbox, {n: b"B" + d for n, d in first.items()})  # a correction of every file
        assert _take(ledger, inbox) == 120
        _drop(inbox, first)  # and back to the first version: a third arrival each
        assert _take(ledger, inbox) == 120
        rows = ledger.db.execute("SELECT name, MAX(arrival) FROM submissions GROUP BY name")
        assert {n: a for n, a in rows} == dict.fromkeys(first, 3)
        assert all(ledger.known(n, hashlib.sha256(d).hexdigest()) for n, d in first.items())
    finally:
        ledger.close()
