"""What each access level may do, as data: wanted grants, found grants, the difference.

Pure functions over `Grant` values; `statement` turns one difference into the
GRANT / REVOKE / ALTER DEFAULT PRIVILEGES statement of `sql/privilege_statements.sql`.

- owner: owns the schema (and its relations), CONNECT and CREATE on the database
  (CREATE so migrations can CREATE EXTENSION); runs migrations and seeds.
- readwrite: USAGE on the schema; SELECT/INSERT/UPDATE/DELETE on tables;
  USAGE/SELECT/UPDATE on sequences; no CREATE anywhere.
- readonly: USAGE on the schema; SELECT on tables and sequences.
Default privileges FOR ROLE <owner> IN SCHEMA cover what migrations create later.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..config import RoleConfig

TABLE_PRIVILEGES = {"readwrite": ("SELECT", "INSERT", "UPDATE", "DELETE"), "readonly": ("SELECT",)}
SEQUENCE_PRIVILEGES = {"readwrite": ("USAGE", "SELECT", "UPDATE"), "readonly": ("SELECT",)}
# Privileges bootstrap manages: granted when wanted, revoked when found and not wanted.
MANAGED = {
    "database": frozenset({"CONNECT", "CREATE"}),
    "schema": frozenset({"USAGE", "CREATE"}),
    "table": frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}),
    "sequence": frozenset({"USAGE", "SELECT", "UPDATE"}),
    "default:tables": frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}),
    "default:sequences": frozenset({"USAGE", "SELECT", "UPDATE"}),
}
PUBLIC = "PUBLIC"

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_RESERVED = {"public", "none", "current_user", "current_role", "session_user", "user", "all"}


@dataclass(frozen=True, order=True)
class Grant:
    kind: str  # database | schema | table | sequence | default:tables | default:sequences
    obj: str  # database, schema or relation name; for default:* the role the defaults are FOR
    grantee: str  # a role name or PUBLIC
    privilege: str


@dataclass(frozen=True)
class Relation:
    name: str
    kind: str  # table | sequence (views, matviews and foreign tables count as tables)
    owner: str
    owned_by_table: bool = False  # a serial/identity sequence: follows its table


def validate_role_name(name: str, *, superuser: str | None = None) -> None:
    """Role names are plain identifiers, never reserved or the superuser's own."""
    if not _NAME.match(name):
        raise ConfigError(f"database.roles: invalid role name {name!r}",
                          "use letters, digits and underscores (at most 63), not starting with a digit")
    if name.lower() in _RESERVED or name.lower().startswith("pg_"):
        raise ConfigError(f"database.roles: {name!r} is a reserved role name", "choose another name")
    if superuser is not None and name == superuser:
        raise ConfigError(f"database.roles: {name!r} is the superuser the steps connect as",
                          "application roles must be separate from the postgres superuser")


def validate_roles(roles: Sequence[RoleConfig], *, superuser: str | None) -> None:
    """Names valid and distinct, every password resolved, at most one owner."""
    for role in roles:
        validate_role_name(role.name, superuser=superuser)
        if not role.password:
            raise ConfigError(f"database.roles: {role.name} has no password",
                              f"set the environment variable {role.password_env}")
    if len({r.name for r in roles}) != len(roles):
        raise ConfigError("database.roles: a role name appears twice", "give each role its own name")
    owner_of(roles)


def owner_of(roles: Sequence[RoleConfig]) -> RoleConfig | None:
    owners = [r for r in roles if r.access == "owner"]
    if len(owners) > 1:
        raise ConfigError(f"database.roles: {len(owners)} roles with access owner "
                          f"({', '.join(r.name for r in owners)})", "keep exactly one owner")
    return owners[0] if owners else None


def wanted(roles: Sequence[RoleConfig], *, database: str, schema: str, owner: str,
           relations: Iterable[Relation]) -> set[Grant]:
    """Every grant the configured roles should hold directly. `owner` makes the defaults."""
    out: set[Grant] = set()
    rels = list(relations)
    for role in roles:
        out.add(Grant("database", database, role.name, "CONNECT"))
        if role.access == "owner":
            out.add(Grant("database", database, role.name, "CREATE"))
            continue
        out.add(Grant("schema", schema, role.name, "USAGE"))
        for rel in rels:
            privs = TABLE_PRIVILEGES if rel.kind == "table" else SEQUENCE_PRIVILEGES
            out.update(Grant(rel.kind, rel.name, role.name, p) for p in privs[role.access])
        out.update(Grant("default:tables", owner, role.name, p) for p in TABLE_PRIVILEGES[role.access])
        out.update(Grant("default:sequences", owner, role.name, p) for p in SEQUENCE_PRIVILEGES[role.access])
    return out


def difference(want: set[Grant], found: Iterable[Grant], roles: Sequence[RoleConfig],
               *, owner: str) -> tuple[list[Grant], list[Grant]]:
    """(missing, extra): grants to add, and managed grants found that nobody wants."""
    names = {r.name for r in roles}
    owner_names = {r.name for r in roles if r.access == "owner"}
    have: set[Grant] = set()
    extra: set[Grant] = set()
    for g in found:
        have.add(g)
        if g in want or g.privilege not in MANAGED.get(g.kind, ()):
            continue
        if g.grantee == PUBLIC:
            if g.kind == "schema" and g.privilege == "CREATE":
                extra.add(g)
        elif g.grantee in names and (g.kind == "database" or g.grantee not in owner_names):
            if g.kind.startswith("default:") and g.obj != owner:
                continue  # defaults made by another role are not ours to manage
            extra.add(g)
    return sorted(want - have), sorted(extra)


def grouped(grants: Iterable[Grant]) -> dict[tuple[str, str, str], list[str]]:
    """Grants grouped into one statement per (kind, object, grantee)."""
    out: dict[tuple[str, str, str], list[str]] = {}
    for g in sorted(grants):
        out.setdefault((g.kind, g.obj, g.grantee), []).append(g.privilege)
    return out


def statement(action: str, kind: str, obj: str, grantee: str, privileges: Sequence[str], *,
              database: str, schema: str) -> Any:
    """The composed GRANT/REVOKE (action "grant"/"revoke") for one group."""
    from psycopg import sql

    from . import sql_named

    bad = [p for p in privileges if p not in MANAGED[kind]]
    if bad:
        raise ValueError(f"unexpected privileges {bad} for {kind}")
    name = f"{action}_{kind.replace(':', '_')}"
    template = sql.SQL(sql_named("privilege_statements.sql")[name])
    return template.format(
        privileges=sql.SQL(", ").join(sql.SQL(p) for p in privileges),
        database=sql.Identifier(database), schema=sql.Identifier(schema),
        relation=sql.Identifier(schema, obj), owner=sql.Identifier(obj),
        grantee=sql.SQL(PUBLIC) if grantee == PUBLIC else sql.Identifier(grantee),
    )


def ownership_statement(kind: str, name: str, owner: str, *, schema: str) -> Any:
    from psycopg import sql

    from . import sql_named

    template = sql.SQL(sql_named("privilege_statements.sql")[f"owner_{kind}"])
    return template.format(schema=sql.Identifier(schema), relation=sql.Identifier(schema, name),
                           owner=sql.Identifier(owner))


__all__ = ["Grant", "MANAGED", "PUBLIC", "Relation", "difference", "grouped", "owner_of",
           "ownership_statement", "statement", "validate_role_name", "validate_roles", "wanted"]
