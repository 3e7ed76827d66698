"""The runner: timeouts stop the whole process group and run the cleanup; secrets stay out of argv and output."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from bootstrap.errors import CommandFailed
from bootstrap.runner import Command, DryRunner, Runner
from bootstrap.secrets import Secret

pytestmark = pytest.mark.unit
PY = sys.executable


def runner(tmp_path: Path, secrets: list[Secret] | None = None) -> Runner:
    return Runner(tmp_path / "logs", dict(os.environ), secrets or [])


def test_output_is_kept_in_a_log_and_failures_carry_the_tail(tmp_path: Path) -> None:
    script = "import sys\nfor i in range(50): print('line', i)\nsys.exit(3)"
    with pytest.raises(CommandFailed) as err:
        runner(tmp_path).run(Command((PY, "-c", script), log_name="job"))
    assert err.value.returncode == 3 and err.value.output_tail[-1] == "line 49"
    assert len(err.value.output_tail) == 30
    assert "line 0" in (tmp_path / "logs" / "job.log").read_text()


def test_timeout_stops_the_process_group_and_runs_cleanup(tmp_path: Path) -> None:
    marker = tmp_path / "cleaned"
    pidfile = tmp_path / "child.pid"
    script = (f"import subprocess,sys; p=subprocess.Popen([sys.executable,'-c','import time; time.sleep(60)']);"
              f"open({str(pidfile)!r},'w').write(str(p.pid)); p.wait()")
    cmd = Command((PY, "-c", script), timeout_s=1.0,
                  cleanup=((PY, "-c", f"open({str(marker)!r},'w').write('x')"),))
    started = time.monotonic()
    with pytest.raises(CommandFailed) as err:
        runner(tmp_path).run(cmd)
    assert err.value.timed_out and time.monotonic() - started < 15
    assert marker.exists()
    grandchild = int(pidfile.read_text())
    time.sleep(0.2)
    assert not alive(grandchild)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in state  # a zombie has stopped; only its parent's reaping is left


def test_secrets_travel_in_env_and_are_redacted_from_output(tmp_path: Path) -> None:
    pw = Secret("s3cret-value-xyz", "env PW")
    cmd = Command((PY, "-c", "import os; print('pw is', os.environ['PW'])"), env={"PW": pw}, log_name="s")
    result = runner(tmp_path, [pw]).run(cmd)
    assert "s3cret-value-xyz" not in result.output and "pw is ******" in result.output
    assert "s3cret" not in cmd.shown()
    assert "s3cret" not in (tmp_path / "logs" / "s.log").read_text()


def test_dry_runner_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    dry = DryRunner(tmp_path, dict(os.environ))
    dry.run(Command((PY, "-c", f"open({str(marker)!r},'w')")))
    assert not marker.exists() and len(dry.planned) == 1


def test_secret_cannot_print_itself() -> None:
    s = Secret("hunter2hunter2")
    assert "hunter2" not in f"{s} {s!r} {str(s)} {[s]} {'%s' % s}"
    assert s.reveal() == "hunter2hunter2"
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(s)
