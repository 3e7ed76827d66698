"""Database backups with pg_dump: commands as data, file names, retention.

Every function here is pure (the step runs the commands through the runner).
Passwords travel in PGPASSWORD (`Command.env`), never in argv; a dump is written
to `<name>.partial` and renamed once complete, so a failed dump never counts as a
backup and never pushes a good one out of retention.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from ..runner import Command
from ..secrets import Secret
from .connect import conninfo_params

CONTAINER_TMP = "/tmp"
DUMP_MAGIC = b"PGDMP"
_STAMP = "%Y%m%dT%H%M%SZ"


def dump_path(backups_dir: Path, project: str, now: datetime | None = None) -> Path:
    """`<backups_dir>/<project>-<UTC YYYYmmddTHHMMSSZ>.dump`, unused so far."""
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).strftime(_STAMP)
    path = backups_dir / f"{project}-{stamp}.dump"
    n = 1
    while path.exists():
        path = backups_dir / f"{project}-{stamp}-{n}.dump"
        n += 1
    return path


def partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


def backups(backups_dir: Path, project: str) -> list[Path]:
    """This project's complete dumps, oldest first."""
    pattern = re.compile(rf"^{re.escape(project)}-\d{{8}}T\d{{6}}Z(-\d+)?\.dump$")
    found = [p for p in backups_dir.glob(f"{project}-*.dump") if pattern.match(p.name)]
    return sorted(found, key=lambda p: (p.name[len(project) + 1:len(project) + 17], p.stat().st_mtime))


def to_prune(backups_dir: Path, project: str, keep: int) -> list[Path]:
    """The dumps beyond the newest `keep`."""
    found = backups(backups_dir, project)
    return found[:-keep] if keep > 0 else found


def pg_dump_major(version_output: str) -> int | None:
    """15 from `pg_dump (PostgreSQL) 15.8 (Debian 15.8-0+deb12u1)`."""
    m = re.search(r"\(PostgreSQL\)\s+(\d+)", version_output)
    return int(m.group(1)) if m else None


def _split(conninfo: Secret, dbname: str) -> tuple[dict[str, str], Secret | None]:
    params = conninfo_params(conninfo)
    password = params.pop("password", None)
    params["dbname"] = dbname
    return params, (Secret(password, "superuser password") if password else None)


def host_dump(pg_dump: str, conninfo: Secret, dbname: str, path: Path, timeout_s: float = 3600) -> Command:
    """pg_dump on the host, custom format, into `partial(path)`."""
    from psycopg.conninfo import make_conninfo

    params, password = _split(conninfo, dbname)
    argv = (pg_dump, "--format=custom", "--file", str(partial(path)), "--dbname", make_conninfo("", **params))
    return Command(argv, env={"PGPASSWORD": password} if password else {}, timeout_s=timeout_s,
                   log_name="backup")


def container_dump(base: Sequence[str], service: str, conninfo: Secret, dbname: str, path: Path, *,
                   container: str, docker: str = "docker", timeout_s: float = 3600) -> list[Command]:
    """pg_dump inside the database container (`compose exec`), `docker cp` the file out, remove it there.

    `base` is the project's compose argv (`ComposeProject.base`); PGPASSWORD is passed by
    name (`-e PGPASSWORD`), its value only in the environment of the compose process.
    """
    from ..compose_commands import exec_argv

    params, password = _split(conninfo, dbname)
    inside = f"{CONTAINER_TMP}/{path.name}"
    dump = exec_argv(base, service, ["pg_dump", "--format=custom", "--file", inside, "--host", "127.0.0.1",
                                     "--port", "5432", "--username", params.get("user", "postgres"),
                                     "--dbname", dbname], env_keys=["PGPASSWORD"] if password else [])
    remove = exec_argv(base, service, ["rm", "-f", inside])
    return [
        Command(dump, env={"PGPASSWORD": password} if password else {}, timeout_s=timeout_s,
                log_name="backup", cleanup=(remove,)),
        Command((docker, "cp", f"{container}:{inside}", str(partial(path))), timeout_s=timeout_s,
                log_name="backup-copy", cleanup=(remove,)),
        Command(remove, timeout_s=60),
    ]


def restore_command(path: Path, conninfo: Secret, dbname: str, *, base: Sequence[str] | None = None,
                    service: str | None = None) -> str:
    """The command that restores `path`, password omitted (give it in PGPASSWORD)."""
    params, _ = _split(conninfo, dbname)
    user = params.get("user", "postgres")
    if base is not None and service is not None:
        from ..compose_commands import exec_argv

        argv = exec_argv(base, service, ["pg_restore", "--clean", "--if-exists", "--host", "127.0.0.1",
                                         "--username", user, "--dbname", dbname], env_keys=["PGPASSWORD"])
        return f"{' '.join(argv)} < {path}"
    url = f"postgresql://{user}@{params.get('host', 'localhost')}:{params.get('port', '5432')}/{dbname}"
    return f"pg_restore --clean --if-exists -d {url} {path}"


def is_dump(path: Path) -> bool:
    """A complete custom-format dump starts with PGDMP and is not empty."""
    try:
        with path.open("rb") as f:
            return f.read(len(DUMP_MAGIC)) == DUMP_MAGIC
    except OSError:
        return False


__all__ = ["backups", "container_dump", "dump_path", "host_dump", "is_dump",
           "partial", "pg_dump_major", "restore_command", "to_prune"]
