"""The demo, brought up by `bootstrap ci`, passes every doctor check, in seconds, read-only;
then the seed 000 story on it: a model column without a migration."""
from __future__ import annotations

import io
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bootstrap.context import Context
from bootstrap.doctor.finding import Status
from bootstrap.doctor.registry import all_checks
from bootstrap.doctor.running import close
from bootstrap.doctor.task import run_doctor

from doctorkit import REPO, add_demo_doctor, context, demo_copy, docker_ready, edit_yaml, run, tree

pytestmark = pytest.mark.docker

NOT_APPLICABLE = {"prod-secrets", "next-public-localhost", "continuum-mod"}  # --prod only; plugin not declared


class LiveDemo:
    def __init__(self, root: Path, project: str) -> None:
        self.root, self.project = root, project
        self.contexts: list[Context] = []

    def doctor(self, json_path: Path | None = None) -> tuple[int, str, float]:
        out = io.StringIO()
        started = time.monotonic()
        code = run_doctor(self.root / "bootstrap.yaml", {}, json_path=json_path, stdout=out, project=self.project)
        return code, out.getvalue(), time.monotonic() - started

    def context(self) -> Context:
        ctx = context(self.root, project=self.project)
        self.contexts.append(ctx)
        return ctx

    def bootstrap(self, task: str, *args: str) -> str:
        config = str(self.root / "bootstrap.yaml")
        proc = subprocess.run([sys.executable, "-m", "bootstrap.cli", task, "--config", config,
                               *args], cwd=REPO, capture_output=True, text=True, timeout=900,
                              stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDemo]:
    docker_ready()
    project = f"doctordemo{secrets.token_hex(3)}"
    root = demo_copy(tmp_path_factory.mktemp("demo"), project, public_url=None)
    edit_yaml(root / "bootstrap.yaml", lambda d: d["migrate"].update(drift_command=["alembic", "check"]))
    live = LiveDemo(root, project)
    try:
        live.bootstrap("first-time", "--yes")  # a local run: ports published, as a developer has them
        add_demo_doctor(root)
        yield live
    finally:
        subprocess.run(["docker", "compose", "-p", project, "--env-file", ".env", "-f", "docker-compose.yml",
                        "down", "-v", "--rmi", "local", "--remove-orphans"], cwd=root, capture_output=True,
                       timeout=300)
        for ctx in live.contexts:
            close(ctx)


def test_demo_passes_every_check_in_seconds(demo: LiveDemo, tmp_path: Path) -> None:
    report = tmp_path / "doctor.json"
    code, out, took = demo.doctor(report)
    print(out)
    assert code == 0, out
    assert "FAIL" not in out and "WARN" not in out
    data = json.loads(report.read_text())
    assert data["ok"] is True
    by_id: dict[str, list[str]] = {}
    for check in data["checks"]:
        by_id.setdefault(check["id"], []).append(check["status"])
        assert check["evidence"]
    assert set(by_id) == {c.id for c in all_checks()}
    for check_id, found in by_id.items():
        wanted = "skip" if check_id in NOT_APPLICABLE else "pass"
        assert set(found) == {wanted}, (check_id, found)
    assert took < 20, took


@pytest.mark.parametrize("check_id", ["stale-images", "db-revision", "schema-drift", "continuum-tables", "roles",
                                      "health", "api-base", "expect-env-running"])
def test_demo_passes(demo: LiveDemo, check_id: str) -> None:
    findings = run(demo.context(), check_id)
    assert findings and all(f.status is Status.PASS for f in findings), findings


def test_doctor_changes_nothing(demo: LiveDemo) -> None:
    def containers() -> str:
        return subprocess.run(["docker", "ps", "-a", "--format", "{{.ID}} {{.Status}}", "--filter",
                               f"label=com.docker.compose.project={demo.project}"],
                              capture_output=True, text=True, check=True).stdout

    def statuses_only(text: str) -> list[str]:
        return sorted(re.sub(r"Up .*", "Up", line) for line in text.splitlines())

    before_tree, before_containers = tree(demo.root), containers()
    ctx = demo.context()
    from bootstrap.doctor.database import session

    def db_state() -> list[Any]:
        with session(ctx) as conn:
            return conn.execute("SELECT (SELECT count(*) FROM bootstrap_seed_ledger), "
                                "(SELECT array_agg(version_num) FROM alembic_version), "
                                "(SELECT count(*) FROM pg_roles)").fetchall()

    before_db = db_state()
    code, out, _ = demo.doctor()
    assert code == 0, out
    assert tree(demo.root) == before_tree
    assert statuses_only(containers()) == statuses_only(before_containers)
    assert db_state() == before_db


def test_model_column_without_migration(demo: LiveDemo) -> None:
    """Seed 000 issue 1: a column in the models, no migration. First the image is stale;
    once rebuilt, the drift command in the new image names the column."""
    models = demo.root / "api" / "app" / "models.py"
    models.write_text(models.read_text().replace(
        '    sku: Mapped[str] = mapped_column(String(64), unique=True)\n',
        '    sku: Mapped[str] = mapped_column(String(64), unique=True)\n'
        '    explain_json: Mapped[str | None] = mapped_column(String(200), nullable=True)\n'))
    stale = run(demo.context(), "stale-images")
    assert [f.status for f in stale] == [Status.FAIL]
    assert stale[0].evidence.startswith(f"service api: image {demo.project}-api")

    from bootstrap.runner import Runner

    ctx = demo.context()
    operator = Context(config=ctx.config, runner=Runner(demo.root / ".bootstrap" / "logs", dict(os.environ),
                                                        ctx.config.secrets()))
    demo.contexts.append(operator)
    assert operator.compose.build(["api"]).returncode == 0

    ctx = demo.context()
    [drift] = run(ctx, "schema-drift")
    assert drift.status is Status.FAIL, drift
    assert "the models differ from the migrations: add_column items.explain_json" in drift.evidence
    running = [f for f in run(ctx, "stale-images") if f.status is Status.FAIL]
    assert [f.evidence.split(" runs image")[0] for f in running] == ["container api", "container worker"]
