"""Entry point: python -m tools.catalog SOURCE [--commit REV] [-o OUT.json]."""

import sys

from .generate import main

sys.exit(main())
