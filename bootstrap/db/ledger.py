"""The seed ledger: `<schema>.bootstrap_seed_ledger`, one row per seed that ran to the end.

A seed's fingerprint is the sha256 of its definition (service, command, workdir):
an unchanged definition with a row means the seed already ran.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import sql_text

if TYPE_CHECKING:
    import psycopg

    from ..config import SeedConfig

LEDGER_TABLE = "bootstrap_seed_ledger"


@dataclass(frozen=True)
class Entry:
    fingerprint: str
    applied_at: datetime
    duration_s: float


def fingerprint(seed: SeedConfig) -> str:
    definition = {"service": seed.service, "command": list(seed.command), "workdir": seed.workdir}
    return hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()


def _template(name: str, schema: str) -> Any:
    from psycopg import sql

    return sql.SQL(sql_text(name)).format(ledger=sql.Identifier(schema, LEDGER_TABLE))


def exists(conn: psycopg.Connection[Any], schema: str) -> bool:
    from psycopg import sql

    ident = sql.Identifier(schema, LEDGER_TABLE).as_string(conn)
    row = conn.execute(sql_text("relation_exists.sql"), {"relation": ident}).fetchone()
    return bool(row and row[0] is not None)


def get(conn: psycopg.Connection[Any], schema: str, name: str) -> Entry | None:
    if not exists(conn, schema):
        return None
    row = conn.execute(_template("seed_ledger_get.sql", schema), {"name": name}).fetchone()
    return Entry(row[0], row[1], float(row[2])) if row else None


def ensure(conn: psycopg.Connection[Any], schema: str) -> None:
    conn.execute(_template("seed_ledger_create.sql", schema))


def forget(conn: psycopg.Connection[Any], schema: str, name: str) -> None:
    conn.execute(_template("seed_ledger_delete.sql", schema), {"name": name})


def record(conn: psycopg.Connection[Any], schema: str, name: str, print_: str, duration_s: float) -> None:
    conn.execute(_template("seed_ledger_put.sql", schema),
                 {"name": name, "fingerprint": print_, "duration_s": duration_s})


__all__ = ["LEDGER_TABLE", "Entry", "ensure", "exists", "fingerprint", "forget", "get", "record"]
