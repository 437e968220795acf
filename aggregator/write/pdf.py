"""The PDF of a workbook through LibreOffice headless (what goes upward by email)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from aggregator.read.convert import soffice


class PdfUnavailable(Exception):
    """LibreOffice is not installed, or did not produce the PDF in time."""


def to_pdf(book: Path, out_dir: Path, *, timeout: float = 300.0) -> Path:
    """Convert ``book`` to ``out_dir/<stem>.pdf`` with a private LibreOffice profile."""
    exe = soffice()
    if exe is None:
        raise PdfUnavailable(
            "未安装 LibreOffice（soffice），无法生成 PDF；请用 Excel/WPS 另存为 PDF。"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="aggregator-lo-") as profile:
        cmd = [
            exe,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(book),
        ]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise PdfUnavailable(f"LibreOffice 在 {timeout:.0f} 秒内未完成转换。") from None
        except subprocess.CalledProcessError as e:
            raise PdfUnavailable(
                f"LibreOffice 转换失败：{e.stderr.decode(errors='replace')[:200]}"
            ) from None
    pdf = out_dir / f"{book.stem}.pdf"
    if not pdf.exists():
        raise PdfUnavailable("LibreOffice 未生成 PDF。")
    return pdf
