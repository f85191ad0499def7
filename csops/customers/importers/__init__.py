"""All-or-nothing CSV imports of accounts, contracts, contacts and activities.

``run_import(kind, file, *, actor, dry_run, filename)`` is the entry point; see docs/imports.md.
"""

from __future__ import annotations

from csops.customers.importers.base import RowError
from csops.customers.importers.run import KINDS, ImportResult, Progress, run_import

__all__ = ["KINDS", "ImportResult", "Progress", "RowError", "run_import"]
