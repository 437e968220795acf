"""Text normalisation shared by every comparison of what people typed."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


def norm(value: object) -> str:
    """Comparable form of a cell's text: NFKC (full-width → half-width), no white space at all."""
    if value is None:
        return ""
    s = unicodedata.normalize("NFKC", str(value))
    return _SPACE.sub("", s)


def clean(value: object) -> str:
    """Display form of a cell's text: trimmed, inner runs of white space folded to one space."""
    if value is None:
        return ""
    return _SPACE.sub(" ", str(value)).strip()
