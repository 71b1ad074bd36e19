"""Transfers driven by the simulator: alice (101) and bob (102) of one company, authorized through
the simulator's real pages, and a webhook receiver subscribed (as the admin) to every telephony
session of the account. `deliver` feeds what RingCentral sent to our ingest, each notification to
the subscription of the staff member whose party it is, as their own subscription would get it."""

import itertools
import re
import time

from telephony.ingest import inbox
from telephony.models import Subscription
from tests.factories import CustomerFactory, PhoneNumberFactory
from tests.ringcentral_helpers import authorize_resource, make_connector
from tests.sim_voice_support import TELEPHONY_ACCOUNT, WebhookReceiver, login, subscribe_webhook
from tests.telephony_factories import SubscriptionFactory

ACME = "+12125550100"
EXTENSION_PATH = re.compile(r"/extension/(\d+)/telephony/sessions")
_uuids = itertools.count(9_100_000_000_000_000_000)


class Office:
    def __init__(self, simulator) -> None:
        self.simulator = simulator
        self.connector = make_connector(simulator)
        self.entity = self.connector.entity
        self.acme = CustomerFactory(entity=self.entity, name="ACME Corp", account_number="C-1000")
        PhoneNumberFactory(customer=self.acme, raw="(212) 555-0100")
        self.alice = self._staff("101", "Alice Martin")
        self.bob = self._staff("102", "Bob Chen")
        self.receiver = WebhookReceiver()
        subscribe_webhook(login(simulator, "100"), self.receiver, [TELEPHONY_ACCOUNT])
        self.delivered = 0

    def _staff(self, extension: str, name: str):
        token = authorize_resource(self.connector, username=extension)
        resource = token.resource
        resource.display_name = name
        resource.ringcentral_enabled = True
        resource.ringcentral_extension_id = token.owner_extension_id
        resource.ringcentral_extension_number = extension
        resource.save()
        SubscriptionFactory(connector=self.connector, resource=resource)
        return resource

    def close(self) -> None:
        self.receiver.close()

    def notifications(self, count: int | None = None) -> list[dict]:
        if count is not None:
            self.receiver.wait_for(count)
        return [n for n in self.receiver.notifications() if "/telephony/sessions" in n["event"]]

    def settle(self) -> list[dict]:
        """Every notification sent so far, once the simulator has been quiet for a moment."""
        seen = -1
        while True:
            found = self.notifications()
            if len(found) == seen:
                return found
            seen = len(found)
            time.sleep(0.4)

    def deliver(self, notifications: list[dict] | None = None, *, fresh_uuids: bool = False) -> list[str]:
        """Feed notifications (by default the new ones, in arrival order) to our ingest."""
        if notifications is None:
            found = self.settle()
            notifications, self.delivered = found[self.delivered :], len(found)
        outcomes = []
        for envelope in notifications:
            match = EXTENSION_PATH.search(envelope["event"])
            if not match:
                continue  # a party with no extension (the caller, an outside number)
            subscription = (
                Subscription.objects.select_related("resource__entity")
                .filter(resource__ringcentral_extension_id=match.group(1), resource__entity=self.entity)
                .first()
            )
            if subscription is None:
                continue  # a colleague who does not listen in Arcadium
            if fresh_uuids:
                envelope = {**envelope, "uuid": str(next(_uuids))}
            outcomes.append(str(inbox.ingest(envelope, subscription=subscription)))
        return outcomes
