"""Recording what the simulator really sends for a call and replaying it through `events.ingest`,
for the callback-queue tests.

`Office` subscribes the way the product does (per user: telephony sessions, presence, voicemail),
but to a local receiver; `record()` runs a scenario on the simulator and returns the
notifications in the order they arrived. `replay()` hands each one to ingest for the product
user whose subscription it was, runs the on-commit work (the session review), and returns.
"""

import time
from dataclasses import dataclass

from django.db import transaction

from crm.models import Entity, Resource
from telephony.connect.subscriptions import EVENT_FILTERS
from telephony.ingest import inbox
from telephony.models import Subscription
from tests.factories import CustomerFactory, PhoneNumberFactory
from tests.sim_voice_support import WebhookReceiver, login, subscribe_webhook
from tests.telephony_factories import listening_resource

ACME = "+12125550100"
EXTENSIONS = {
    "101": ("62264001", "Alice Martin"),
    "102": ("62264002", "Bob Chen"),
    "103": ("62264003", "Carol Diaz"),
}


@dataclass
class Desk:
    number: str
    resource: Resource
    subscription: Subscription
    sim_subscription_id: str


class Office:
    def __init__(self, simulator, entity: Entity, *, extensions=("101", "102", "103")) -> None:
        self.simulator, self.entity = simulator, entity
        self.receiver = WebhookReceiver()
        self.desks: dict[str, Desk] = {}
        self.acme = CustomerFactory(entity=entity, name="ACME Corp")
        PhoneNumberFactory(customer=self.acme, raw="(212) 555-0100")
        for number in extensions:
            extension_id, name = EXTENSIONS[number]
            resource, subscription = listening_resource(entity, extension_id=extension_id)
            resource.display_name = name
            resource.save(update_fields=["display_name"])
            info = subscribe_webhook(login(simulator, number), self.receiver, EVENT_FILTERS)
            self.desks[number] = Desk(number, resource, subscription, info["id"])
        self._seen = 0

    def close(self) -> None:
        self.receiver.close()

    def record(self, scenario) -> list[dict]:
        """Run `scenario(control)`; the notifications it caused, in arrival order."""
        scenario(self.simulator.control)
        self.simulator.control.deliveries(wait=True)  # every queued delivery attempted
        time.sleep(0.2)
        notes = self.receiver.notifications()[self._seen :]
        self._seen += len(notes)
        return notes

    def desk_of(self, envelope: dict) -> Desk:
        return next(d for d in self.desks.values() if d.sim_subscription_id == envelope["subscriptionId"])

    def replay(self, notes: list[dict], capture) -> None:
        with capture(execute=True):
            for envelope in notes:
                desk = self.desk_of(envelope)
                payload = {**envelope, "subscriptionId": desk.subscription.rc_subscription_id}
                with transaction.atomic():
                    inbox.ingest(payload, subscription=desk.subscription)


def missed(control, *, to="101", voicemail=False):
    tsid = control.place_call(ACME, to, from_name="ACME CORP", voicemail=voicemail)["telephonySessionId"]
    control.ring_timeout(tsid)
    if voicemail:
        _wait_ended(control, tsid)
    return tsid


def _wait_ended(control, tsid, timeout=10.0):
    deadline = time.monotonic() + timeout
    while control.call(tsid)["live"] and time.monotonic() < deadline:
        time.sleep(0.05)


def rang_three_then_missed(control):
    tsid = control.place_call(ACME, "101", from_name="ACME CORP")["telephonySessionId"]
    control.forward_call(tsid, "102")
    control.forward_call(tsid, "103")
    control.ring_timeout(tsid)
    return tsid


def answered_elsewhere(control):
    tsid = control.place_call(ACME, "101")["telephonySessionId"]
    control.forward_call(tsid, "102")
    control.answer_call(tsid)
    control.hang_up(tsid, side="caller")
    return tsid


def internal_missed(control):
    tsid = control.place_internal_call("102", "101")["telephonySessionId"]
    control.ring_timeout(tsid)
    return tsid


def called_back_by(control, extension="102", *, connect=True):
    tsid = control.dial_from_device(extension, ACME)["telephonySessionId"]
    if connect:
        control.answer_call(tsid)
        control.hang_up(tsid, side="callee")
    else:
        control.hang_up(tsid, side="caller")
    return tsid
