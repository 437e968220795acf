"""The toolkit's shared vocabulary, defined once: form codes, statuses and unit keys."""

from __future__ import annotations

from enum import StrEnum


class Form(StrEnum):
    """The notice's five attachments, by the codes used in JSON, the ledger and the schemas."""

    DEMO_PROJECT = "A1"
    BASE = "A2"
    EXPERT = "A3"
    PLAN = "A4"
    RESULTS = "A5"


class Status(StrEnum):
    """What a run decided about a submission (the JSON's ``status``)."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    UNPACKED = "unpacked"

    @property
    def label(self) -> str:
        """How the workbook and the terminal say it."""
        return STATUS_LABELS[self]


STATUS_LABELS: dict[Status, str] = {
    Status.ACCEPTED: "已采用",
    Status.REJECTED: "拒收",
    Status.SUPERSEDED: "已被取代",
    Status.DUPLICATE: "重复报送",
    Status.IGNORED: "已忽略",
    Status.UNPACKED: "已解包",
}

CITY_OWN = "市本级"
"""A city's own unit: its 市本级 row of Attachment 5 and the city-level activities of a plan."""

# The two metrics the checks name: what the whole-year quota counts, and what must not be below it.
ACTIVITIES_DONE = "teams_completed"
EXPERT_VISITS = "expert_visits"


def unit_key(county: str | None, city: str | None) -> str:
    """The unit a row speaks for: the county's name, else ``市本级:<city>``."""
    return county or f"{CITY_OWN}:{city}"
