"""Application roles: find what differs from the configuration, then change exactly that.

`inspect` reads the roles, their stored verifiers, the schema's relations and the
grants, and returns a `RolesPlan` (empty when converged). `apply` executes a plan:
first one transaction that creates roles and sets passwords with the server's
statement logging switched off, sending only a SCRAM verifier computed on the
client (`sql/role_ensure.sql` reads it with current_setting), then one transaction
for ownership and grants.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import sql_text
from .ledger import LEDGER_TABLE
from .locks import lock_key
from .privileges import PUBLIC, Grant, Relation, difference, grouped, ownership_statement, statement, wanted
from .scram import PREFIX, scram_matches

if TYPE_CHECKING:
    import psycopg

    from ..config import RoleConfig

UNMANAGED_TABLES = frozenset({LEDGER_TABLE})  # bootstrap's bookkeeping: superuser-owned, no grants


@dataclass(frozen=True)
class RoleAction:
    name: str
    create: bool = False
    password: str | None = None  # "set", "rotated", "re-hashed as SCRAM"; None: keep
    attributes: bool = False  # LOGIN / NOSUPERUSER / ... need fixing

    @property
    def needed(self) -> bool:
        return self.create or self.password is not None or self.attributes


@dataclass(frozen=True)
class RolesPlan:
    actions: tuple[RoleAction, ...] = ()
    missing: tuple[Grant, ...] = ()
    extra: tuple[Grant, ...] = ()
    take_schema: bool = False  # the owner role must become the schema's owner
    take_relations: tuple[str, ...] = ()  # relations the owner role must own
    owner: str = ""  # who owns the schema and makes the default privileges
    role_names: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (any(a.needed for a in self.actions) or self.missing or self.extra
                    or self.take_schema or self.take_relations)

    def describe(self) -> str:
        """`app_rw: created; app_owner: password rotated; app_ro: grants added`."""
        parts: list[str] = []
        by_name = {a.name: a for a in self.actions}
        for name in self.role_names:
            action = by_name.get(name, RoleAction(name))
            if action.create:
                parts.append(f"{name}: created")
                continue
            bits: list[str] = []
            if action.password:
                bits.append(f"password {action.password}")
            if action.attributes:
                bits.append("attributes fixed")
            if name == self.owner and self.take_schema:
                bits.append("schema owner set")
            if name == self.owner and self.take_relations:
                bits.append(f"took ownership of {len(self.take_relations)} relation(s)")
            if any(g.grantee == name for g in self.missing):
                bits.append("grants added")
            if any(g.grantee == name for g in self.extra):
                bits.append("grants revoked")
            if bits:
                parts.append(f"{name}: {', '.join(bits)}")
        if any(g.grantee == PUBLIC for g in self.extra):
            parts.append("PUBLIC: CREATE on schema revoked")
        return "; ".join(parts)


def _rows(conn: psycopg.Connection[Any], name: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    return conn.execute(sql_text(name), params).fetchall()


def read_verifiers(conn: psycopg.Connection[Any], names: Sequence[str]) -> dict[str, str | None] | None:
    """Stored verifiers by role, or None when pg_authid is not readable (not a real superuser)."""
    import psycopg

    try:
        with conn.transaction():
            return dict(_rows(conn, "role_verifiers.sql", {"roles": list(names)}))
    except psycopg.errors.InsufficientPrivilege:
        return None


def password_change(stored: str | None, password: str, login_ok: Callable[[], bool] | None) -> str | None:
    """What must happen to a role's password: None when it already is `password`."""
    if stored is None and login_ok is not None:  # pg_authid unreadable: try logging in
        return None if login_ok() else "rotated"
    if not stored:
        return "set"
    if stored.startswith(PREFIX):
        return None if scram_matches(stored, password) else "rotated"
    return "re-hashed as SCRAM"


def inspect(
    conn: psycopg.Connection[Any],
    roles: Sequence[RoleConfig],
    *,
    database: str,
    schema: str,
    owner: str,
    login_ok: Callable[[RoleConfig], bool],
) -> RolesPlan:
    """Compare the server with the configuration (read only; `conn` in autocommit)."""
    names = [r.name for r in roles]
    found_roles = {row[0]: row for row in _rows(conn, "roles_inspect.sql", {"roles": names})}
    verifiers = read_verifiers(conn, names)
    actions: list[RoleAction] = []
    for role in roles:
        row = found_roles.get(role.name)
        password = role.password.reveal() if role.password else ""
        if row is None:
            actions.append(RoleAction(role.name, create=True, password="set"))
            continue
        _, superuser, createdb, createrole, canlogin, replication, bypassrls = row
        bad_attributes = not canlogin or any((superuser, createdb, createrole, replication, bypassrls))
        if verifiers is None:
            change = password_change(None, password, lambda r=role: login_ok(r))
        else:
            change = password_change(verifiers.get(role.name), password, None)
        actions.append(RoleAction(role.name, password=change, attributes=bad_attributes))

    relations = [Relation(name, kind, rel_owner, bool(by_table))
                 for name, kind, rel_owner, by_table in _rows(conn, "schema_relations.sql", {"schema": schema})
                 if name not in UNMANAGED_TABLES]
    schema_row = conn.execute(sql_text("schema_state.sql"), {"schema": schema}).fetchone()
    owner_role = next((r.name for r in roles if r.access == "owner"), None)
    take_schema = bool(owner_role and schema_row and schema_row[0] != owner_role)
    take_relations = tuple(r.name for r in relations
                           if owner_role and r.owner != owner_role and not r.owned_by_table)
    found = [Grant(*row) for row in _rows(conn, "privileges.sql",
                                          {"database": database, "schema": schema, "roles": names})
             if row[1] not in UNMANAGED_TABLES or row[0] not in ("table", "sequence")]
    want = wanted(roles, database=database, schema=schema, owner=owner, relations=relations)
    missing, extra = difference(want, found, roles, owner=owner)
    return RolesPlan(tuple(actions), tuple(missing), tuple(extra), take_schema, take_relations,
                     owner, tuple(names))


def apply(conn: psycopg.Connection[Any], plan: RolesPlan, roles: Sequence[RoleConfig], *,
          database: str, schema: str) -> None:
    """Execute `plan` (`conn` in autocommit; each phase is one transaction)."""
    by_name = {r.name: r for r in roles}
    key = {"key": lock_key("bootstrap:roles")}
    pending = [a for a in plan.actions if a.needed]
    if pending:
        with conn.transaction():
            conn.execute(sql_text("quiet_logging.sql"))  # before anything secret in this transaction
            conn.execute(sql_text("role_lock.sql"), key)
            for action in pending:
                verifier = ""
                if action.password is not None:
                    role = by_name[action.name]
                    secret = role.password.reveal().encode() if role.password else b""
                    verifier = conn.pgconn.encrypt_password(secret, role.name.encode(),
                                                            b"scram-sha-256").decode()
                conn.execute(sql_text("role_vars.sql"), {"name": action.name, "verifier": verifier})
                conn.execute(sql_text("role_ensure.sql"))
    if plan.take_schema or plan.take_relations or plan.missing or plan.extra:
        with conn.transaction():
            conn.execute(sql_text("role_lock.sql"), key)
            if plan.take_schema:
                conn.execute(ownership_statement("schema", schema, plan.owner, schema=schema))
            for rel in plan.take_relations:
                conn.execute(ownership_statement("relation", rel, plan.owner, schema=schema))
            for action, grants in (("revoke", plan.extra), ("grant", plan.missing)):
                for (kind, obj, grantee), privs in grouped(grants).items():
                    conn.execute(statement(action, kind, obj, grantee, privs, database=database, schema=schema))


__all__ = ["RoleAction", "RolesPlan", "apply", "inspect", "password_change",
           "read_verifiers"]
