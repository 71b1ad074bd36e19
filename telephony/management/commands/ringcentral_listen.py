import asyncio
import logging

from django.core.management.base import BaseCommand

from telephony.ingest.listener import Listener


class Command(BaseCommand):
    help = (
        "Hold RingCentral WebSocket subscriptions for every listening resource (installs with no public URL)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--poll", type=float, default=5.0, help="Seconds between checks for enabled resources."
        )

    def handle(self, *args, poll: float, **options):
        logging.getLogger("telephony").setLevel(logging.INFO)
        self.stdout.write("Listening to RingCentral over WebSocket (Ctrl+C to stop)…")
        try:
            asyncio.run(Listener(poll_seconds=poll).run())
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
