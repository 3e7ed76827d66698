"""Engines built from the environment.

Two URLs, two roles (see examples/demo/README.md):
- DATABASE_URL       the owner role (app_owner): alembic migrations and seeds.
- APP_DATABASE_URL   the role the HTTP server and worker use (app_rw in compose);
                     falls back to DATABASE_URL when unset.
Both are read when first needed, never at import time, so `import app.main`
works in an image with no environment (bootstrap's verify_imports step).
"""
from __future__ import annotations

import os
from functools import lru_cache

from sqlalchemy import Engine, create_engine

CONNECT_TIMEOUT_S = int(os.environ.get("DB_CONNECT_TIMEOUT_S", "3"))


class MissingDatabaseUrl(RuntimeError):
    pass


def database_url(var: str = "DATABASE_URL") -> str:
    url = os.environ.get(var, "").strip()
    if not url and var != "DATABASE_URL":
        url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        raise MissingDatabaseUrl(f"{var} is not set (expected postgresql+psycopg://user:pass@host:5432/db)")
    return url


@lru_cache(maxsize=None)
def _engine(url: str) -> Engine:
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=2,
        max_overflow=4,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "demo-api"},
    )


def owner_engine() -> Engine:
    """The migration/seed role (DATABASE_URL)."""
    return _engine(database_url("DATABASE_URL"))


def app_engine() -> Engine:
    """The serving role (APP_DATABASE_URL, else DATABASE_URL)."""
    return _engine(database_url("APP_DATABASE_URL"))
