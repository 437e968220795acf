"""Taking in the inbox: which files to read, which to ignore, which to leave for the next run.

Nothing in the inbox is ever written, moved or deleted: files are only read (to hash and copy).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aggregator.clock import iso
from aggregator.problems import Problem, warning
from aggregator.read.returns import ReturnRead
from aggregator.rulebook.policy import Limits
from aggregator.store import evidence
from aggregator.store.containers import container_kind, unpack
from aggregator.store.copies import CopyWriter, copy_in
from aggregator.store.ledger import Arrival, Ledger, Submission
from aggregator.store.names import decode_name, decode_path

IGNORED_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}
IGNORED_SUFFIXES = (".tmp", ".crdownload", ".part", ".partial", "~")
SETTLE_SECONDS = 2.0  # a file modified more recently than this is watched for growth
RECENT_SECONDS = 120.0  # a broken zip this fresh is probably still being copied


@dataclass
class Scan:
    """What one look at the inbox found."""

    # the candidate returns: (name, path), the path as a string (a Path each costs time at
    # 10,000 files, and most are already recorded)
    found: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (name, sha256)
    pending: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    new: int = 0  # submissions recorded by the intake that followed
    stats: dict[str, os.stat_result] = field(default_factory=dict)  # candidates as looked at

    @property
    def candidates(self) -> list[tuple[str, Path]]:
        """The candidate returns as (name, path), in name order."""
        return [(name, Path(path)) for name, path in self.found]


def is_ignored(name: str) -> bool:
    """Excel/WPS lock files, hidden and temporary files: not returns, need no answer."""
    base = name.rsplit("/", 1)[-1]
    if base.startswith(("~$", ".")):  # lock files (~$…, .~lock…) and hidden files
        return True
    low = base.lower()
    return low.endswith(IGNORED_SUFFIXES) or low in IGNORED_NAMES


def _folder_problem(inbox: Path, e: OSError) -> Problem | None:
    """A sub-folder os.walk could not open: named, or its city would silently show 未报送."""
    if e.filename is None or Path(e.filename) == inbox:
        return None
    rel = decode_path(Path(e.filename).relative_to(inbox).as_posix())
    return warning(
        "inbox-folder-unreadable",
        f"收件箱中的文件夹“{rel}”无法打开（{e.strerror or e}），其中的报表本次未读取。请检查该文件夹的权限。",
        file=rel,
    )


def _look_at(scan: Scan, root: Path, file: tuple[str, str], name: str) -> os.stat_result | None:
    """The file's status if it is a candidate return; otherwise notes why not (or ignores it).
    ``file`` is the path (a plain string: 10,000 files are looked at on every run) and its
    base name as listed."""
    path, base = file
    try:
        st: os.stat_result | None = os.lstat(path)
    except OSError:
        st = None
    if st is not None and stat.S_ISLNK(st.st_mode):
        try:
            target = Path(path).resolve(strict=True)
        except (OSError, RuntimeError):  # a loop or a dangling link
            target = Path(path)
        if not target.is_relative_to(root) or not target.is_file():
            scan.problems.append(
                warning(
                    "inbox-link-outside",
                    f"“{name}”是指向收件箱之外的快捷方式（符号链接），未读取。请把文件本身放进收件箱。",
                    file=name,
                )
            )
            return None
        try:
            st = os.stat(path)
        except OSError:
            st = None
    if base.startswith(".") and not base.startswith(".~lock"):
        return None  # hidden files (.gitkeep, .DS_Store): not returns, not worth a line
    if is_ignored(name):
        scan.ignored.append((name, ""))
        return None
    if st is None or not stat.S_ISREG(st.st_mode):
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
    fresh: list[tuple[str, str, os.stat_result]] = []
    seen = scan.stats

    def unreadable_folder(e: OSError) -> None:
        problem = _folder_problem(inbox, e)
        if problem:
            scan.problems.append(problem)

    for dirpath, dirnames, filenames in os.walk(inbox, onerror=unreadable_folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        prefix = decode_path(Path(dirpath).relative_to(inbox).as_posix())  # once per folder
        head = os.path.join(dirpath, "")  # the folder with its separator: paths by concatenation
        for fn in sorted(filenames):
            name = f"{prefix}/{decode_name(fn)}" if prefix else decode_name(fn)
            path = head + fn
            st = _look_at(scan, root, (path, fn), name)
            if st is None:
                continue
            if time.time() - st.st_mtime < settle:
                fresh.append((name, path, st))
            else:
                scan.found.append((name, path))
                seen[name] = st
    _settle(scan, fresh, settle, seen)
    for name, path in list(scan.found):
        if _incomplete_zip(path, seen.get(name)):
            scan.found.remove((name, path))
            scan.pending.append(name)
    for name in scan.pending:
        scan.problems.append(
            warning(
                "file-incomplete",
                f"“{name}”似乎还在复制中（大小在变化或文件尚不完整），本次未读取，下次运行时再读取。",
                file=name,
            )
        )
    scan.found.sort()
    return scan


def _settle(
    scan: Scan,
    fresh: list[tuple[str, str, os.stat_result]],
    settle: float,
    seen: dict[str, os.stat_result],
) -> None:
    """Files modified moments ago: candidates if they keep their size and time for a moment."""
    if not fresh:
        return
    time.sleep(min(settle, 1.0))
    for name, path, st in fresh:
        try:
            again = os.stat(path)
        except OSError:
            continue
        if again.st_size != st.st_size or again.st_mtime != st.st_mtime:
            scan.pending.append(name)
        else:
            scan.found.append((name, path))
            seen[name] = again


def _incomplete_zip(path: str | Path, st: os.stat_result | None = None) -> bool:
    """A zip-based file without its directory yet, modified moments ago: still being copied."""
    try:
        st = st or os.stat(path)
        age = time.time() - st.st_mtime
        if (
            age > RECENT_SECONDS or age < -RECENT_SECONDS
        ):  # old, or dated in the future: not copying
            return False
        with open(path, "rb") as f:
            if f.read(4) != b"PK\x03\x04":
                return False
        with zipfile.ZipFile(path):
            return False
    except (zipfile.BadZipFile, OSError, ValueError):
        return True


Stat = tuple[str, int, int, int, str]  # name, size, mtime_ns, inode, sha256


@dataclass
class _Intake:
    """One intake's lookups, gathered once for the batch: the content of each name's latest
    arrival, the copies kept, the run's clock."""

    ledger: Ledger
    limits: Limits
    now: dt.datetime
    latest: dict[str, str]  # name → sha256 of its latest arrival, for the candidates
    copies: CopyWriter
    stats: list[Stat] = field(default_factory=list)
    seen: str = ""  # the run's clock as recorded (first_seen)

    def __post_init__(self) -> None:
        self.seen = iso(self.now)

    def known(self, name: str, sha256: str) -> bool:
        """Whether the latest arrival under this name holds this content."""
        if name in self.latest:
            return self.latest[name] == sha256
        return self.ledger.known(name, sha256)  # a container's member: looked up alone


def take_in(
    ledger: Ledger,
    scan: Scan,
    now: dt.datetime,
    limits: Limits,
    *,
    quick: bool = False,
    on_new: Callable[[Arrival], None] | None = None,
) -> int:
    """Record every new file (name and content) with a copy of its bytes and the evidence of its
    arrival; a container is recorded as such and each document in it as a submission of its
    own. A file whose size, modification time and inode are those recorded when it was last
    taken in is not read again; ``quick`` also skips files whose name, size and time are
    recorded (ledgers from before signatures were kept). ``on_new`` is handed each new
    arrival as soon as its copy is stored (before the batch is recorded). Returns how many
    submissions were recorded."""
    rows: list[Arrival] = []
    changed = _changed(scan, ledger.inbox_stats())
    many = len(changed) > 100
    names = {name for name, _ in changed}
    latest = ledger.latest_shas(names) if many else {}
    batch = _Intake(ledger, limits, now, latest, CopyWriter(ledger, many))
    if many:  # every candidate looked up at once: a name not found was never seen
        batch.latest.update((n, "") for n in names - latest.keys())
    # Files arriving together are ordered shortest name first, so that an original counts
    # before its "- 副本" and a "（更正）" version after the file it corrects.
    for name, path in sorted(changed, key=lambda c: (len(c[0]), c[0])):
        new: list[Arrival] = []
        try:
            st = scan.stats.get(name) or os.stat(path)
            if quick and ledger.known_stat(name, st.st_size, st.st_mtime):
                continue
            new = _take_one(batch, scan, (name, path, st))
        except OSError as e:
            scan.problems.append(
                warning(
                    "file-unreadable-inbox",
                    f"“{name}”无法读取（{e.strerror or e}），本次跳过，下次运行时再试。",
                    file=name,
                )
            )
        rows += new
        if on_new is not None:
            for row in new:
                on_new(row)
    ledger.record_many(rows, batch.stats)
    return len(rows)


def _changed(scan: Scan, known: dict[str, tuple[int, int, int, str]]) -> list[tuple[str, str]]:
    """The candidates not as recorded when last taken in (size, modification time, inode);
    a file that cannot be looked at is kept, for its problem to be said."""
    out = []
    for name, path in scan.found:
        st = scan.stats.get(name)
        was = known.get(name)
        if st is None or was is None or was[:3] != (st.st_size, st.st_mtime_ns, st.st_ino):
            out.append((name, path))
    return out


def _read_settled(path: str, st: os.stat_result) -> bytes | None:
    """A file's bytes, or None when it changed while being read (or since it was looked at)."""
    want = st.st_size + 1  # a byte more than looked at: a file that grew since is seen
    chunks: list[bytes] = []
    fd = os.open(path, os.O_RDONLY)  # no buffered file object: 10,000 files read per intake
    try:
        while want > 0 and (chunk := os.read(fd, want)):
            chunks.append(chunk)
            want -= len(chunk)
    finally:
        os.close(fd)
    data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    again = os.stat(path)
    if (len(data), again.st_size, again.st_mtime_ns) != (st.st_size,) * 2 + (st.st_mtime_ns,):
        return None
    return data


def _take_one(batch: _Intake, scan: Scan, file: tuple[str, str, os.stat_result]) -> list[Arrival]:
    """One inbox file read once (hashed, copied, and looked into when it is a container) and,
    when new, its arrival (and those of the documents inside a container)."""
    name, path, st = file
    data: bytes | None = None
    stored: str | None = None
    if st.st_size <= batch.limits.max_container_mb * 1024 * 1024:  # kept in memory while taken in
        data = _read_settled(path, st)
        if data is None:
            scan.pending.append(name)  # changed while we read it: next run
            return []
        digest = hashlib.sha256(data).hexdigest()
    else:
        got = copy_in(batch.ledger, Path(path))
        if got is None:  # changed while we copied: next run
            scan.pending.append(name)
            return []
        digest, stored = got
    batch.stats.append((name, st.st_size, st.st_mtime_ns, st.st_ino, digest))
    if batch.known(name, digest):
        return []
    if stored is None and data is not None:
        stored = batch.copies.keep(data, digest)
    assert stored is not None
    at, kind = evidence.inbox_evidence(st, batch.now)
    row = Arrival(name, digest, st.st_size, st.st_mtime, batch.seen, stored, iso(at), kind)
    return [row, *_members(batch, row, data, (at, kind))]


def read_container(path: Path, name: str, limits: Limits) -> tuple[str, bytes] | None:
    """The kind and bytes of a file that is a container (``.zip``, ``.eml``, ``.msg``), else None."""
    if path.stat().st_size > limits.max_container_mb * 1024 * 1024:
        return None  # the reader rejects it for its size
    data = path.read_bytes()
    kind = container_kind(data, name)
    return (kind, data) if kind else None


def _members(
    batch: _Intake, row: Arrival, data: bytes | None, own: tuple[dt.datetime, str]
) -> list[Arrival]:
    """When the file (its bytes; None when too large to be a container) is a container: mark
    its row, and one arrival per document inside (lock files and the like left out; problems
    are said by every run that unpacks it again)."""
    kind = container_kind(data, row.name) if data is not None else None
    if kind is None or data is None:
        return []
    row.container = kind
    out: list[Arrival] = []
    got = unpack(row.name, data, batch.limits)
    for m in [*got.containers, *got.members]:  # nested containers are listed as unpacked
        if is_ignored(m.name):
            continue
        digest = hashlib.sha256(m.data).hexdigest()
        if batch.known(m.name, digest):
            continue
        stored = batch.copies.keep(m.data, digest)
        at, kind = evidence.email_evidence(m.received_at, own)
        out.append(
            Arrival(
                m.name, digest, len(m.data), None, row.first_seen, stored, iso(at), kind, m.sender
            )
        )
        out[-1].container = m.kind or None  # a nested container: unpacked, never read
    return out


def container_read(sub: Submission, limits: Limits) -> tuple[ReturnRead, list[str]]:
    """A container submission as a run shows it: never a form, its problems (unpacked again
    from the stored copy), and the names of the lock files and the like found inside it."""
    read = ReturnRead(file=sub.name, kind=sub.container or "")
    try:
        data = sub.stored.read_bytes()
    except OSError:
        return read, []
    got = unpack(sub.name, data, limits)
    read.problems = [p.located(file=p.file or sub.name) for p in got.problems]
    return read, [m.name for m in got.members if is_ignored(m.name)]
