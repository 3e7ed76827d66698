"""The database as doctor sees it: read-only superuser sessions, or `Unavailable`.

Where the server is comes from the PostgreSQL side (`db.connect.superuser_conninfo`:
the published port, or the container's address under the prod overlay). Every
session doctor opens has `default_transaction_read_only=on`, a short connect
timeout, and is closed at once. The first failure to reach the server is
remembered for the run, so a stopped database costs one timeout, not one per check.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .finding import Unavailable

if TYPE_CHECKING:
    import psycopg

    from ..context import Context
    from ..secrets import Secret

FACT = "doctor:superuser"
CONNECT_TIMEOUT_S = 3
READ_ONLY = "-c default_transaction_read_only=on"
START_FIX = "start it (invoke restart), then rerun doctor"


def superuser(ctx: Context) -> Secret:
    """The superuser conninfo, once reachable; Unavailable (remembered) otherwise."""
    known = ctx.facts.get(FACT)
    if isinstance(known, Unavailable):
        raise known
    if known is not None:
        return known  # type: ignore[no-any-return]
    from ..db.connect import connect, superuser_conninfo

    db = ctx.config.database
    if db is None:
        raise Unavailable("no database section in bootstrap.yaml")
    try:
        conninfo = superuser_conninfo(ctx)
        connect(_read_only(conninfo, db.name), connect_timeout=CONNECT_TIMEOUT_S, service=db.service).close()
    except Exception as exc:  # noqa: BLE001 - unreachable for any reason: the dependent checks skip
        reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        unavailable = Unavailable(f"database not reachable: {reason}", START_FIX)
        ctx.facts[FACT] = unavailable
        raise unavailable from None
    ctx.facts[FACT] = conninfo
    return conninfo


def _read_only(conninfo: Secret, dbname: str, **overrides: Any) -> Secret:
    from ..db.connect import with_database

    return with_database(conninfo, dbname, options=READ_ONLY, **overrides)


@contextmanager
def session(ctx: Context) -> Iterator[psycopg.Connection[Any]]:
    """A read-only superuser session on the application database."""
    from ..db.connect import connect

    db = ctx.config.database
    assert db is not None
    conn = connect(_read_only(superuser(ctx), db.name), connect_timeout=CONNECT_TIMEOUT_S, service=db.service)
    try:
        yield conn
    finally:
        conn.close()


def login_error(ctx: Context, role: str, password: str) -> str | None:
    """None when `role` logs in to the application database with `password`; else the server's words."""
    import psycopg

    from ..db.connect import conninfo_params

    db = ctx.config.database
    assert db is not None
    target = _read_only(superuser(ctx), db.name, user=role, password=password)
    params = conninfo_params(target)
    try:
        psycopg.connect(target.reveal(), connect_timeout=CONNECT_TIMEOUT_S, autocommit=True,
                        application_name="bootstrap-doctor").close()
    except psycopg.OperationalError as exc:
        words = " ".join(str(exc).split())
        return words.replace(params.get("password", "\0"), "******") if params.get("password") else words
    return None
