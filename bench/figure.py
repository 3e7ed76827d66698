"""What a figure is: named series of samples, pairwise ratios, a target and a verdict."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .stats import summarize


@dataclass(frozen=True)
class Verdict:
    met: bool | None  # None: nothing to judge (informational figure)
    text: str

    @property
    def label(self) -> str:
        return {True: "met", False: "MISSED", None: "info"}[self.met]


@dataclass
class Figure:
    key: str
    title: str
    unit: str  # of the series; ratios have none
    target: str
    series: dict[str, list[float]] = field(default_factory=dict)
    ratios: dict[str, list[float]] = field(default_factory=dict)
    verdict: Verdict = Verdict(None, "")
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key, "title": self.title, "unit": self.unit, "target": self.target,
            "verdict": {"met": self.verdict.met, "text": self.verdict.text},
            "series": {k: {"summary": summarize(v).as_json(), "samples": [round(x, 4) for x in v]}
                       for k, v in self.series.items()},
            "ratios": {k: {"summary": summarize(v).as_json(), "samples": [round(x, 4) for x in v]}
                       for k, v in self.ratios.items()},
            "notes": self.notes, "extra": self.extra,
        }


def at_most(value: float, limit: float, what: str, unit: str = "") -> Verdict:
    """met when value <= limit; otherwise by how much it is over (absolute and relative)."""
    if value <= limit:
        return Verdict(True, f"{what} {value:.3g}{unit} <= {limit:g}{unit}")
    over = value - limit
    return Verdict(False, f"{what} {value:.3g}{unit} > {limit:g}{unit}: over by {over:.3g}{unit} "
                          f"({over / limit:.0%})")


def with_failures(verdict: Verdict, failures: list[str]) -> Verdict:
    """A run that failed (the samples come from runs that passed) makes the figure missed."""
    if not failures:
        return verdict
    return Verdict(False, f"{verdict.text}; {len(failures)} run(s) FAILED (not samples): "
                          + " | ".join(f[:220] for f in failures))
