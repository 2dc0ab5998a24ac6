"""Benchmarks: `make bench` (real PostgreSQL + Redis). Speed targets live here, not in the test suite.

Each benchmark states its target in its docstring; pytest-benchmark prints the timings and
`--benchmark-json` keeps them for comparison between runs.
"""
