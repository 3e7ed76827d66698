"""The doctor verb: one line per check, exit codes 0 / 1 / 2, the JSON report, read-only,
and the registry's promise that a check never raises and never prints a secret."""
from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest
from invoke import Context as InvokeContext
from invoke import Exit

from bootstrap.doctor.finding import Finding, Status, Unavailable, fail, ok
from bootstrap.doctor.registry import CheckSpec, all_checks, run_check
from bootstrap.doctor.task import run_doctor
from bootstrap.tasks import doctor
from bootstrap.secrets import Secret

from doctorkit import context, tree, write_env

pytestmark = pytest.mark.unit

LINE_STATUSES = ("PASS  ", "WARN  ", "FAIL  ", "SKIP  ")
NO_ENGINE = {"DOCKER_HOST": "unix:///nonexistent/docker.sock"}


def doctor_run(root: Path, *args: object, **kw: object) -> tuple[int, str]:
    out = io.StringIO()
    code = run_doctor(root / "bootstrap.yaml", {**NO_ENGINE, **kw.pop("environ", {})}, stdout=out, **kw)
    return code, out.getvalue()


def test_exit_1_when_a_check_fails_and_one_line_per_finding(fixture_project, tmp_path: Path) -> None:
    root = fixture_project("psql_vars")
    report = tmp_path / "out" / "doctor.json"
    code, out = doctor_run(root, json_path=report)
    assert code == 1
    lines = out.splitlines()
    assert all(line.startswith(LINE_STATUSES) or line.startswith("doctor: ") for line in lines)
    assert "FAIL  psql-vars no psql variable inside a dollar-quoted body: sql/grant-two-users.sql:5:" in out
    assert " -> before the block: SELECT set_config('var.admin_pass'" in out
    assert lines[-1].startswith("doctor: pass=")
    data = json.loads(report.read_text())
    assert data["ok"] is False
    ids = {c["id"] for c in data["checks"]}
    assert ids == {c.id for c in all_checks()}
    for check in data["checks"]:
        assert set(check) >= {"id", "title", "status", "evidence", "fix"}
        assert check["status"] in ("pass", "warn", "fail", "skip")
    psql = [c for c in data["checks"] if c["id"] == "psql-vars"]
    assert [c["status"] for c in psql] == ["fail", "fail"]
    assert psql[0]["fix"].startswith("before the block: SELECT set_config(")


def test_exit_0_when_nothing_fails(fixture_project, tmp_path: Path) -> None:
    root = fixture_project("expect_env")
    code, out = doctor_run(root, prod=True, json_path=tmp_path / "d.json")
    assert code == 0, out
    assert json.loads((tmp_path / "d.json").read_text())["ok"] is True


def test_exit_2_for_unusable_configuration(fixture_project, tmp_path: Path) -> None:
    root = fixture_project("expect_env")
    (root / "bootstrap.yaml").write_text("project: x\ncompose: {files: [missing.yml]}\n")
    code, out = doctor_run(root, json_path=tmp_path / "d.json")
    assert code == 2
    assert out.startswith("FAIL  config ")
    assert "missing.yml not found" in out
    data = json.loads((tmp_path / "d.json").read_text())
    assert data["ok"] is False and data["checks"][0]["id"] == "config"


def test_without_engine_or_database_it_skips_and_answers_in_seconds(fixture_project) -> None:
    """Checks that need a service degrade to skip with the reason; the run stays fast."""
    root = fixture_project("expect_env")
    started = time.monotonic()
    code, out = doctor_run(root, prod=True)
    took = time.monotonic() - started
    assert code == 0
    assert took < 10, took
    assert "SKIP  stale-images each image was built from the working tree: Docker engine not reachable" in out
    assert "SKIP  health" in out or "no health targets" in out


def test_doctor_is_read_only(fixture_project) -> None:
    root = fixture_project("psql_vars")
    before = tree(root)
    doctor_run(root)
    assert tree(root) == before
    assert not (root / ".bootstrap").exists()


def test_the_invoke_task_exits_with_the_code(fixture_project, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    for key, value in NO_ENGINE.items():
        monkeypatch.setenv(key, value)
    root = fixture_project("psql_vars")
    with pytest.raises(Exit) as caught:
        doctor.body(InvokeContext(), config=str(root / "bootstrap.yaml"))
    assert caught.value.code == 1
    assert "FAIL  psql-vars" in capsys.readouterr().out
    assert doctor.name == "doctor"
    assert set(doctor.help) == {"prod", "json", "config"}


# --- the registry --------------------------------------------------------------------------------

def _ctx(fixture_project):  # type: ignore[no-untyped-def]
    return context(fixture_project("expect_env"))


def test_a_check_that_raises_becomes_a_warning(fixture_project) -> None:
    def broken(ctx: object) -> list:
        raise KeyError("no such thing")

    [finding] = run_check(CheckSpec("broken", "a broken check", broken), _ctx(fixture_project))
    assert finding.status is Status.WARN
    assert "the check could not run: KeyError: 'no such thing'" in finding.evidence


def test_an_unreachable_service_becomes_a_skip_with_the_reason(fixture_project) -> None:
    def needs_db(ctx: object) -> list:
        raise Unavailable("database not reachable: connection refused", "start it")

    [finding] = run_check(CheckSpec("db", "needs the db", needs_db), _ctx(fixture_project))
    assert (finding.status, finding.evidence, finding.fix) == (
        Status.SKIP, "database not reachable: connection refused", "start it")


def test_secrets_never_reach_the_output(fixture_project) -> None:
    root = fixture_project("expect_env")
    write_env(root, API_TOKEN="tok-9f8e7d6c5b4a")
    ctx = context(root)

    def leaky(ctx: object) -> list:
        return [fail("token tok-9f8e7d6c5b4a, url postgresql://app:hunter2hunter2@db:5432/app",
                     f"use {Secret('s3cr3t-value')} and postgresql://u:pw12345@h/d"),
                ok("redis://:r3d1s-pass@cache:6379/0 is fine")]

    findings = run_check(CheckSpec("leaky", "leaks", leaky), ctx)
    text = json.dumps([f.as_json() for f in findings])
    for secret in ("tok-9f8e7d6c5b4a", "hunter2hunter2", "s3cr3t-value", "pw12345", "r3d1s-pass"):
        assert secret not in text
    assert "postgresql://app:******@db:5432/app" in text


def test_finding_line_format() -> None:
    finding = Finding("env-vars", "every variable is set", Status.FAIL, ".env.example:5 declares X", "add X", True,
                      ("log one",))
    assert finding.line() == "FAIL  env-vars every variable is set: .env.example:5 declares X -> add X"
    assert finding.lines() == [finding.line(), "      | log one"]
    assert finding.as_json()["details"] == ["log one"]


def test_every_check_traces_to_an_issue_item() -> None:
    ids = [c.id for c in all_checks()]
    assert len(ids) == len(set(ids))
    static = {c.id for c in all_checks() if c.static}
    assert static == {"env-vars", "prod-secrets", "next-public-build-args", "next-public-localhost",
                      "dockerfile-sources", "psql-vars", "alembic-heads", "expect-env"}
    preflight = {c.id for c in all_checks() if c.preflight}
    assert preflight == static - {"dockerfile-sources", "alembic-heads"}
