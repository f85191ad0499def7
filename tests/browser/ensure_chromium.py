"""Make sure Debian's Chromium is there for the browser tests (Playwright drives it, downloads nothing).

    python tests/browser/ensure_chromium.py

Does nothing when the browser exists. Otherwise, as root (CI, a fresh container), installs
Debian's ``chromium`` package with apt-get, as scripts/with_postgres.py does for PostgreSQL;
as another user, says what to install and fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

DEFAULT_PATH = "/usr/bin/chromium"


def chromium_path() -> str:
    """Where the browser tests look for Chromium: $CHROMIUM_PATH, else Debian's /usr/bin/chromium."""
    return os.environ.get("CHROMIUM_PATH") or DEFAULT_PATH


def main() -> int:
    path = chromium_path()
    if os.access(path, os.X_OK):
        return 0
    if path != DEFAULT_PATH:
        sys.exit(f"CHROMIUM_PATH={path} is not an executable file")
    if os.geteuid() != 0:
        sys.exit("Chromium was not found at /usr/bin/chromium: install it (Debian: apt-get install chromium)")
    print("ensure_chromium: installing Debian's chromium", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
    if not shutil.which("chromium") and not os.access(path, os.X_OK):
        sys.exit("ensure_chromium: chromium was installed but /usr/bin/chromium is still missing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
