"""Every URL pattern of the app, tried by a user of another company who holds every permission:
a URL naming one of the first company's rows answers 404 (or 403/405), no page shows the first
company's data, and nothing of the first company's is written, whatever ids are posted."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.core import serializers
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from arcadium.admin_site import entity_path
from callreports.models import Action, CallNote
from telephony.callbacks.models import Voicemail
from telephony.models import Call
from tests.callbacks_factories import open_item
from tests.factories import (
    ContactFactory,
    CustomerFactory,
    EntityFactory,
    PhoneNumberFactory,
    ResourceFactory,
)
from tests.telephony_factories import ConnectorFactory

SECRETS = [
    "Zephyr Secret Corp",
    "Quentin Hidden",
    "Secret Caller",
    "Secret action subject",
    "secret note text",
]
# Not about another company's rows: signing in and out, RingCentral's own door (checked by its
# verification token, see test_webhook.py), and the OAuth round trip of the user's own extension.
SKIPPED = {"login", "logout", "telephony-webhook", "telephony-connect", "telephony-oauth-callback"}
CALL_ACTIONS = ["answer", "hold", "unhold", "mute", "unmute", "hangup", "voicemail"]
CALLBACK_ACTIONS = ["claim", "release", "reassign", "close"]


def patterns(resolver=None, prefix: str = ""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if not str(entry.pattern).startswith("admin/"):  # see test_admin_scoping.py
                yield from patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name not in SKIPPED:
            yield prefix + str(entry.pattern), entry.name


@pytest.fixture
def victim(db):
    """The first company, with one row of everything."""
    entity = EntityFactory(name="Zephyr Holdings")
    staff = ResourceFactory(entity=entity, display_name="Zephyr staff", ringcentral_extension_id="62000999")
    customer = CustomerFactory(entity=entity, name="Zephyr Secret Corp")
    phone = PhoneNumberFactory(customer=customer, raw="(212) 555-0199")
    contact = ContactFactory(customer=customer, first_name="Quentin", last_name="Hidden")
    ConnectorFactory(entity=entity)
    call = Call.objects.create(
        entity=entity,
        resource=staff,
        direction="inbound",
        customer=customer,
        from_name="Secret Caller",
        recording_id="555",
        ring_out_id="ro-1",
    )
    CallNote.objects.create(entity=entity, call=call, text="secret note text")
    item = open_item(entity, number="+12125550199", customer=customer, caller_name="Secret Caller")
    voicemail = Voicemail.objects.create(
        entity=entity,
        resource=staff,
        message_id="vm-1",
        from_number="+12125550199",
        left_at=call.created_at,
        call=call,
        item=item,
        transcription="secret note text",
    )
    action = Action.objects.create(
        entity=entity, subject="Secret action subject", assignee=staff, customer=customer
    )
    return {
        "entity": entity,
        "staff": staff,
        "customer": customer,
        "contact": contact,
        "phone": phone,
        "call": call,
        "action": action,
        "item": item,
        "voicemail": voicemail,
    }


@pytest.fixture
def intruder(db):
    """A user of another company holding every permission there is (but not a superuser)."""
    resource = ResourceFactory(entity=EntityFactory(name="Intruder Ltd"), ringcentral_enabled=True)
    resource.user.user_permissions.set(Permission.objects.all())
    client = Client()
    client.force_login(resource.user)
    return client


def snapshot(entity) -> str:
    """Every row of the company, serialized: equal before and after means nothing was written."""
    parts = []
    for model in apps.get_models():
        path = entity_path(model)
        if path is not None:
            rows = model._default_manager.filter(**{path: entity.pk}).order_by("pk")
            parts.append(serializers.serialize("json", rows))
    return "\n".join(parts)


def object_for(route: str, victim: dict):
    if route.startswith("staff/"):
        return victim["staff"]
    if route.startswith(("customers/",)):
        return victim["customer"]
    if route.startswith("contacts/"):
        return victim["contact"]
    if route.startswith("actions/"):
        return victim["action"]
    if route.startswith("calls/callbacks/"):
        return victim["item"]
    if route.startswith("calls/voicemail/"):
        return victim["voicemail"]
    return victim["call"]  # calls/…, telephony/calls/…, telephony/dial/<pk>/status/


def urls_for(route: str, victim: dict) -> list[str]:
    if "<" not in route:
        return ["/" + route]
    pk = object_for(route, victim).pk
    path = route.replace("<int:pk>", str(pk)).replace("<int:call_id>", str(pk))
    if "<str:action>" in path:
        names = CALLBACK_ACTIONS if route.startswith("calls/callbacks/") else CALL_ACTIONS
        return ["/" + path.replace("<str:action>", action) for action in names]
    return ["/" + path]


def their_ids(victim: dict) -> dict:
    """Form fields and query parameters, all naming the first company's rows."""
    return {
        "customer": victim["customer"].pk,
        "customer_id": victim["customer"].pk,
        "contact": victim["contact"].pk,
        "contact_id": victim["contact"].pk,
        "call": victim["call"].pk,
        "assignee": victim["staff"].pk,
        "have": "",
        "kind": "customer",
        "pk": victim["customer"].pk,
        "number": "+12125550199",
        "subject": "intruder",
        "text": "intruder",
        "type": "call",
        "status": "open",
        "priority": "normal",
        "customer_q": "Zephyr",
        "q": "Zephyr",
        "to": victim["staff"].pk,
        "reason": "wrong_number",
    }


def test_the_matrix_covers_every_pattern():
    names = {name for _, name in patterns()}
    assert {
        "crm-customer-detail",
        "telephony-call-control",
        "callreports-call-note",
        "telephony-staff-detail",
        "callbacks-item-action",
        "callbacks-voicemail-audio",
        "insights-customer",
    } <= names


@pytest.mark.parametrize(("route", "name"), sorted(set(patterns())))
def test_another_companys_user_gets_nothing(route, name, victim, intruder):
    before = snapshot(victim["entity"])
    for url in urls_for(route, victim):
        for method in ("get", "post"):
            response = getattr(intruder, method)(url, their_ids(victim))
            body = response.content.decode(errors="replace") if not response.streaming else ""
            if "<" in route:
                assert response.status_code in {403, 404, 405}, (
                    f"{method.upper()} {url}: {response.status_code}"
                )
            else:
                assert response.status_code < 500, f"{method.upper()} {url}: {response.status_code}"
            leaked = [secret for secret in SECRETS if secret in body]
            assert not leaked, f"{method.upper()} {url} shows {leaked}"
    assert snapshot(victim["entity"]) == before, f"{route}: the other company's data changed"
