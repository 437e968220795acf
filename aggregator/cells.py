"""Excel cell addresses: column letters and A1 references, defined once."""

from __future__ import annotations


def col_letter(col: int) -> str:
    """0-based column index to Excel letters (0 → A)."""
    s = ""
    col += 1
    while col:
        col, r = divmod(col - 1, 26)
        s = chr(65 + r) + s
    return s


def col_number(letters: bytes | str) -> int:
    """Excel column letters to a 1-based number (A → 1)."""
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + ord(ch) - 64
    return n


def a1(row: int, col: int) -> str:
    """0-based row and column to an A1 address."""
    return f"{col_letter(col)}{row + 1}"
