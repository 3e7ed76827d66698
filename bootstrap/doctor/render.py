"""Renderers over the same list of findings: the text lines and the JSON report."""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .finding import Finding, Status


def is_ok(findings: Sequence[Finding]) -> bool:
    return not any(f.status is Status.FAIL for f in findings)


def summary(findings: Sequence[Finding], duration_s: float) -> str:
    counts = {s: sum(1 for f in findings if f.status is s) for s in Status}
    parts = " ".join(f"{s.value}={counts[s]}" for s in Status)
    return f"doctor: {parts} in {duration_s:.1f}s"


def as_json(findings: Sequence[Finding], *, project: str, prod: bool, duration_s: float) -> dict[str, Any]:
    return {"ok": is_ok(findings), "project": project, "prod": prod, "duration_s": round(duration_s, 3),
            "checks": [f.as_json() for f in findings]}


def write_json(data: dict[str, Any], path: Path) -> None:
    """Written whole or not at all (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)
