"""Taking in the inbox: which files to read, which to ignore, which to leave for the next run.

Nothing in the inbox is ever written, moved or deleted: files are only read (to hash and copy).
"""

from __future__ import annotations

import hashlib
import os
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from aggregator.problems import Problem, warning
from aggregator.store.ledger import Ledger

IGNORED_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}
SETTLE_SECONDS = 2.0  # a file modified more recently than this is watched for growth
RECENT_SECONDS = 120.0  # a broken zip this fresh is probably still being copied


@dataclass
class Scan:
    """What one look at the inbox found."""

    candidates: list[tuple[str, Path]] = field(default_factory=list)  # (name, path)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (name, sha256)
    pending: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def is_ignored(name: str) -> bool:
    """Excel/WPS lock files, hidden and temporary files: not returns, need no answer."""
    base = name.rsplit("/", 1)[-1]
    low = base.lower()
    return (
        base.startswith("~$")
        or base.startswith(".~lock")
        or base.startswith(".")
        or low.endswith((".tmp", ".crdownload", ".part", ".partial", "~"))
        or low in IGNORED_NAMES
    )


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _folder_problem(inbox: Path, e: OSError) -> Problem | None:
    """A sub-folder os.walk could not open: named, or its city would silently show 未报送."""
    if e.filename is None or Path(e.filename) == inbox:
        return None
    rel = _printable(Path(e.filename).relative_to(inbox).as_posix())
    return warning(
        "inbox-folder-unreadable",
        f"收件箱中的文件夹“{rel}”无法打开（{e.strerror or e}），其中的报表本次未读取。请检查该文件夹的权限。",
        file=rel,
    )


def _look_at(scan: Scan, root: Path, path: Path, name: str) -> os.stat_result | None:
    """The file's status if it is a candidate return; otherwise notes why not (or ignores it)."""
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):  # a loop or a dangling link
            target = path
        if not target.is_relative_to(root) or not target.is_file():
            scan.problems.append(
                warning(
                    "inbox-link-outside",
                    f"“{name}”是指向收件箱之外的快捷方式（符号链接），未读取。请把文件本身放进收件箱。",
                    file=name,
                )
            )
            return None
    if path.name.startswith(".") and not path.name.startswith(".~lock"):
        return None  # hidden files (.gitkeep, .DS_Store): not returns, not worth a line
    if is_ignored(name):
        scan.ignored.append((name, ""))
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    if not os.access(path, os.R_OK):
        scan.problems.append(
            warning(
                "file-no-permission",
                f"“{name}”没有读取权限，本次未读取。请让管理员开放该文件的读取权限。",
                file=name,
            )
        )
        return None
    return st


def scan_inbox(inbox: Path, *, settle: float = SETTLE_SECONDS) -> Scan:
    """List the inbox (sub-folders allowed), never following links out of it."""
    scan = Scan()
    if not inbox.is_dir():
        return scan
    root = inbox.resolve()
    fresh: list[tuple[str, Path, os.stat_result]] = []

    def unreadable_folder(e: OSError) -> None:
        problem = _folder_problem(inbox, e)
        if problem:
            scan.problems.append(problem)

    for dirpath, dirnames, filenames in os.walk(inbox, onerror=unreadable_folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            path = Path(dirpath) / fn
            name = _printable(path.relative_to(inbox).as_posix())
            st = _look_at(scan, root, path, name)
            if st is None:
                continue
            if time.time() - st.st_mtime < settle:
                fresh.append((name, path, st))
            else:
                scan.candidates.append((name, path))
    if fresh:
        time.sleep(min(settle, 1.0))
        for name, path, st in fresh:
            try:
                again = path.stat()
            except OSError:
                continue
            if again.st_size != st.st_size or again.st_mtime != st.st_mtime:
                scan.pending.append(name)
            else:
                scan.candidates.append((name, path))
    for name, path in list(scan.candidates):
        if _incomplete_zip(path):
            scan.candidates.remove((name, path))
            scan.pending.append(name)
    for name in scan.pending:
        scan.problems.append(
            warning(
                "file-incomplete",
                f"“{name}”似乎还在复制中（大小在变化或文件尚不完整），本次未读取，下次运行时再读取。",
                file=name,
            )
        )
    scan.candidates.sort()
    return scan


def _printable(name: str) -> str:
    """The name as text that can be stored and shown: bytes that are not UTF-8 (a name made on
    another system) become U+FFFD, so no name can ever stop a run."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _incomplete_zip(path: Path) -> bool:
    """A zip-based file without its directory yet, modified moments ago: still being copied."""
    try:
        st = path.stat()
        age = time.time() - st.st_mtime
        if (
            age > RECENT_SECONDS or age < -RECENT_SECONDS
        ):  # old, or dated in the future: not copying
            return False
        with path.open("rb") as f:
            if f.read(4) != b"PK\x03\x04":
                return False
        with zipfile.ZipFile(path):
            return False
    except (zipfile.BadZipFile, OSError, ValueError):
        return True


def take_in(ledger: Ledger, scan: Scan, first_seen: str) -> int:
    """Record every new file (name and content) with a copy of its bytes; return how many."""
    rows: list[tuple[str, str, int, float, str, str]] = []
    # Files arriving together are ordered shortest name first, so that an original counts
    # before its "- 副本" and a "（更正）" version after the file it corrects.
    for name, path in sorted(scan.candidates, key=lambda c: (len(c[0]), c[0])):
        try:
            digest = sha256_of(path)
            if ledger.known(name, digest):
                continue
            st = path.stat()
            stored = ledger.store_copy(path, digest)
            if stored is None:  # changed while we copied: next run
                scan.pending.append(name)
                continue
            rows.append((name, digest, st.st_size, st.st_mtime, first_seen, stored))
        except OSError as e:
            scan.problems.append(
                warning(
                    "file-unreadable-inbox",
                    f"“{name}”无法读取（{e.strerror or e}），本次跳过，下次运行时再试。",
                    file=name,
                )
            )
    ledger.record_many(rows)
    return len(rows)
