"""Which steps each task runs, in which order. Steps are built here and nowhere else."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .engine import Item, Lanes, Step, flatten

if TYPE_CHECKING:
    from .context import Context

# first-time: preflight, database-ready, backup, reset-schema, roles, builds,
# verifies, migrate, seeds, up, health; restart is the same without backup/reset.


def built_services(ctx: Context) -> list[str]:
    return [name for name, svc in ctx.compose.services.items() if svc.build]


def converge_steps(ctx: Context) -> list[Item]:
    """The whole pipeline; destructive steps only when ctx.options.destructive.

    The database chain and each image build run side by side (lanes): they share
    nothing, and waiting for PostgreSQL to start costs nothing while images build.
    """
    from .steps.build import Build
    from .steps.database import Backup, DatabaseReady, ResetSchema, Roles
    from .steps.migrate import Migrate
    from .steps.preflight import Preflight
    from .steps.seed import Seed
    from .steps.up import Health, Up
    from .steps.verify import Verify

    cfg = ctx.config
    steps: list[Item] = [Preflight()]
    database: list[Step] = []
    if cfg.database:
        database.append(DatabaseReady())
        if ctx.options.destructive:
            database += [Backup(), ResetSchema()]
        database.append(Roles())
    services = built_services(ctx)
    lanes = [tuple(database)] if database else []
    lanes += [(Build(s),) for s in services]
    steps.append(Lanes(tuple(lanes)))
    steps += [Verify(s) for s in services if s in cfg.images]
    if cfg.migrate:
        steps.append(Migrate())
    steps += [Seed(s) for s in cfg.seed]
    steps.append(Up())
    steps += [Health(h) for h in cfg.health]
    return steps


def single_steps(ctx: Context, which: str, only: str | None = None) -> list[Step]:
    """One kind of step for operators (`bootstrap migrate`, `bootstrap build --service api`)."""
    wanted = {
        "build": "build:", "verify": "verify:", "roles": "roles", "migrate": "migrate",
        "seed": "seed:", "health": "health:", "reset-schema": "reset-schema",
    }[which]
    steps = flatten(converge_steps(ctx))
    chosen = [s for s in steps if s.name == wanted or (wanted.endswith(":") and s.name.startswith(wanted))]
    if only:
        chosen = [s for s in chosen if s.name.split(":", 1)[-1] == only]
    if which == "reset-schema":
        chosen = [s for s in steps if s.name == "backup"] + chosen
    if which in ("roles", "migrate", "seed", "reset-schema"):
        ready = [s for s in steps if s.name == "database-ready"]
        chosen = ready + chosen
    return chosen
