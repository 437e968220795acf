"""Personal data: identity and bank numbers are kept and shown only masked (last four characters).

Attachment 3 holds identity-document numbers and bank accounts. A record keeps a ``Secret``: the
masked form for display and a salted sha256 of the full number for telling whether two forms are
about the same expert. The full number is never stored, so it cannot reach the ledger, JSON,
workbooks or the terminal. ``scrub`` masks number-like strings in any text as a last guard.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEEP = 4
SALT_FILE = "privacy-salt"
DEFAULT_SALT = b"aggregator-default-salt"

# An identity number (18 characters, the last a digit or X; or the old 15 digits), or a long run
# of digits, possibly grouped by spaces or hyphens, as bank accounts are written (12–30 digits).
# The last character may be X however the number is grouped (330102 19900101 123X).
_CANDIDATE = re.compile(
    r"(?<![\dA-Za-zＡ-Ｚａ-ｚ])\d[\d \-\u3000]{9,40}[\dXxＸｘ](?![\dA-Za-zＡ-Ｚａ-ｚ])"
)
_MIN_DIGITS = 12  # a run of 12–14 digits not starting with 0 (not a telephone number)
_ALWAYS_DIGITS = 15  # 15 digits and more, however grouped


def compact(raw: object) -> str:
    """The number as one string: full-width → half-width, no spaces or hyphens, X upper case."""
    s = unicodedata.normalize("NFKC", "" if raw is None else str(raw))
    return re.sub(r"[\s\-]", "", s).upper()


def mask(raw: object, keep: int = KEEP) -> str:
    """``**************1234``: stars for all but the last ``keep`` characters (all stars if short)."""
    s = compact(raw)
    if not s:
        return ""
    if len(s) <= keep:
        return "*" * len(s)
    return "*" * (len(s) - keep) + s[-keep:]


def digest(raw: object, salt: bytes) -> str:
    """Salted sha256 (hex) of the compact number: equal numbers give equal digests."""
    return hashlib.sha256(salt + compact(raw).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Secret:
    """A personal number as the toolkit keeps it: masked, plus a salted hash of the full value."""

    masked: str
    digest: str

    @classmethod
    def of(cls, raw: object, salt: bytes) -> Secret | None:
        """The secret of a number as written, or None when it is blank."""
        if not compact(raw):
            return None
        return cls(mask(raw), digest(raw, salt))

    def __str__(self) -> str:
        return self.masked

    def to_json(self) -> dict[str, str]:
        """What a cache or JSON may hold."""
        return {"masked": self.masked, "digest": self.digest}


def load_salt(state_dir: Path | None = None) -> bytes:
    """The installation's salt: ``AGGREGATOR_SALT``, else ``<state>/privacy-salt`` (created owner-only).

    Without either (tests, one-off checks) a fixed salt is used: digests are then comparable within
    a run but guessable, so a real run passes its state folder.
    """
    env = os.environ.get("AGGREGATOR_SALT")
    if env:
        return env.encode("utf-8")
    if state_dir is None:
        return DEFAULT_SALT
    path = state_dir / SALT_FILE
    if not path.is_file():
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip().encode("ascii")


def _mask_match(m: re.Match[str]) -> str:
    """Mask an identity number (15 or 18 characters) or a bank account (15 digits and more, or
    12–14 digits in one run); leave a telephone number with its area code (0571-87654321)."""
    s = m.group(0)
    digits = sum(ch.isdigit() for ch in s)
    last = compact(s)[-1:]
    if digits >= _ALWAYS_DIGITS or (digits >= 14 and last == "X"):
        return mask(s)
    if digits >= _MIN_DIGITS and s.isdigit() and not s.startswith("0"):
        return mask(s)
    return s


def scrub(text: str) -> str:
    """The text with every identity-number- or bank-number-like string masked (last four kept)."""
    if not text or len(text) < _SHORTEST:
        return text  # too short to hold a candidate (nothing shorter is ever masked)
    if type(text) is not str:  # a str subclass (an enum) is not confused with a plain string
        return _CANDIDATE.sub(_mask_match, text) if _CANDIDATE.search(text) else text
    return _scrub_long(text)


_SHORTEST = 11  # a candidate: a digit, 9 or more digits or separators, a digit or X


@functools.lru_cache(maxsize=1 << 16)
def _scrub_long(text: str) -> str:
    """:func:`scrub` of a text long enough to hold a candidate; the same strings (cities,
    statuses, file names) come again and again, so the answers are remembered."""
    if _CANDIDATE.search(text) is None:
        return text  # what ``sub`` would return, without building a new string
    return _CANDIDATE.sub(_mask_match, text)


def scrub_obj(obj: Any) -> Any:
    """A copy of a JSON-like value (dicts, lists, strings) with every string scrubbed."""
    kind = type(obj)
    if kind is str:
        return scrub(obj)
    if kind is dict:
        return {k: scrub_obj(v) for k, v in obj.items()}
    if kind is list or kind is tuple:
        return [scrub_obj(v) for v in obj]
    if isinstance(obj, str):
        return scrub(obj)
    if isinstance(obj, dict):
        return {k: scrub_obj(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [scrub_obj(v) for v in obj]
    return obj
