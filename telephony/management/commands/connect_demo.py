"""`make run` wiring: connect the demo company to the running RingCentral simulator and give its
accounts some call history, the way a real RingCentral account would already have some.

Talks to the simulator only over HTTP (its `/_sim/` control API), like `simulate_call`.
"""

import random
import time
from datetime import timedelta

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm.models import Customer, Entity
from telephony.history.connector import ConnectFailed, connector_connect
from telephony.history.sync import connector_sync
from telephony.models import Connector

ADMIN_EXTENSION = "100"  # the simulator's account administrator (system extension)
STAFF_EXTENSIONS = ["101", "102", "103"]
RESULTS = ["Accepted"] * 6 + ["Missed", "Voicemail"]


class Command(BaseCommand):
    help = "Connect the demo company to the running RingCentral simulator and sync some call history."

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait", type=float, default=0, help="seconds to wait for the simulator to start"
        )

    def handle(self, *args, wait: float, **options):
        base = settings.RINGCENTRAL_SERVER_URL.rstrip("/")
        http = requests.Session()
        jwt = self._admin_jwt(http, base, deadline=time.monotonic() + wait)
        demo = Entity.objects.get(name="Arcadium Demo")
        connector = Connector.objects.get(entity=demo)
        admin = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        try:
            connector_connect(connector=connector, user=admin, jwt_credential=jwt)
        except ConnectFailed as exc:
            raise CommandError(f"Could not connect the demo company: {exc}") from None
        if http.get(f"{base}/_sim/call-log/count", timeout=5).json()["count"] == 0:
            self._seed_history(http, base, demo)
        outcome = connector_sync(connector_id=connector.pk)
        counts = outcome.counts
        self.stdout.write(
            f"RingCentral: demo company connected to {base}; call history sync {outcome.result} "
            f"({counts.created} new, {counts.updated} updated calls)."
        )

    def _admin_jwt(self, http: requests.Session, base: str, *, deadline: float) -> str:
        while True:
            try:
                return http.get(f"{base}/_sim/users/{ADMIN_EXTENSION}/jwt", timeout=5).json()["jwt"]
            except (requests.RequestException, ValueError, KeyError) as exc:
                if time.monotonic() > deadline:
                    raise CommandError(
                        f"The RingCentral simulator is not answering at {base}: {exc}"
                    ) from None
                time.sleep(0.5)

    def _seed_history(self, http: requests.Session, base: str, demo: Entity) -> None:
        rng = random.Random(7)
        customers = Customer.objects.filter(entity=demo, is_active=True).prefetch_related("phone_numbers")[
            :12
        ]
        now = timezone.now()
        for index, customer in enumerate(customers):
            phone = customer.phone_numbers.first()
            for days_ago in rng.sample(range(1, 20), 3):
                inbound = rng.random() < 0.7
                result = rng.choice(RESULTS) if inbound else "Call connected"
                them = {"number": phone.e164, "name": customer.name}
                us = {
                    "number": f"+1650555010{1 + index % 3}",
                    "extension_number": STAFF_EXTENSIONS[index % 3],
                }
                start = now - timedelta(days=days_ago, hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
                record = {
                    "extension": us["extension_number"],
                    "direction": "Inbound" if inbound else "Outbound",
                    "from_number": them["number"] if inbound else us["number"],
                    "from_name": them["name"] if inbound else "",
                    "to_number": us["number"] if inbound else them["number"],
                    "start_time": start.isoformat(),
                    "duration": 0 if result in ("Missed", "Voicemail") else rng.randint(35, 900),
                    "result": result,
                    "recorded": result == "Accepted" and rng.random() < 0.5,
                }
                http.post(f"{base}/_sim/call-log/records", json=record, timeout=5).raise_for_status()
