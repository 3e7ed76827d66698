"""CLI start: `bootstrap --help` and `invoke --list`, wall time of a fresh process each."""
from __future__ import annotations

import statistics
import sys
from pathlib import Path

from .. import proc
from ..figure import Figure, Verdict, at_most
from ..session import Session, alternate
from ..stack import REPO

LIMIT_S = 0.5


def import_profile(top: int = 8) -> list[str]:
    """The slowest imports (cumulative) of `bootstrap --help`, from python -X importtime."""
    out = proc.quiet([sys.executable, "-X", "importtime", "-m", "bootstrap.cli", "--help"], cwd=REPO).stderr
    rows = []
    for line in out.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line[len("import time:"):].split("|")
            if cumulative.strip().isdigit():
                rows.append((int(cumulative), name.rstrip()))
    rows.sort(reverse=True)
    return [f"{us / 1e6:.3f}s {name.strip()}" for us, name in rows[:top]]


def measure(session: Session) -> list[Figure]:
    bindir = Path(sys.executable).parent
    commands = {"bootstrap --help": [str(bindir / "bootstrap"), "--help"],
                "invoke --list": [str(bindir / "invoke"), "--list"]}
    walls: dict[str, list[float]] = {k: [] for k in commands}
    for argv in commands.values():  # warm the page cache once, untimed
        proc.run(argv, cwd=REPO)
    for i in range(session.plan.cli_runs):
        for name in alternate(i, tuple(commands)):
            walls[name].append(proc.run(commands[name], cwd=REPO).wall_s)
    fig = Figure("cli", "CLI start", "s", target=f"<= {LIMIT_S:g} s each (median)", series=walls)
    checks = [at_most(statistics.median(v), LIMIT_S, f"{k}: median", " s") for k, v in walls.items()]
    fig.verdict = Verdict(all(c.met for c in checks), "; ".join(c.text for c in checks))
    fig.extra["import_profile_bootstrap_help"] = import_profile()
    return [fig]
