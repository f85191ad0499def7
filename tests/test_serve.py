"""`csops serve` answers real HTTP requests with the worker beside it, and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.sqlite_only
def test_serve_answers_http_and_stops_on_sigterm(tmp_path):
    env = {**os.environ, "CSOPS_VAR_DIR": str(tmp_path), "CSOPS_DEBUG": "0"}
    env.pop("CSOPS_DATABASE_URL", None)
    cli = [sys.executable, "-m", "csops.cli"]
    subprocess.run([*cli, "migrate", "-v", "0"], env=env, check=True)
    port = free_port()
    server = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
            assert response.status == 200
            assert b"csrfmiddlewaretoken" in response.read()
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(f"http://127.0.0.1:{port}/", timeout=5)
        assert redirect.value.code == 302
        assert "/login/" in redirect.value.headers["Location"]
        api = urllib.request.Request(f"http://127.0.0.1:{port}/api/accounts")
        with pytest.raises(urllib.error.HTTPError) as unauthorised:
            urllib.request.urlopen(api, timeout=5)
        assert unauthorised.value.code == 401
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            raise
    assert server.returncode == 0
