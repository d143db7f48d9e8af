"""python -m onewindow archive_documents [--loop SECONDS]: archive the written documents as PDF.

Every notice, result and delivery receipt without its archived PDF is rendered once and stored
(`cases.documents.archive_missing`). Run it once (cron) or as a worker with `--loop`, which looks
again every SECONDS. Rendering happens here, never in the services' transactions.
"""

from __future__ import annotations

import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from onewindow.cases import documents


class Command(BaseCommand):
    help = (
        "Archive, as PDF, every case document (notice, result, delivery receipt) not yet archived."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch", type=int, default=50, help="documents read per query (default 50)"
        )
        parser.add_argument(
            "--loop",
            type=float,
            metavar="SECONDS",
            help="keep running as a worker, looking for new documents every SECONDS",
        )

    def handle(self, *args: Any, batch: int, loop: float | None, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        if loop:
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        while True:
            run = documents.archive_missing(batch_size=max(1, batch))
            if not loop or run.archived or run.failed:
                line = f"archived {run.archived} document(s)"
                if run.failed:
                    line += f"; {run.failed} failed (see the log)"
                self.stdout.write(line)
            if not loop:
                return
            slept = 0.0
            while not stopping and slept < loop:
                time.sleep(min(1.0, loop - slept))
                slept += 1.0
            if stopping:
                return
            close_old_connections()  # a long-running worker drops broken or stale connections
