"""`--strict`: which of a build's problems it reports, and when they stop it."""

from __future__ import annotations

from .errors import Diagnostic, JourneyError

# Said of each figure a notebook draws without alt text; here, not beside the notebooks' code,
# so that a build without notebooks need not load it (~30 ms) to leave it out.
NO_ALT = "figure without alt text; give it one with a '#| fig-alt: ...' line"


def reported(problems: list[Diagnostic], strict: bool) -> list[Diagnostic]:
    """The problems this build reports: a figure without alt text counts only under --strict
    (every plot a notebook draws would warn otherwise)."""
    if strict or not problems:
        return problems
    return [d for d in problems if not d.message.startswith(NO_ALT)]


def stop_on_errors(problems: list[Diagnostic], strict: bool) -> None:
    """Raise them all when one is an error, or, under --strict, when there is any (each warning
    then an error)."""
    if any(d.is_error or strict for d in problems):
        if strict:
            problems = [
                Diagnostic(d.location, "error", d.message) if not d.is_error else d for d in problems
            ]
        raise JourneyError(problems)
