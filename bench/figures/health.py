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
from datetime import datetime

from ..figure import Figure, at_most
from ..proc import BenchError, quiet
from ..session import BOOTSTRAP, Session
from ..stack import Stack
from ..stats import percentile
from ..systems import bootstrap

P95_S = 0.300
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


def measure(session: Session) -> list[Figure]:
    plan = session.plan
    stack = session.ensure_up(BOOTSTRAP)
    delay = plan.api_start_delay_s
    latencies: list[float] = []
    listen_to_200: list[float] = []
    tries: list[int] = []
    try:
        for i in range(plan.latency_runs):
            session.log(f"health latency {i + 1}/{plan.latency_runs} (API_START_DELAY_S={delay:g})")
            stack.compose("up", "-d", "--no-deps", "--force-recreate", "api", env={"API_START_DELAY_S": f"{delay:g}"})
            ip = stack.container_ip("api")
            if ip is None:
                raise BenchError("the api container has no address after up")
            watcher = FirstOk(ip)
            watcher.start()
            run = bootstrap(stack, "health", "--only", "api")
            watcher.join(timeout=30)
            end = run.timed.first_line_at(lambda line: "health:api: ok" in line)
            if watcher.at is None or end is None:
                raise BenchError(f"no first 200 seen (watcher {watcher.at}) or no step end line (end {end})")
            latencies.append(end - watcher.at)
            detail = next(s["detail"] for s in run.report["steps"] if s["name"] == "health:api")
            tries.append(int(detail.rsplit("(", 1)[-1].split()[0]) if "(" in detail else 0)
            listened = _listening_at(stack)
            if listened is not None:
                listen_to_200.append(watcher.at - listened)
    finally:  # back to the configured delay, so the stack matches its compose file again
        stack.compose("up", "-d", "--no-deps", "api")
    fig = Figure("health-latency", "health detection latency (first 200 -> health step ends)", "s",
                 target=f"p95 <= {P95_S * 1000:g} ms", series={"bootstrap health:api": latencies})
    fig.verdict = at_most(percentile(latencies, 95), P95_S, f"p95 over {len(latencies)} runs", " s")
    fig.extra = {"api_start_delay_s": delay, "bootstrap_tries": tries,
                 "api_listening_to_first_200_s": [round(x, 3) for x in listen_to_200]}
    fig.notes.append("T200 from a side thread polling the container back to back; step end from the "
                     "arrival of bootstrap's flushed 'health:api: ok' line; both time.monotonic()")
    return [fig]
