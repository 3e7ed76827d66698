"""PostgreSQL side: connections, roles, schema, backups, migrations, seed ledger.

Every SQL statement of substance lives in the top-level `sql/` directory and is
loaded with `sql_text`; identifiers are composed with `psycopg.sql`, values travel
as parameters. psycopg and alembic are imported only by the modules of this
package (never by `bootstrap.steps` at import time), so the CLI starts fast.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_HERE = Path(__file__).resolve()
# The repository's top-level sql/ (a checkout), else bootstrap/sql/ (an installed wheel).
SQL_DIR = next((p for p in (_HERE.parents[2] / "sql", _HERE.parents[1] / "sql") if p.is_dir()),
               _HERE.parents[2] / "sql")


@lru_cache(maxsize=None)
def sql_text(name: str) -> str:
    """The text of `sql/<name>`."""
    return (SQL_DIR / name).read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def sql_named(name: str) -> dict[str, str]:
    """The `-- name: <key>` sections of `sql/<name>`, each without its comments."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in sql_text(name).splitlines():
        stripped = line.strip()
        if stripped.startswith("-- name:"):
            current = sections.setdefault(stripped.split(":", 1)[1].strip(), [])
        elif current is not None and stripped and not stripped.startswith("--"):
            current.append(line)
    return {key: "\n".join(lines) for key, lines in sections.items()}


def sql_path(name: str) -> str:
    """How a plan names an SQL file: `sql/<name>`."""
    return f"sql/{name}"


__all__ = ["SQL_DIR", "sql_named", "sql_path", "sql_text"]
