"""Findings of an adversarial probe of resends, personal data and the state folder, each kept as
a test: what people really do (a state folder opened up with ``chmod -R``, an identity number in
a file name) must not undo what the README promises."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import province as pv
from appfiles import xlsx_forms
from conftest import summary_args
from test_applications import expert
from typer.testing import CliRunner

from aggregator.cli import app

ID = "330106198001011234"
MASKED = "**************1234"


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_a_run_restores_owner_only_below_the_state_folder(tmp_path: Path) -> None:
    """README: the state folder, blobs/ and its sub-folders 0700, the copies 0600, restored by
    every run. A state folder opened up with ``chmod -R`` (or copied with a wide umask) must be
    closed again to its last copy, the journal and the salt (a known salt unmasks digests)."""
    inbox, state = tmp_path / "inbox", tmp_path / "state"
    pv._a5(inbox, "宁波市", "上半年", pv.h1_value)
    args = summary_args(inbox, state, tmp_path / "out", now="2023-06-05T10:00")
    assert CliRunner().invoke(app, args).exit_code == 0
    for p in [state, *state.rglob("*")]:
        os.chmod(p, 0o777 if p.is_dir() else 0o666)
    (state / "说明.txt").write_text("not the toolkit's")  # someone else's file stays as it is
    os.chmod(state / "说明.txt", 0o644)
    assert CliRunner().invoke(app, args).exit_code == 0
    wide = [
        (p.relative_to(tmp_path).as_posix(), oct(_mode(p)))
        for p in [state, *state.rglob("*")]
        if _mode(p) & 0o077
    ]
    assert wide == [("state/说明.txt", "0o644")]


def _id_named(folder: Path) -> Path:
    return xlsx_forms(
        folder / f"张三{ID}推荐表.xlsx", {"专家1": expert("张三", "浙江大学", "教授", ID)}
    )


def test_check_never_shows_an_identity_number_from_a_file_name(tmp_path: Path) -> None:
    """People name an expert's form after the expert, number included: the terminal, check
    --json and the annotated copy's own file name show it masked."""
    path = _id_named(tmp_path / "in")
    bad = tmp_path / "in" / f"坏{ID}.xlsx"
    bad.write_bytes(b"not a workbook")
    runner = CliRunner()
    shown = runner.invoke(app, ["check", str(path), str(bad), "--annotate", str(tmp_path / "ann")])
    assert ID not in shown.output and MASKED in shown.output
    copies = [p.name for p in (tmp_path / "ann").iterdir()]
    assert len(copies) == 2 and all(ID not in n for n in copies), copies
    as_json = runner.invoke(app, ["check", "--json", str(path)])
    assert ID not in as_json.output
    assert json.loads(as_json.output)[0]["file"].endswith(f"张三{MASKED}推荐表.xlsx")


def test_intake_and_summary_terminal_mask_file_names(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    _id_named(inbox)
    outside = tmp_path / f"外部{ID}.xlsx"
    outside.write_bytes(b"x")
    (inbox / f"链接{ID}.xlsx").symlink_to(outside)  # a warning naming the file
    old = 1_600_000_000
    for p in inbox.iterdir():
        os.utime(p, (old, old), follow_symlinks=False)
    runner = CliRunner()
    took = runner.invoke(app, ["intake", "--inbox", str(inbox), "--state", str(tmp_path / "s")])
    assert took.exit_code == 0, took.output
    assert ID not in took.output and MASKED in took.output
    args = summary_args(inbox, tmp_path / "s", tmp_path / "out", now="2023-06-05T10:00")
    done = runner.invoke(app, args)
    assert done.exit_code == 0 and ID not in done.output


def test_summary_outputs_mask_an_identity_number_in_a_file_name(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    _id_named(inbox / "杭州市")
    js = tmp_path / "s.json"
    out = tmp_path / "out" / "r.xlsx"
    args = summary_args(inbox, tmp_path / "s", out, json_out=js, now="2023-03-05T10:00")
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert ID not in js.read_text(encoding="utf-8")
    with zipfile.ZipFile(out) as zf:
        for member in zf.namelist():
            assert ID not in zf.read(member).decode("utf-8", "replace"), member


def test_annotated_copy_masks_an_identity_number_in_a_sheet_name(tmp_path: Path) -> None:
    """An expert's sheet named after the expert, number included: neither the annotated copy's
    sheet title nor its 问题清单 shows the number in full."""
    rows = expert("张三", "浙江大学", "工程师", ID)  # a title below 副高级: a warning on the sheet
    path = xlsx_forms(tmp_path / "a.xlsx", {f"张三{ID}": rows})
    done = CliRunner().invoke(app, ["check", str(path), "--annotate", str(tmp_path / "ann")])
    assert ID not in done.output
    (copy,) = (tmp_path / "ann").iterdir()
    with zipfile.ZipFile(copy) as zf:
        leaks = [m for m in zf.namelist() if ID in zf.read(m).decode("utf-8", "replace")]
    assert leaks == []


def test_annotated_word_copy_masks_headers_footers_and_properties(tmp_path: Path) -> None:
    """A Word form with the number in its page header, a bank account in the footer and the
    expert in the document's title: the annotated copy masks all three."""
    import docx
    from appfiles import docx_forms

    path = docx_forms(tmp_path / "b.docx", [expert("张三", "浙江大学", "工程师", ID)])
    doc = docx.Document(str(path))
    doc.sections[0].header.paragraphs[0].text = f"推荐人身份证号 {ID}"
    doc.sections[0].footer.paragraphs[0].text = "银行账号 6222021234567890123"
    doc.core_properties.title = f"张三 {ID}"
    doc.save(str(path))
    CliRunner().invoke(app, ["check", str(path), "--annotate", str(tmp_path / "ann")])
    (copy,) = (tmp_path / "ann").iterdir()
    with zipfile.ZipFile(copy) as zf:
        text = "".join(zf.read(m).decode("utf-8", "replace") for m in zf.namelist())
    assert ID not in text and "6222021234567890123" not in text


def test_annotated_excel_copy_masks_page_headers_and_properties(tmp_path: Path) -> None:
    import openpyxl

    path = xlsx_forms(tmp_path / "a.xlsx", {"专家": expert("张三", "浙江大学", "工程师", ID)})
    wb = openpyxl.load_workbook(path)
    wb.active.oddHeader.center.text = f"身份证 {ID}"
    wb.properties.title = f"张三 {ID}"
    wb.save(path)
    CliRunner().invoke(app, ["check", str(path), "--annotate", str(tmp_path / "ann")])
    (copy,) = (tmp_path / "ann").iterdir()
    with zipfile.ZipFile(copy) as zf:
        text = "".join(zf.read(m).decode("utf-8", "replace") for m in zf.namelist())
    assert ID not in text
