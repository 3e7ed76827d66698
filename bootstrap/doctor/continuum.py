"""Checks continuum-tables and continuum-mod (seed 000 issues 3 and 4): SQLAlchemy-Continuum.

Continuum names the version table of `<table>` exactly `<table>_version`, and
with PropertyModTrackerPlugin every non-key versioned column `<col>` needs a
boolean `<col>_mod` beside it. Hand-written migrations got both wrong in the
seed (`schedule_run_version` beside `schedule_runs`; no `start_date_mod`), and
the application failed at the first write.

- continuum-tables: a `<x>_version` table whose base `<x>` does not exist while
  a near name does fails with the RENAME that fixes it.
- continuum-mod (only when bootstrap.yaml declares the plugin,
  `doctor.continuum.property_mod_tracker: true`): names each missing `_mod` column.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .finding import Verdict, fail, ok, skip, warn
from .model import doctor_config

if TYPE_CHECKING:
    from ..context import Context

FACT = "doctor:catalog"
CONTINUUM_COLUMNS = frozenset({"transaction_id", "end_transaction_id", "operation_type"})
NOT_VERSION_TABLES = frozenset({"alembic_version"})
CATALOG_SQL = """
SELECT c.relname::text, a.attname::text, COALESCE(a.attnum = ANY(i.indkey), false) AS primary_key
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname, a.attnum
"""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    primary_key: frozenset[str]


def read_catalog(ctx: Context) -> dict[str, Table]:
    """Tables of the application schema with their columns (cached for the run)."""
    known = ctx.facts.get(FACT)
    if isinstance(known, dict):
        return known
    from .database import session

    if ctx.config.database is None:
        from .finding import Unavailable

        raise Unavailable("no database section in bootstrap.yaml")
    rows: dict[str, tuple[list[str], set[str]]] = {}
    with session(ctx) as conn:
        for table, column, is_pk in conn.execute(CATALOG_SQL, {"schema": ctx.config.database.schema_name}):
            cols, pk = rows.setdefault(table, ([], set()))
            if column not in cols:
                cols.append(column)
            if is_pk:
                pk.add(column)
    catalog = {t: Table(t, tuple(cols), frozenset(pk)) for t, (cols, pk) in rows.items()}
    ctx.facts[FACT] = catalog
    return catalog


def version_tables(catalog: dict[str, Table], suffix: str) -> list[str]:
    return sorted(t for t in catalog if t.endswith(suffix) and len(t) > len(suffix)
                  and t not in NOT_VERSION_TABLES)


def near_base(base: str, names: Iterable[str]) -> str | None:
    """A table whose name is a plural/singular or near spelling of `base`."""
    candidates = sorted(names)
    forms = {base + "s", base + "es", base[:-1] if base.endswith("s") else "",
             base[:-1] + "ies" if base.endswith("y") else "", base[:-3] + "y" if base.endswith("ies") else ""}
    for form in sorted(f for f in forms if f):
        if form in candidates:
            return form
    close = difflib.get_close_matches(base, candidates, n=1, cutoff=0.8)
    return close[0] if close else None


def check_version_tables(ctx: Context) -> Iterable[Verdict]:
    suffix = doctor_config(ctx.config).continuum.table_suffix
    catalog = read_catalog(ctx)
    versions = version_tables(catalog, suffix)
    if not versions:
        return [ok(f"no *{suffix} tables in schema {ctx.config.database.schema_name}")]  # type: ignore[union-attr]
    plain = [t for t in catalog if t not in versions]
    out: list[Verdict] = []
    for table in versions:
        base = table[: -len(suffix)]
        if base in catalog:
            continue
        near = near_base(base, plain)
        if near is None:
            out.append(warn(f"{table}: no table {base} exists, and none with a near name",
                            f"drop {table} in a migration if {base} was removed on purpose"))
            continue
        expected = f"{near}{suffix}"
        if expected in catalog:
            out.append(fail(f"{table} has no base table {base}; {near} already has its version table {expected}",
                            f"move what {table} holds into {expected} if needed, then drop {table} in a migration"))
        else:
            out.append(fail(f"{table} has no base table {base}, while {near} exists: Continuum looks for "
                            f"{expected} and fails with 'relation \"{expected}\" does not exist'",
                            f"rename it in a migration: ALTER TABLE {table} RENAME TO {expected};"))
    if not out:
        out.append(ok(f"{len(versions)} version table(s), each beside its base table"))
    return out


def check_mod_columns(ctx: Context) -> Iterable[Verdict]:
    cfg = doctor_config(ctx.config).continuum
    if not cfg.property_mod_tracker:
        return [skip("PropertyModTrackerPlugin not declared (doctor.continuum.property_mod_tracker)")]
    catalog = read_catalog(ctx)
    out: list[Verdict] = []
    checked = 0
    for table in version_tables(catalog, cfg.table_suffix):
        base = catalog.get(table[: -len(cfg.table_suffix)])
        if base is None:
            continue  # continuum-tables reports it
        checked += 1
        columns = catalog[table].columns
        versioned = [c for c in columns if c in base.columns and c not in base.primary_key
                     and c not in CONTINUUM_COLUMNS and not c.endswith("_mod")]
        missing = [c for c in versioned if f"{c}_mod" not in columns]
        if missing:
            adds = ", ".join(f"ADD COLUMN {c}_mod boolean NOT NULL DEFAULT false" for c in missing)
            out.append(fail(f"{table}: no _mod column for {', '.join(missing)} (PropertyModTrackerPlugin writes "
                            f"{missing[0]}_mod on every change)",
                            f"add them in a migration: ALTER TABLE {table} {adds}; or drop the plugin from "
                            "make_versioned() and from doctor.continuum"))
    if not out:
        out.append(ok(f"{checked} version table(s) have a _mod column for every versioned column"))
    return out
