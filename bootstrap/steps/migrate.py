"""migrate: bring the database to the Alembic head, one migrator at a time.

Heads come from the scripts of `migrate.alembic_ini` (host path, no application
import); the current revision from `<schema>.alembic_version`, read as the
superuser. The migration command runs through `ctx.service_runner` (in production
`compose run --rm --no-deps` in the app image).

Locking: `check` takes the advisory lock (bounded by migrate.lock_timeout_s) before
reading the revision. At head it lets go at once and the step is ok. Otherwise it
keeps the lock for `apply`, which the engine calls next and which releases it when
the command has run. So a second run waits while the first migrates, then sees the
head and reports ok; two runs never migrate at once.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..db import sql_path
from ..db.connect import connect, superuser_conninfo
from ..engine import BaseStep, Check
from ..errors import CommandFailed, StepError
from .database import database_config

if TYPE_CHECKING:
    from ..config import MigrateConfig
    from ..context import Context
    from ..db.locks import AdvisoryLock
    from ..db.migrations import Scripts


def _shown(revs: Sequence[str]) -> str:
    return ", ".join(revs) if revs else "base"


class Migrate(BaseStep):
    name = "migrate"
    verify_by_check = False  # verify reads the revision without taking the lock again

    def __init__(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self.sleep = sleep
        self._lock: AdvisoryLock | None = None  # held from a not-converged check until apply ends

    # -- the engine's protocol --------------------------------------------------------

    def check(self, ctx: Context) -> Check:
        cfg = ctx.config.migrate
        if cfg is None:
            return Check(True, "no migrate section")
        scripts = self._scripts(ctx, cfg)
        self._release()
        lock = self._new_lock(ctx, cfg)
        conn = lock.acquire()
        try:
            current = self._current(ctx, conn)
            scripts.check(current)
            if set(current) == set(scripts.heads):
                lock.release()
                return Check(True, f"at head {_shown(scripts.heads)}")
            pending = scripts.pending(current)
        except BaseException:
            lock.release()
            raise
        self._lock = lock
        return Check(False, f"{_shown(current)} -> {_shown(scripts.heads)}: {len(pending)} revision(s) to apply")

    def apply(self, ctx: Context) -> str:
        cfg = ctx.config.migrate
        assert cfg is not None
        scripts = self._scripts(ctx, cfg)
        lock, self._lock = self._lock, None
        if lock is None:
            lock = self._new_lock(ctx, cfg)
            lock.acquire()
        try:
            assert lock.conn is not None
            current = self._current(ctx, lock.conn)
            scripts.check(current)
            if set(current) == set(scripts.heads):
                return f"already at head {_shown(scripts.heads)}: another run migrated while this one waited"
            pending = scripts.pending(current)
            ctx.info(f"migrating {_shown(current)} -> {_shown(scripts.heads)}")
            try:
                ctx.service_runner.run(cfg.service, list(cfg.command), workdir=cfg.workdir,
                                       timeout_s=cfg.timeout_s, log_name="migrate")
            except CommandFailed as exc:
                raise self._failure(ctx, lock.conn, exc, pending) from None
            after = self._current(ctx, lock.conn)
        finally:
            lock.release()
        if set(after) != set(scripts.heads):
            raise StepError(f"{' '.join(cfg.command)} succeeded but the database is at {_shown(after)}, "
                            f"not at head {_shown(scripts.heads)}",
                            "does the command migrate this database and schema (its DATABASE_URL)?")
        applied = [r.id for r in pending]
        return f"{_shown(current)} -> {_shown(after)}: applied {', '.join(applied)}"

    def verify(self, ctx: Context) -> None:
        cfg = ctx.config.migrate
        assert cfg is not None
        scripts = self._scripts(ctx, cfg)
        db = database_config(ctx)
        with connect(superuser_conninfo(ctx), dbname=db.name) as conn:
            current = self._current(ctx, conn)
        if set(current) != set(scripts.heads):
            raise StepError(f"the database is at {_shown(current)}, not at head {_shown(scripts.heads)}")

    def plan(self, ctx: Context) -> list[str]:
        cfg = ctx.config.migrate
        if cfg is None:
            return ["no migrate section"]
        db = database_config(ctx)
        return [
            f"heads of {self._ini(ctx, cfg)} (alembic ScriptDirectory)",
            f"advisory lock on {ctx.config.project}/{db.name} ({sql_path('advisory_try_lock.sql')}, "
            f"wait up to {cfg.lock_timeout_s:g}s)",
            f"current revision: {sql_path('relation_exists.sql')}, {sql_path('alembic_version.sql')} "
            f"({db.schema_name}.alembic_version, as the superuser)",
            f"unless at head, in service {cfg.service}: {' '.join(cfg.command)}"
            + (f" (workdir {cfg.workdir})" if cfg.workdir else ""),
        ]

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _ini(ctx: Context, cfg: MigrateConfig) -> Path:
        return cfg.alembic_ini if cfg.alembic_ini.is_absolute() else ctx.config.root / cfg.alembic_ini

    def _scripts(self, ctx: Context, cfg: MigrateConfig) -> Scripts:
        from ..db.migrations import Scripts

        return Scripts(self._ini(ctx, cfg))

    def _new_lock(self, ctx: Context, cfg: MigrateConfig) -> AdvisoryLock:
        from ..db.locks import AdvisoryLock

        db = database_config(ctx)
        return AdvisoryLock(superuser_conninfo(ctx), db.name, f"bootstrap:migrate:{ctx.config.project}:{db.name}",
                            timeout_s=cfg.lock_timeout_s, what="the migration lock",
                            setting="migrate.lock_timeout_s", sleep=self.sleep, on_wait=ctx.info)

    def _release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    @staticmethod
    def _current(ctx: Context, conn: Any) -> tuple[str, ...]:
        from ..db.connect import sql_errors
        from ..db.migrations import current_revisions

        with sql_errors("reading the database revision"):
            return current_revisions(conn, database_config(ctx).schema_name)

    def _failure(self, ctx: Context, conn: Any, exc: CommandFailed, pending: list[Any]) -> StepError:
        from ..db.migrations import failing_revision

        output = "\n".join(exc.output_tail)
        if exc.log_path and Path(exc.log_path).is_file():
            output = Path(exc.log_path).read_text(errors="replace")
        try:
            after = self._current(ctx, conn)
        except StepError:
            after = ()
        upto = max((i + 1 for i, r in enumerate(pending) if r.id in after), default=0)
        failed = failing_revision(output, pending, [r.id for r in pending[:upto]])
        where = f"revision {failed.id} ({failed.path})" if failed else "an unknown revision"
        return StepError(f"migration failed at {where}; the database is at {_shown(after)}",
                         "fix that revision and rerun; its log is below",
                         output_tail=exc.output_tail, log_path=exc.log_path)

    def __del__(self) -> None:  # a check without apply (never from the engine) must not keep the lock
        try:
            self._release()
        except Exception:
            pass


__all__ = ["Migrate"]
