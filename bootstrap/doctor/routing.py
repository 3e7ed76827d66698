"""Checks health and api-base (seed 000 issues 5 and 6).

- health: each configured health target answers now, 2xx, without a redirect.
  The probe is the health step's own (`health.HealthChecker`), given a short
  deadline; a failure carries the service's state and last log lines, because
  "CORS blocked" in a browser is often a crashed backend.
- api-base: the API base URL the frontend was built with (its build args named
  in doctor.api_base.build_args, plus doctor.api_base.probe) does not redirect:
  a 307 from /api to /api/v1 carries no CORS headers.
"""
from __future__ import annotations

import http.client
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from .finding import Verdict, fail, ok, skip, warn
from .model import doctor_config
from .running import LOG_LINES, engine, log_tail

if TYPE_CHECKING:
    from ..context import Context

PROBE_DEADLINE_S = 3.0
REQUEST_TIMEOUT_S = 3.0


def check_health(ctx: Context) -> Iterable[Verdict]:
    from ..errors import StepError
    from ..health import HealthChecker

    targets = ctx.config.health
    if not targets:
        return [skip("no health targets configured (health:)")]
    engine(ctx)
    checker = HealthChecker(ctx.compose)
    out: list[Verdict] = []
    for hc in targets:
        target = hc.url or f"service {hc.service}"
        service = checker.watched_service(hc)
        if service and ctx.compose.state(service)["status"] == "missing":
            out.append(skip(f"{hc.name}: {target}: service {service} has no container",
                            "invoke restart starts it"))
            continue
        quick = hc.model_copy(update={"timeout_s": min(hc.timeout_s, PROBE_DEADLINE_S)})
        try:
            detail = checker.wait(quick)
        except StepError as exc:
            details = _story(exc.output_tail)
            seen = f"; {service}'s state and last log lines below" if details else ""
            out.append(fail(f"{hc.name}: {exc.message}{seen}",
                            exc.hint or f"read the {service or 'service'} logs: the first error there is the cause",
                            details))
            continue
        out.append(ok(f"{hc.name}: {detail}"))
    return out


def _story(tail: list[str]) -> tuple[str, ...]:
    """The container's state line and its last LOG_LINES log lines, from a health failure's output."""
    if not tail:
        return ()
    state, logs = tail[0], [line for line in tail[1:] if not line.startswith("--- ")]
    return (state, *logs[-LOG_LINES:])


def api_base_urls(ctx: Context) -> list[tuple[str, str, str]]:
    """(service, build arg, URL to probe) for every configured API base build arg."""
    cfg = doctor_config(ctx.config).api_base
    out = []
    for name, svc in sorted(ctx.compose.services.items()):
        if svc.build is None:
            continue
        for arg in cfg.build_args:
            value = svc.build.args.get(arg)
            if value:
                out.append((name, arg, value.rstrip("/") + cfg.probe if cfg.probe else value))
    return out


def check_api_base(ctx: Context) -> Iterable[Verdict]:
    from ..health import http_get

    urls = api_base_urls(ctx)
    if not urls:
        names = ", ".join(doctor_config(ctx.config).api_base.build_args)
        return [skip(f"no service is built with {names} (doctor.api_base.build_args)")]
    out: list[Verdict] = []
    for service, arg, url in urls:
        try:
            status, location = http_get(url, None, REQUEST_TIMEOUT_S)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            out.append(skip(f"{service}: {arg} -> GET {url}: not reachable from here ({type(exc).__name__}: "
                            f"{exc})", "start the stack (invoke restart), then rerun doctor"))
            continue
        if 300 <= status < 400:
            target = urljoin(url, location or "")
            out.append(fail(f"{service} was built with {arg}; GET {url} answers {status} redirect to {target}: "
                            "the redirect carries no CORS headers, so the browser reports 'CORS blocked'",
                            f"set {arg} so the frontend calls the final URL (the server sent it to {target}), "
                            f"then rebuild: invoke build --only {service}"))
        elif status >= 500:
            api = _answering_service(ctx, url)
            logs = tuple(log_tail(ctx, api)) if api else ()
            out.append(warn(f"{service}: GET {url} ({arg}) answers {status}: the API fails; a browser would "
                            "show it as 'CORS blocked'", f"read the {api or 'API'} logs below",
                            logs))
        else:
            out.append(ok(f"{service}: GET {url} ({arg}) answers {status} without a redirect"))
    return out


def _answering_service(ctx: Context, url: str) -> str | None:
    from ..config import HealthConfig
    from ..health import HealthChecker

    try:
        engine(ctx)
        return HealthChecker(ctx.compose).watched_service(HealthConfig(name="api-base", url=url))
    except Exception:  # noqa: BLE001 - only used to find logs to show
        return None
