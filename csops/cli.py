"""The ``csops`` console command: a thin wrapper over Django management commands.

``csops users create ...`` runs the ``users`` management command; every other
Django command (``migrate``, ``shell``...) is reachable the same way.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csops.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["csops", *args])


if __name__ == "__main__":
    main()
