"""Voicemail arrives on each user's own subscription: new subscriptions ask for it, and one made
before the callback queue existed gains it at its next check."""

from datetime import timedelta

import pytest
from django.utils import timezone

from telephony import ringcentral
from telephony.connect.subscriptions import PRESENCE_FILTER, TELEPHONY_FILTER
from telephony.connect.tasks import renew_subscriptions_task
from telephony.models import Subscription
from tests.test_subscription_upkeep import remote, subscribed  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)
VOICEMAIL = "/voicemail"


def test_a_new_subscription_asks_for_voicemail(subscribed, simulator):  # noqa: F811
    _, subscription = subscribed
    assert any(
        f.endswith(VOICEMAIL) for f in remote(simulator, subscription.rc_subscription_id)["eventFilters"]
    )


def test_an_older_subscription_gains_voicemail_at_its_next_check(subscribed, simulator):  # noqa: F811
    resource, subscription = subscribed
    with ringcentral.session_for(resource) as session:
        ringcentral.update_subscription(
            session,
            subscription.rc_subscription_id,
            event_filters=[TELEPHONY_FILTER, PRESENCE_FILTER],
            expires_in=600000,
        )
    assert not any(
        f.endswith(VOICEMAIL) for f in remote(simulator, subscription.rc_subscription_id)["eventFilters"]
    )
    Subscription.objects.filter(pk=subscription.pk).update(updated_at=timezone.now() - timedelta(minutes=16))

    assert renew_subscriptions_task() == 1

    filters = remote(simulator, subscription.rc_subscription_id)["eventFilters"]
    assert any(f.endswith(VOICEMAIL) for f in filters) and any("/telephony/sessions" in f for f in filters)
