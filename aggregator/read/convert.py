"""Old Word (``.doc``) and WPS (``.wps``) files converted to ``.docx`` by LibreOffice.

LibreOffice runs headless with a private, throw-away profile, a time limit and an address-space
limit, in its own process group (killed whole on timeout) and dies with the reader worker that
started it. Without LibreOffice such a file is refused with a message telling how to save it as
``.docx``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from aggregator.aside import parent_death_signal
from aggregator.read.grid import UnreadableFile

CONVERT_MEMORY_MB = 1024
SAVE_AS_DOCX = (
    "请在 Word 或 WPS 中打开此文件，点“文件 → 另存为”，保存类型选“Word 文档（*.docx）”，"
    "然后报送另存的 .docx 文件。"
)
_OLD_NAMES = {"doc": "旧版 Word 文档（.doc）", "wps": "WPS 文字文档（.wps）"}


def soffice() -> str | None:
    """Path of LibreOffice's ``soffice`` if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def refusal(kind: str) -> str:
    """What to tell the sender when a .doc/.wps cannot be converted here."""
    what = _OLD_NAMES.get(kind, "旧版 Word 文档")
    return f"这是{what}，本机无法读取这种旧格式。{SAVE_AS_DOCX}"


def _limits(memory_mb: int) -> None:  # pragma: no cover - runs in the child before exec
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, OSError, ValueError):
        pass
    parent_death_signal()  # Linux: die with the worker that started us


def convert_to_docx(
    path: Path, kind: str, workdir: Path, *, timeout: float, memory_mb: int = CONVERT_MEMORY_MB
) -> Path:
    """Convert ``path`` into ``workdir``/converted.docx; :class:`UnreadableFile` if not possible."""
    exe = soffice()
    if exe is None:
        raise UnreadableFile(refusal(kind))
    src = workdir / f"source.{kind if kind in _OLD_NAMES else 'doc'}"
    shutil.copyfile(path, src)
    outdir = workdir / "out"
    outdir.mkdir()
    profile = workdir / "profile"
    cmd = [
        exe,
        "--headless",
        "--norestore",
        "--nologo",
        "--nolockcheck",
        "--nodefault",
        f"-env:UserInstallation={profile.as_uri()}",
        "--convert-to",
        "docx:MS Word 2007 XML",
        "--outdir",
        str(outdir),
        str(src),
    ]
    env = {**os.environ, "HOME": str(workdir), "TMPDIR": str(workdir)}
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=workdir,
        start_new_session=True,
        preexec_fn=lambda: _limits(memory_mb),  # noqa: PLW1509 - single-threaded worker
    )
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise UnreadableFile(
            f"转换此文件超过 {timeout:.0f} 秒仍未完成，未读取。{SAVE_AS_DOCX}"
        ) from None
    finally:
        _kill(proc)
    out = outdir / "source.docx"
    if not out.is_file() or out.stat().st_size == 0:
        raise UnreadableFile(f"此文件无法转换为 .docx（可能已损坏或已加密）。{SAVE_AS_DOCX}")
    return out


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """End the converter's whole process group (LibreOffice may leave helpers)."""
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def converted_copy(
    path: Path, kind: str, timeout: float
) -> tuple[tempfile.TemporaryDirectory[str], Path]:
    """A temporary folder holding the ``.docx`` conversion of ``path`` (caller cleans it up)."""
    tmp = tempfile.TemporaryDirectory(prefix="aggregator-word-")
    try:
        return tmp, convert_to_docx(path, kind, Path(tmp.name), timeout=timeout)
    except BaseException:
        tmp.cleanup()
        raise
