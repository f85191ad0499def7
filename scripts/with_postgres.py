"""Run a command against a throw-away PostgreSQL server.

    python scripts/with_postgres.py -- pytest

Creates a cluster with initdb in a temporary folder, starts it on a free loopback
port, runs the command with CSOPS_DATABASE_URL pointing at it, then stops the
server and removes the folder. initdb refuses to run as root, so as root the
server runs as the ``postgres`` system user. Installs Debian's postgresql when
initdb is missing and we are root (CI).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path


def find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def ensure_postgres() -> tuple[str, str]:
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if initdb and pg_ctl:
        return initdb, pg_ctl
    if os.geteuid() != 0:
        sys.exit("PostgreSQL's initdb was not found: install PostgreSQL 15 (Debian: apt-get install postgresql)")
    print("with_postgres: installing Debian's postgresql", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env)
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if not (initdb and pg_ctl):
        sys.exit("with_postgres: postgresql was installed but initdb is still missing")
    return initdb, pg_ctl


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        sys.exit("usage: with_postgres.py -- COMMAND [ARGS...]")
    initdb, pg_ctl = ensure_postgres()
    as_root = os.geteuid() == 0
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    tmp = Path(tempfile.mkdtemp(prefix="csops-pg-"))
    if as_root:
        shutil.chown(tmp, "postgres", "postgres")
    data, log = tmp / "data", tmp / "server.log"
    port = free_port()
    started = False
    try:
        subprocess.run(
            [*prefix, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"],
            check=True, stdout=subprocess.DEVNULL,
        )
        # Durability settings are off: this cluster lives for one test run.
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {tmp} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=50"
        )
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(log), "-w", "start"],
                       check=True, stdout=subprocess.DEVNULL)
        started = True
        url = f"postgres://postgres@127.0.0.1:{port}/csops"
        print(f"with_postgres: PostgreSQL on 127.0.0.1:{port}", flush=True)
        return subprocess.run(argv, env={**os.environ, "CSOPS_DATABASE_URL": url}).returncode
    finally:
        if started:
            subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"],
                           stdout=subprocess.DEVNULL, check=False)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
