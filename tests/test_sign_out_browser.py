"""Signing out in one tab ends the live socket of every other tab of that session: a call rung
afterwards pops up nowhere (real Chromium, real daphne, RingCentral webhooks into the server)."""

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.browser import js_errors
from tests.factories import CustomerFactory, PhoneNumberFactory
from tests.telephony_factories import ConnectorFactory, listening_resource, party_event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ring(live_app, subscription, *, session: str) -> None:
    """RingCentral's webhook for an inbound call to the resource, posted to the running server."""
    body = json.dumps(party_event(subscription, session=session, code="Setup")).encode()
    request = urllib.request.Request(
        live_app + "/telephony/webhook/",
        data=body,
        headers={
            "Content-Type": "application/json",
            "Verification-Token": subscription.connector.verification_token,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_signing_out_in_one_tab_closes_the_other_tabs_socket(live_app, logged_in_page, entity):
    ConnectorFactory(entity=entity, public_base_url=live_app.url)
    acme = CustomerFactory(entity=entity, name="ACME Corp")
    PhoneNumberFactory(customer=acme, raw="(212) 555-0100")
    alice, subscription = listening_resource(entity)

    first = logged_in_page(alice.user)
    second = first.context.new_page()
    second.goto(live_app + "/customers/")
    second.evaluate(
        """() => { window.socketClosed = false;
                   document.addEventListener('htmx:wsClose', () => { window.socketClosed = true; }); }"""
    )
    # Both tabs are live: a call pops up in the second one.
    ring(live_app, subscription, session="s-before-sign-out")
    expect(second.locator(".wizard")).to_have_count(1)
    expect(second.locator(".wizard")).to_contain_text("ACME Corp")

    first.get_by_role("button", name="Sign out").click()
    expect(first).to_have_url(live_app + "/login/")
    second.wait_for_function("() => window.socketClosed === true")

    ring(live_app, subscription, session="s-after-sign-out")
    second.wait_for_timeout(1500)  # room for a push that must not come
    assert second.locator(".wizard").count() == 1  # only the call from before the sign-out
    assert js_errors(second) == [] and js_errors(first) == []
