"""``csops worker``: background tasks, the daily pipeline schedule and the outreach sender, in one process.

Each pass: schedule today's pipeline run once the local time passes ``CSOPS_PIPELINE_TIME``;
run every ready background task (django-tasks, database backend); then every registered worker
pass (the outreach sender). ``--no-loop`` does one pass and exits. SIGTERM or Ctrl-C finishes the
current task or message and exits cleanly with a one-line summary.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import time
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker as TaskWorker

from csops.pipeline.registry import worker_passes
from csops.pipeline.services import schedule_due_run


class Command(BaseCommand):
    help = "Run the background worker: tasks, the daily pipeline at CSOPS_PIPELINE_TIME, and outreach sending."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-loop", action="store_true", help="do one pass and exit")
        parser.add_argument("--interval", type=float, default=None,
                            help="seconds to wait between passes when idle (default CSOPS_WORKER_INTERVAL)")
        parser.add_argument("--no-schedule", action="store_true", help="do not start the daily pipeline")

    def handle(self, *args: Any, **options: Any) -> str:
        self.stopping = False
        self.task_worker: TaskWorker | None = None
        if options["verbosity"] < 2:  # django-tasks logs "no more tasks" on every pass otherwise
            logging.getLogger("django_tasks_db").setLevel(logging.WARNING)
        worker_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[:64]
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        interval = settings.CSOPS_WORKER_INTERVAL if options["interval"] is None else options["interval"]
        totals: Counter[str] = Counter()
        passes = 0
        self.stdout.write(f"csops worker {worker_id} started")
        while True:
            close_old_connections()
            passes += 1
            busy = self._one_pass(worker_id, totals, schedule=not options["no_schedule"])
            close_old_connections()
            if options["no_loop"] or self.stopping:
                break
            if not busy:
                deadline = time.monotonic() + interval
                while not self.stopping and time.monotonic() < deadline:
                    time.sleep(min(0.2, interval))
            if self.stopping:
                break
        details = ", ".join(f"{v} {k}" for k, v in sorted(totals.items()) if v) or "nothing to do"
        return f"worker stopped after {passes} pass{'es' if passes != 1 else ''}: {details}"

    def _stop(self, signum: int, frame: Any) -> None:
        self.stopping = True
        if self.task_worker is not None:
            self.task_worker.running = False

    def _one_pass(self, worker_id: str, totals: Counter[str], *, schedule: bool) -> bool:
        if schedule and schedule_due_run(timezone.now()) is not None:
            totals["pipeline runs scheduled"] += 1
        self.task_worker = TaskWorker(
            queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
            max_tasks=None, worker_id=worker_id, excluded_queue_names=[],
        )
        if not self.stopping:
            self.task_worker.run()
        ran = self.task_worker._run_tasks
        totals["tasks"] += ran
        self.task_worker = None
        busy = bool(ran)
        for _name, work in worker_passes():
            if self.stopping:
                break
            counts = work(worker_id=worker_id, should_stop=lambda: self.stopping)
            totals.update({k: v for k, v in counts.items() if v})
            busy = busy or any(counts.values())
        return busy
