"""Crash test: `csops worker` is SIGKILLed in the middle of a send batch; after a restart every
message has arrived at the SMTP server exactly once.

The kill is placed deterministically by the test's SMTP server, which holds its answer to one
message until the worker is dead: once before the message was handed over (it must be sent again,
once) and once after (it must not be sent again). Also: SIGTERM stops the worker cleanly.
"""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from tests.outreach.support import Inbox, start_smtp

pytestmark = pytest.mark.sqlite_only

BATCH = 30
KILL_AT = 12  # the message (1-based) during which the worker dies

SEED = textwrap.dedent("""
    import django, datetime as dt
    django.setup()
    from django.utils import timezone
    from csops.customers.models import Account, Contact
    from csops.outreach.models import Message, Template
    from csops.outreach.queueing import queue_email
    account = Account.objects.create(external_id="KILL-1", name="Kill Test")
    template = Template.objects.create(key="t", name="t", subject_ja="件名 {{ contact.name }}",
                                       text_ja="{{ contact.name }} 様")
    for i in range(int(__import__("sys").argv[1])):
        contact = Contact.objects.create(account=account, name=f"C{i:03d}", email=f"c{i:03d}@kill.example")
        queue_email(contact=contact, template=template, idempotency_key=f"k:{i}", day=timezone.localdate(),
                    source="test", respect_cap=False)
    Message.objects.update(respect_window=False, next_attempt_at=timezone.now() - dt.timedelta(minutes=1))
""")

STATUSES = textwrap.dedent("""
    import django, collections
    django.setup()
    from csops.outreach.models import Message
    print(dict(collections.Counter(Message.objects.values_list("status", flat=True))))
""")


class GatedInbox(Inbox):
    """Holds the conversation on message KILL_AT (at RCPT or after DATA) until the test has killed the worker."""

    def __init__(self, gate: str) -> None:
        super().__init__()
        self.gate, self.count = gate, 0
        self.reached, self.release = threading.Event(), threading.Event()

    async def _hold(self) -> None:
        self.reached.set()
        while not self.release.is_set():
            await asyncio.sleep(0.01)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        self.count += 1
        if self.gate == "rcpt" and self.count == KILL_AT:
            await self._hold()
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        reply = await super().handle_DATA(server, session, envelope)
        if self.gate == "data" and len(self.messages) == KILL_AT:
            await self._hold()
        return reply


def environment(tmp_path, port: int) -> dict[str, str]:
    env = {**os.environ, "CSOPS_VAR_DIR": str(tmp_path), "CSOPS_DEBUG": "0", "CSOPS_SMTP_HOST": "127.0.0.1",
           "CSOPS_SMTP_PORT": str(port), "CSOPS_SMTP_FROM": "cs@vendor.example", "CSOPS_SEND_STALE_SECONDS": "1",
           "DJANGO_SETTINGS_MODULE": "csops.settings"}
    env.pop("CSOPS_DATABASE_URL", None)
    return env


def prepare(tmp_path, port: int) -> dict[str, str]:
    env = environment(tmp_path, port)
    subprocess.run([sys.executable, "-m", "csops.cli", "migrate", "-v", "0"], env=env, check=True)
    subprocess.run([sys.executable, "-c", SEED, str(BATCH)], env=env, check=True)
    return env


WORKER = [sys.executable, "-m", "csops.cli", "worker", "--no-schedule"]


@pytest.mark.parametrize("gate", ["rcpt", "data"])
def test_a_killed_worker_never_loses_or_repeats_an_email(tmp_path, gate):
    inbox = GatedInbox(gate)
    controller = start_smtp(inbox)
    try:
        env = prepare(tmp_path, controller.port)
        worker = subprocess.Popen([*WORKER, "--interval", "0.2"], env=env, stdout=subprocess.DEVNULL)
        try:
            assert inbox.reached.wait(60), "the worker never reached the kill point"
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        finally:
            if worker.poll() is None:
                worker.kill()
            inbox.release.set()
        time.sleep(1.5)  # let the dead worker's claim go stale (CSOPS_SEND_STALE_SECONDS=1)
        subprocess.run([*WORKER, "--no-loop"], env=env, check=True, stdout=subprocess.DEVNULL, timeout=120)
        statuses = subprocess.run([sys.executable, "-c", STATUSES], env=env, check=True, capture_output=True,
                                  text=True).stdout
    finally:
        controller.stop()
    arrived = collections.Counter(m["Message-ID"] for m in inbox.messages)
    assert len(arrived) == BATCH, f"{BATCH - len(arrived)} messages never arrived"
    assert max(arrived.values()) == 1, f"sent twice: {[k for k, v in arrived.items() if v > 1]}"
    if gate == "rcpt":  # died before the handover: recovered and sent once, later
        assert statuses.strip() == f"{{'sent': {BATCH}}}"
    else:  # died after the handover: delivered, recorded as unconfirmed, not resent
        assert statuses.strip() == f"{{'sent': {BATCH - 1}, 'unconfirmed': 1}}"


def test_sigterm_stops_the_worker_cleanly_with_a_summary(tmp_path):
    inbox = Inbox()
    controller = start_smtp(inbox)
    try:
        env = environment(tmp_path, controller.port)
        subprocess.run([sys.executable, "-m", "csops.cli", "migrate", "-v", "0"], env=env, check=True)
        worker = subprocess.Popen([*WORKER, "--interval", "0.2"], env=env, stdout=subprocess.PIPE, text=True)
        assert "started" in worker.stdout.readline()
        worker.send_signal(signal.SIGTERM)
        out, _ = worker.communicate(timeout=20)
    finally:
        controller.stop()
    assert worker.returncode == 0
    assert out.strip().splitlines()[-1].startswith("worker stopped after")
