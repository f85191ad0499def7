from __future__ import annotations

import signal

import pytest

from csops.pipeline.registry import register_step, unregister_step


class Recorder:
    """A pipeline step that counts its runs and can be told to fail."""

    def __init__(self) -> None:
        self.days: list = []
        self.fail = False

    def __call__(self, day, *, progress):
        if self.fail:
            raise RuntimeError("the warehouse is unreachable")
        self.days.append(day)
        return f"recorded {day}"


@pytest.fixture
def recorder():
    step = Recorder()
    register_step("test-measures", step, order=20)
    yield step
    unregister_step("test-measures")


@pytest.fixture
def keep_signals():
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The personas get real passwords; hashing them with PBKDF2 costs a second per test here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
