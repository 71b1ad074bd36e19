"""The RingCentral connector page: admin only, status, settings, connect/disconnect, mapping, manual sync."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from crm.models import Resource
from telephony.live import push
from telephony.models import Call, Connector, RingCentralToken
from telephony.models_sync import CallLogSync
from tests.factories import ResourceFactory
from tests.simulator_fixture import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from tests.test_sync_support import ALICE_EXTENSION_ID, add_record, alice, connect, grant

pytestmark = pytest.mark.django_db
PAGE = reverse("telephony-connector")


@pytest.fixture
def admin_client(client, entity):
    admin = ResourceFactory(entity=entity, display_name="Ada Admin")
    grant(admin.user, "manage_connector")
    client.force_login(admin.user)
    client.admin = admin
    return client


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def test_staff_without_the_permission_get_403_on_every_admin_url(staff_client):
    for name in ["telephony-connector", "telephony-connector-mapping"]:
        assert staff_client.get(reverse(name)).status_code == 403
    for name in [
        "telephony-connector-settings",
        "telephony-connector-connect",
        "telephony-connector-disconnect",
    ]:
        assert staff_client.post(reverse(name)).status_code == 403


def test_wrong_method_is_405(admin_client):
    assert admin_client.get(reverse("telephony-connector-connect")).status_code == 405
    assert admin_client.post(PAGE).status_code == 405


def test_settings_are_saved_and_the_secret_is_write_only(admin_client, entity, simulator_settings):
    data = {
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "server_url": simulator_settings.url,
        "delivery_mode": "websocket",
        "public_base_url": "",
    }
    assert admin_client.post(reverse("telephony-connector-settings"), data).status_code == 302
    connector = Connector.objects.get(entity=entity)
    assert connector.client_id == DEMO_CLIENT_ID and connector.client_secret == DEMO_CLIENT_SECRET
    assert connector.status == Connector.Status.READY

    page = admin_client.get(PAGE)
    assert DEMO_CLIENT_SECRET not in page.content.decode()
    data.update(client_secret="", client_id="new-id")
    admin_client.post(reverse("telephony-connector-settings"), data)
    connector.refresh_from_db()
    assert connector.client_id == "new-id" and connector.client_secret == DEMO_CLIENT_SECRET


def test_webhook_mode_without_a_public_url_is_a_form_error(admin_client, entity, simulator_settings):
    data = {
        "client_id": "a",
        "client_secret": "b",
        "server_url": simulator_settings.url,
        "delivery_mode": "webhook",
    }
    response = admin_client.post(reverse("telephony-connector-settings"), data)
    assert response.status_code == 400
    assert "public address" in soup(response).select_one("#connector-settings").get_text()
    assert not Connector.objects.filter(entity=entity, client_id="a").exists()


def test_connect_with_jwt_maps_extensions_by_email_and_shows_status(admin_client, entity, simulator_settings):
    staff = alice(entity)
    Connector.objects.create(
        entity=entity,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        server_url=simulator_settings.url,
    )
    jwt = simulator_settings.control.jwt("100")
    response = admin_client.post(reverse("telephony-connector-connect"), {"jwt_credential": jwt})

    assert response.status_code == 302
    connector = Connector.objects.get(entity=entity)
    assert connector.status == Connector.Status.CONNECTED and connector.account_id
    assert connector.connected_by == admin_client.admin.user
    assert RingCentralToken.objects.filter(connector=connector, resource=None).exists()
    staff.refresh_from_db()
    assert staff.ringcentral_extension_id == ALICE_EXTENSION_ID
    status = soup(admin_client.get(PAGE)).select_one("#connector-status").get_text(" ", strip=True)
    assert "Connected" in status and "Ada Admin" in status
    assert jwt not in admin_client.get(PAGE).content.decode()


def test_a_refused_jwt_is_an_error_on_the_page(admin_client, entity, simulator_settings):
    Connector.objects.create(
        entity=entity,
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        server_url=simulator_settings.url,
    )
    response = admin_client.post(
        reverse("telephony-connector-connect"), {"jwt_credential": "not-a-jwt"}, follow=True
    )
    assert "could not be connected" in response.content.decode()
    assert Connector.objects.get(entity=entity).status == Connector.Status.ERROR


def test_mapping_table_highlights_unmapped_and_accepts_a_manual_override(
    admin_client, entity, simulator_settings
):
    staff = alice(entity)
    bob = ResourceFactory(entity=entity, display_name="Robert (no matching email)")
    connect(entity, simulator_settings)
    table = soup(admin_client.get(reverse("telephony-connector-mapping"), HTTP_HX_REQUEST="true"))
    rows = {r["data-extension"]: r for r in table.select("tr[data-extension]")}
    assert "unmapped" not in rows[ALICE_EXTENSION_ID]["class"]
    assert "unmapped" in rows["62264002"]["class"] and "Unmapped" in rows["62264002"].get_text()

    response = admin_client.post(
        reverse("telephony-connector-mapping"), {"ext-62264002": str(bob.pk), f"ext-{ALICE_EXTENSION_ID}": ""}
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    staff.refresh_from_db()
    assert bob.ringcentral_extension_id == "62264002" and bob.ringcentral_extension_number == "102"
    assert staff.ringcentral_extension_id == ""

    admin_client.post(reverse("telephony-connector-mapping"), {"auto": "1"})
    staff.refresh_from_db()
    assert staff.ringcentral_extension_id == ALICE_EXTENSION_ID


def test_mapping_refuses_another_entitys_resource(admin_client, entity, other_entity, simulator_settings):
    stranger = ResourceFactory(entity=other_entity)
    connect(entity, simulator_settings)
    response = admin_client.post(reverse("telephony-connector-mapping"), {"ext-62264002": str(stranger.pk)})
    assert response.status_code == 400
    stranger.refresh_from_db()
    assert stranger.ringcentral_extension_id == ""


def test_manual_sync_pushes_progress_to_the_page(
    admin_client, entity, simulator_settings, monkeypatch, django_capture_on_commit_callbacks
):
    alice(entity)
    connect(entity, simulator_settings)
    add_record(simulator_settings, number="+12125550100")
    pushed = []
    monkeypatch.setattr(push, "send_html", lambda *, user_id, html: pushed.append((user_id, html)))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("telephony-connector-sync"), HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and 'id="sync-status"' in response.content.decode()
    assert Call.objects.filter(entity=entity).count() == 1  # tasks run in-process in tests
    assert pushed and {u for u, _ in pushed} == {admin_client.admin.user.pk}
    last = soup_html(pushed[-1][1]).select_one("#sync-status")
    assert last["hx-swap-oob"] == "true" and "Up to date" in last.get_text() and "1 new" in last.get_text()
    page = soup(admin_client.get(PAGE)).select_one("#sync-status").get_text(" ", strip=True)
    assert "Up to date" in page and "1 new" in page


def soup_html(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_disconnect_keeps_history_stops_sync_and_listening(
    admin_client, entity, simulator_settings, django_capture_on_commit_callbacks
):
    staff = alice(entity)
    staff.ringcentral_enabled = True
    staff.save()
    connector = connect(entity, simulator_settings)
    add_record(simulator_settings, number="+12125550100")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("telephony-connector-sync"))
    assert Call.objects.filter(entity=entity).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("telephony-connector-disconnect"))

    assert response.status_code == 302
    connector.refresh_from_db()
    assert connector.status != Connector.Status.CONNECTED
    assert not RingCentralToken.objects.filter(connector=connector, resource=None).exists()
    assert Call.objects.filter(entity=entity).count() == 1  # history kept
    staff.refresh_from_db()
    assert staff.ringcentral_enabled  # staff keep RingCentral ticked (tests/test_connector_disconnect.py)
    assert connector.switched_off
    add_record(simulator_settings, number="+12125550100", minutes_ago=1)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("telephony-connector-sync"))
    assert Call.objects.filter(entity=entity).count() == 1  # no sync while disconnected

    connect(entity, simulator_settings)
    assert not Connector.objects.get(pk=connector.pk).switched_off
    assert Resource.objects.get(pk=staff.pk).ringcentral_enabled


def test_reconnecting_reticks_staff_an_earlier_disconnect_unticked(admin_client, entity, simulator_settings):
    """Before disconnect kept staff ticked, it unticked them and listed them as paused."""
    staff = alice(entity)
    connector = connect(entity, simulator_settings)
    CallLogSync.objects.update_or_create(connector=connector, defaults={"paused_resource_ids": [staff.pk]})

    connect(entity, simulator_settings)

    assert Resource.objects.get(pk=staff.pk).ringcentral_enabled
    assert CallLogSync.objects.get(connector=connector).paused_resource_ids == []
