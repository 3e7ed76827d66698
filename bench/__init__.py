"""Benchmarks for bootstrap: `python -m bench [--quick]` from the repository root.

Every figure is a function returning samples (`bench.figures`); `bench.__main__`
runs them, prints a table and writes `bench/results/<date>.json`. Timings live
here, never in a timed test. Nothing in this package is imported by bootstrap.
"""
