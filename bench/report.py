"""Renderers over the same list of Figures: the text table, the JSON file, a Markdown summary.

    python -m bench.report bench/results/<date>.json     # Markdown for the README
"""
from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .figure import Figure
from .stats import summarize

RESULTS = Path(__file__).resolve().parent / "results"


def _num(x: float) -> str:
    return f"{x:.3f}" if abs(x) < 10 else f"{x:.1f}"


def table(figures: Sequence[Figure]) -> str:
    out: list[str] = []
    for fig in figures:
        out.append(f"\n== {fig.title} [{fig.unit}]  target: {fig.target}")
        out.append(f"   {fig.verdict.label}: {fig.verdict.text}")
        rows = [(k, summarize(v)) for k, v in fig.series.items() if v]
        rows += [(k, summarize(v)) for k, v in fig.ratios.items() if v]
        if rows:
            width = max(len(k) for k, _ in rows)
            out.append(f"   {'':{width}}  {'median':>8} {'min':>8} {'max':>8} {'p95':>8}  n")
            for k, s in rows:
                out.append(f"   {k:{width}}  {_num(s.median):>8} {_num(s.min):>8} {_num(s.max):>8} "
                           f"{_num(s.p95):>8}  {s.n}")
        grid = fig.extra.get("table")
        if grid:
            cols = [str(c) for c in grid["columns"]]
            widths = [max(len(c), *(len(str(r[i])) for r in grid["rows"])) for i, c in enumerate(cols)]
            out.append("   " + "  ".join(c.rjust(w) for c, w in zip(cols, widths, strict=True)))
            for r in grid["rows"]:
                out.append("   " + "  ".join(str(v).rjust(w) for v, w in zip(r, widths, strict=True)))
    return "\n".join(out)


def write_json(meta: Mapping[str, Any], figures: Sequence[Figure], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps({"meta": dict(meta), "figures": [f.as_json() for f in figures]}, indent=2) + "\n")
    tmp.replace(path)
    return path


def _cell(series: Mapping[str, Any]) -> str:
    s = series["summary"]
    return f"{_num(s['median'])} ({_num(s['min'])}–{_num(s['max'])})"


def markdown(data: Mapping[str, Any]) -> str:
    """One row per series and ratio: median (min–max), then the verdict of each figure."""
    lines = ["| figure | measured | median (min–max) | n | target | verdict |", "|---|---|---|---|---|---|"]
    for fig in data["figures"]:
        entries = [*fig["series"].items(), *fig["ratios"].items()]
        for i, (name, series) in enumerate(entries):
            unit = fig["unit"] if (name, series) in fig["series"].items() else "ratio"
            head = f"{fig['title']} ({fig['unit']})" if i == 0 else ""
            target = fig["target"] if i == 0 else ""
            verdict = {True: "met", False: "**missed**", None: "info"}[fig["verdict"]["met"]] if i == 0 else ""
            lines.append(f"| {head} | {name}{' (ratio)' if unit == 'ratio' else ''} | {_cell(series)} | "
                         f"{series['summary']['n']} | {target} | {verdict} |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else max(RESULTS.glob("*.json"))
    print(markdown(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
