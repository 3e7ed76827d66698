"""Growth: first-time with 1, 2, 4, 8 built images; `bootstrap roles` with 1, 10, 100 roles.

"bootstrap's own time" is the CPU time of the bootstrap process itself
(getrusage RUSAGE_SELF, user + system, from bench/probe.py): what bootstrap adds on
top of the builds and containers it asks the engine for. Growth is judged on the
cost per unit between points: "at most linear" when the cost per added unit over
the upper half of the range is at most SUPERLINEAR times that over the lower half.
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

from ..figure import Figure, Verdict, with_failures
from ..proc import BenchError, quiet
from ..session import Session, alternate
from ..stack import Stack, images_variant, roles_config, roles_variant
from ..stats import paired_ratios
from ..systems import bootstrap, compose_build_up

SUPERLINEAR = 2.0
FLOOR_S = 0.02  # per-unit costs below this are noise, not growth


def per_unit(xs: Sequence[int], ys: Sequence[float]) -> tuple[float, float]:
    """Cost per added unit over the lower and the upper half of the range."""
    mid = len(xs) // 2
    lo = (ys[mid] - ys[0]) / (xs[mid] - xs[0])
    hi = (ys[-1] - ys[mid]) / (xs[-1] - xs[mid])
    return lo, hi


def linear_verdict(xs: Sequence[int], ys: Sequence[float], what: str) -> Verdict:
    lo, hi = per_unit(xs, ys)
    ok = hi <= SUPERLINEAR * max(lo, FLOOR_S)
    return Verdict(ok, f"{what}: {lo:.3f} s per unit over {xs[0]}..{xs[len(xs) // 2]}, {hi:.3f} over "
                       f"{xs[len(xs) // 2]}..{xs[-1]} ({'at most linear' if ok else 'superlinear'})")


def images(session: Session) -> list[Figure]:
    plan = session.plan
    counts = plan.image_counts
    series: dict[str, list[float]] = {}
    rows: list[list[object]] = []
    failed_before = len(session.failures)
    own_medians: list[float] = []
    orchestration_medians: list[float] = []
    for n in counts:
        stack = session.track(images_variant(session.workdir, f"bench-img{n}-{session.tag}", n))
        wall: list[float] = []
        own: list[float] = []
        builds: list[float] = []
        native: list[float] = []
        session.log(f"growth: untimed first-time from nothing with {n} image(s)")
        stack.teardown(images=True)
        try:
            bootstrap(stack, "first-time", "--yes")
        except BenchError as exc:
            session.record_failure(f"first-time from nothing with {n} images", exc)
        for rep in range(plan.growth_reps):
            for system in alternate(rep, ("bootstrap", "compose-native")):
                stack.teardown(images=True, state=False)  # bootstrap's generated files are kept
                session.log(f"growth: first-time with {n} image(s) {rep + 1}/{plan.growth_reps}: {system}")
                if system == "bootstrap":
                    run = bootstrap(stack, "first-time", "--yes")
                    wall.append(run.wall_s)
                    own.append(run.own_cpu_s)
                    builds.append(run.span_s(lambda name: name.startswith("build:")))
                else:
                    native.append(compose_build_up(stack).wall_s)
        stack.teardown(images=True)
        series |= {f"bootstrap wall, {n} images": wall, f"bootstrap own CPU, {n} images": own,
                   f"compose-native wall, {n} images": native}
        own_medians.append(statistics.median(own))
        orchestration = statistics.median(w - b for w, b in zip(wall, builds, strict=True))
        orchestration_medians.append(orchestration)
        ratio = statistics.median(paired_ratios(wall, native))
        rows.append([n, round(statistics.median(wall), 2), round(statistics.median(builds), 2),
                     round(orchestration, 2), round(statistics.median(own), 3),
                     round(statistics.median(native), 2), round(ratio, 2)])
    fig = Figure("growth-images", "growth: first-time with N built images (no database)", "s",
                 target="bootstrap's own time grows at most linearly", series=series)
    cpu = linear_verdict(counts, own_medians, "bootstrap own CPU")
    rest = linear_verdict(counts, orchestration_medians, "wall - builds")
    fig.verdict = with_failures(Verdict(bool(cpu.met and rest.met), f"{cpu.text}; {rest.text}"),
                                session.failures[failed_before:])
    fig.extra["table"] = {"columns": ["images", "bootstrap wall s", "builds span s", "wall - builds s",
                                      "bootstrap own CPU s",
                                      "compose-native wall s", "bootstrap/native"], "rows": rows}
    fig.notes.append("timed runs start with no containers, volumes or images, but keep bootstrap's "
                     ".bootstrap/ from an untimed first run (its generated compose override), so a "
                     "failure of first-time from nothing is reported without hiding the scaling")
    fig.notes.append("each service: a 4-line Dockerfile FROM the local python image; bootstrap builds one "
                     "service per build step (serially), compose builds them in one parallel call")
    return [fig]


def xact_commits(stack: Stack) -> int:
    """Transactions committed so far in the `demo` database (read from the maintenance db)."""
    url = stack.env()["DATABASE_SUPERUSER_URL"]
    out = quiet(["psql", url, "-Atqc", "SELECT xact_commit FROM pg_stat_database WHERE datname = 'demo'"]).stdout
    return int(out.strip())


def roles(session: Session) -> list[Figure]:
    plan = session.plan
    counts = plan.role_counts
    stack = session.track(roles_variant(session.workdir, f"bench-roles-{session.tag}", max(counts)))
    stack.write_yaml(roles_config(stack.project, 1, prefix="warmup"))
    bootstrap(stack, "roles")  # untimed: starts the db service, waits until it is ready
    series: dict[str, list[float]] = {}
    rows: list[list[object]] = []
    create_medians: list[float] = []
    xacts_by_n: list[int] = []
    for n in counts:
        create: list[float] = []
        check: list[float] = []
        wall: list[float] = []
        xacts: list[int] = []
        for rep in range(plan.growth_reps):
            session.log(f"growth: roles with {n} role(s) {rep + 1}/{plan.growth_reps}")
            stack.write_yaml(roles_config(stack.project, n, prefix=f"n{n}r{rep}"))
            before = xact_commits(stack)
            run = bootstrap(stack, "roles")
            time.sleep(0.5)  # the server flushes a backend's counters when it exits
            xacts.append(xact_commits(stack) - before)
            create.append(run.step_s("roles"))
            wall.append(run.wall_s)
            again = bootstrap(stack, "roles")
            if again.statuses().get("roles") != "ok":
                session.log(f"  roles rerun with {n} roles was {again.statuses().get('roles')}, not ok")
            check.append(again.step_s("roles"))
        series |= {f"roles step, create {n}": create, f"roles step, rerun {n}": check,
                   f"bootstrap roles wall, create {n}": wall}
        create_medians.append(statistics.median(create))
        xacts_by_n.append(max(xacts))
        rows.append([n, round(statistics.median(wall), 2), round(statistics.median(create), 3),
                     round(statistics.median(check), 3), max(xacts)])
    stack.teardown(images=True)
    fig = Figure("growth-roles", "growth: `bootstrap roles` with N roles", "s",
                 target="time at most linear; roles stay one transaction", series=series)
    time_verdict = linear_verdict(counts, create_medians, "create time")
    constant = xacts_by_n[-1] == xacts_by_n[0]
    fig.verdict = Verdict(bool(time_verdict.met and constant),
                          f"{time_verdict.text}; transactions committed per run {xacts_by_n} "
                          f"({'constant in N' if constant else 'grows with N'})")
    fig.extra["table"] = {"columns": ["roles", "bootstrap roles wall s", "roles step (create) s",
                                      "roles step (rerun) s", "transactions"], "rows": rows}
    fig.notes.append("transactions: pg_stat_database.xact_commit of the database during one `bootstrap roles` "
                     "that creates all N (every autocommit read counts as one); constant in N means the "
                     "role changes are not one transaction per role")
    return [fig]
