"""`make run` wiring: connect the demo company to the running RingCentral simulator and give its
accounts a month of call history, the way a real RingCentral account would already have some.

Talks to the simulator only over HTTP (its `/_sim/` control API), like `simulate_call`.
"""

import random
import time
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from crm.models import Entity, PhoneNumber
from telephony.history.connector import ConnectFailed, connector_connect
from telephony.history.sync import connector_sync
from telephony.models import Connector

ADMIN_EXTENSION = "100"  # the simulator's account administrator (system extension)
# The simulator's seeded users (extension number, name, direct number); crm.demo maps alice, bob
# and carol to them.
STAFF = [
    ("101", "Alice Martin", "+16505550101"),
    ("102", "Bob Chen", "+16505550102"),
    ("103", "Carol Diaz", "+16505550103"),
]
INBOUND = {"Accepted": 60, "Missed": 20, "Voicemail": 20}
OUTBOUND = {"Call connected": 80, "No Answer": 20}
# Callers Arcadium does not know (a reverse lookup, not a customer, names them).
STRANGERS = [("+18085550177", "HONOLULU HI"), ("+442079460000", "LONDON")]
HISTORY_DAYS = 28  # inside the first sync's window (30 days)
OFFICE = ZoneInfo("America/New_York")


class Command(BaseCommand):
    help = "Connect the demo company to the running RingCentral simulator and sync a month of call history."

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
            seeded = seed_history(http, base, demo)
            self.stdout.write(f"RingCentral: seeded {describe(seeded)} over the last {HISTORY_DAYS} days.")
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


def demo_callers(entity: Entity) -> list[tuple[str, str, int]]:
    """(E.164, caller name, how many calls) for the demo's customers and contacts.

    Only numbers that belong to one record are used (a shared number would match whichever
    record comes first), except the customer's own main line, which matches the customer first;
    ACME and its contact Jane get the most calls, as the README's walkthrough looks at them."""
    phones = list(
        PhoneNumber.objects.filter(entity=entity)
        .exclude(label=PhoneNumber.Label.FAX)
        .select_related("customer", "contact__customer")
        .order_by("pk")
    )
    owners = Counter(p.e164 for p in phones)
    callers, seen = [], set()
    for phone in phones:
        contact = phone.contact
        customer = phone.customer or (contact.customer if contact else None)
        if customer is None or phone.e164 in seen or not customer.is_active:
            continue
        if contact is not None and (not contact.is_active or owners[phone.e164] > 1):
            continue
        seen.add(phone.e164)
        name = f"{contact.first_name} {contact.last_name}" if contact else customer.name
        acme = customer.account_number == "C-1000"
        callers.append((phone.e164, name, 5 if acme else 2))
    return callers[:40]


def plan_history(callers: list[tuple[str, str, int]], *, now: datetime, rng: random.Random) -> list[dict]:
    """Call-log records (the simulator's `/_sim/call-log/records` shape), one telephony session each."""
    people = [(number, name, count) for number, name, count in callers] + [
        (n, name, 1) for n, name in STRANGERS
    ]
    records = []
    for index, (number, name, count) in enumerate(people):
        extension, staff_name, staff_number = STAFF[index % len(STAFF)]
        for _ in range(count):
            inbound = rng.random() < 0.65
            weights = INBOUND if inbound else OUTBOUND
            result = rng.choices(list(weights), weights=list(weights.values()))[0]
            talked = result in ("Accepted", "Call connected")
            record = {
                "extension": extension,
                "direction": "Inbound" if inbound else "Outbound",
                "action": "Phone Call" if inbound else "VoIP Call",
                "start_time": _office_hours(now, rng).isoformat(),
                "duration": rng.randint(40, 900) if talked else rng.randint(12, 45),
                "result": result,
                "recorded": talked and rng.random() < 0.4,
                "voicemail": result == "Voicemail",
            }
            them = {"number": number, "name": name}
            us = {"number": staff_number, "name": staff_name, "extension_number": extension}
            caller, callee = (them, us) if inbound else (us, them)
            for side, party in (("from", caller), ("to", callee)):
                record[f"{side}_number"] = party["number"]
                record[f"{side}_name"] = party["name"] if party is us or inbound else ""
                if party.get("extension_number"):
                    record[f"{side}_extension_number"] = party["extension_number"]
            records.append(record)
    return sorted(records, key=lambda r: r["start_time"])


def _office_hours(now: datetime, rng: random.Random) -> datetime:
    """A weekday moment between 9:00 and 17:30 at the office, in the last HISTORY_DAYS days."""
    while True:
        day = (now - timedelta(days=rng.randint(1, HISTORY_DAYS))).astimezone(OFFICE)
        if day.weekday() < 5:
            break
    minute = rng.randint(9 * 60, 17 * 60 + 30)
    return day.replace(hour=minute // 60, minute=minute % 60, second=rng.randint(0, 59), microsecond=0)


def seed_history(http: requests.Session, base: str, entity: Entity) -> list[dict]:
    records = plan_history(demo_callers(entity), now=timezone.now(), rng=random.Random(7))
    for record in records:
        http.post(f"{base}/_sim/call-log/records", json=record, timeout=10).raise_for_status()
    return records


def describe(records: list[dict]) -> str:
    results = Counter(r["result"] for r in records)
    recorded = sum(r["recorded"] for r in records)
    return (
        f"{len(records)} calls ({results['Accepted']} answered, {results['Missed']} missed, "
        f"{results['Voicemail']} voicemail, {results['Call connected'] + results['No Answer']} outbound; "
        f"{recorded} recorded)"
    )
