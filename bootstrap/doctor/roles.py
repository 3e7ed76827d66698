"""Check roles (seed 004 issue 4): each configured role exists, logs in with its configured
password, and has exactly its access level.

The comparison is the PostgreSQL side's `db.roles.inspect` (the roles step's own
"has it converged?"), read in a read-only session; on top of it doctor really
logs in as each role, which also catches pg_hba rules and NOLOGIN.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from .finding import Verdict, fail, ok, skip

if TYPE_CHECKING:
    from ..context import Context
    from ..db.privileges import Grant

FIX = "invoke roles (creates the role, sets the password and grants exactly its access)"
SHOWN_GRANTS = 6


def _grants(grants: Iterable[Grant]) -> str:
    items = [f"{g.privilege} on {g.kind} {g.obj}" for g in grants]
    more = f" and {len(items) - SHOWN_GRANTS} more" if len(items) > SHOWN_GRANTS else ""
    return ", ".join(items[:SHOWN_GRANTS]) + more


def check_roles(ctx: Context) -> Iterable[Verdict]:
    from ..db import roles as db_roles
    from ..db.privileges import owner_of
    from .database import login_error, session

    db = ctx.config.database
    if db is None or not db.roles:
        return [skip("no roles configured (database.roles)")]
    owner = owner_of(db.roles)
    with session(ctx) as conn:
        plan = db_roles.inspect(conn, db.roles, database=db.name, schema=db.schema_name,
                                owner=owner.name if owner else conn.info.user,
                                login_ok=lambda r: login_error(ctx, r.name, _password(r)) is None)
    actions = {a.name: a for a in plan.actions}
    out: list[Verdict] = []
    for role in db.roles:
        action = actions.get(role.name)
        label = f"{role.name} ({role.access})"
        if action is not None and action.create:
            out.append(fail(f"role {role.name} does not exist in {db.name}", FIX))
            continue
        problems: list[str] = []
        if action is not None and action.password:
            problems.append("its stored password is not the value of " + role.password_env
                            if action.password != "re-hashed as SCRAM" else "its password is not stored as SCRAM")
        if action is not None and action.attributes:
            problems.append("its attributes are not LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                            "NOBYPASSRLS")
        refused = login_error(ctx, role.name, _password(role))
        if refused:
            problems.append(f"logging in with {role.password_env} fails: {refused}")
        missing = [g for g in plan.missing if g.grantee == role.name]
        extra = [g for g in plan.extra if g.grantee == role.name]
        if missing:
            problems.append(f"missing {_grants(missing)}")
        if extra:
            problems.append(f"more than {role.access}: {_grants(extra)}")
        if owner is not None and role.name == owner.name and (plan.take_schema or plan.take_relations):
            what = [f"schema {db.schema_name}"] if plan.take_schema else []
            what += list(plan.take_relations[:SHOWN_GRANTS])
            problems.append(f"does not own {', '.join(what)}")
        if problems:
            out.append(fail(f"{label}: " + "; ".join(problems), FIX))
        else:
            out.append(ok(f"{label}: exists, logs in, has exactly {role.access} access"))
    public = [g for g in plan.extra if g.grantee == "PUBLIC"]
    if public:
        out.append(fail(f"PUBLIC has {_grants(public)} (anyone may create objects in the schema)", FIX))
    return out


def _password(role: object) -> str:
    secret = getattr(role, "password", None)
    return secret.reveal() if secret is not None else ""
