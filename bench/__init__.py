"""Benchmarks. Each `bench_*.py` module exposes `run() -> str`, returning a Markdown section."""
