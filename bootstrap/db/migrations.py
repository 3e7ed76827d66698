"""Alembic from the outside: heads from the scripts, the revision in the database, one migrator at a time.

The scripts are read with `alembic.script.ScriptDirectory` (no application import,
no env.py run); the database revision is read as the superuser from
`<schema>.alembic_version`. Migrations run under an advisory lock on a key
derived from project and database (`bootstrap.db.locks`).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import StepError
from . import sql_text

if TYPE_CHECKING:
    import psycopg

VERSION_TABLE = "alembic_version"
_RUNNING = re.compile(r"Running upgrade (\S*) -> (\S+?),?\s")


@dataclass(frozen=True)
class Revision:
    id: str
    path: str


class Scripts:
    """The migration scripts of one alembic.ini."""

    def __init__(self, ini: Path) -> None:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        if not ini.is_file():
            raise StepError(f"migrate.alembic_ini: {ini} does not exist", "point it at the project's alembic.ini")
        cfg = Config(str(ini))
        location = cfg.get_main_option("script_location")
        if location and not Path(location).is_absolute() and ":" not in location:
            cfg.set_main_option("script_location", str(ini.parent / location).replace("%", "%%"))
        self.ini = ini
        try:
            self.script = ScriptDirectory.from_config(cfg)
            self.heads = tuple(sorted(self.script.get_heads()))
        except Exception as exc:  # alembic raises CommandError, import errors from revision files...
            raise StepError(f"cannot read the migration scripts of {ini}: {exc}",
                            "the revision files must import without the application") from None

    def revision(self, rev: str) -> Revision | None:
        try:
            script = self.script.get_revision(rev)
        except Exception:
            return None
        return Revision(script.revision, script.path) if script is not None else None

    def pending(self, current: Sequence[str]) -> list[Revision]:
        """Revisions from `current` (exclusive) up to the head, in application order."""
        lower = tuple(current) or "base"
        try:
            scripts = list(self.script.iterate_revisions(self.heads, lower))  # type: ignore[arg-type]
        except Exception as exc:  # e.g. the database is on a branch the head does not descend from
            raise StepError(f"no upgrade path from {', '.join(current) or 'base'} to "
                            f"{', '.join(self.heads)}: {exc}", "check the revision history") from None
        return [Revision(s.revision, s.path) for s in reversed(scripts)]

    def check(self, current: Sequence[str]) -> None:
        """Fail before anything runs: several heads, or a database revision the scripts do not know."""
        if len(self.heads) > 1:
            files = ", ".join(f"{h} ({self._path(h)})" for h in self.heads)
            raise StepError(f"the migration scripts have {len(self.heads)} heads: {files}",
                            "merge them (alembic merge heads) before migrating")
        unknown = [r for r in current if self.revision(r) is None]
        if unknown:
            raise StepError(
                f"the database is at revision {', '.join(unknown)}, which the migration scripts of "
                f"{self.ini} do not know",
                "the checkout or the image is older than the database: update it (or rebuild the image) "
                "rather than migrating")

    def _path(self, rev: str) -> str:
        found = self.revision(rev)
        return found.path if found else "?"


def current_revisions(conn: psycopg.Connection[Any], schema: str) -> tuple[str, ...]:
    """The revisions recorded in `<schema>.alembic_version`; () when the table is missing."""
    from psycopg import sql

    table = sql.Identifier(schema, VERSION_TABLE)
    exists = conn.execute(sql_text("relation_exists.sql"),
                          {"relation": table.as_string(conn)}).fetchone()
    if not exists or exists[0] is None:
        return ()
    rows = conn.execute(sql.SQL(sql_text("alembic_version.sql")).format(table=table)).fetchall()
    return tuple(sorted(r[0] for r in rows))


def failing_revision(output: str, pending: Sequence[Revision], applied: Sequence[str]) -> Revision | None:
    """The revision that failed: the last one alembic said it was running, else the next pending one."""
    running = _RUNNING.findall(output)
    if running:
        target = running[-1][1]
        return next((r for r in pending if r.id == target), Revision(target, "?"))
    done = set(applied)
    return next((r for r in pending if r.id not in done), None)


__all__ = ["Revision", "Scripts", "VERSION_TABLE", "current_revisions", "failing_revision"]
