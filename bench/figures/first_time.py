"""first-time from nothing: bootstrap against both baselines; peak memory of bootstrap."""
from __future__ import annotations

import os
import statistics
from collections.abc import Callable

from ..figure import Figure, Verdict, at_most, with_failures
from ..session import BOOTSTRAP, NATIVE, SETUP_SH, SYSTEMS, Session, alternate
from ..stats import paired_ratios
from ..systems import BootRun

WELL_UNDER = 0.8  # "well under setup.sh": at least 20% less wall time, pair by pair (median)
PEAK_MB = 150.0


def measure(session: Session) -> list[Figure]:
    plan = session.plan
    failed_before = len(session.failures)
    walls: dict[str, list[float]] = {s: [] for s in SYSTEMS}
    loads: dict[str, list[float]] = {s: [] for s in SYSTEMS}
    for i in range(plan.pairs):
        for system in alternate(i, SYSTEMS):
            session.log(f"first-time {i + 1}/{plan.pairs}: {system}")
            loads[system].append(round(os.getloadavg()[0], 2))
            walls[system].append(session.first_time(system))
    vs_native = paired_ratios(walls[BOOTSTRAP], walls[NATIVE])
    vs_setup = paired_ratios(walls[BOOTSTRAP], walls[SETUP_SH])
    fig = Figure("first-time", "first-time from nothing", "s",
                 target=f"bootstrap/compose-native <= 1.0; bootstrap/setup.sh <= {WELL_UNDER} (well under)",
                 series=walls, ratios={"bootstrap / compose-native": vs_native, "bootstrap / setup.sh": vs_setup})
    a = at_most(statistics.median(vs_native), 1.0, "vs compose-native: median ratio")
    b = at_most(statistics.median(vs_setup), WELL_UNDER, "vs setup.sh: median ratio")
    fig.verdict = with_failures(Verdict(bool(a.met and b.met), f"{a.text}; {b.text}"),
                                session.failures[failed_before:])
    runs = session.first_time_runs[-plan.pairs:]
    fig.extra["bootstrap_steps_median_s"] = step_medians(runs)
    fig.extra["load_1m_before_each_run"] = loads
    fig.extra["bootstrap_spans_median_s"] = spans(runs)
    fig.notes.append("bootstrap does more than both baselines: backup check, roles with SCRAM verifiers, "
                     "import checks in the image, seed ledger, health of db, api and frontend")
    return [fig]


def memory(session: Session) -> list[Figure]:
    """Peak RSS of the bootstrap process during first-time (its own, from getrusage)."""
    runs = session.first_time_runs
    if not runs:
        for i in range(session.plan.pairs):
            session.log(f"first-time for memory {i + 1}/{session.plan.pairs}")
            session.first_time(BOOTSTRAP)
        runs = session.first_time_runs
    peaks = [r.peak_mb for r in runs]
    children = [float(r.rusage["children"]["maxrss_mib"]) * 1024 * 1024 / 1e6 for r in runs]
    fig = Figure("memory", "peak memory of the bootstrap process during first-time", "MB",
                 target=f"<= {PEAK_MB:g} MB", series={"bootstrap (RUSAGE_SELF maxrss)": peaks})
    fig.verdict = at_most(max(peaks), PEAK_MB, "worst run", " MB")
    fig.extra["largest_child_maxrss_mb"] = [round(c, 1) for c in children]
    fig.notes.append("getrusage(RUSAGE_SELF).ru_maxrss inside the process that runs bootstrap.cli.main "
                     "(bench/probe.py); children (docker compose, pg_dump) are separate processes, their "
                     "largest peak is in extra (a forked child counts the parent's pages until exec)")
    return [fig]


DATABASE_CHAIN = frozenset({"database-ready", "backup", "reset-schema", "roles"})


def spans(runs: list[BootRun]) -> dict[str, float]:
    """Where first-time's wall time goes, from step start/end lines (lanes overlap)."""
    parts: dict[str, Callable[[BootRun], float]] = {
        "process start to first step": lambda r: r.step_events()[0][0] - r.timed.started,
        "database chain": lambda r: r.span_s(lambda n: n in DATABASE_CHAIN),
        "builds": lambda r: r.span_s(lambda n: n.startswith("build:")),
        "database chain and builds (lanes)": lambda r: r.span_s(
            lambda n: n in DATABASE_CHAIN or n.startswith("build:")),
        "verify to health": lambda r: r.span_s(lambda n: n.split(":")[0] in (
            "verify", "migrate", "seed", "up", "health")),
        "last step to exit": lambda r: r.wall_s - (r.step_events()[-1][0] - r.timed.started),
    }
    return {k: round(statistics.median(f(r) for r in runs), 3) for k, f in parts.items()} if runs else {}


def step_medians(runs: list[BootRun]) -> dict[str, float]:
    names = [s["name"] for s in runs[0].report["steps"]] if runs else []
    return {n: round(statistics.median(r.step_s(n) for r in runs), 3) for n in names}
