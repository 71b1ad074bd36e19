"""Redis down: RingCentral's notification is still stored and applied; pushes resume when it is back."""

import json

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from telephony.live import push
from telephony.live.consumers import UserConsumer
from telephony.models import Call, CallEvent
from tests.services import require_redis
from tests.telephony_factories import listening_resource, party_event

pytestmark = pytest.mark.django_db(transaction=True)


def redis_layer(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [url], "prefix": "arcadium-test-redis-down"},
        }
    }


def post(client, subscription, payload):
    return client.post(
        reverse("telephony-webhook"),
        data=json.dumps(payload),
        content_type="application/json",
        headers={"Verification-Token": subscription.connector.verification_token},
    )


async def test_events_are_kept_while_redis_is_down_and_pushes_resume_when_it_is_back(settings, entity):
    working_redis = require_redis()
    resource, subscription = await sync_to_async(listening_resource)(entity)
    client = Client()

    settings.CHANNEL_LAYERS = redis_layer("redis://127.0.0.1:1/0")  # nothing listens there
    channel_layers.backends.clear()
    response = await sync_to_async(post)(
        client, subscription, party_event(subscription, code="Setup", sequence=2)
    )
    assert response.status_code == 200
    assert response.json() == {"status": "applied"}
    assert await sync_to_async(CallEvent.objects.filter(processed_at__isnull=False).count)() == 1
    call = await sync_to_async(Call.objects.get)()
    assert call.state == Call.State.RINGING and call.popped_up_at is not None

    settings.CHANNEL_LAYERS = redis_layer(working_redis)
    channel_layers.backends.clear()
    push._paused_until = 0.0  # as if the pause after the failure had run out
    socket = WebsocketCommunicator(UserConsumer.as_asgi(), "/ws/live/")
    socket.scope["user"] = resource.user
    assert (await socket.connect())[0]
    await sync_to_async(post)(client, subscription, party_event(subscription, code="Answered", sequence=3))
    update = await socket.receive_from(timeout=5)
    assert f'id="call-{call.pk}-status"' in update and "On call" in update
    await socket.disconnect()
    channel_layers.backends.clear()
