"""`python -m bench [--quick] [--only a,b] [--out FILE]`: run the figures, print, write JSON.

Run from the repository root with the project's virtualenv (`.venv/bin/python -m bench`);
needs the Docker engine and the local base images (`bash scripts/provision.sh`).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .figure import Figure, Verdict
from .figures import NOT_IN_QUICK, REGISTRY
from .proc import BenchError, quiet
from .report import RESULTS, table, write_json
from .session import Plan, Session
from .stack import POSTGRES_IMAGE, PYTHON_IMAGE, REPO


def log(message: str) -> None:
    print(f"[bench {datetime.now(UTC).strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def preflight() -> dict[str, str]:
    info = quiet(["docker", "info", "--format", "{{.ServerVersion}} {{.Driver}}"], check=False)
    if info.returncode != 0:
        raise SystemExit(f"Docker engine unreachable (bash scripts/provision.sh): {info.stderr.strip()}")
    for image in (PYTHON_IMAGE, POSTGRES_IMAGE):
        if quiet(["docker", "image", "inspect", image], check=False).returncode != 0:
            raise SystemExit(f"base image {image} missing (bash scripts/provision.sh)")
    compose = quiet(["docker", "compose", "version", "--short"]).stdout.strip()
    return {"engine": info.stdout.strip(), "compose": compose, **tree_state("")}


def tree_state(suffix: str) -> dict[str, Any]:
    """The commit measured, and whether bootstrap/ had uncommitted changes (read-only git)."""
    commit = quiet(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, check=False).stdout.strip()
    dirty = quiet(["git", "--no-optional-locks", "status", "--porcelain", "--", "bootstrap"],
                  cwd=REPO, check=False).stdout.split("\n")
    return {f"commit{suffix}": commit, f"bootstrap_uncommitted{suffix}": [ln[3:] for ln in dirty if ln.strip()]}


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="fewer repetitions (2 pairs, 5 latency runs)")
    p.add_argument("--only", default="", help=f"comma-separated figures: {', '.join(REGISTRY)}")
    p.add_argument("--pairs", type=int, help="override the number of rounds per comparison")
    p.add_argument("--latency-runs", type=int, help="override the number of health latency runs")
    p.add_argument("--out", type=Path, help="JSON file (default bench/results/<date>.json)")
    args = p.parse_args(argv)
    unknown = [f for f in args.only.split(",") if f and f not in REGISTRY]
    if unknown:
        p.error(f"unknown figure(s) {unknown}; choose from {', '.join(REGISTRY)}")
    return args


def main(argv: list[str]) -> int:
    args = parse(argv)
    meta: dict[str, Any] = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                            "command": "python -m bench " + " ".join(argv), **preflight(),
                            "cpus": os.cpu_count(), "python": platform.python_version(),
                            "load_avg_start": os.getloadavg()}
    plan = Plan.make(args.quick)
    overrides = {k: v for k, v in (("pairs", args.pairs), ("latency_runs", args.latency_runs)) if v}
    plan = dataclasses.replace(plan, **overrides)
    meta["plan"] = plan.__dict__ | {"image_counts": list(plan.image_counts), "role_counts": list(plan.role_counts)}
    wanted = [f for f in args.only.split(",") if f] or [
        f for f in REGISTRY if not (args.quick and f in NOT_IN_QUICK)]
    session = Session(plan, log=log)
    figures: list[Figure] = []
    failed: list[str] = []
    started = time.monotonic()
    try:
        for key in wanted:
            log(f"figure {key}")
            t0 = time.monotonic()
            try:
                figures += REGISTRY[key](session)
            except (BenchError, subprocess.SubprocessError, OSError) as exc:
                log(f"figure {key} failed: {exc}")
                failed.append(key)
                figures.append(Figure(key, key, "", "", verdict=Verdict(False, f"harness failure: {exc}"[:2000])))
            log(f"figure {key} took {time.monotonic() - t0:.0f}s")
    finally:
        log("tearing down every bench- stack")
        session.close()
        meta["duration_s"] = round(time.monotonic() - started, 1)
        meta["load_avg_end"] = os.getloadavg()
        meta |= tree_state("_end")  # others commit while the bench runs: say so if the code moved
        out = args.out or RESULTS / f"{datetime.now(UTC).date().isoformat()}.json"
        write_json(meta, figures, out)
        print(table(figures))
        print(f"\nwrote {out.relative_to(REPO) if out.is_relative_to(REPO) else out} "
              f"({meta['duration_s']:.0f}s, load average {meta['load_avg_start'][0]:.1f} -> "
              f"{meta['load_avg_end'][0]:.1f})")
    return 1 if failed else 0  # a missed target is a figure, not a harness failure


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
