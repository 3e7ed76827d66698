"""The `doctor:` section of bootstrap.yaml, read through the config loader, and the pieces
of the static checks that are pure functions (the SQL lexer, the compose locator)."""
from __future__ import annotations

from pathlib import Path

import pytest

from bootstrap.doctor.model import DoctorConfig, doctor_config
from bootstrap.doctor.psqlvars import scan_sql, sql_files
from bootstrap.errors import ConfigError

from doctorkit import context

pytestmark = pytest.mark.unit


def write_project(root: Path, doctor_yaml: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "docker-compose.yml").write_text("services:\n  api:\n    image: bootstrap-local/python:3-bookworm\n")
    (root / ".env").write_text("")
    (root / "bootstrap.yaml").write_text(f"project: model\ncompose: {{files: [docker-compose.yml]}}\n{doctor_yaml}")
    return root


def test_the_proposed_section_loads(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", """doctor:
  sql_files: ["sql/**/*.sql"]
  continuum: {property_mod_tracker: true}
  api_base: {build_args: [NEXT_PUBLIC_API_URL], probe: /api/v1/items}
  expect_env:
    local: {api: {RATE_LIMIT_ENABLED: false, WORKERS: 2, DEBUG: null}}
    prod: {api: {RATE_LIMIT_ENABLED: "true"}}
""")
    cfg = doctor_config(context(root).config)
    assert cfg.sql_files == ("sql/**/*.sql",)
    assert cfg.continuum.property_mod_tracker is True
    assert cfg.api_base.probe == "/api/v1/items"
    assert cfg.expect_env["local"]["api"] == {"RATE_LIMIT_ENABLED": "false", "WORKERS": "2", "DEBUG": None}


def test_defaults_without_a_section(tmp_path: Path) -> None:
    assert doctor_config(context(write_project(tmp_path / "p", "")).config) == DoctorConfig()
    assert doctor_config(object()) == DoctorConfig()


def test_unknown_key_is_named_with_the_nearest(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", "doctor: {continuum: {property_mod_traker: true}}\n")
    with pytest.raises(ConfigError, match=r"doctor\.continuum\.property_mod_traker: unknown key; "
                                          r"did you mean 'property_mod_tracker'\?"):
        context(root)


def test_unknown_mode_is_refused(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", "doctor: {expect_env: {staging: {api: {A: b}}}}\n")
    with pytest.raises(ConfigError, match=r"doctor\.expect_env"):
        context(root)


# --- the SQL lexer ---------------------------------------------------------------------------------

@pytest.mark.parametrize("body, found", [
    ("x := :'pw';", [":'pw'"]),
    ('PERFORM :"ident";', [':"ident"']),
    ("v := :name + 1;", [":name"]),
    ("v := now()::date; w := x::text;", []),
    ("a := arr[lo:hi];", []),
    ("RAISE NOTICE 'at 12:30 :not_a_var';", []),
    ("-- :in_a_comment\n/* :nor_here */ v := 1;", []),
    ("EXECUTE $q$ SELECT :inner $q$;", [":inner"]),
])
def test_psql_variables_inside_a_do_block(body: str, found: list[str]) -> None:
    text = f"SELECT :'outside_is_fine';\nDO $$\nBEGIN\n  {body}\nEND $$;\n"
    uses = scan_sql(Path("x.sql"), text)
    assert [u.var for u in uses] == found
    assert all(u.line == 4 and u.block == "DO block" and u.block_line == 2 for u in uses)


def test_function_bodies_and_strings_that_look_like_dollar_quotes() -> None:
    text = ("SELECT 'not $$ a quote', $1;\n"
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$\n  SELECT :n::int\n$body$;\n")
    [use] = scan_sql(Path("f.sql"), text)
    assert (use.var, use.line, use.block, use.block_line) == (":n", 3, "dollar-quoted body", 2)


def test_sql_files_skip_dependency_and_hidden_folders(tmp_path: Path) -> None:
    for rel in ("db/a.sql", "db/deep/b.sql", "top.sql", "node_modules/x/c.sql", ".venv/d.sql", "db/e.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("SELECT 1;")
    found = [p.relative_to(tmp_path).as_posix() for p in sql_files(tmp_path, ["**/*.sql"])]
    assert found == ["top.sql", "db/a.sql", "db/deep/b.sql"]
    assert [p.name for p in sql_files(tmp_path, ["db/*.sql"])] == ["a.sql"]
