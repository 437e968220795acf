"""The readers' versions, summed into the ledger's fingerprint: bumping one reads every cached
reading again. Kept apart from the readers so that a run with nothing to read loads none of them."""

from __future__ import annotations

# 2: no refusal for an unknown period; 3: Word returns read; 4: A1–A3; 5: open errors named,
# exact big numbers
READER_VERSION = "5"

# Bumped when reading Attachments 1–3 changes. 2: Word tables joined, lists, （√） boxes;
# 3: Word symbol-font check boxes (wordgrid), dates written 2020.05.
APP_READER_VERSION = "3"
