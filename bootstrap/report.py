"""Renderers over the same list of step results: the recap line and the JSON report."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .engine import Status, StepResult, recap


@dataclass
class RunRecord:
    task: str
    project: str
    prod: bool
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    duration_s: float = 0.0
    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(r.status is Status.FAILED for r in self.steps)

    def recap(self) -> dict[str, int]:
        return recap(self.steps)

    def as_json(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "project": self.project,
            "prod": self.prod,
            "started_at": self.started_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "duration_s": round(self.duration_s, 3),
            "ok": self.ok,
            "steps": [r.as_json() for r in self.steps],
            "recap": self.recap(),
        }


def recap_line(record: RunRecord) -> str:
    counts = record.recap()
    parts = " ".join(f"{k}={counts[k]}" for k in ("ok", "changed", "skipped", "failed"))
    return f"{record.task} {record.project}: {parts} in {record.duration_s:.1f}s"


def write_report(record: RunRecord, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(record.as_json(), indent=2) + "\n")
    tmp.replace(path)
