"""Benchmark of WIR – Fallmanagement at scale (`make bench`, see bench/run.py)."""
