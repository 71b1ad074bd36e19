"""Start the RingCentral simulator as its own process (it is another host, like RingCentral).

This command deliberately does not import telephony.simulator: it runs
`python -m telephony.simulator` and waits for it.
"""

import signal
import subprocess
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the RingCentral simulator (its own process, database and port)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--db", help="SQLite file for the simulator's state")

    def handle(self, *args, host: str, port: int, db: str | None, **options):
        command = [sys.executable, "-m", "telephony.simulator", "--host", host, "--port", str(port)]
        if db:
            command += ["--db", db]
        process = subprocess.Popen(command)  # noqa: S603 - fixed argv, our own interpreter

        # Stopping this command (Ctrl-C, or SIGTERM from make/a test) must stop the simulator too,
        # or it would live on, orphaned, holding its port.
        def forward(signum, frame):
            process.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, forward)
        signal.signal(signal.SIGINT, forward)
        returncode = process.wait()
        if returncode and returncode != -signal.SIGTERM:
            raise SystemExit(returncode)
