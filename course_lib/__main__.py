"""``python -m course_lib ...``: the course's command line, in :mod:`course_lib.tools.cli`."""
from __future__ import annotations

import sys

from .tools.cli import main

if __name__ == "__main__":
    sys.exit(main())
