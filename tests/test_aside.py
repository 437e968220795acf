"""Work done beside the run in a forked child: done there when it can be, here when the child
cannot be forked, fails or is killed, never lost (the summary JSON is written this way)."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import province as pv
import pytest
from conftest import h1_run

from aggregator.aside import Aside
from aggregator.runs import run_summary

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A province's half-year returns."""
    box = tmp_path_factory.mktemp("aside") / "inbox"
    pv.half_year(box)
    return box


def test_the_child_does_the_work_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "x.txt"
    aside = Aside(lambda: out.write_text("beside", encoding="utf-8"))
    assert aside.pid is not None and aside.pid != os.getpid()
    assert aside.done() is True
    assert out.read_text(encoding="utf-8") == "beside"
    assert aside.done() is False  # waited for once: nothing more to wait for


def test_a_child_that_fails_or_dies_leaves_the_work_to_the_caller(tmp_path: Path) -> None:
    def fails() -> None:
        raise OSError(28, "No space left on device")

    assert Aside(fails).done() is False
    assert Aside(lambda: os.kill(os.getpid(), signal.SIGKILL)).done() is False
    assert Aside(lambda: os._exit(3)).done() is False


def test_disabled_or_cancelled_work_is_not_done(tmp_path: Path) -> None:
    out = tmp_path / "x.txt"
    off = Aside(lambda: out.write_text("no", encoding="utf-8"), enabled=False)
    assert off.pid is None and off.done() is False and not out.exists()
    slow = Aside(lambda: os.system("sleep 30"))
    slow.cancel()
    assert slow.done() is False
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left behind


def test_the_json_is_written_when_the_child_writing_it_is_killed(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A killed child is the machine's failure: the run writes the JSON itself, the same."""
    import aggregator.write.jsonout as jsonout

    real, parent = jsonout.scrubbed_json, os.getpid()

    def killed_in_the_child(doc: object) -> str:
        if os.getpid() != parent:
            (tmp_path / "child-was-here").touch()
            os.kill(os.getpid(), signal.SIGKILL)
        return real(doc)

    docs = []
    for name in ("plain", "killed"):
        if name == "killed":
            monkeypatch.setattr(jsonout, "scrubbed_json", killed_in_the_child)
        assert run_summary(h1_run(inbox, tmp_path, name)).facts is not None
        docs.append(json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8")))
        assert not list(tmp_path.glob(".*.tmp"))
    plain, killed = docs
    assert (tmp_path / "child-was-here").exists()  # the child did start on it, and died
    assert killed["province"] == plain["province"] and killed["counties"] == plain["counties"]


def test_a_child_ends_with_the_run_killed_alone(tmp_path: Path) -> None:
    """The run is killed alone (kill -9 of its process): its child does not write on, nor keep
    the run's files (its lock) open."""
    from orphans import children_outlive_a_kill

    script = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from aggregator.aside import Aside\n"
        "out = Path(sys.argv[1])\n"
        "def work():\n"
        "    (out / f'{os.getpid()}.pid').write_text(str(os.getpid()))\n"
        "    time.sleep(60)\n"
        "Aside(work)\n"
        "time.sleep(60)\n"
    )
    assert children_outlive_a_kill(script, tmp_path / "pids") == []


@pytest.mark.parametrize("pidfd", [True, False])
def test_a_child_stopped_or_stuck_is_not_waited_for_ever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pidfd: bool
) -> None:
    """A child stopped (SIGSTOP) or stuck does not hold the run, and its lock, for ever: past
    the wait it is killed and the caller does the work itself."""
    import time

    if not pidfd:
        monkeypatch.delattr(os, "pidfd_open", raising=False)
    stuck = Aside(lambda: os.kill(os.getpid(), signal.SIGSTOP))
    t = time.monotonic()
    assert stuck.done(timeout=0.5) is False
    assert time.monotonic() - t < 5
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # killed and reaped: no child left behind
    quick = Aside(lambda: None)
    assert quick.done(timeout=30) is True
