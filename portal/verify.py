"""``python -m portal.verify``: the offline verifier, which is the ``portal-verify``
distribution in ``verifier/`` (installed with the Portal). See its ``--help``."""

from __future__ import annotations

import sys

from portal_verify.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
