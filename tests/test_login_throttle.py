"""Repeated wrong passwords lock the user and the address (django-axes); the lockout says when to
retry, an administrator can unlock, and the webhook and signed-in sessions are unaffected."""

import re

from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from arcadium.audit.models import AuditEvent
from tests.factories import ResourceFactory, UserFactory

PASSWORD = "pw-for-tests-123"


def sign_in(client: Client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client: Client, username: str, times: int, address: str = "203.0.113.7") -> None:
    for _ in range(times):
        # The failure that reaches the limit is already answered with the lockout page.
        assert sign_in(client, username, "wrong-password", address).status_code in {200, 429}


def test_after_repeated_failures_even_the_right_password_is_refused(db):
    resource = ResourceFactory()
    client = Client()
    fail(client, resource.user.username, settings.AXES_FAILURE_LIMIT)

    response = sign_in(client, resource.user.username, PASSWORD)
    assert response.status_code == 429
    text = response.content.decode()
    assert "Sign-in temporarily locked" in text
    assert re.search(r"Try again after <strong>\d\d:\d\d \w+</strong> \(15 minutes from now\)", text)
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="locked_out", entity_id=resource.entity_id).exists()


def test_the_user_is_locked_from_every_address(db):
    resource = ResourceFactory()
    fail(Client(), resource.user.username, settings.AXES_FAILURE_LIMIT, address="203.0.113.7")
    assert sign_in(Client(), resource.user.username, PASSWORD, address="198.51.100.9").status_code == 429


def test_the_address_is_locked_for_every_user(db):
    victims = [UserFactory() for _ in range(settings.AXES_FAILURE_LIMIT)]
    client = Client()
    for user in victims:
        fail(client, user.username, 1, address="203.0.113.7")
    someone = UserFactory()
    assert sign_in(Client(), someone.username, PASSWORD, address="203.0.113.7").status_code == 429
    assert sign_in(Client(), someone.username, PASSWORD, address="198.51.100.9").status_code == 302


def test_an_administrator_unlocks_from_the_admin(db, django_user_model):
    resource = ResourceFactory()
    fail(Client(), resource.user.username, settings.AXES_FAILURE_LIMIT)
    admin = django_user_model.objects.create_superuser("root", "root@example.test", PASSWORD)
    staff = Client()
    staff.force_login(admin)
    listing = staff.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and resource.user.username in listing.content.decode()
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = staff.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert response.status_code == 302
    assert sign_in(Client(), resource.user.username, PASSWORD).status_code == 302


def test_a_successful_sign_in_is_audited_with_its_address(db):
    resource = ResourceFactory()
    assert sign_in(Client(), resource.user.username, PASSWORD).status_code == 302
    event = AuditEvent.objects.get(action="sign_in")
    assert (event.actor, event.entity_id, event.ip_address) == (
        resource.user,
        resource.entity_id,
        "203.0.113.7",
    )


def test_the_webhook_and_open_sessions_are_unaffected_by_a_locked_address(db):
    resource = ResourceFactory()
    signed_in = Client()
    signed_in.force_login(resource.user)
    fail(Client(), resource.user.username, settings.AXES_FAILURE_LIMIT)

    webhook = Client().post(
        reverse("telephony-webhook"), b"{}", content_type="application/json", REMOTE_ADDR="203.0.113.7"
    )
    assert webhook.status_code == 400  # reached the view: a malformed notification, not a lockout
    assert signed_in.get(reverse("crm-customer-list"), REMOTE_ADDR="203.0.113.7").status_code == 200
