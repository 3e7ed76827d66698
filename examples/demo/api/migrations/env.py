"""Alembic environment: DATABASE_URL from the environment, metadata from app.models."""
from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from app.models import Base

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        raise SystemExit(
            "alembic: DATABASE_URL is not set (the owner role's URL, "
            "e.g. postgresql+psycopg://app_owner:...@db:5432/demo)"
        )
    return url


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001
    """bootstrap keeps its seed ledger in the schema; autogenerate must not drop it."""
    return not (type_ == "table" and name == "bootstrap_seed_ledger")


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, include_object=include_object,
                      dialect_opts={"paramstyle": "named"}, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool,
                           connect_args={"connect_timeout": 10, "application_name": "demo-alembic"})
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True,
                          include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
