"""``python -m bench [--size S|M|L] [--json FILE]`` (see :mod:`bench.run`)."""

import sys

from .run import main

sys.exit(main())
