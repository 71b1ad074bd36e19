import logging
import os
import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from arcadium.startup import freeze_loaded_objects
from telephony.ingest import process


class Command(BaseCommand):
    requires_system_checks: list = []  # a worker: start at once (migrate and deploy run the checks)
    help = (
        "Apply the RingCentral notifications the webhook and the listener stored: update calls, "
        "match callers, push the wizard. Run one or more, on any hosts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch",
            type=int,
            default=settings.INGEST_BATCH_SIZE,
            help="Most events applied in one transaction (INGEST_BATCH_SIZE).",
        )
        parser.add_argument(
            "--idle",
            type=float,
            default=1.0,
            help="Seconds between looks at the inbox when nothing wakes us.",
        )

    def handle(self, *args, batch: int, idle: float, **options):
        logging.getLogger("telephony").setLevel(logging.INFO)
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            # Finish the batch under way (its transaction commits whole), then leave.
            signal.signal(signum, lambda *_: stop.set())
        mode = " (the web process applies events itself: INGEST_INLINE)" if settings.INGEST_INLINE else ""
        self.stdout.write(f"Ingest process {os.getpid()} applying stored RingCentral events{mode}…")
        self.stdout.flush()  # the line says "ready" to whoever started us
        freeze_loaded_objects()
        process.run(batch_size=batch, idle_seconds=idle, stop=stop)
        self.stdout.write("Stopped.")
