"""`python -m generator`: the journey command line."""

from .cli import run

run()
