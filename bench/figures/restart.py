"""Reruns: nothing changed (every step should find nothing to do), and one API file changed."""
from __future__ import annotations

import os
import statistics

from ..figure import Figure, Verdict, at_most
from ..session import BOOTSTRAP, NATIVE, SETUP_SH, Session, alternate
from ..stats import paired_ratios
from ..systems import BootRun, touch_source
from .first_time import step_medians

TARGET = 0.1
CACHED = "compose-native --cached"  # context only: up --wait --build with the build cache on


def _wall(run: object) -> float:
    return float(run.wall_s)  # type: ignore[attr-defined]


def nothing_changed(session: Session) -> list[Figure]:
    plan = session.plan
    order = (BOOTSTRAP, SETUP_SH, NATIVE, CACHED)
    for system in (BOOTSTRAP, SETUP_SH, NATIVE):
        session.ensure_up(system)
    walls: dict[str, list[float]] = {s: [] for s in order}
    loads: dict[str, list[float]] = {s: [] for s in order}
    boot_runs: list[BootRun] = []
    for i in range(plan.pairs):
        for name in alternate(i, order):
            session.log(f"restart (nothing changed) {i + 1}/{plan.pairs}: {name}")
            loads[name].append(round(os.getloadavg()[0], 2))
            run = session.restart(NATIVE if name == CACHED else name, cached=name == CACHED)
            walls[name].append(_wall(run))
            if isinstance(run, BootRun):
                boot_runs.append(run)
    ratios = {
        "bootstrap / setup.sh --restart": paired_ratios(walls[BOOTSTRAP], walls[SETUP_SH]),
        "bootstrap / compose-native": paired_ratios(walls[BOOTSTRAP], walls[NATIVE]),
        f"bootstrap / {CACHED} (context)": paired_ratios(walls[BOOTSTRAP], walls[CACHED]),
    }
    fig = Figure("restart", "restart with nothing changed", "s", target=f"bootstrap/each baseline <= {TARGET}",
                 series=walls, ratios=ratios)
    a = at_most(statistics.median(ratios["bootstrap / setup.sh --restart"]), TARGET, "vs setup.sh: median ratio")
    b = at_most(statistics.median(ratios["bootstrap / compose-native"]), TARGET, "vs compose-native: median ratio")
    not_ok = sorted({n for r in boot_runs for n, st in r.statuses().items() if st != "ok"})
    idle = "every bootstrap step ok in every run" if not not_ok else f"steps not ok: {', '.join(not_ok)}"
    fig.verdict = Verdict(bool(a.met and b.met) and not not_ok, f"{a.text}; {b.text}; {idle}")
    fig.extra["bootstrap_steps_median_s"] = step_medians(boot_runs)
    fig.extra["load_1m_before_each_run"] = loads
    fig.extra["bootstrap_outside_steps_median_s"] = round(statistics.median(
        r.wall_s - r.span_s() for r in boot_runs), 3)  # process start, config, compose model; exit
    fig.notes.append(f"{CACHED} (docker compose up --wait --build, cache on) is not a baseline of the issue: "
                     "it is what a rerun costs when a team accepts cached builds (seed 004's stale-image risk)")
    return [fig]


def one_change(session: Session) -> list[Figure]:
    plan = session.plan
    order = (BOOTSTRAP, SETUP_SH)
    walls: dict[str, list[float]] = {s: [] for s in order}
    rebuilt: list[list[str]] = []
    boot_runs: list[BootRun] = []
    for i in range(plan.pairs):
        for system in alternate(i, order):
            stack = session.ensure_up(system)
            touch_source(stack)
            session.log(f"restart (api/app/main.py changed) {i + 1}/{plan.pairs}: {system}")
            run = session.restart(system)
            walls[system].append(_wall(run))
            if isinstance(run, BootRun):
                boot_runs.append(run)
                rebuilt.append(sorted(n for n, st in run.statuses().items()
                                      if n.startswith("build:") and st == "changed"))
    ratio = paired_ratios(walls[BOOTSTRAP], walls[SETUP_SH])
    fig = Figure("one-change", "restart with one API source file changed", "s",
                 target="only build:api rebuilt; time reported against setup.sh --restart",
                 series=walls, ratios={"bootstrap / setup.sh --restart": ratio})
    only_api = all(r == ["build:api"] for r in rebuilt)
    fig.verdict = Verdict(only_api, ("only build:api rebuilt in every run" if only_api
                                     else f"rebuilt per run: {rebuilt}")
                          + f"; median ratio {statistics.median(ratio):.2f} against setup.sh --restart")
    fig.extra["bootstrap_steps_median_s"] = step_medians(boot_runs)
    fig.extra["rebuilt"] = rebuilt
    return [fig]
