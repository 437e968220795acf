"""Attachments 1–3 met by the reader: a file (Excel or Word) holding no Attachment 4/5 table is
searched for the label/value forms of 附件1–3; what they give joins the ``ReturnRead``.

A file may hold several forms (of one or more attachments; in Word, a table holding no form's
first label continues the table before it, so a form over two pages is one form): each becomes
one record (as JSON,
identity and bank numbers masked with a salted hash) in ``ReturnRead.applications``. The file's
``form`` is the attachment most of its forms are, its ``city`` the city most of them name, its
``period`` the plan year (Attachments 1–3 are due once a year, by ``deadlines.applications``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from aggregator.cells import cell_labels
from aggregator.problems import Problem
from aggregator.read.appmodels import Application, from_json
from aggregator.read.grid import SheetGrid
from aggregator.read.returns import ReturnRead, SheetNote
from aggregator.rulebook import Context
from aggregator.rulebook.appforms import APP_FORMS, AppForm, default_app_forms

# The judge (main process) needs only is_application and records_of: the form readers and
# python-docx are loaded by the functions that read, in the reader workers.
if TYPE_CHECKING:
    from aggregator.read.wordgrid import WordGrid


def is_application(form: str | None) -> bool:
    """Whether a form code is one of Attachments 1–3."""
    return form in APP_FORMS


def records_of(read: ReturnRead) -> list[Application]:
    """The typed records of Attachments 1–3 one reading holds (none for A4/A5)."""
    return [from_json(d) for d in read.applications]


def read_application_forms(
    out: ReturnRead, grids: Sequence[SheetGrid], label: str, ctx: Context
) -> bool:
    """Read every A1–A3 form of the visible grids into ``out``; False when there is none."""
    from aggregator.read.applications import read_applications

    forms = default_app_forms()
    records: list[Application] = []
    problems: list[Problem] = []
    for g in joined_word_tables(grids, forms):
        if not g.visible:
            continue
        with cell_labels(getattr(g, "label", None)):  # Word tables name cells 表1 第3行第5列
            got = read_applications([g], label, ctx.registry, ctx.salt, forms)
        if got.records:
            out.sheets = [s for s in out.sheets if s.name != g.name]
            out.sheets.append(SheetNote(g.name, "read", got.records[0].form, got.records[0].cell))
            out.sheets[-1].rows_read = len(got.records)
        records.extend(got.records)
        problems.extend(got.problems)
    if not records:
        return False
    out.form = Counter(r.form for r in records).most_common(1)[0][0]
    cities = Counter(r.city for r in records if r.city)
    out.city = cities.most_common(1)[0][0] if cities else None
    if out.city:  # a form naming no city is the city's the file's other forms name
        records = [r if r.city else replace(r, city=out.city) for r in records]
        problems = [p for p in problems if p.code != "application-city-unknown"]
    out.applications = [r.to_json() for r in records]
    out.problems.extend(p.located(city=out.city or "") for p in problems)
    out.period = str(ctx.policy.year)
    out.year = ctx.policy.year
    out.title = _title(records)
    _contact(out, records)
    if out.city is None:
        name = PurePosixPath(label).name
        out.rejected = True
        out.reason = f"{name}：无法判断申报材料属于哪个市。"
        out.add(
            "error",
            "city-unknown",
            "无法判断申报材料属于哪个市：请在“填报市局（盖章）”或“申报地区”中填写市名（如“杭州市”），或在文件名中写明。",
        )
    return True


def joined_word_tables(grids: Sequence[SheetGrid], forms: dict[str, AppForm]) -> list[SheetGrid]:
    """A Word document's tables with each table holding no form's anchor label (姓名, 项目名称,
    基地名称) joined to the table before it: a form printed over two pages is often two tables
    of different widths. Cells keep their names (``表2 第3行第1列``); spreadsheets are left as
    they are."""
    from aggregator.read.applications import recognise
    from aggregator.read.wordgrid import WordGrid

    out: list[SheetGrid] = []
    for g in grids:
        last = out[-1] if out else None
        if isinstance(last, WordGrid) and isinstance(g, WordGrid) and not recognise(g, forms):
            out[-1] = _join(last, g)
        else:
            out.append(g)
    return out


def _join(a: WordGrid, b: WordGrid) -> WordGrid:
    """A new grid: ``b``'s rows under ``a``'s, merges and cell names moved along."""
    from aggregator.read.wordgrid import WordGrid

    top = len(a.rows)
    return WordGrid(
        a.name, a.visible, [list(r) for r in a.rows] + [list(r) for r in b.rows],
        list(a.merged) + [(r1 + top, c1, r2 + top, c2) for r1, c1, r2, c2 in b.merged],
        {**a.places, **{r + top: place for r, place in b.places.items()}},
    )  # fmt: skip


def _title(records: list[Application]) -> str:
    labels = {
        "A1": "示范团项目申报表",
        "A2": "国家级专家服务基地申报表",
        "A3": "重点联系专家推荐表",
    }
    count = Counter(r.form for r in records)
    return "、".join(f"{labels[f]} {n} 份" for f, n in sorted(count.items()))


def _contact(out: ReturnRead, records: list[Application]) -> None:
    """The office contact of an A1/A2 form (never an expert's own mobile from A3); for A2 the
    cover's 联系人/联系电话 when the form's own contact lines are blank."""
    for r in records:
        person = str(getattr(r, "contact", "") or getattr(r, "cover_contact", "") or "")
        phone = str(
            getattr(r, "office_phone", "")
            or getattr(r, "mobile", "")
            or getattr(r, "cover_phone", "")
            or ""
        )
        if r.form != "A3" and (person or phone):
            out.contact_person, out.contact_phone = person, phone
            return
