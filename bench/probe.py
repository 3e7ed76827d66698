"""Run the `bootstrap` CLI in this process, then record this process's own resource use.

    python -m bench.probe RUSAGE.json -- first-time --config ... --yes

Equivalent to the `bootstrap` console script (it calls the same `bootstrap.cli.main`),
with one addition on exit: `RUSAGE.json` gets `getrusage(RUSAGE_SELF)` (the bootstrap
process alone: peak RSS, CPU seconds) and `getrusage(RUSAGE_CHILDREN)` (everything it
started and waited for: docker compose, pg_dump, ...). Linux reports ru_maxrss in KiB.

What-if instrumentation (never set by default): BENCH_HEALTH_CAP_S=0.2 runs bootstrap with
its health backoff capped at that many seconds instead of bootstrap.health.MAX_WAIT_S,
to measure what a shorter cap would do to the health detection latency.
"""
from __future__ import annotations

import functools
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any


def _usage(who: int) -> dict[str, float]:
    ru = resource.getrusage(who)
    return {"maxrss_mib": ru.ru_maxrss / 1024, "cpu_s": ru.ru_utime + ru.ru_stime,
            "user_s": ru.ru_utime, "sys_s": ru.ru_stime}


def cap_health_backoff(cap_s: float) -> None:
    """What-if: `bootstrap.health.poll` looks `backoff` up at call time, so a capped one is used."""
    from bootstrap import health

    health.backoff = functools.partial(health.backoff, cap_s=cap_s)


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] != "--":
        print("usage: python -m bench.probe RUSAGE.json -- <bootstrap arguments>", file=sys.stderr)
        return 2
    out, args = Path(argv[0]), argv[2:]
    started = time.monotonic()
    code: Any = 0
    sys.argv = ["bootstrap", *args]
    if os.environ.get("BENCH_HEALTH_CAP_S"):
        cap_health_backoff(float(os.environ["BENCH_HEALTH_CAP_S"]))
    try:
        from bootstrap.cli import main as bootstrap_main

        bootstrap_main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.stdout.flush()
        record = {"self": _usage(resource.RUSAGE_SELF), "children": _usage(resource.RUSAGE_CHILDREN),
                  "in_process_s": time.monotonic() - started}
        out.write_text(json.dumps(record))
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
