"""``python -m fastcors``: the command-line tools (see ``fastcors._cli``)."""

from __future__ import annotations

import sys

from fastcors._cli import main

if __name__ == "__main__":
    sys.exit(main())
