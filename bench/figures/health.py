"""Health detection latency: from the API's first 200 to the end of bootstrap's health step.

Method (per run):
1. Recreate the api container of the bootstrap stack with API_START_DELAY_S (the demo
   API sleeps that long before it listens), then start `bootstrap health --only api`.
2. Meanwhile a side thread polls the container's address back to back (2 ms pause
   only while the port refuses): the moment its first `GET /health` returns 200 is
   when the API starts answering 200 (T200). The API's own "listening" log line is
   read too (`docker logs -t`), to show how long its first 200 takes after it listens.
3. The step's end is when bootstrap's `health:api: ok` line reaches our pipe
   (bootstrap prints and flushes it as the step finishes; time.monotonic on both sides).
latency = step end - T200. It can be slightly negative when bootstrap's own request
got its 200 a few ms before the side thread's did.
"""
from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from ..figure import Figure, at_most
from ..proc import BenchError, quiet
from ..session import BOOTSTRAP, Session, alternate
from ..stack import Stack
from ..stats import percentile
from ..systems import bootstrap

P95_S = 0.300
WHATIF_CAP_S = 0.2
API_PORT = 8000


class FirstOk(threading.Thread):
    """Polls http://ip:port/health until the first 200; `at` is time.monotonic() of that answer."""

    def __init__(self, ip: str, deadline_s: float = 60.0) -> None:
        super().__init__(daemon=True)
        self.ip, self.deadline_s = ip, deadline_s
        self.at: float | None = None
        self.attempts = 0

    def run(self) -> None:
        end = time.monotonic() + self.deadline_s
        while time.monotonic() < end:
            self.attempts += 1
            conn = http.client.HTTPConnection(self.ip, API_PORT, timeout=5)
            try:
                conn.request("GET", "/health")
                resp = conn.getresponse()
                resp.read()
                if resp.status == 200:
                    self.at = time.monotonic()
                    return
            except (OSError, http.client.HTTPException):
                time.sleep(0.002)
            finally:
                conn.close()


def _listening_at(stack: Stack) -> float | None:
    """time.monotonic() equivalent of the API's "listening" log line (docker logs -t, UTC)."""
    cid = stack.compose("ps", "-q", "api").strip()
    logs = quiet(["docker", "logs", "-t", cid])
    out = logs.stdout + logs.stderr
    offset = time.time() - time.monotonic()
    for line in out.splitlines():
        if "[api] listening on" in line:
            stamp = line.split()[0]
            head, _, frac = stamp.rstrip("Z").partition(".")
            wall = datetime.fromisoformat(head + "+00:00").timestamp() + float("0." + (frac or "0"))
            return wall - offset
    return None


@dataclass(frozen=True)
class Sample:
    latency_s: float
    tries: int
    listen_to_200_s: float | None


def one_run(stack: Stack, delay_s: float, env: dict[str, str] | None = None) -> Sample:
    stack.compose("up", "-d", "--no-deps", "--force-recreate", "api", env={"API_START_DELAY_S": f"{delay_s:g}"})
    ip = stack.container_ip("api")
    if ip is None:
        raise BenchError("the api container has no address after up")
    watcher = FirstOk(ip)
    watcher.start()
    run = bootstrap(stack, "health", "--only", "api", env=env)
    watcher.join(timeout=30)
    end = run.timed.first_line_at(lambda line: "health:api: ok" in line)
    if watcher.at is None or end is None:
        raise BenchError(f"no first 200 seen (watcher {watcher.at}) or no step end line (end {end})")
    detail = next(s["detail"] for s in run.report["steps"] if s["name"] == "health:api")
    tries = int(detail.rsplit("(", 1)[-1].split()[0]) if "(" in detail else 0
    listened = _listening_at(stack)
    return Sample(end - watcher.at, tries, None if listened is None else watcher.at - listened)


def _restore(stack: Stack) -> None:
    """Back to the configured delay, so the stack matches its compose file again."""
    stack.compose("up", "-d", "--no-deps", "api")


def measure(session: Session) -> list[Figure]:
    plan = session.plan
    stack = session.ensure_up(BOOTSTRAP)
    samples: list[Sample] = []
    try:
        for i in range(plan.latency_runs):
            session.log(f"health latency {i + 1}/{plan.latency_runs} (API_START_DELAY_S={plan.api_start_delay_s:g})")
            samples.append(one_run(stack, plan.api_start_delay_s))
    finally:
        _restore(stack)
    latencies = [s.latency_s for s in samples]
    fig = Figure("health-latency", "health detection latency (first 200 -> health step ends)", "s",
                 target=f"p95 <= {P95_S * 1000:g} ms", series={"bootstrap health:api": latencies})
    fig.verdict = at_most(percentile(latencies, 95), P95_S, f"p95 over {len(latencies)} runs", " s")
    fig.extra = {"api_start_delay_s": plan.api_start_delay_s, "bootstrap_tries": [s.tries for s in samples],
                 "api_listening_to_first_200_s": [round(s.listen_to_200_s, 3) for s in samples
                                                  if s.listen_to_200_s is not None]}
    fig.notes.append("T200 from a side thread polling the container back to back; step end from the "
                     "arrival of bootstrap's flushed 'health:api: ok' line; both time.monotonic()")
    return [fig]


def whatif(session: Session) -> list[Figure]:
    """The same runs, alternating bootstrap as it is and with its backoff capped at WHATIF_CAP_S."""
    plan = session.plan
    stack = session.ensure_up(BOOTSTRAP)
    variants = {"as is (cap 1 s)": None, f"what-if cap {WHATIF_CAP_S:g} s": {"BENCH_HEALTH_CAP_S": f"{WHATIF_CAP_S:g}"}}
    series: dict[str, list[float]] = {k: [] for k in variants}
    try:
        for i in range(plan.latency_runs):
            for name in alternate(i, tuple(variants)):
                session.log(f"health what-if {i + 1}/{plan.latency_runs}: {name}")
                series[name].append(one_run(stack, plan.api_start_delay_s, variants[name]).latency_s)
    finally:
        _restore(stack)
    capped = series[f"what-if cap {WHATIF_CAP_S:g} s"]
    fig = Figure("health-whatif", f"health latency if the backoff cap were {WHATIF_CAP_S:g} s (what-if)", "s",
                 target=f"p95 <= {P95_S * 1000:g} ms", series=series)
    fig.verdict = at_most(percentile(capped, 95), P95_S, f"what-if p95 over {len(capped)} runs", " s")
    fig.notes.append("bench/probe.py BENCH_HEALTH_CAP_S patches bootstrap.health.backoff's cap in the bench "
                     "process only; bootstrap's code is unchanged")
    return [fig]
