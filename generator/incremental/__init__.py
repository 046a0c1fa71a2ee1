"""Incremental builds: what changed since the last build and what can be reused."""
