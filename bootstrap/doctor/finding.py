"""What a doctor check reports: one `Finding` per thing it looked at.

A check function returns `Verdict`s (status, evidence, fix); the registry stamps
them with the check's id, title and whether it is static. `Unavailable` is how a
check says "the thing I need (engine, database, service) is not reachable": the
registry turns it into `skip` with the reason. Any other exception becomes `warn`.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any


class Status(str, Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class Verdict:
    status: Status
    evidence: str
    fix: str = ""
    details: tuple[str, ...] = ()  # supporting lines, e.g. a crashed service's last log lines


def ok(evidence: str) -> Verdict:
    return Verdict(Status.PASS, evidence)


def fail(evidence: str, fix: str, details: tuple[str, ...] = ()) -> Verdict:
    return Verdict(Status.FAIL, evidence, fix, details)


def warn(evidence: str, fix: str = "", details: tuple[str, ...] = ()) -> Verdict:
    return Verdict(Status.WARN, evidence, fix, details)


def skip(reason: str, fix: str = "") -> Verdict:
    return Verdict(Status.SKIP, reason, fix)


class Unavailable(Exception):
    """Raised inside a check when a service it needs cannot be reached: becomes `skip`."""

    def __init__(self, reason: str, fix: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


@dataclass(frozen=True)
class Finding:
    check_id: str
    title: str
    status: Status
    evidence: str
    fix: str = ""
    static: bool = False
    details: tuple[str, ...] = ()

    def line(self) -> str:
        """`FAIL  next-public-build-args <title>: <evidence> -> <fix>`"""
        text = f"{self.status.value.upper():<4}  {self.check_id} {self.title}: {self.evidence}"
        return f"{text} -> {self.fix}" if self.fix else text

    def lines(self) -> list[str]:
        """The line, then its details indented (a crashed service's last log lines)."""
        return [self.line(), *(f"      | {d}" for d in self.details)]

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.check_id, "title": self.title, "status": self.status.value,
                               "evidence": self.evidence, "fix": self.fix, "static": self.static}
        if self.details:
            out["details"] = list(self.details)
        return out
