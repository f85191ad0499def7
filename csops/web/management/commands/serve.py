from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the app (waitress) together with the background worker, until Ctrl-C or SIGTERM."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="serve only; run `csops worker` elsewhere")

    def handle(self, *args: Any, **opts: Any) -> str:
        from waitress import create_server

        from csops.wsgi import application

        worker = None
        if not opts["no_worker"]:
            # The worker (tasks, the daily pipeline, outreach sending) is a separate process so that
            # a long task never blocks a page.
            worker = subprocess.Popen([sys.executable, "-m", "csops.cli", "worker"])

        server = create_server(application, host=opts["host"], port=opts["port"], threads=opts["threads"])
        # Start the event writer now rather than on the first tracking call, so that events a crashed
        # server acknowledged but had not yet written to Parquet are replayed at start-up.
        from csops.usage.collector import lake_ingestor

        lake_ingestor().start()

        def _stop(signum: int, frame: Any) -> None:
            server.close()

        signal.signal(signal.SIGTERM, _stop)
        self.stdout.write(f"csops serving on http://{opts['host']}:{opts['port']}/ (Ctrl-C to stop)")
        try:
            server.run()
        except (KeyboardInterrupt, OSError):
            pass
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
        return "csops stopped"
