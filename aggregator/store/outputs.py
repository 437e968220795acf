"""What the last summary wrote and from which inputs: a rerun with nothing new, for the same
period and cut-off, by the same code and data files, does not write the report again.

The record (``last_outputs.json`` in the state folder) holds a key of the run's inputs, the
paths and sha256 of the workbook and JSON written, and the digest said to the analyst. It is
used only while both files are still exactly as written; any run that decides statuses again
forgets it first, and a run with a reading the machine could not finish never records one.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Any

from aggregator import __version__

RECORD = "last_outputs.json"
_PACKAGE = Path(__file__).resolve().parent.parent


@functools.cache
def code_version() -> str:
    """The toolkit's version and a hash of its source files (a change of code rewrites)."""
    h = hashlib.sha256(__version__.encode())
    sources = [
        os.path.join(d, f) for d, _, files in os.walk(_PACKAGE) for f in files if f.endswith(".py")
    ]
    for path in sorted(sources):
        h.update(os.path.relpath(path, _PACKAGE).encode())
        with open(path, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def files_digest(folders: list[Path]) -> str:
    """A hash of every file in some data folders (names and bytes)."""
    h = hashlib.sha256()
    for folder in folders:
        for p in sorted(folder.glob("*")) if folder.is_dir() else []:
            if p.is_file():
                h.update(p.name.encode())
                h.update(p.read_bytes())
    return h.hexdigest()


def rows_digest(rows: list[tuple[Any, ...]]) -> str:
    """A hash of the ledger's rows (ints, floats, strings, None), cheaper than their repr at
    10,000 rows; the same rows pickle to the same bytes, and different rows never do."""
    return hashlib.sha256(pickle.dumps(rows, protocol=5)).hexdigest()


def inputs_key(parts: list[Any]) -> str:
    """One key for everything a report is made from (each part's repr hashed in order)."""
    h = hashlib.sha256(code_version().encode())
    for part in parts:
        h.update(repr(part).encode())
        h.update(b"\0")
    return h.hexdigest()


def _sha(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def tree_signature(folder: Path | None) -> list[list[str | int]] | None:
    """Every file under a folder with its size and modification time (None: no folder asked
    for); cheap enough to tell a feedback folder someone changed or removed."""
    if folder is None:
        return None
    out: list[list[str | int]] = []
    for d, _, files in os.walk(folder):
        for f in files:
            path = os.path.join(d, f)
            with contextlib.suppress(OSError):
                st = os.stat(path)
                out.append([os.path.relpath(path, folder), st.st_size, st.st_mtime_ns])
    return sorted(out)


def unchanged(
    state: Path, key: str, report: Path, json_out: Path | None, tree: Path | None = None
) -> dict[str, Any] | None:
    """The digest recorded for this key when the workbook (and JSON, and the files under
    ``tree``: the period's feedback folder) are still as written."""
    try:
        rec = json.loads((state / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(rec, dict) or rec.get("key") != key:
        return None
    want = [(report, rec.get("report_sha"))]
    if json_out is not None:
        want.append((json_out, rec.get("json_sha")))
    if any(sha is None or _sha(p) != sha for p, sha in want):
        return None
    if tree_signature(tree) != rec.get("tree"):  # lists, as the record reads back
        return None
    digest = rec.get("digest")
    return digest if isinstance(digest, dict) else None


def same_data(state: Path, data: str) -> bool:
    """Whether the last report recorded was made with these data files (see ``data`` of
    :func:`remember`)."""
    try:
        rec = json.loads((state / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(rec, dict) and rec.get("data") == data


def remember(
    state: Path,
    key: str,
    written: tuple[Path, Path | None, Path | None],
    digest: dict[str, Any],
    data: str | None = None,
) -> None:
    """Record what was written for this key: the workbook, the JSON and the feedback folder
    (atomically; a failure only costs a rewrite), and ``data``, a key of the data files that
    run loaded and checked in full."""
    report, json_out, tree = written
    rec = {
        "key": key,
        "data": data,
        "report": str(report),
        "report_sha": _sha(report),
        "json": str(json_out) if json_out else None,
        "json_sha": _sha(json_out) if json_out else None,
        "tree": tree_signature(tree),
        "digest": digest,
    }
    tmp = state / f".{RECORD}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # owner-only, as the state
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(rec, ensure_ascii=False))
        os.replace(tmp, state / RECORD)
    except OSError:
        tmp.unlink(missing_ok=True)


def forget(state: Path) -> None:
    """Drop the record (statuses are being decided again)."""
    with contextlib.suppress(OSError):
        (state / RECORD).unlink(missing_ok=True)
