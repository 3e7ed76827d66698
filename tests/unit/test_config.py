"""bootstrap.yaml loading: every rule fails with one line naming file, key and fix."""
from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from bootstrap.config import Config, load_config
from bootstrap.config_loader import load, password_problem
from bootstrap.errors import EXIT_INVALID, ConfigError
from bootstrap.secrets import Secret

pytestmark = pytest.mark.unit

OWNER_PW = "owner-Zq8vN3kL1pX7wR4t"
RW_PW = "rw-Hk2mB9cV5nQ8jL3d"
SUPER_PW = "super-Tg6yU1iO4pA7sD2f"
SUPER_URL = f"postgresql://postgres:{SUPER_PW}@db:5432/postgres"
SECRETS = (OWNER_PW, RW_PW, SUPER_PW)

BASE: dict[str, Any] = {
    "project": "demo",
    "compose": {"files": ["docker-compose.yml"], "prod_files": ["docker-compose.prod.yml"]},
    "env_file": ".env",
    "database": {
        "service": "db", "superuser_url_env": "DATABASE_SUPERUSER_URL", "name": "app",
        "schema": "public", "ready_timeout_s": 30, "backup_keep": 3,
        "roles": [{"name": "app_owner", "password_env": "APP_OWNER_PASSWORD", "access": "owner"},
                  {"name": "app_rw", "password_env": "APP_RW_PASSWORD", "access": "readwrite"}],
    },
    "images": {"api": {"verify_imports": ["alembic", "app.main"],
                       "forbid_strings": {"path": "/app/static", "strings": ["localhost:3000"]}}},
    "migrate": {"service": "api", "command": ["alembic", "upgrade", "head"],
                "alembic_ini": "api/alembic.ini", "workdir": "/app", "timeout_s": 600},
    "seed": [{"name": "reference-data", "service": "api", "command": ["python", "-m", "app.seed"]}],
    "health": [{"name": "api", "url": "http://api:8000/health", "timeout_s": 60},
               {"name": "db", "service": "db"}],
}
ENV = (f"DATABASE_SUPERUSER_URL={SUPER_URL}\nAPP_OWNER_PASSWORD='{OWNER_PW}'\n"
       f'APP_RW_PASSWORD="{RW_PW}" # read-write role\n')
Edit = Callable[[dict[str, Any]], object]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory with compose files, alembic.ini, .env and .env.example; cwd is set to it."""
    services = {"services": {"api": {"image": "x"}, "db": {"image": "y"}, "web": {"image": "z"}}}
    (tmp_path / "docker-compose.yml").write_text(yaml.safe_dump(services), encoding="utf-8")
    (tmp_path / "docker-compose.prod.yml").write_text(
        "services:\n  api:\n    ports: !reset []\n  proxy:\n    image: p\n", encoding="utf-8")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "alembic.ini").write_text("[alembic]\n", encoding="utf-8")
    (tmp_path / ".env").write_text(ENV, encoding="utf-8")
    (tmp_path / ".env.example").write_text("APP_OWNER_PASSWORD=\n", encoding="utf-8")
    write(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(root: Path, edit: Edit | None = None, text: str | None = None) -> Path:
    data = copy.deepcopy(BASE)
    if edit:
        edit(data)
    path = root / "bootstrap.yaml"
    path.write_text(text if text is not None else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def error(root: Path, edit: Edit | None = None, *, text: str | None = None,
          environ: dict[str, str] | None = None, prod: bool = False) -> str:
    write(root, edit, text)
    with pytest.raises(ConfigError) as info:
        load(None, environ or {}, prod=prod)
    message = str(info.value)
    assert "\n" not in message and info.value.exit_code == EXIT_INVALID
    for secret in SECRETS:
        assert secret not in message
    return message


# --- a valid config ------------------------------------------------------------------------------

def test_full_valid_config_round_trip(project: Path) -> None:
    config = load_config(None, {"PATH": "/bin", "APP_RW_PASSWORD": "from-the-shell-wins"})
    assert isinstance(config, Config)
    assert (config.source, config.root, config.project, config.prod) == (
        project / "bootstrap.yaml", project, "demo", False)
    assert config.compose.files == (project / "docker-compose.yml",)
    assert config.compose_files() == (project / "docker-compose.yml",)
    assert config.env_file == project / ".env"
    db = config.database
    assert db is not None and db.service == "db" and db.schema_name == "public"
    assert (db.ready_timeout_s, db.backup_keep, db.lock_timeout_s) == (30.0, 3, 10.0)
    assert db.superuser_url is not None and db.superuser_url == Secret(SUPER_URL)
    assert db.superuser_url.source == "env DATABASE_SUPERUSER_URL"
    owner, rw = db.roles
    assert (owner.name, owner.access, owner.password) == ("app_owner", "owner", Secret(OWNER_PW))
    assert owner.password is not None and owner.password.source == "env APP_OWNER_PASSWORD"
    assert rw.password is not None and rw.password.reveal() == "from-the-shell-wins"
    assert config.env["APP_OWNER_PASSWORD"] == OWNER_PW and config.env["PATH"] == "/bin"
    assert config.images["api"].forbid_strings is not None
    assert config.images["api"].forbid_strings.strings == ("localhost:3000",)
    assert config.migrate is not None and config.migrate.alembic_ini == project / "api" / "alembic.ini"
    assert config.migrate.command == ("alembic", "upgrade", "head") and config.migrate.workdir == "/app"
    assert [s.name for s in config.seed] == ["reference-data"]
    assert [(h.name, h.url, h.service) for h in config.health] == [
        ("api", "http://api:8000/health", None), ("db", None, "db")]
    assert len(config.secrets()) == 3 and OWNER_PW not in repr(config)


def test_prod_adds_prod_files_and_project_argument_overrides(project: Path) -> None:
    config = load(None, {}, prod=True, project="ci-123")
    assert config.prod and config.project == "ci-123"
    assert config.compose_files() == (project / "docker-compose.yml", project / "docker-compose.prod.yml")


def test_minimal_config_without_database_needs_no_env_file(project: Path) -> None:
    (project / ".env").unlink()
    write(project, text="project: demo\ncompose: {files: [docker-compose.yml]}\n")
    config = load(None, {"X": "1"})
    assert config.env_file is None and config.env == {"X": "1"} and config.database is None


# --- finding the file ----------------------------------------------------------------------------

def test_path_resolution_explicit_then_env_then_cwd(project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    other = tmp_path_factory.mktemp("other")
    with pytest.raises(ConfigError) as info:
        load(other / "nope.yaml", {})
    assert str(info.value) == (f"bootstrap.yaml not found at {other / 'nope.yaml'}; "
                               "pass --config PATH or set BOOTSTRAP_CONFIG")
    with pytest.raises(ConfigError, match=f"not found at {other}/bootstrap.yaml; pass --config"):
        load(None, {"BOOTSTRAP_CONFIG": str(other)})
    assert load(None, {"BOOTSTRAP_CONFIG": str(project / "bootstrap.yaml")}).root == project
    assert load(Path("bootstrap.yaml"), {"BOOTSTRAP_CONFIG": str(other)}).root == project


def test_relative_paths_resolve_against_the_yaml_directory(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project / "api")
    config = load(Path("../bootstrap.yaml"), {})
    assert config.root == project and config.migrate is not None
    assert config.migrate.alembic_ini == project / "api" / "alembic.ini"


# --- syntax, secrets, keys, types ----------------------------------------------------------------

def test_yaml_syntax_error_names_file_and_line(project: Path) -> None:
    message = error(project, text="project: demo\ncompose:\n  files: [a\n  bad: : x\n")
    assert message.startswith("bootstrap.yaml: line ") and "invalid YAML" in message


def test_duplicate_key_is_refused(project: Path) -> None:
    message = error(project, text="project: demo\nproject: other\n")
    assert message == "bootstrap.yaml: line 2: invalid YAML: duplicate key 'project'; fix the syntax"


def test_top_level_must_be_a_mapping(project: Path) -> None:
    assert error(project, text="- a\n") == (
        "bootstrap.yaml: expected a mapping of keys (project, compose, ...), got a list")


def test_literal_password_is_refused_before_unknown_key(project: Path) -> None:
    message = error(project, lambda d: d["database"]["roles"][0].update(password=OWNER_PW))
    assert message == ("bootstrap.yaml: database.roles[0].password: literal secrets are not allowed in "
                       "bootstrap.yaml; put it in .env and reference it with password_env")


def test_literal_superuser_url_key_and_credential_urls_are_refused(project: Path) -> None:
    message = error(project, lambda d: d["database"].update(superuser_url=SUPER_URL))
    assert message.startswith("bootstrap.yaml: database.superuser_url: literal secrets are not allowed")
    assert message.endswith("reference it with superuser_url_env")
    message = error(project, lambda d: d["health"][0].update(url=f"http://admin:{SUPER_PW}@api/health"))
    assert message.startswith("bootstrap.yaml: health[0].url: looks like a URL with credentials")


def test_unknown_key_suggests_the_nearest(project: Path) -> None:
    def typo(d: dict[str, Any]) -> None:
        d["database"]["roles"][1]["acess"] = d["database"]["roles"][1].pop("access")
    assert error(project, typo) == "bootstrap.yaml: database.roles[1].acess: unknown key; did you mean 'access'?"
    message = error(project, lambda d: d.update(zzz=1))
    assert message.startswith("bootstrap.yaml: zzz: unknown key; valid keys: compose, database, doctor, env_file,")
    assert "source" not in message and "prod" not in message


def test_unknown_key_inside_an_optional_nested_model(project: Path) -> None:
    def typo(d: dict[str, Any]) -> None:
        d["images"]["api"]["forbid_strings"]["paths"] = d["images"]["api"]["forbid_strings"].pop("path")
    assert error(project, typo) == (
        "bootstrap.yaml: images.api.forbid_strings.paths: unknown key; did you mean 'path'?")


def test_a_service_called_secret_is_not_a_literal_secret(project: Path) -> None:
    assert error(project, lambda d: d["images"].update(secret={})).startswith(
        "bootstrap.yaml: images.secret: 'secret' is not a service in docker-compose.yml;")


def test_derived_fields_cannot_be_set_from_yaml(project: Path) -> None:
    assert error(project, lambda d: d.update(env={"A": "1"})).startswith("bootstrap.yaml: env: unknown key")


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda d: d["health"][0].update(timeout_s="soon"), "health[0].timeout_s: expected a number, got 'soon'"),
    (lambda d: d["database"].update(backup_keep=2.5), "database.backup_keep: expected a whole number, got 2.5"),
    (lambda d: d["database"]["roles"][0].update(access="admin"),
     "database.roles[0].access: expected one of 'owner', 'readwrite' or 'readonly', got 'admin'"),
    (lambda d: d["migrate"].update(command="alembic upgrade head"),
     "migrate.command: expected a list, got 'alembic upgrade head'"),
    (lambda d: d.update(project=12), "project: expected a string, got 12"),
    (lambda d: d.update(images={"api": None}), "images.api: expected a mapping, got nothing (null)"),
    (lambda d: d["database"].pop("name"), "database.name: required key is missing; add name: under database"),
    (lambda d: d.pop("compose"), "compose: required key is missing; add compose: at the top level"),
    (lambda d: d["seed"][0].update(timeout_s=0), "seed[0].timeout_s: must be a number of seconds greater than 0"),
    (lambda d: d["migrate"].update(command=[]), "migrate.command: must not be empty; list at least one item"),
])
def test_wrong_types_and_values_name_the_key(project: Path, edit: Edit, expected: str) -> None:
    assert error(project, edit).startswith(f"bootstrap.yaml: {expected}")


# --- names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Demo", "-demo", "my project"])
def test_invalid_project_name(project: Path, name: str) -> None:
    message = error(project, lambda d: d.update(project=name))
    assert message.startswith(f"bootstrap.yaml: project: {name!r} is not a valid compose project name;")
    with pytest.raises(ConfigError, match=r"^--project: 'CI' is not a valid compose project name"):
        load(None, {}, project="CI")


@pytest.mark.parametrize("name", ["App", "1app", "pg_app", "a" * 64, "app-rw"])
def test_invalid_role_name(project: Path, name: str) -> None:
    message = error(project, lambda d: d["database"]["roles"][1].update(name=name))
    assert message.startswith(f"bootstrap.yaml: database.roles[1].name: {name!r} is not a valid role name;")


def test_duplicate_role_seed_and_health_names(project: Path) -> None:
    assert error(project, lambda d: d["database"]["roles"][1].update(name="app_owner")) == (
        "bootstrap.yaml: database.roles[1].name: duplicate role name 'app_owner'; give each role a unique name")
    assert error(project, lambda d: d["seed"].append(dict(d["seed"][0]))).startswith(
        "bootstrap.yaml: seed[1].name: duplicate seed name 'reference-data'")
    assert error(project, lambda d: d["health"][1].update(name="api")).startswith(
        "bootstrap.yaml: health[1].name: duplicate health check name 'api'")


def test_seed_name_must_be_a_step_name(project: Path) -> None:
    assert error(project, lambda d: d["seed"][0].update(name="Reference Data")).startswith(
        "bootstrap.yaml: seed[0].name: 'Reference Data' is not a valid seed name;")


def test_health_needs_exactly_one_of_url_or_service(project: Path) -> None:
    assert error(project, lambda d: d["health"][1].update(url="http://db")) == (
        "bootstrap.yaml: health[1]: set exactly one of url or service, got both")
    assert error(project, lambda d: d["health"][1].pop("service")) == (
        "bootstrap.yaml: health[1]: set exactly one of url or service, got neither")


def test_env_reference_must_be_a_variable_name_not_a_value(project: Path) -> None:
    message = error(project, lambda d: d["database"]["roles"][0].update(password_env="s3cr et!"))
    assert message.startswith("bootstrap.yaml: database.roles[0].password_env: expected the name of an "
                              "environment variable") and "s3cr" not in message


# --- compose services and host files -------------------------------------------------------------

def test_unknown_service_suggests_the_nearest(project: Path) -> None:
    assert error(project, lambda d: d["migrate"].update(service="apii")) == (
        "bootstrap.yaml: migrate.service: 'apii' is not a service in docker-compose.yml; did you mean 'api'?")


@pytest.mark.parametrize(("edit", "key"), [
    (lambda d: d["database"].update(service="postgres"), "database.service"),
    (lambda d: d["images"].update(worker={}), "images.worker"),
    (lambda d: d["seed"][0].update(service="seeder"), "seed[0].service"),
    (lambda d: d["health"][1].update(service="cache"), "health[1].service"),
])
def test_every_service_reference_is_checked(project: Path, edit: Edit, key: str) -> None:
    message = error(project, edit)
    assert message.startswith(f"bootstrap.yaml: {key}: ") and "is not a service in docker-compose.yml;" in message
    assert message.endswith("services defined: api, db, web")


def test_prod_files_add_services_only_with_prod(project: Path) -> None:
    assert "is not a service" in error(project, lambda d: d["health"][1].update(service="proxy"))
    assert load(None, {}, prod=True).health[1].service == "proxy"


def test_missing_compose_file_is_named(project: Path) -> None:
    assert error(project, lambda d: d["compose"].update(files=["compose.yaml"])) == (
        "bootstrap.yaml: compose.files[0]: compose.yaml not found; "
        "fix the path (relative to the directory of bootstrap.yaml)")
    (project / "docker-compose.prod.yml").unlink()
    assert error(project, prod=True).startswith("bootstrap.yaml: compose.prod_files[0]: docker-compose.prod.yml")


def test_compose_syntax_error_names_the_compose_file(project: Path) -> None:
    (project / "docker-compose.yml").write_text("services:\n  api: [\n", encoding="utf-8")
    assert error(project).startswith("docker-compose.yml: line ")


def test_alembic_ini_must_exist(project: Path) -> None:
    (project / "api" / "alembic.ini").unlink()
    assert error(project) == (f"bootstrap.yaml: migrate.alembic_ini: api/alembic.ini not found at "
                              f"{project / 'api' / 'alembic.ini'}; fix the path (relative to the "
                              "directory of bootstrap.yaml)")


# --- env file and referenced variables -----------------------------------------------------------

def test_explicit_env_file_must_exist(project: Path) -> None:
    assert error(project, lambda d: d.update(env_file="deploy/.env")) == (
        "bootstrap.yaml: env_file: deploy/.env not found; create it with one KEY=value line per "
        "variable bootstrap.yaml references")
    (project / ".env").unlink()
    assert error(project, environ={"APP_OWNER_PASSWORD": "x"}) == (
        "bootstrap.yaml: env_file: .env not found; copy .env.example to .env and fill it in")


def test_default_env_file_is_optional_when_the_environment_has_everything(project: Path) -> None:
    (project / ".env").unlink()
    environ = {"DATABASE_SUPERUSER_URL": SUPER_URL, "APP_OWNER_PASSWORD": OWNER_PW, "APP_RW_PASSWORD": RW_PW}
    drop_env_file: Edit = lambda d: d.pop("env_file")  # noqa: E731
    config = load(write(project, drop_env_file), environ)
    assert config.env_file is None and config.env == environ
    message = error(project, drop_env_file, environ={"DATABASE_SUPERUSER_URL": SUPER_URL})
    assert message == ("bootstrap.yaml: env_file: .env (the default) not found and APP_OWNER_PASSWORD is not "
                       "set in the environment; copy .env.example to .env and fill it in")


def test_referenced_variable_must_be_set(project: Path) -> None:
    (project / ".env").write_text(f"DATABASE_SUPERUSER_URL={SUPER_URL}\nAPP_RW_PASSWORD={RW_PW}\n",
                                  encoding="utf-8")
    assert error(project) == (
        "bootstrap.yaml: database.roles[0].password_env: APP_OWNER_PASSWORD is not set in .env or the "
        "environment; add APP_OWNER_PASSWORD=... to .env (see .env.example)")
    assert error(project, environ={"APP_OWNER_PASSWORD": ""}).startswith(
        "bootstrap.yaml: database.roles[0].password_env: APP_OWNER_PASSWORD is empty in .env")


def test_superuser_url_must_be_a_postgres_url(project: Path) -> None:
    message = error(project, environ={"DATABASE_SUPERUSER_URL": f"mysql://root:{SUPER_PW}@db/x"})
    assert message == ("bootstrap.yaml: database.superuser_url_env: DATABASE_SUPERUSER_URL is not a "
                       "PostgreSQL URL; expected postgresql://USER:PASSWORD@HOST:5432/postgres")


def test_env_file_interpolation_error_names_file_and_line(project: Path) -> None:
    (project / ".env").write_text(ENV + "X=${NEEDED:?set NEEDED}\n", encoding="utf-8")
    assert error(project) == ".env:4: X: required variable NEEDED is missing a value: set NEEDED"


# --- production passwords ------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "role", "problem"), [
    ("", "app", "is empty"),
    ("Changeme", "app", "is a well-known default password"),
    ("QWERTY", None, "is a well-known default password"),
    ("app_owner", "app_owner", "is the same as the role name"),
    ("x" * 12, "app", "is too short (12 characters, need 16)"),
    ("x" * 16, "app", None),
])
def test_password_problem(value: str, role: str | None, problem: str | None) -> None:
    assert password_problem(value, role) == problem


def test_prod_refuses_a_short_role_password_without_showing_it(project: Path) -> None:
    short = "Sh0rt-but-12"
    message = error(project, environ={"APP_OWNER_PASSWORD": short}, prod=True)
    assert message == ("bootstrap.yaml: database.roles[0].password_env: APP_OWNER_PASSWORD is too short "
                       "(12 characters, need 16); --prod needs a strong password: generate one with: "
                       "python -c 'import secrets; print(secrets.token_urlsafe(24))'")
    assert short not in message
    assert load(None, {"APP_OWNER_PASSWORD": short}).database is not None  # fine without --prod


@pytest.mark.parametrize(("url", "problem"), [
    ("postgresql://postgres:postgres@db/postgres", "is a well-known default password"),
    ("postgresql://postgres@db/postgres", "is empty"),
    ("postgresql://admin:adm%69n@db/postgres", "is a well-known default password"),
])
def test_prod_checks_the_password_inside_the_superuser_url(project: Path, url: str, problem: str) -> None:
    message = error(project, environ={"DATABASE_SUPERUSER_URL": url}, prod=True)
    assert message.startswith(f"bootstrap.yaml: database.superuser_url_env: the password in "
                              f"DATABASE_SUPERUSER_URL {problem}; --prod needs a strong password")


def test_prod_refuses_a_password_equal_to_the_role_name(project: Path) -> None:
    message = error(project, environ={"APP_RW_PASSWORD": "app_rw"}, prod=True)
    assert message.startswith("bootstrap.yaml: database.roles[1].password_env: APP_RW_PASSWORD is the same "
                              "as the role name;")


def test_no_error_message_ever_contains_a_secret(project: Path) -> None:
    """Every failure path that has a secret in hand: the `error` helper also checks SECRETS."""
    leaks = [OWNER_PW, f"postgresql://u:{SUPER_PW}@h/d"]
    messages = [
        error(project, lambda d: d["database"]["roles"][0].update(password=leaks[0])),
        error(project, lambda d: d["database"].update(name=leaks[1])),
        error(project, lambda d: d["database"]["roles"][0].update(passwd=leaks[0])),
        error(project, environ={"DATABASE_SUPERUSER_URL": f"http://u:{SUPER_PW}@h/d"}),
        error(project, environ={"DATABASE_SUPERUSER_URL": f"postgresql://u:{SUPER_PW}@[bad/d"}),
        error(project, environ={"APP_OWNER_PASSWORD": OWNER_PW[:10]}, prod=True),
    ]
    for message in messages:
        assert all(leak not in message for leak in leaks + [OWNER_PW[:10], SUPER_PW])
