"""Annotated copies of Word returns: each problem as a Word comment at its cell, and the list
of problems at the top of the document.

Identity and bank numbers in the copy are masked. The original is never opened for writing: a ``.docx`` is copied first (a ``.doc``/``.wps`` is
converted into a temporary folder), and the copy is edited with python-docx.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

import docx
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor

from aggregator.period import period_label
from aggregator.privacy import scrub
from aggregator.problems import SEVERITY_LABEL, Problem
from aggregator.read.returns import ReturnRead
from aggregator.store.atomic import atomic_path
from aggregator.write.problemlist import instruction

AUTHOR = "汇总工具"
INITIALS = "HZ"
FILL = {"error": "FFC7CE", "warning": "FFEB9C"}
COLOUR = {"error": RGBColor(0xC0, 0x00, 0x00), "warning": RGBColor(0x9C, 0x57, 0x00)}
CONVERT_TIMEOUT = 60.0
_PLACE = re.compile(r"^表(\d+) 第(\d+)行第(\d+)列$")


def annotated_word_name(label: str) -> str:
    """Name of the annotated copy: the dropped file's own name, as ``.docx``."""
    stem = PurePosixPath(label).name.rsplit(".", 1)[0] or "报表"
    stem = "".join(ch for ch in stem if ch not in '\\/:*?"<>|\x00').strip(". ") or "报表"
    return f"{stem}_问题标注.docx"


def cell_at(doc: Any, place: str) -> Any | None:
    """The table cell a problem location ``表1 第3行第5列`` names, or None."""
    m = _PLACE.match(place)
    if not m:
        return None
    t, r, c = (int(x) - 1 for x in m.groups())
    tables = doc.tables
    if not 0 <= t < len(tables):
        return None
    rows = tables[t].rows
    if not 0 <= r < len(rows):
        return None
    cells = rows[r].cells
    return cells[c] if 0 <= c < len(cells) else None


def _shade(cell: Any, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    for old in tcpr.findall(qn("w:shd")):
        if old.get(qn("w:fill")) == FILL["error"]:
            return  # an error's colour stays
        tcpr.remove(old)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _comment(doc: Any, p: Problem) -> bool:
    """Put one problem as a comment on its cell; False if the cell is not found."""
    cell = cell_at(doc, p.cell)
    if cell is None:
        return False
    para = cell.paragraphs[0]
    runs = [r for r in para.runs if r.text]
    if not runs:  # an empty cell: anchor on a no-break space (read back as blank)
        runs = [para.add_run("\u00a0")]
    doc.add_comment(
        runs, text=f"{SEVERITY_LABEL[p.severity]}：{p.message}", author=AUTHOR, initials=INITIALS
    )
    _shade(cell, FILL[p.severity])
    return True


def scrub_document(doc: Any) -> None:
    """Mask identity and bank numbers in every paragraph of the body (tables included), of
    every header and footer, and in the document's properties: a paragraph whose text changes
    gets the masked text in its first run, the others emptied."""
    for root in _text_roots(doc):
        for para in root.iter(qn("w:p")):
            texts = list(para.iter(qn("w:t")))
            whole = "".join(t.text or "" for t in texts)
            masked = scrub(whole)
            if masked == whole or not texts:
                continue
            texts[0].text = masked
            for t in texts[1:]:
                t.text = ""
        for deleted in root.iter(qn("w:delText")):  # tracked deletions keep their text
            deleted.text = scrub(deleted.text or "")
    props = doc.core_properties
    for name in ("title", "subject", "author", "keywords", "comments", "last_modified_by"):
        value = getattr(props, name, None)
        if value:
            setattr(props, name, scrub(value))


def _text_roots(doc: Any) -> Any:
    """The body, then the XML of every header and footer part (all sections, first-page and
    even-page ones included)."""
    yield doc.element.body
    for part in doc.part.package.iter_parts():
        name = str(part.partname)
        if name.startswith(("/word/header", "/word/footer")) and hasattr(part, "element"):
            yield part.element


def _problem_list(
    doc: Any, result: ReturnRead, placed: int, resend_by: dt.date | None = None
) -> None:
    """The list of problems (errors first) on a page of its own at the top of the document."""
    problems = sorted(result.problems, key=lambda p: p.severity != "error")
    errors = sum(1 for p in problems if p.severity == "error")
    paras = []
    head = doc.add_paragraph()
    run = head.add_run(f"问题清单：错误 {errors} 个，提醒 {len(problems) - errors} 个")
    run.bold = True
    paras.append(head)
    paras.append(
        doc.add_paragraph(
            f"文件：{PurePosixPath(result.file).name}　设区市：{result.city or '未能确定'}"
            f"　期次：{period_label(result.period)}"
        )
    )
    note = "（汇总工具生成的标注副本，原文件未改动。"
    note += f"其中 {placed} 个问题已用批注标在表格相应单元格。）" if placed else "）"
    paras.append(doc.add_paragraph(note))
    ask = doc.add_paragraph()
    ask.add_run(instruction(resend_by)).bold = True
    paras.append(ask)
    for i, p in enumerate(problems, start=1):
        para = doc.add_paragraph()
        tag = para.add_run(f"{i}．【{SEVERITY_LABEL[p.severity]}】")
        tag.bold = True
        tag.font.color.rgb = COLOUR[p.severity]
        where = "" if not p.cell or p.message.startswith(p.cell) else f"{p.cell}："
        para.add_run(f"{where}{p.message}")
        paras.append(para)
    end = doc.add_paragraph()
    end.add_run().add_break(WD_BREAK.PAGE)  # the return itself starts on a page of its own
    paras.append(end)
    body = doc.element.body
    for para in reversed(paras):
        body.remove(para._p)
        body.insert(0, para._p)


def write_annotated_word(
    path: Path, result: ReturnRead, out_dir: Path, *, resend_by: dt.date | None = None
) -> Path | None:
    """Write the annotated ``.docx`` copy of a Word return; None if it has no problems or
    the file cannot be opened as Word (the caller then writes the Excel problem list)."""
    if not result.problems:
        return None
    with tempfile.TemporaryDirectory(prefix="aggregator-annotate-") as tmpd:
        work = Path(tmpd)
        try:
            if result.kind == "docx":
                copy = work / "copy.docx"
                shutil.copyfile(path, copy)
            else:
                from aggregator.read.convert import convert_to_docx

                copy = convert_to_docx(path, result.kind, work, timeout=CONVERT_TIMEOUT)
            doc = docx.Document(str(copy))
        except Exception:  # conversion refused, or python-docx cannot open it
            return None
        scrub_document(doc)
        placed = sum(1 for p in result.problems if _comment(doc, p))
        _problem_list(doc, result, placed, resend_by)
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / annotated_word_name(result.file)
        with atomic_path(target) as tmp:
            doc.save(str(tmp))
    return target
