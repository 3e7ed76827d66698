"""The cluster as the superuser sees it: who we are connected as, which databases exist."""
from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from ..errors import StepError
from . import sql_text
from .connect import sql_errors

if TYPE_CHECKING:
    import psycopg


def identify(conn: psycopg.Connection[Any], app_roles: Collection[str] = ()) -> tuple[str, int]:
    """(user, server_version_num); a StepError unless connected as a superuser."""
    user, is_super, version = conn.execute(sql_text("server_identity.sql")).fetchone()  # type: ignore[misc]
    if not is_super or user in app_roles:
        raise StepError(f"connected as {user}, which is not the postgres superuser",
                        "point database.superuser_url_env at the superuser (postgres), never at an "
                        "application role")
    return str(user), int(version)


def version_text(version_num: int) -> str:
    """150018 -> "15.18"."""
    return f"{version_num // 10000}.{version_num % 10000}"


def database_exists(conn: psycopg.Connection[Any], name: str) -> bool:
    row = conn.execute(sql_text("database_exists.sql"), {"database": name}).fetchone()
    return bool(row and row[0])


def create_database(conn: psycopg.Connection[Any], name: str) -> bool:
    """CREATE DATABASE unless it exists (`conn` in autocommit); True when this call created it."""
    from psycopg import sql

    if database_exists(conn, name):
        return False
    try:
        with sql_errors(f"CREATE DATABASE {name}"):
            conn.execute(sql.SQL(sql_text("create_database.sql")).format(database=sql.Identifier(name)))
    except StepError:
        if database_exists(conn, name):
            return False  # another run created it meanwhile
        raise
    return True


__all__ = ["create_database", "database_exists", "identify", "version_text"]
