"""The application schema: does it hold data, reset it, what it looks like now."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import StepError
from . import sql_text
from .connect import sql_errors

if TYPE_CHECKING:
    import psycopg

# Bookkeeping that holds rows once bootstrap ran, without being application data.
BOOKKEEPING_TABLES = frozenset({"alembic_version", "bootstrap_seed_ledger"})


@dataclass(frozen=True)
class SchemaState:
    exists: bool
    owner: str | None = None
    relations: int = 0
    public_create: bool = False


def tables_with_rows(conn: psycopg.Connection[Any], schema: str,
                     ignore: frozenset[str] = BOOKKEEPING_TABLES) -> list[str]:
    """Tables of `schema` holding at least one row (bookkeeping tables not counted)."""
    from psycopg import sql

    names = [r[0] for r in conn.execute(sql_text("schema_tables.sql"), {"schema": schema})]
    out = []
    template = sql.SQL(sql_text("table_has_rows.sql"))
    for name in names:
        if name in ignore:
            continue
        row = conn.execute(template.format(schema=sql.Identifier(schema), table=sql.Identifier(name))).fetchone()
        if row and row[0]:
            out.append(name)
    return out


def state(conn: psycopg.Connection[Any], schema: str) -> SchemaState:
    row = conn.execute(sql_text("schema_state.sql"), {"schema": schema}).fetchone()
    if row is None:
        return SchemaState(False)
    return SchemaState(True, row[0], int(row[1]), bool(row[2]))


def role_exists(conn: psycopg.Connection[Any], name: str) -> bool:
    return bool(conn.execute(sql_text("roles_inspect.sql"), {"roles": [name]}).fetchall())


def terminate_sessions(conn: psycopg.Connection[Any], database: str) -> int:
    """End every other session on `database`; how many were ended."""
    rows = conn.execute(sql_text("terminate_sessions.sql"), {"database": database}).fetchall()
    return sum(1 for _, ended in rows if ended)


def reset(conn: psycopg.Connection[Any], *, database: str, schema: str, owner: str,
          lock_timeout_s: float) -> int:
    """DROP SCHEMA ... CASCADE and CREATE it again, owned by `owner`, in one transaction.

    `conn` is a superuser connection to `database` in autocommit. Returns the number of
    sessions terminated first. A lock still held after that (a prepared transaction, a
    session that arrived meanwhile) fails after `lock_timeout_s` with a StepError.
    """
    from psycopg import sql

    ended = terminate_sessions(conn, database)
    statement = sql.SQL(sql_text("reset_schema.sql")).format(
        lock_timeout=sql.Literal(f"{int(lock_timeout_s * 1000)}ms"),
        schema=sql.Identifier(schema), owner=sql.Identifier(owner))
    try:
        with sql_errors(f"reset of schema {schema} in {database}"), conn.transaction():
            conn.execute(statement)
    except StepError as exc:
        if "lock_timeout" not in exc.message:
            raise
        prepared = [str(p[0]) for p in conn.execute(sql_text("prepared_xacts.sql"), {"database": database})]
        hint = (f"prepared transactions hold locks: {', '.join(prepared)}; COMMIT PREPARED or "
                "ROLLBACK PREPARED them, then rerun" if prepared else exc.hint)
        raise StepError(f"reset of schema {schema} in {database}: gave up waiting for a lock after "
                        f"lock_timeout={lock_timeout_s:g}s (database.lock_timeout_s)", hint) from None
    return ended


__all__ = ["BOOKKEEPING_TABLES", "SchemaState", "reset", "role_exists", "state", "tables_with_rows",
           "terminate_sessions"]
