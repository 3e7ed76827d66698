"""The command surface as a user meets it: exit codes, the report's schema."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bootstrap.engine import Status, StepResult
from bootstrap.report import RunRecord, recap_line, write_report

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]

COMPOSE = "services:\n  app:\n    image: busybox\n"
YAML = "project: clitest\ncompose: {files: [compose.yml]}\nenv_file: .env\n"

HOLD = """
import sys, time
from pathlib import Path
from bootstrap.lock import run_lock
with run_lock(Path(sys.argv[1]), "clitest", "first-time"):
    print("held", flush=True)
    time.sleep(30)
"""


def project(tmp_path: Path) -> Path:
    (tmp_path / "compose.yml").write_text(COMPOSE)
    (tmp_path / ".env").write_text("")
    (tmp_path / "bootstrap.yaml").write_text(YAML)
    return tmp_path / "bootstrap.yaml"


def bootstrap(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bootstrap.cli", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_a_held_lock_exits_3_naming_the_holder(tmp_path: Path) -> None:
    config = project(tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / ".bootstrap")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        proc = bootstrap("restart", "--config", str(config), "--lock-wait", "1")
        assert proc.returncode == 3, proc.stdout + proc.stderr
        assert f"pid {holder.pid}" in proc.stderr and "first-time" in proc.stderr
    finally:
        holder.kill()
        holder.wait()
        assert holder.stdout is not None
        holder.stdout.close()


def test_missing_config_exits_2_with_one_line(tmp_path: Path) -> None:
    proc = bootstrap("restart", "--config", str(tmp_path / "nope.yaml"))
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "nope.yaml" in proc.stderr


def test_destructive_task_without_a_terminal_or_yes_exits_2(tmp_path: Path) -> None:
    proc = bootstrap("first-time", "--config", str(project(tmp_path)))
    assert proc.returncode == 2 and "--yes" in proc.stderr
    assert not (tmp_path / ".bootstrap" / "locks").exists()


def test_report_schema(tmp_path: Path) -> None:
    record = RunRecord(task="restart", project="demo", prod=True, duration_s=1.23456, steps=[
        StepResult("preflight", Status.OK, 0.1, 1, "fine"),
        StepResult("build:api", Status.CHANGED, 9.5, 1, "built"),
        StepResult("health:api", Status.FAILED, 2.0, 3, "HTTP 307 -> /api/v1"),
        StepResult("health:web", Status.SKIPPED, 0.0, 0, "not run"),
    ])
    path = tmp_path / "out" / "report.json"
    write_report(record, path)
    data = json.loads(path.read_text())
    assert set(data) == {"task", "project", "prod", "started_at", "duration_s", "ok", "steps", "recap"}
    assert data["ok"] is False and data["prod"] is True and data["duration_s"] == 1.235
    assert data["steps"][1] == {"name": "build:api", "status": "changed", "duration_s": 9.5, "attempts": 1,
                                "detail": "built"}
    assert data["recap"] == {"ok": 1, "changed": 1, "skipped": 1, "failed": 1}
    assert recap_line(record) == "restart demo: ok=1 changed=1 skipped=1 failed=1 in 1.2s"


def test_an_unexpected_error_is_exit_1_not_invalid_input() -> None:
    from bootstrap.app import exit_code_for
    from bootstrap.errors import ConfigError

    assert exit_code_for(RuntimeError("engine went away")) == (1, "error: RuntimeError: engine went away")
    assert exit_code_for(ConfigError("bootstrap.yaml: x: bad"))[0] == 2
