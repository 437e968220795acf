"""Where the data files live: the project's workbooks/ folder, else the copy in the package."""

from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent.parent
_PROJECT = _PKG.parent / "workbooks"


def data_dir(kind: str) -> Path:
    """Folder of one kind of data (reference, policy, schemas).

    A source checkout (or editable install) uses ``workbooks/<kind>`` so that the analyst's
    corrections take effect; an installed wheel uses the copy shipped inside the package;
    ``AGGREGATOR_DATA`` names another folder holding reference/, policy/ and schemas/.
    """
    override = os.environ.get("AGGREGATOR_DATA")
    if override:  # another set of data files (the benchmark's national reference, for one)
        return Path(override) / kind
    local = _PROJECT / kind
    if local.is_dir():
        return local
    return _PKG / "_data" / kind
