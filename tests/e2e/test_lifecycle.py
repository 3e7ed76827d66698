"""The demo from nothing to healthy, then every rerun a user makes, in order."""
from __future__ import annotations

import psycopg
import pytest

from demo_kit import Demo

pytestmark = [pytest.mark.e2e, pytest.mark.docker]

FIRST_TIME_ORDER = ["preflight", "database-ready", "backup", "reset-schema", "roles",
                    "build:api", "build:frontend", "verify:api", "verify:frontend", "migrate",
                    "seed:reference", "seed:demo-items", "up", "health:db", "health:api",
                    "health:frontend"]


def connect(demo: Demo, role: str, password_var: str) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=int(demo.env["DB_PORT"]), dbname="demo",
                           user=role, password=demo.env[password_var], connect_timeout=5)


def test_first_time_from_nothing_is_healthy(demo: Demo) -> None:
    run = demo.run("first-time", "--yes")
    assert run.rc == 0, run.out
    names = [s["name"] for s in run.report["steps"]]
    assert [n for n in FIRST_TIME_ORDER if n in names] == [n for n in names if n in FIRST_TIME_ORDER]
    assert set(FIRST_TIME_ORDER) <= set(names)
    assert run.report["ok"] is True and run.report["recap"]["failed"] == 0
    counts = run.report["recap"]
    assert sum(counts.values()) == len(run.report["steps"])
    assert f"ok={counts['ok']} changed={counts['changed']}" in run.out
    for role, var in (("app_owner", "APP_OWNER_PASSWORD"), ("app_rw", "APP_RW_PASSWORD"),
                      ("app_ro", "APP_RO_PASSWORD")):
        with connect(demo, role, var) as conn:
            assert conn.execute("select current_user").fetchone() == (role,)
    with connect(demo, "app_ro", "APP_RO_PASSWORD") as conn:
        assert conn.execute("select version_num from alembic_version").fetchone() == ("0002",)
        assert conn.execute("select count(*) from categories").fetchone()[0] > 0
    with psycopg.connect(demo.env["DATABASE_SUPERUSER_URL"].rsplit("/", 1)[0] + "/demo") as conn:
        ledger = conn.execute("select name from bootstrap_seed_ledger order by name").fetchall()
    assert ledger == [("demo-items",), ("reference",)]
    assert not any(v in run.out for k, v in demo.env.items() if k.endswith("PASSWORD"))


def test_restart_twice_second_is_all_ok_and_idempotent(demo: Demo) -> None:
    first = demo.run("restart")
    assert first.rc == 0, first.out
    second = demo.run("restart", "--verify-idempotent")
    assert second.rc == 0, second.out
    moved = {n: s for n, s in second.statuses().items() if s != "ok"}
    assert moved == {}, moved
    assert second.status("verify-idempotent") == "ok"


def test_changing_one_api_file_rebuilds_only_the_api(demo: Demo) -> None:
    main = demo.root / "api" / "app" / "main.py"
    main.write_text(main.read_text() + "\n# touched by the e2e test\n")
    run = demo.run("restart")
    assert run.rc == 0, run.out
    assert run.status("build:api") == "changed"
    assert run.status("build:frontend") == "ok"
    assert run.status("migrate") == "ok" and run.status("seed:reference") == "ok"


def test_health_url_that_redirects_is_named(demo: Demo) -> None:
    demo.edit_yaml(lambda d: d["health"].append({"name": "legacy", "url": "http://api:8000/api/items",
                                                 "timeout_s": 10}))
    try:
        run = demo.run("health")
        assert run.rc == 1
        assert run.status("health:legacy") == "failed"
        assert "307" in run.out and "/api/v1/items" in run.out
    finally:
        demo.edit_yaml(lambda d: d["health"].pop())


def test_first_time_again_converges_with_a_backup(demo: Demo) -> None:
    run = demo.run("first-time", "--yes")
    assert run.rc == 0, run.out
    assert run.status("reset-schema") == "changed"
    assert run.status("backup") == "changed"
    assert run.status("seed:reference") == "changed"  # the reset cleared the ledger
    backups = list((demo.root / ".bootstrap" / "backups").glob(f"{demo.project}-*.dump"))
    assert backups and "pg_restore" in run.detail("backup")


def test_restart_prod_unpublishes_the_database_and_checks_the_bundle(demo: Demo) -> None:
    run = demo.run("restart", "--prod")
    assert run.rc == 0, run.out
    assert run.status("health:api") == "ok" or run.status("health:api") == "changed"
    assert run.status("verify:frontend") in ("ok", "changed")
    assert "forbidden strings under /srv" in run.detail("verify:frontend")
    port = demo.compose("port", "db", "5432", prod=True)
    assert port.stdout.strip() in ("", ":0"), port.stdout


def test_crashing_api_fails_health_fast_with_its_logs(demo: Demo) -> None:
    demo.set_env(API_CRASH_ON_START="1")
    try:
        run = demo.run("restart")
        assert run.rc == 1
        assert run.status("health:api") == "failed"
        step = next(s for s in run.report["steps"] if s["name"] == "health:api")
        assert step["duration_s"] < 60
        assert "API_CRASH_ON_START" in run.out or "crash" in run.out.lower()
    finally:
        demo.set_env(API_CRASH_ON_START="0")


def test_down_volumes_leaves_nothing(demo: Demo) -> None:
    run = demo.run("down", "--volumes")
    assert run.rc == 0, run.out
    for kind in ("container", "network", "volume"):
        assert demo.labelled(kind) == [], kind
