"""Helpers for the call-history tests (no tests here): a connector connected to the simulator,
call-log records written into the simulator, and the demo staff mapped by email."""

import itertools
from datetime import timedelta

from django.contrib.auth.models import Permission
from django.utils import timezone

from telephony.history.connector import connector_connect
from telephony.models import Connector
from tests.factories import ResourceFactory, UserFactory
from tests.simulator_fixture import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET

ADMIN_EXTENSION = "100"
ALICE_EXTENSION_ID = "62264001"
_sessions = itertools.count(1)


def alice(entity):
    """The staff member whose email matches the simulator's extension 101 (Alice Martin)."""
    user = UserFactory(username=f"alice{next(_sessions)}", email="alice@arcadium-demo.test")
    return ResourceFactory(entity=entity, user=user, display_name="Alice Martin")


def grant(user, *codenames: str) -> None:
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="telephony", codename__in=codenames)
    )


def connect(entity, simulator, *, user=None) -> Connector:
    connector, _ = Connector.objects.update_or_create(
        entity=entity,
        defaults={
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            "server_url": simulator.url,
            "delivery_mode": Connector.DeliveryMode.WEBSOCKET,
        },
    )
    connector_connect(connector=connector, user=user, jwt_credential=simulator.control.jwt(ADMIN_EXTENSION))
    connector.refresh_from_db()
    return connector


def add_record(
    simulator,
    *,
    number: str,
    extension: str = "101",
    direction: str = "Inbound",
    started=None,
    minutes_ago: float = 5,
    duration: float = 95,
    result: str = "Accepted",
    recorded: bool = False,
    telephony_session_id: str = "",
) -> dict:
    """One finished call in the simulator's call log; `number` is the outside party's."""
    started = started or timezone.now() - timedelta(minutes=minutes_ago)
    inbound = direction == "Inbound"
    fields = {
        "telephony_session_id": telephony_session_id or f"s-test-{next(_sessions)}-{started.timestamp():.0f}",
        "session_id": str(10**10 + next(_sessions)),
        "direction": direction,
        "start_time": started.isoformat(),
        "duration": duration,
        "result": result,
        "recorded": recorded,
        ("from_number" if inbound else "to_number"): number,
    }
    return simulator.control.add_call_log_record(extension=extension, **fields)
