"""Session-wide settings for the test suite.

The suite builds the real site several times in parallel (pytest-xdist workers, each with its
own checker workers) on a 2-core machine, so a check takes several times its unloaded wall
time. The per-check limit is a guard against runaway input, not a speed test (speed is
measured by `make bench`): the builds here get a generous one, and the tests that are about
time limits set their own explicitly.
"""

from __future__ import annotations

import os

os.environ.setdefault("DERIVATIONS_TIMEOUT", "60")
