"""Faults a user meets, injected into a copy of the demo: each is caught where it should be."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import pytest
from demo_kit import BOOTSTRAP, REPO, Demo

pytestmark = [pytest.mark.e2e, pytest.mark.docker]

LATE_DB = """services:
  db:
    entrypoint: ["sh", "-c", "echo starting late; sleep 15; exec docker-entrypoint.sh postgres"]
"""


def test_dry_run_prints_the_plan_and_changes_nothing(demo: Demo) -> None:
    run = demo.run("first-time", "--dry-run")
    assert run.rc == 0, run.out
    assert all(s["status"] == "skipped" for s in run.report["steps"])
    assert "build --no-cache api" in run.out and "DROP SCHEMA" in run.out
    assert not any(v in run.out for k, v in demo.env.items() if k.endswith("PASSWORD"))
    for kind in ("container", "volume", "network"):
        assert demo.labelled(kind) == [], kind
    images = subprocess.run(["docker", "images", "-q", f"{demo.project}-api"], capture_output=True, text=True)
    assert images.stdout.strip() == ""


def test_database_that_starts_late_is_waited_for(demo: Demo) -> None:
    (demo.root / "late-db.yml").write_text(LATE_DB)
    demo.edit_yaml(lambda d: d["compose"]["files"].append("late-db.yml"))
    try:
        run = demo.run("roles")
        assert run.rc == 0, run.out
        step = next(s for s in run.report["steps"] if s["name"] == "database-ready")
        assert step["status"] in ("ok", "changed") and step["duration_s"] >= 10
        assert step["attempts"] >= 1
        assert run.status("roles") == "changed"
    finally:
        demo.edit_yaml(lambda d: d["compose"]["files"].remove("late-db.yml"))
        demo.compose("down")


def test_missing_import_fails_verify_and_starts_nothing(demo: Demo) -> None:
    demo.edit_yaml(lambda d: d["images"]["api"]["verify_imports"].append("requests"))
    try:
        run = demo.run("first-time", "--yes", "--no-backup")
        assert run.rc == 1
        assert run.status("verify:api") == "failed"
        assert "requests" in run.out and "sys.path" in run.out
        assert run.status("up") == "skipped" and run.status("migrate") == "skipped"
        running = demo.compose("ps", "--services", "--filter", "status=running").stdout.split()
        assert "api" not in running and "frontend" not in running
    finally:
        demo.edit_yaml(lambda d: d["images"]["api"]["verify_imports"].remove("requests"))


def test_missing_copy_source_stops_preflight_before_any_change(demo: Demo) -> None:
    public = demo.root / "frontend" / "public"
    saved = demo.root / "public.saved"
    shutil.move(public, saved)
    try:
        run = demo.run("first-time", "--yes")
        assert run.rc == 2, run.out
        assert run.status("preflight") == "failed"
        assert "Dockerfile:" in run.out and "public" in run.out
        assert all(s["status"] == "skipped" for s in run.report["steps"][1:])
    finally:
        shutil.move(saved, public)


def test_confirmation_without_a_terminal_exits_2_and_changes_nothing(demo: Demo) -> None:
    run = demo.run("first-time")
    assert run.rc == 2
    assert "--yes" in run.out and run.report == {}


def test_bad_configuration_is_one_line_exit_2(demo: Demo) -> None:
    demo.edit_yaml(lambda d: d["database"]["roles"][0].update(acess="owner"))
    try:
        run = demo.run("restart")
        assert run.rc == 2
        lines = [ln for ln in run.out.splitlines() if ln.strip()]
        assert len(lines) == 1 and "acess" in lines[0] and "did you mean 'access'" in lines[0]
    finally:
        demo.edit_yaml(lambda d: d["database"]["roles"][0].pop("acess"))


def test_ctrl_c_stops_cleanly_and_the_next_run_converges(demo: Demo) -> None:
    proc = subprocess.Popen([*BOOTSTRAP, "first-time", "--config", str(demo.config), "--yes", "--no-backup"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ))
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # interrupt while a `compose run` container is at work
        seen.append(line)
        if "seed:reference ..." in line:
            time.sleep(0.5)
            proc.send_signal(signal.SIGINT)
            break
    rest = proc.communicate(timeout=120)[0]
    out = "".join(seen) + rest
    assert proc.returncode == 130, out
    assert "lock released" in out
    orphans = subprocess.run(["docker", "ps", "-aq", "--filter", f"name={demo.project}-api-run-"],
                             capture_output=True, text=True, check=True).stdout.split()
    assert orphans == []
    again = demo.run("restart")
    assert again.rc == 0, again.out
    assert again.status("health:api") in ("ok", "changed")
