"""Evidence of arrival: when a return really came, and how we know.

``received_at`` is the earliest credible evidence, never later than the run that first saw the
file: the ``Date`` of the email that carried it, the moment the file appeared in the inbox (its
inode change time at first sight, when not after the run's clock), an analyst's registration
(``receipts.csv``), else the clock of the run that first saw it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from dataclasses import dataclass
from pathlib import Path

from aggregator.clock import CHINA, iso, parse_time
from aggregator.problems import Problem, error, warning
from aggregator.store.ledger import Ledger, Submission

EMAIL, INBOX_FILE, REGISTERED, OBSERVED = "email", "inbox-file", "registered", "observed"
LABELS = {
    INBOX_FILE: "在收件箱出现的时间",
    EMAIL: "邮件发送时间",
    REGISTERED: "登记",
    OBSERVED: "首次读取",
}
RECEIPTS = "receipts.csv"
COLUMNS = ("文件", "收到时间", "说明")


def label(kind: str) -> str:
    """How the workbook and the terminal name a kind of evidence (依据)."""
    return LABELS.get(kind, LABELS[OBSERVED])


def inode_change_time(st: os.stat_result) -> float:
    """When the file appeared in the inbox (or last changed there): its inode change time."""
    return st.st_ctime


def inbox_evidence(st: os.stat_result, now: dt.datetime) -> tuple[dt.datetime, str]:
    """A file seen for the first time: when it appeared in the inbox, if not after ``now``."""
    appeared = dt.datetime.fromtimestamp(inode_change_time(st), CHINA).replace(microsecond=0)
    return (appeared, INBOX_FILE) if appeared <= now else (now, OBSERVED)


def email_evidence(
    date: dt.datetime | None, fallback: tuple[dt.datetime, str]
) -> tuple[dt.datetime, str]:
    """A member of an email: its ``Date`` when earlier than the container's own evidence."""
    if date is not None and date <= fallback[0]:
        return date.astimezone(CHINA), EMAIL
    return fallback


@dataclass(frozen=True)
class Registration:
    """One row of ``receipts.csv``: an analyst says when a file was received."""

    file: str
    received_at: dt.datetime
    note: str
    where: str  # "receipts.csv 第 3 行", for messages


def receipt_files(state: Path, inbox: Path) -> list[Path]:
    """Where registrations are kept: the state folder, then the folder holding the inbox."""
    return [p for p in (state / RECEIPTS, inbox.parent / RECEIPTS) if p.is_file()]


def _text(path: Path) -> str:
    """A CSV as saved by Excel: UTF-8 (with or without BOM), else GBK (Chinese Windows)."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def _row(
    row: dict[str, str], where: str, now: dt.datetime
) -> tuple[Registration | None, Problem | None]:
    name = (row.get("文件") or "").strip().replace("\\", "/")
    when = (row.get("收到时间") or "").strip().replace("/", "-")
    note = (row.get("说明") or "").strip()
    if not name and not when:
        return None, None
    if not name:
        return None, error("receipt-invalid", f"{where}：“文件”一栏为空，本行未采用。")
    try:
        at = parse_time(when)
    except ValueError:
        message = f"{where}：收到时间“{when}”无法识别，应写成 2023-06-15 或 2023-06-15 09:30，本行未采用。"
        return None, error("receipt-invalid", message, file=name)
    if at > now:
        message = f"{where}：收到时间 {at:%Y-%m-%d %H:%M} 晚于本次运行时间，本行未采用。"
        return None, error("receipt-invalid", message, file=name)
    return Registration(name, at, note, where), None


def load_registrations(
    paths: list[Path], now: dt.datetime
) -> tuple[list[Registration], list[Problem]]:
    """Every valid registration, and a problem naming each row that is not."""
    regs: list[Registration] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            text = _text(path)
        except OSError as e:
            problems.append(error("receipt-invalid", f"{path} 无法读取（{e.strerror or e}）。"))
            continue
        reader = csv.DictReader(io.StringIO(text))
        heads = [h.strip() for h in reader.fieldnames or []]
        if not {"文件", "收到时间"} <= set(heads):
            message = f"{path.name} 的第 1 行应为列名：{','.join(COLUMNS)}，文件未采用。"
            problems.append(error("receipt-invalid", message))
            continue
        reader.fieldnames = heads
        for n, row in enumerate(reader, start=2):
            reg, problem = _row(row, f"{path.name} 第 {n} 行", now)
            regs += [reg] if reg else []
            problems += [problem] if problem else []
    return regs, problems


def _matches(reg: Registration, sub: Submission) -> bool:
    """A registration names a file, or a container and so everything in it."""
    return sub.name == reg.file or sub.name.startswith(reg.file + "/")


def _described(reg: Registration, hits: list[Submission]) -> list[Submission]:
    """The arrivals a registration is about: per name, the earliest one first seen at or after
    the registered time (never later than the run that saw it; a name sent again later, say
    the original after a correction, is a new arrival with its own receipt)."""
    chosen: dict[str, Submission] = {}
    for s in sorted(hits, key=lambda s: (parse_time(s.first_seen), s.id)):
        if reg.received_at <= parse_time(s.first_seen):
            chosen.setdefault(s.name, s)
    return list(chosen.values())


def apply_registrations(ledger: Ledger, regs: list[Registration]) -> list[Problem]:
    """Registrations become receipts: earlier than the recorded evidence, never later than the
    run that first saw the file. A registration that names nothing in the ledger is reported."""
    problems: list[Problem] = []
    subs = ledger.submissions()
    for reg in regs:
        hits = [s for s in subs if _matches(reg, s)]
        if not hits:
            message = f"{reg.where}：登记的文件“{reg.file}”在收件箱中没有找到（请核对文件名）。"
            problems.append(warning("receipt-unknown-file", message, file=reg.file))
        for s in _described(reg, hits):
            at = reg.received_at
            earlier = s.received_from == REGISTERED or at < parse_time(s.arrived)
            if earlier and iso(at) != s.arrived:
                ledger.register(s.id, iso(at))
    return problems
