"""Benchmarks for govcloud (see bench/README.md)."""
