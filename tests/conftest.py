"""Suite-wide set-up.

`make test` runs the suite on every core (pytest-xdist, `-n auto`). Its worker processes are
started with COLUMNS=80 and LINES=24 in their environment; tco's module-level rich consoles
would read them at import and keep an 80-column width, where a real `tco` process (and a test
giving `COLUMNS` to CliRunner) sets the width when it prints. They are removed before any test
module imports tco, so the tests see the environment a user's shell gives.
"""

from __future__ import annotations

import os


def pytest_configure(config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        for name in ("COLUMNS", "LINES"):
            os.environ.pop(name, None)
