"""journey: a static-site generator for machine-learning learning-journey blogs."""

__version__ = "0.1.0"
DISTRIBUTION = "journey-ssg"  # "journey" on PyPI is an unrelated package; the command stays `journey`
SOURCE_REPOSITORY = "https://github.com/journey-blog/journey"


def requirement(extras: str = "") -> str:
    """How to install this version of journey (with `extras`, e.g. "notebooks"): its release tag."""
    named = f"{DISTRIBUTION}[{extras}]" if extras else DISTRIBUTION
    return f"{named} @ git+{SOURCE_REPOSITORY}@v{__version__}"
