"""Helpers for the ingestion tests: post tracking calls, read the lake, run a live `csops serve`."""

from __future__ import annotations

import base64
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client

from csops.usage.lake import events_dataset
from csops.usage.sources import do_create_source
from csops.usage.writer import shutdown_all

CLI = [sys.executable, "-m", "csops.cli"]


def new_key(name: str = "web app") -> str:
    _, raw = do_create_source(name)
    return raw


def basic(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def post(client: Client, call: str, body: Any, *, key: str | None = None, compress: bool = False,
         raw: bytes | None = None, **headers: str):
    data = raw if raw is not None else json.dumps(body).encode()
    if compress:
        data = gzip.compress(data)
        headers["HTTP_CONTENT_ENCODING"] = "gzip"
    if key is not None:
        headers.update(basic(key))
    return client.post(f"/v1/{call}", data=data, content_type="application/json", **headers)


def lake_rows(lake_dir: Path | None = None) -> list[dict[str, Any]]:
    """Every event in the lake, after flushing and stopping this process's ingestors."""
    shutdown_all()
    table = events_dataset(lake_dir or settings.CSOPS_LAKE_DIR).to_table()
    return sorted(table.to_pylist(), key=lambda r: (r["timestamp"], r["message_id"]))


def message_ids(lake_dir: Path | None = None) -> list[str]:
    return [r["message_id"] for r in lake_rows(lake_dir)]


# --- a live server, as `make run` starts it --------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`csops serve` in a subprocess with its own SQLite var dir; ``key`` is a write key made by the CLI."""

    def __init__(self, var_dir: Path, *, env: dict[str, str] | None = None, worker: bool = False) -> None:
        self.var_dir = var_dir
        self.lake_dir = var_dir / "lake"
        self.env = {**os.environ, "CSOPS_VAR_DIR": str(var_dir), "CSOPS_DEBUG": "0", "CSOPS_LOG_LEVEL": "WARNING",
                    **(env or {})}
        self.env.pop("CSOPS_DATABASE_URL", None)
        self.env.pop("CSOPS_LAKE_DIR", None)
        self.worker = worker
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.key = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def setup(self, source: str = "test source") -> str:
        subprocess.run([*CLI, "migrate", "-v", "0"], env=self.env, check=True)
        out = subprocess.run([*CLI, "sources", "create", source], env=self.env, check=True,
                             capture_output=True, text=True).stdout
        self.key = out.strip().splitlines()[-1]
        return self.key

    def start(self, timeout: float = 30) -> None:
        args = [*CLI, "serve", "--port", str(self.port)]
        if not self.worker:
            args.append("--no-worker")
        self.process = subprocess.Popen(args, env=self.env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError):
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("csops serve did not start")
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM, as a service manager stops it; returns the exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
