"""Summaries of repeated measurements: median, min, max; ratios taken pair by pair.

The machine's speed drifts (other jobs share its two cores), so a comparison is
never median(A) / median(B) across separate batches: A and B run alternately in
the same session and each pair gives one ratio A_i / B_i; the ratio's median,
min and max are reported.
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    min: float
    max: float
    p95: float

    def as_json(self) -> dict[str, Any]:
        return {"n": self.n, "median": round(self.median, 4), "min": round(self.min, 4),
                "max": round(self.max, 4), "p95": round(self.p95, 4)}


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): a value that was actually observed."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(values: Sequence[float]) -> Summary:
    if not values:
        return Summary(0, math.nan, math.nan, math.nan, math.nan)
    return Summary(len(values), statistics.median(values), min(values), max(values), percentile(values, 95))


def paired_ratios(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """A_i / B_i for runs made in the same round (same position in both lists)."""
    if len(a) != len(b):
        raise ValueError(f"unpaired samples: {len(a)} vs {len(b)}")
    return [x / y for x, y in zip(a, b, strict=True) if y > 0]
