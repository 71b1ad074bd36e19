"""Connector changes, connecting and disconnecting land in the audit log (never a secret)."""

import pytest
from django.urls import reverse

from arcadium.audit.models import AuditEvent
from telephony.models import Connector
from tests.simulator_fixture import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from tests.test_connector_page import admin_client  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def actions(entity) -> list[str]:
    return list(
        AuditEvent.objects.filter(entity_id=entity.pk)
        .exclude(action="sign_in")
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_settings_connect_and_disconnect_are_audited(admin_client, entity, simulator_settings):  # noqa: F811
    admin_client.post(
        reverse("telephony-connector-settings"),
        {
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
            "server_url": simulator_settings.url,
            "delivery_mode": "websocket",
            "public_base_url": "",
        },
    )
    assert Connector.objects.get(entity=entity).client_id == DEMO_CLIENT_ID
    changed = AuditEvent.objects.get(action="connector_changed")
    assert (
        "client_secret" in changed.summary and DEMO_CLIENT_SECRET not in str(changed.data) + changed.summary
    )

    jwt = simulator_settings.control.jwt("100")
    assert (
        admin_client.post(reverse("telephony-connector-connect"), {"jwt_credential": jwt}).status_code == 302
    )
    admin_client.post(reverse("telephony-connector-disconnect"))

    assert actions(entity) == ["connector_changed", "connected", "disconnected"]
    assert all(jwt not in e.summary for e in AuditEvent.objects.all())
    assert AuditEvent.objects.get(action="connected").actor == admin_client.admin.user
