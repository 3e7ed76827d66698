"""Health polling: one deadline, exponential backoff with jitter (at most 1 s between tries).

A target is a URL or a compose service. A URL whose host is a compose service name
is fetched from that container's address on the project network at the container
port, so no published port is needed and parallel projects never collide.
Redirects are not followed: a 3xx fails at once, naming its Location (seed 000:
a 307 from /api to /api/v1 dropped the CORS headers). The container behind the
target is watched: if it exits, restarts or turns unhealthy the poll stops at
once, and every failure carries its state and last log lines (seed 000: "CORS
blocked" was a backend crash only the logs showed).
"""
from __future__ import annotations

import http.client
import random
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from .compose import describe_state
from .errors import StepError

if TYPE_CHECKING:
    from .compose import ComposeProject
    from .config import HealthConfig

LOG_LINES = 50
MAX_WAIT_S = 0.25  # within the 1 s cap; a tight cap keeps detection latency low (bench: p95)
REQUEST_TIMEOUT_S = 5.0
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


class Outcome(Enum):
    READY = "ready"
    WAIT = "wait"  # not yet: try again until the deadline
    FAIL = "fail"  # permanent: stop now


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    detail: str
    hint: str | None = None


def backoff(initial_s: float = 0.05, cap_s: float = MAX_WAIT_S,
            rng: Callable[[], float] = random.random) -> Iterator[float]:
    """Exponential backoff with equal jitter, capped: 0.05, 0.1, 0.2, 0.25 ... (each between half and full)."""
    base = initial_s
    while True:
        yield min(cap_s, base / 2 + rng() * base / 2)
        base = min(cap_s, base * 2)


def poll(probe: Callable[[], Attempt], timeout_s: float, *, sleep: Callable[[float], None] = time.sleep,
         clock: Callable[[], float] = time.monotonic, rng: Callable[[], float] = random.random
         ) -> tuple[Attempt, int, float]:
    """Call `probe` until it is not WAIT or the deadline passes: (last attempt, tries, seconds)."""
    started = clock()
    deadline = started + timeout_s
    delays = backoff(rng=rng)
    tries = 0
    while True:
        tries += 1
        attempt = probe()
        now = clock()
        if attempt.outcome is not Outcome.WAIT:
            return attempt, tries, now - started
        if now >= deadline:
            return (Attempt(Outcome.FAIL, f"not healthy after {timeout_s:g}s ({tries} tries): {attempt.detail}",
                            attempt.hint), tries, now - started)
        sleep(max(0.0, min(next(delays), deadline - now)))


def http_get(url: str, host_header: str | None = None, timeout_s: float = REQUEST_TIMEOUT_S,
             verify_tls: bool = True) -> tuple[int, str | None]:
    """GET without following redirects: (status, Location header)."""
    parts = urlsplit(url)
    if parts.scheme == "https":
        context = ssl.create_default_context()
        if not verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=timeout_s, context=context)
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout_s)
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {"User-Agent": "bootstrap-health", "Accept": "*/*"}
        if host_header:
            headers["Host"] = host_header
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        resp.read(65536)
        return resp.status, resp.getheader("Location")
    finally:
        conn.close()


class HealthChecker:
    def __init__(self, compose: ComposeProject, *, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, rng: Callable[[], float] = random.random,
                 get: Callable[..., tuple[int, str | None]] = http_get) -> None:
        self.compose = compose
        self.sleep, self.clock, self.rng, self.get = sleep, clock, rng, get

    def wait(self, hc: HealthConfig) -> str:
        """Poll until healthy; the detail on success, a StepError with the container's story otherwise."""
        service = self.watched_service(hc)
        restarts = self.compose.state(service)["restart_count"] if service else 0

        def probe() -> Attempt:
            if service:
                crashed = self._crashed(service, restarts)
                if crashed is not None:
                    return crashed
            return self._probe_url(hc.url, service) if hc.url else self._probe_service(hc.service or "")

        attempt, tries, took = poll(probe, hc.timeout_s, sleep=self.sleep, clock=self.clock, rng=self.rng)
        target = hc.url or f"service {hc.service}"
        if attempt.outcome is Outcome.READY:
            return f"{target}: {attempt.detail} after {took:.1f}s ({tries} {'try' if tries == 1 else 'tries'})"
        tail: list[str] = []
        if service:
            tail = [describe_state(self.compose.state(service)),
                    f"--- last {LOG_LINES} log lines of {service} ---", *self.compose.logs_tail(service, LOG_LINES)]
        raise StepError(f"{target}: {attempt.detail}", attempt.hint or (
            f"the {service} container's state and last log lines follow" if service else None), output_tail=tail)

    def watched_service(self, hc: HealthConfig) -> str | None:
        """The service whose container answers for this target, when it can be told."""
        if hc.service:
            return hc.service
        host, port = _host_port(hc.url or "")
        if host in self.compose.services:
            return host
        if host in LOCAL_HOSTS and port is not None:
            for name, svc in self.compose.services.items():
                if any(p.published == port for p in svc.ports):
                    return name
        return None

    def _crashed(self, service: str, restarts: int) -> Attempt | None:
        st = self.compose.state(service)
        status = st["status"]
        if status == "missing":
            return Attempt(Outcome.FAIL, f"no container for service {service}",
                           "run `up` first (or check the service name)")
        if status in ("exited", "dead", "removing", "paused") or st["oom_killed"]:
            return Attempt(Outcome.FAIL, f"{service} container {status} (exit code {st['exit_code']}"
                                         f"{', OOM-killed' if st['oom_killed'] else ''})")
        if status == "restarting" or st["restart_count"] > restarts:
            return Attempt(Outcome.FAIL, f"{service} container crashed and is restarting "
                                         f"({st['restart_count']} restarts)")
        if st["health"] == "unhealthy":
            return Attempt(Outcome.FAIL, f"{service} container is unhealthy (its own healthcheck fails)")
        return None

    def _probe_service(self, service: str) -> Attempt:
        st = self.compose.state(service)
        if st["status"] != "running":
            return Attempt(Outcome.WAIT, f"container {st['status']}")
        if st["health"] is None:
            return Attempt(Outcome.READY, "running (no healthcheck)")
        if st["health"] == "healthy":
            return Attempt(Outcome.READY, "healthy")
        return Attempt(Outcome.WAIT, f"healthcheck {st['health']}")

    def _probe_url(self, url: str, service: str | None) -> Attempt:
        parts = urlsplit(url)
        host, port = _host_port(url)
        target, via, resolved = url, "", False
        if host in self.compose.services:
            ip = self.compose.address(host)
            if ip is None:
                return Attempt(Outcome.WAIT, f"{host} has no address on the project network yet")
            netloc = f"{ip}:{port}" if port else ip
            target, via, resolved = urlunsplit(parts._replace(netloc=netloc)), f" (via {netloc})", True
        try:
            status, location = self.get(target, parts.netloc if resolved else None, REQUEST_TIMEOUT_S,
                                        not resolved)
        except (OSError, http.client.HTTPException) as exc:
            return Attempt(Outcome.WAIT, f"{type(exc).__name__}: {exc}{via}")
        if 200 <= status < 300:
            return Attempt(Outcome.READY, f"HTTP {status}")
        if 300 <= status < 400:
            return Attempt(Outcome.FAIL, f"answered {status} redirect to {location}; redirects are not followed",
                           f"point the check and the clients at {location} directly: "
                           "a redirect drops headers such as CORS")
        return Attempt(Outcome.WAIT, f"HTTP {status}{via}")


def _host_port(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None and parts.scheme in ("http", "https"):
        port = 443 if parts.scheme == "https" else 80
    return parts.hostname or "", port
