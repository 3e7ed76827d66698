"""One module per kind of figure; each function takes the Session and returns Figures.

The registry below is the order `python -m bench` runs them in: first-time leaves the
three demo stacks up, which the restart and health figures then use.
"""
from __future__ import annotations

from collections.abc import Callable

from ..figure import Figure
from ..session import Session
from . import cli, first_time, growth, health, restart

Measure = Callable[[Session], list[Figure]]

NOT_IN_QUICK = frozenset({"health-whatif"})  # `--quick` leaves these out unless named in --only

REGISTRY: dict[str, Measure] = {
    "cli": cli.measure,
    "first-time": first_time.measure,
    "memory": first_time.memory,
    "restart": restart.nothing_changed,
    "one-change": restart.one_change,
    "health-latency": health.measure,
    "health-whatif": health.whatif,
    "growth-images": growth.images,
    "growth-roles": growth.roles,
}
