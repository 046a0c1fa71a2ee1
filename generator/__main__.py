"""`python -m generator`: the journey command line."""

import sys

from .cli import main

sys.exit(main())
