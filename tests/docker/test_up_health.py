"""up: changed, then ok; health: service-name URLs without published ports, redirects, crashes."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bootstrap.config import HealthConfig
from bootstrap.engine import Status
from bootstrap.steps.build import Build
from bootstrap.steps.up import Health, Up

if TYPE_CHECKING:
    from conftest import Project

pytestmark = pytest.mark.docker


def test_up_changed_then_ok_then_recreates_after_a_rebuild(built: Project) -> None:
    first = built.step(Up())
    assert first.status is Status.CHANGED and first.detail == "created api, worker", first
    again = built.step(Up())
    assert again.status is Status.OK and again.detail == "2 containers up to date", again

    server = built.root / "api" / "server.py"
    server.write_text(server.read_text() + "\n# changed\n")
    assert built.step(Build("api")).status is Status.CHANGED
    ctx = built.ctx()
    third = built.step(Up(), ctx)
    assert third.status is Status.CHANGED and third.detail == "recreated api", third
    assert ctx.facts["up"]["recreated"] == ["api"]


def test_health_on_a_service_name_url_without_published_ports(built: Project) -> None:
    built.step(Up())
    ctx = built.ctx()
    assert ctx.compose.published_port("api", 8000) is None
    result = built.step(Health(HealthConfig(name="api", url="http://api:8000/health", timeout_s=30)), ctx)
    assert result.status is Status.OK, result
    assert result.detail.startswith("http://api:8000/health: HTTP 200 after")
    service = built.step(Health(HealthConfig(name="worker", service="worker", timeout_s=30)))
    assert service.status is Status.OK and "healthy" in service.detail, service


def test_a_redirect_fails_naming_the_location(built: Project) -> None:
    built.step(Up())
    result = built.step(Health(HealthConfig(name="legacy", url="http://api:8000/api/items", timeout_s=30)))
    assert result.status is Status.FAILED
    assert result.detail == ("http://api:8000/api/items: answered 307 redirect to /api/v1/items; "
                             "redirects are not followed"), result.detail
    assert result.hint and "/api/v1/items" in result.hint
    assert result.duration_s < 15
    assert any("listening on :8000" in line for line in result.output_tail)


def test_a_crashing_container_fails_fast_with_its_logs(built: Project) -> None:
    ctx = built.ctx(env={"CRASH_ON_START": "1"})
    assert built.step(Up(), ctx).status is Status.CHANGED
    result = built.step(Health(HealthConfig(name="api", url="http://api:8000/health", timeout_s=120)),
                        built.ctx(env={"CRASH_ON_START": "1"}))
    assert result.status is Status.FAILED
    assert result.duration_s < 20, result.duration_s
    assert "exit code 3" in result.detail, result.detail
    assert result.output_tail[0] == "api container: exited (exit code 3)"
    assert any("boom: CRASH_ON_START=1" in line for line in result.output_tail), result.output_tail


def test_health_timeout_names_the_last_answer(built: Project) -> None:
    built.step(Up())
    result = built.step(Health(HealthConfig(name="missing", url="http://api:8000/nope", timeout_s=2)))
    assert result.status is Status.FAILED
    assert "not healthy after 2s" in result.detail and "HTTP 404" in result.detail, result.detail


def test_poll_backs_off_with_jitter_capped_well_under_one_second_under_the_deadline() -> None:
    from bootstrap.health import Attempt, Outcome, backoff, poll

    delays = backoff(rng=lambda: 1.0)
    assert [round(next(delays), 2) for _ in range(7)] == [0.05, 0.1, 0.2, 0.25, 0.25, 0.25, 0.25]
    low = backoff(rng=lambda: 0.0)
    assert [round(next(low), 3) for _ in range(7)] == [0.025, 0.05, 0.1, 0.125, 0.125, 0.125, 0.125]
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    attempt, tries, took = poll(lambda: Attempt(Outcome.WAIT, "HTTP 503"), 5.0, sleep=sleep,
                                clock=lambda: now[0], rng=lambda: 1.0)
    assert attempt.outcome is Outcome.FAIL and attempt.detail.startswith("not healthy after 5s")
    assert "HTTP 503" in attempt.detail and took == pytest.approx(5.0)
    assert max(slept) <= 1.0 and tries == len(slept) + 1
    ready, tries, _ = poll(lambda: Attempt(Outcome.READY, "HTTP 200"), 5.0, sleep=sleep, clock=lambda: now[0])
    assert ready.outcome is Outcome.READY and tries == 1
