"""Benchmarks; run them as modules from the repository root (see docs/benchmarks.md)."""
