"""The notice's quotas, one small class each: its label, minimum and data source come from the
policy file; each judges one county or city and says why (达标, 未达标 with the shortfall, 无法核验)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from aggregator.judge.merge import CityFacts, CountyFacts
from aggregator.period import Period
from aggregator.rulebook.policy import Policy
from aggregator.vocab import ACTIVITIES_DONE

OK, SHORT, UNKNOWN, NOT_APPLICABLE = "达标", "未达标", "无法核验", "不适用"


@dataclass
class QuotaRow:
    """One county's or city's verdict on one quota."""

    city: str
    county: str
    quota: str
    required: int
    actual: int | None
    status: str
    shortfall: int | None
    note: str
    source: str = ""


def verdict_row(
    city: str,
    county: str,
    quota: str,
    need: int,
    have: int | None,
    ok: bool | None,
    *,
    note: str = "",
    source: str = "",
    why_unknown: str = "尚未报送",
) -> QuotaRow:
    """A quota row from a verdict: 无法核验 when it cannot be told (``ok`` is None)."""
    status = UNKNOWN if ok is None else OK if ok else SHORT
    if ok is None:
        note = f"{why_unknown}，无法核验" + (f"；{note}" if note else "")
    return QuotaRow(
        city,
        county,
        quota,
        need,
        have,
        status,
        (need - have) if ok is False and have is not None else None,
        note,
        source,
    )


class CountyActivities:
    """各县（市、区）全年至少开展 N 场活动: the plan's rows (H1), the completed count (FY)."""

    name = "county_activities"

    def __init__(self, policy: Policy) -> None:
        self.minimum = policy.county_min_activities
        self.text = policy.quota_text[self.name]

    def judge(self, c: CountyFacts, period: Period, plans: Collection[str | None]) -> QuotaRow:
        """The county's verdict (also sets ``activities_ok``)."""
        why = "尚未报送"
        if period.is_whole:
            have = c.metrics[ACTIVITIES_DONE] if c.metrics else None
            c.activities_ok = None if have is None else have >= self.minimum
            label, source = self.text["label_done"], self.text["source_done"]
            note = f"计划 {c.planned_activities} 场"
            if c.reported:  # the count left blank: not a return still owed
                why = "已报送但未填写该数"
        else:
            have = c.planned_activities
            c.activities_ok = have >= self.minimum if c.city in plans else None
            label, source, note = self.text["label_plan"], self.text["source_plan"], ""
        return verdict_row(
            c.city, c.county, label, self.minimum, have, c.activities_ok,
            note=note, source=source, why_unknown=why,
        )  # fmt: skip


class JointActivities:
    """沿海县（市、区）与对口结对地区全年至少联办 N 场活动: plan rows naming both sides.

    It applies to a county the pairing file pairs, to every mountain county, and to a coastal
    county whose plan names a mountain co-host (a mountain and a coastal county together are a
    joint activity on its face); it cannot be told for a county without joint activities whose
    pair is unknown, or whose side's plans have not arrived."""

    name = "joint_activities"

    def __init__(self, policy: Policy, city_of: dict[str, str]) -> None:
        self.minimum = policy.coastal_min_joint_activities
        self.policy = policy
        self.text = policy.quota_text[self.name]
        self.city_of = city_of

    def judge(self, c: CountyFacts, plans: Collection[str | None]) -> QuotaRow:
        """The county's verdict (also sets ``joint_applies`` and ``joint_ok``)."""
        mates = list(dict.fromkeys([*c.paired_with, *c.joint_unlisted]))
        label = f"{self.text['label']}（{'、'.join(mates)}）" if mates else self.text["label"]
        c.joint_applies = bool(c.paired_with) or c.mountain or c.joint_activities > 0
        if not c.joint_applies:
            c.joint_ok = None
            return QuotaRow(
                c.city, c.county, label, self.minimum, None, NOT_APPLICABLE, None,
                self.text["note_not_applicable"], self.text["source"],
            )  # fmt: skip
        sides = {c.city} | {self.city_of[p] for p in c.paired_with}
        if c.joint_activities >= self.minimum:
            c.joint_ok = True
        elif not c.paired_with or not (sides & set(plans)):
            c.joint_ok = None
        else:
            c.joint_ok = False
        row = verdict_row(
            c.city, c.county, label, self.minimum, c.joint_activities, c.joint_ok,
            source=self.text["source"],
        )  # fmt: skip
        row.note = "；".join(self._notes(c))
        return row

    def _notes(self, c: CountyFacts) -> list[str]:
        notes = []
        if c.joint_ok is None:
            notes.append(self.text["note_pair_unknown" if not c.paired_with else "note_no_plan"])
        if c.joint_unlisted:
            notes.append(
                f"与{'、'.join(c.joint_unlisted)}联办的活动已计入（该结对不在结对名单中，请核实）"
            )
        return notes


class DemoTeam:
    """每市创建示范团，并开展 N 次以上活动: plan rows marked as the city's demonstration team."""

    name = "demo_team"

    def __init__(self, policy: Policy) -> None:
        self.minimum = policy.city_min_demo_team_activities
        self.text = policy.quota_text[self.name]

    def judge(self, c: CityFacts, plans: Collection[str | None]) -> QuotaRow:
        """The city's verdict (also sets ``demo_team_ok``)."""
        c.demo_team_ok = c.demo_team_activities >= self.minimum if c.city in plans else None
        return verdict_row(
            c.city,
            "",
            self.text["label"],
            self.minimum,
            c.demo_team_activities if c.demo_team_ok is not None else None,
            c.demo_team_ok,
            source=self.text["source"],
        )
