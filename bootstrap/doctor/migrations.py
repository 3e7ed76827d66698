"""Checks alembic-heads, db-revision and schema-drift (seed 000 issues 1 and 2).

- alembic-heads (static): the scripts of migrate.alembic_ini have exactly one head.
- db-revision: the database's alembic_version is a revision the scripts know, and
  is the head (not behind it).
- schema-drift: the project's drift command (migrate.drift_command, e.g.
  `alembic check`) run in the application's image, against the database: model
  columns that no migration creates are named table.column.

The scripts are read by the PostgreSQL side's `db.migrations.Scripts`, the same
reader the migrate step uses.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .finding import Unavailable, Verdict, fail, ok, skip
from .locate import shown
from .running import engine

if TYPE_CHECKING:
    from ..context import Context
    from ..db.migrations import Scripts

_OPERATION = re.compile(r"\('(add_column|remove_column|modify_\w+)',\s*(?:None|'[^']*'),\s*'([^']+)',\s*"
                        r"(?:Column\()?'([^']+)'")
_TABLE_OPERATION = re.compile(r"\('(add_table|remove_table|add_index|remove_index|add_constraint|"
                              r"remove_constraint|add_fk|remove_fk)',\s*\w+\('([^']+)'")
_NOT_AT_HEAD = "Target database is not up to date"


def scripts(ctx: Context) -> Scripts:
    from ..db.migrations import Scripts

    migrate = ctx.config.migrate
    if migrate is None:
        raise Unavailable("no migrate section in bootstrap.yaml")
    return Scripts(migrate.alembic_ini)


def _head(ctx: Context, found: Scripts, rev: str) -> str:
    """`0002 (migrations/versions/0002_items.py)`"""
    script = found.revision(rev)
    return f"{rev} ({shown(Path(script.path), ctx.config.root)})" if script else rev


def check_heads(ctx: Context) -> Iterable[Verdict]:
    if ctx.config.migrate is None:
        return [skip("no migrate section in bootstrap.yaml")]
    found = scripts(ctx)
    heads = found.heads
    ini = shown(found.ini, ctx.config.root)
    if len(heads) > 1:
        listed = ", ".join(_head(ctx, found, h) for h in heads)
        return [fail(f"the migration scripts of {ini} have {len(heads)} heads: {listed}",
                     f"merge them: alembic merge -m 'merge heads' {' '.join(heads)}, commit the new "
                     "revision, then invoke migrate")]
    if not heads:
        return [ok(f"{ini}: no revisions yet")]
    return [ok(f"one head, {_head(ctx, found, heads[0])}")]


def check_db_revision(ctx: Context) -> Iterable[Verdict]:
    from ..db.migrations import current_revisions
    from .database import session

    if ctx.config.migrate is None or ctx.config.database is None:
        return [skip("needs both migrate and database sections in bootstrap.yaml")]
    found = scripts(ctx)
    with session(ctx) as conn:
        current = current_revisions(conn, ctx.config.database.schema_name)
    schema = ctx.config.database.schema_name
    if not current:
        return [fail(f"{schema}.alembic_version is missing or empty: the database was never migrated",
                     "invoke migrate (or invoke first-time on a new database)")]
    unknown = [r for r in current if found.revision(r) is None]
    if unknown:
        return [fail(f"the database is at revision {', '.join(unknown)}, which the scripts of "
                     f"{shown(found.ini, ctx.config.root)} do not know",
                     "the checkout (or image) is older than the database: update it, or rebuild the image; "
                     "never migrate down blindly")]
    if set(current) != set(found.heads):
        pending = found.pending(current)
        return [fail(f"the database is at {', '.join(current)}, behind the head {', '.join(found.heads)}: "
                     f"{len(pending)} migration(s) pending ({', '.join(r.id for r in pending)})",
                     "invoke migrate")]
    return [ok(f"the database is at the head, {', '.join(current)}")]


def _runnable_without_change(ctx: Context, service: str) -> str:
    """The service's image, when `compose run` would neither build it nor create a network."""
    client = engine(ctx)
    svc = ctx.compose.services[service]
    if ctx.compose.image_id(service) is None:
        raise Unavailable(f"image {svc.image} is not built yet", "invoke first-time (or restart) builds it")
    for network in svc.networks:
        if not client.networks.list(names=[network]):
            raise Unavailable(f"network {network} does not exist (the stack is down) and doctor creates "
                              "nothing", "invoke restart, then rerun doctor")
    return svc.image


def drift_items(output: str) -> list[str]:
    """`table.column` (or `table`) for each operation alembic check reports."""
    found = [(m.start(), f"{m.group(1)} {m.group(2)}.{m.group(3)}") for m in _OPERATION.finditer(output)]
    found += [(m.start(), f"{m.group(1)} {m.group(2)}") for m in _TABLE_OPERATION.finditer(output)]
    items: list[str] = []
    for _, entry in sorted(found):
        if entry not in items:
            items.append(entry)
    return items


def check_schema_drift(ctx: Context) -> Iterable[Verdict]:
    from ..db.ledger import LEDGER_TABLE
    from ..errors import CommandFailed
    from .database import superuser
    migrate = ctx.config.migrate
    if migrate is None:
        return [skip("no migrate section in bootstrap.yaml")]
    if not migrate.drift_command:
        return [skip("no drift command configured",
                     "set migrate.drift_command: [alembic, check] in bootstrap.yaml")]
    if ctx.config.database is not None:
        superuser(ctx)  # the command connects to the database: skip when it is not up
    if ctx.service_runner_override is None:  # compose runs it in the service's image
        image = _runnable_without_change(ctx, migrate.service)
    else:
        image = f"service {migrate.service}"
    shown_cmd = " ".join(migrate.drift_command)
    try:
        result = ctx.service_runner.run(migrate.service, list(migrate.drift_command), workdir=migrate.workdir,
                                        timeout_s=min(migrate.timeout_s, 120.0))
    except CommandFailed as exc:
        text = "\n".join(exc.output_tail)
        if _NOT_AT_HEAD in text:
            return [skip(f"`{shown_cmd}` cannot compare: the database is not at the head (see db-revision)",
                         "invoke migrate, then rerun doctor")]
        items = drift_items(text)
        ours = [i for i in items if i.split(" ", 1)[1].split(".")[0] == LEDGER_TABLE]
        items = [i for i in items if i not in ours]
        if ours and not items:
            return [ok(f"`{shown_cmd}` in {image}: the models match the migrations (it only reports "
                       f"bootstrap's own {LEDGER_TABLE}; exclude it in env.py's "
                       "include_object so autogenerate never drops it)")]
        if items:
            return [fail(f"`{shown_cmd}` in {image}: the models differ from the migrations: {', '.join(items)}",
                         "write the migration: alembic revision --autogenerate -m '...' (review it), "
                         "commit it, rebuild, then invoke migrate")]
        tail = " | ".join(line.strip() for line in exc.output_tail[-5:] if line.strip())
        return [fail(f"`{shown_cmd}` in {image} exited {exc.returncode}: {tail}",
                     "run it by hand in the image to see the full output; fix what it reports")]
    last = next((ln.strip() for ln in reversed(result.output.splitlines()) if ln.strip()), "no output")
    return [ok(f"`{shown_cmd}` in {image}: {last}")]
