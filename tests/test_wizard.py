"""The incoming-call wizard: what each kind of caller pops, what later events push, and who gets it."""

import json

import pytest
from asgiref.sync import sync_to_async
from bs4 import BeautifulSoup
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from telephony.live.consumers import UserConsumer
from telephony.models import Call
from tests.factories import ContactFactory, CustomerFactory, PhoneNumberFactory
from tests.telephony_factories import listening_resource, party_event

pytestmark = pytest.mark.django_db(transaction=True)


class Desk:
    """A listening staff member with one open tab, receiving their pushes."""

    def __init__(self, entity, extension_id="62000101"):
        self.entity, self.extension_id = entity, extension_id

    def _set_up(self) -> None:
        self.resource, self.subscription = listening_resource(self.entity, extension_id=self.extension_id)
        self.client = Client()
        self.client.force_login(self.resource.user)

    async def __aenter__(self):
        await sync_to_async(self._set_up)()
        self.socket = WebsocketCommunicator(UserConsumer.as_asgi(), "/ws/live/")
        self.socket.scope["user"] = self.resource.user
        assert (await self.socket.connect())[0]
        return self

    async def __aexit__(self, *exc):
        await self.socket.disconnect()

    async def ring(
        self,
        caller="+12125550100",
        code="Setup",
        sequence=None,
        session="s-a6abd24ca6774373a8120a3390d3cbe8",
        **extra,
    ):
        payload = party_event(
            self.subscription,
            code=code,
            caller=caller,
            sequence=sequence,
            session=session,
            extension_id=self.resource.ringcentral_extension_id,
            **extra,
        )
        response = await sync_to_async(self.client.post)(
            reverse("telephony-webhook"),
            data=json.dumps(payload),
            content_type="application/json",
            headers={"Verification-Token": self.subscription.connector.verification_token},
        )
        assert response.status_code == 200
        return payload

    async def pushed(self) -> BeautifulSoup:
        return BeautifulSoup(await self.socket.receive_from(timeout=3), "html.parser")


def text(node) -> str:
    return " ".join(node.get_text(" ", strip=True).split())


@pytest.fixture
def acme(entity):
    customer = CustomerFactory(entity=entity, name="ACME Corp", account_number="C-1000", terms="Net 30")
    PhoneNumberFactory(customer=customer, raw="(212) 555-0100")
    jane = ContactFactory(customer=customer, first_name="Jane", last_name="Smith", title="Buyer")
    PhoneNumberFactory(contact=jane, raw="514.555.0142", label="mobile")
    return customer, jane


async def test_a_customer_calling_pops_the_wizard_with_the_customer_and_the_matched_field(entity, acme):
    async with Desk(entity) as desk:
        await desk.ring("+12125550100")
        html = await desk.pushed()
    container = html.select_one("#call-wizards[hx-swap-oob=beforeend]")
    wizard = container.select_one("aside.wizard")
    assert text(wizard.select_one(".caller-name")) == "ACME Corp (C-1000)"
    assert text(wizard.select_one(".caller-number")) == "(212) 555-0100"
    assert text(wizard.select_one(".state-badge")) == "Ringing"
    assert "Customer ACME Corp — matched on Main phone (212) 555-0100" in text(
        wizard.select_one("[data-panel=caller]")
    )
    assert wizard.select_one("[data-action=answer]") is not None
    assert wizard.select_one("[data-action=hangup]") is not None
    call = await sync_to_async(Call.objects.get)()
    assert call.customer_id == acme[0].pk and call.contact_id is None and call.popped_up_at is not None


async def test_a_contact_calling_shows_the_contact_and_a_customer_tab(entity, acme):
    async with Desk(entity) as desk:
        await desk.ring("+15145550142")
        wizard = (await desk.pushed()).select_one("aside.wizard")
    tabs = [text(t) for t in wizard.select("[data-tab]")]
    assert tabs[:2] == ["Contact", "Customer"]
    assert "Contact of ACME Corp — matched on Mobile phone (514) 555-0142" in text(
        wizard.select_one("[data-panel=caller]")
    )
    assert "ACME Corp" in text(wizard.select_one("[data-panel=customer]"))
    assert wizard.select_one("[data-panel=customer]").has_attr("hidden")


async def test_the_customers_own_number_opens_on_the_customer_with_its_contact_one_click_away(entity, acme):
    customer, _ = acme
    desk_contact = await sync_to_async(ContactFactory)(
        customer=customer, first_name="Front", last_name="Desk"
    )
    await sync_to_async(PhoneNumberFactory)(contact=desk_contact, raw="+1 212 555 0100")
    async with Desk(entity) as desk:
        await desk.ring("+12125550100")
        wizard = (await desk.pushed()).select_one("aside.wizard")
        assert text(wizard.select_one(".caller-name")) == "ACME Corp (C-1000)"
        assert wizard.select_one(".chooser") is None
        assert text(wizard.select_one(".also-on-number")) == "Also on this number: Front Desk , contact"
        call = await sync_to_async(Call.objects.get)()
        assert (call.customer_id, call.contact_id) == (customer.pk, None)
        response = await sync_to_async(desk.client.post)(
            reverse("telephony-call-choose", args=[call.pk]), {"kind": "contact", "pk": desk_contact.pk}
        )
        assert response.status_code == 204
        pushed = await desk.pushed()
    main = pushed.select_one(f"#call-{call.pk}-main")
    assert "Front Desk" in text(main.select_one("h3"))
    assert text(main.select_one(".also-on-number")) == "Also on this number: ACME Corp , customer"
    await sync_to_async(call.refresh_from_db)()
    assert (call.customer_id, call.contact_id) == (customer.pk, desk_contact.pk)


async def test_a_number_of_two_customers_asks_who_is_calling_and_remembers_the_choice(entity, acme):
    other = await sync_to_async(CustomerFactory)(entity=entity, name="Bluebird Foods", account_number="B-2")
    await sync_to_async(PhoneNumberFactory)(customer=other, raw="212-555-0100")
    async with Desk(entity) as desk:
        await desk.ring("+12125550100")
        wizard = (await desk.pushed()).select_one("aside.wizard")
        choices = wizard.select(".chooser button")
        assert [text(c.select_one("strong")) for c in choices] == [
            "ACME Corp (C-1000)",
            "Bluebird Foods (B-2)",
        ]
        call = await sync_to_async(Call.objects.get)()
        assert call.customer_id is None
        response = await sync_to_async(desk.client.post)(
            reverse("telephony-call-choose", args=[call.pk]), {"kind": "customer", "pk": other.pk}
        )
        assert response.status_code == 204
        pushed = await desk.pushed()
    assert "Bluebird Foods" in text(pushed.select_one(f"#call-{call.pk}-main"))
    await sync_to_async(call.refresh_from_db)()
    assert call.customer_id == other.pk


async def test_an_unknown_number_says_a_lookup_is_running(entity, acme):
    async with Desk(entity) as desk:
        await desk.ring("+14155550199")
        wizard = (await desk.pushed()).select_one("aside.wizard")
    assert wizard.select_one("[id$=-lookup]") is not None
    assert text(wizard.select_one(".caller-name")) == "Unknown caller"


async def test_a_wizard_drawn_again_shows_what_the_lookup_found(entity, acme):
    async with Desk(entity) as desk:
        await desk.ring("+15145550199")
        first = await desk.pushed()
        assert first.select_one("[id$=-lookup]") is not None
        lookup = await desk.pushed()  # the reverse lookup's result, pushed into the open wizard
        assert "Caller information from reverse lookup" in text(lookup)
        call = await sync_to_async(Call.objects.get)()
        reopened = await sync_to_async(desk.client.get)(reverse("telephony-call-wizard", args=[call.pk]))
    soup = BeautifulSoup(reopened.content, "html.parser")
    assert "Caller information from reverse lookup" in text(soup.select_one(f"#call-{call.pk}-lookup"))
    assert soup.select_one(f"#call-{call.pk}-lookup form") is not None  # create from this number


async def test_a_colleague_is_shown_as_a_colleague(entity, acme):
    async with Desk(entity) as alice, Desk(entity, extension_id="62000102") as bob:
        payload = party_event(alice.subscription, code="Setup", extension_id="62000101")
        payload["body"]["parties"][0]["from"] = {
            "phoneNumber": "+19043014559",
            "name": "Bob",
            "extensionId": "62000102",
        }
        await sync_to_async(alice.client.post)(
            reverse("telephony-webhook"),
            data=json.dumps(payload),
            content_type="application/json",
            headers={"Verification-Token": alice.subscription.connector.verification_token},
        )
        wizard = (await alice.pushed()).select_one("aside.wizard")
        assert await bob.socket.receive_nothing(timeout=0.3)
    assert f"Internal call from your colleague {bob.resource.display_name}" in text(wizard)
    assert wizard.select_one("[id$=-lookup]") is None


async def test_later_events_push_only_the_live_parts(entity, acme):
    async with Desk(entity) as desk:
        await desk.ring(code="Setup", sequence=2)
        await desk.pushed()
        await desk.ring(code="Answered", sequence=3)
        update = await desk.pushed()
        assert update.select_one("aside.wizard") is None
        status = update.select_one(".wizard-status[hx-swap-oob=true]")
        assert text(status.select_one(".state-badge")) == "On call"
        controls = update.select_one(".wizard-controls[hx-swap-oob=true]")
        assert [b["data-action"] for b in controls.select("button")] == ["mute", "hold", "transfer", "hangup"]
        await desk.ring(code="Answered", sequence=4, muted=True)
        assert text((await desk.pushed()).select_one(".state-badge")) == "Muted · On call"
        await desk.ring(code="Hold", sequence=5, muted=True)
        held = await desk.pushed()
        assert [b["data-action"] for b in held.select("button")] == ["unmute", "unhold", "transfer", "hangup"]
        await desk.ring(code="Disconnected", sequence=6)
        ended = await desk.pushed()
    assert "Call ended" in text(ended.select_one(".wizard-controls"))
    assert ended.select_one(".wizard-controls button") is None


async def test_a_missed_call_ends_as_missed(entity, acme):
    async with Desk(entity) as desk:
        await desk.ring(code="Setup", sequence=2)
        await desk.pushed()
        await desk.ring(code="Disconnected", sequence=3, missed=True)
        ended = await desk.pushed()
    assert text(ended.select_one(".state-badge")) == "Missed call"
    assert "Missed call" in text(ended.select_one(".wizard-controls"))


async def test_fixed_phone_users_are_told_to_pick_up_the_desk_phone(entity, acme):
    async with Desk(entity) as desk:
        desk.resource.answer_on = "phone"
        await sync_to_async(desk.resource.save)()
        await desk.ring()
        wizard = (await desk.pushed()).select_one("aside.wizard")
    assert wizard.select_one("[data-action=answer]") is None
    assert "Pick up your desk phone to answer." in text(wizard.select_one(".wizard-controls"))


async def test_off_means_no_wizard(entity, acme):
    async with Desk(entity) as desk:
        desk.resource.ringcentral_on = False
        await sync_to_async(desk.resource.save)()
        await desk.ring()
        assert await desk.socket.receive_nothing(timeout=0.3)
    assert await sync_to_async(Call.objects.filter(popped_up_at__isnull=True).count)() == 1


async def test_the_users_own_outbound_call_does_not_pop_up(entity, acme):
    async with Desk(entity) as desk:
        await desk.ring(direction="Outbound")
        assert await desk.socket.receive_nothing(timeout=0.3)


async def test_another_user_never_sees_the_call(entity, other_entity, acme):
    async with (
        Desk(entity) as alice,
        Desk(entity, extension_id="62000102") as bob,
        Desk(other_entity, extension_id="7") as stranger,
    ):
        await alice.ring()
        await alice.pushed()
        assert await bob.socket.receive_nothing(timeout=0.3)
        assert await stranger.socket.receive_nothing(timeout=0.3)
        call = await sync_to_async(Call.objects.get)()
        for client in (bob.client, stranger.client):
            response = await sync_to_async(client.get)(reverse("telephony-call-wizard", args=[call.pk]))
            assert response.status_code == 404


async def test_notes_save_to_the_call_and_come_back_in_the_wizard(entity, acme):
    async with Desk(entity) as desk:
        await desk.ring()
        await desk.pushed()
        call = await sync_to_async(Call.objects.get)()
        response = await sync_to_async(desk.client.post)(
            reverse("callreports-call-note", args=[call.pk]),
            {"text": "Wants a quote for 40 pallets"},
            headers={"HX-Request": "true"},
        )
        assert "Saved" in response.content.decode()
        reopened = await sync_to_async(desk.client.get)(reverse("telephony-call-wizard", args=[call.pk]))
    soup = BeautifulSoup(reopened.content, "html.parser")
    assert soup.select_one("textarea").get_text() == "Wants a quote for 40 pallets"
    assert f"by {desk.resource.display_name}" in text(soup.select_one(f"#call-{call.pk}-note-state"))
