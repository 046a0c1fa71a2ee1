"""journey: a static-site generator for machine-learning learning-journey blogs."""

__version__ = "0.1.0"
