"""Reverse lookups lost with Redis or the worker are queued again; the cache being down costs
nothing but the cache."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from telephony.models import Call
from telephony.wizard import reverse_lookup
from telephony.wizard.tasks import queue_lookup, requeue_lookups_task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("in_memory_channel_layer")]
MONTREAL = "+15142230142"


@pytest.fixture(autouse=True)
def offline_only(settings):
    settings.REVERSE_LOOKUP_URL = ""
    settings.REVERSE_LOOKUP_REQUEUE_SECONDS = 60


def unknown_call(resource, *, queued_ago: timedelta | None, **fields) -> Call:
    now = timezone.now()
    return Call.objects.create(
        entity=resource.entity,
        resource=resource,
        direction=Call.Direction.INBOUND,
        from_number=MONTREAL,
        started_at=now - timedelta(minutes=2),
        popped_up_at=now,
        lookup_queued_at=now - queued_ago if queued_ago is not None else None,
        **fields,
    )


@pytest.fixture
def down_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }


def test_it_requeues_a_lookup_that_was_never_shown(resource):
    lost = unknown_call(resource, queued_ago=timedelta(minutes=5))
    fresh = unknown_call(resource, queued_ago=timedelta(seconds=5))

    assert requeue_lookups_task() == 1

    lost.refresh_from_db()
    assert lost.lookup_queued_at is None
    assert reverse_lookup.LookupOutcome.from_cache(lost.lookup_outcome).status == reverse_lookup.FOUND
    assert Call.objects.get(pk=fresh.pk).lookup_queued_at is not None
    assert requeue_lookups_task() == 0


def test_it_gives_up_on_calls_long_over_and_forgets_calls_now_matched(resource, customer):
    old = unknown_call(resource, queued_ago=timedelta(hours=2))
    Call.objects.filter(pk=old.pk).update(started_at=timezone.now() - timedelta(hours=2))
    matched = unknown_call(resource, queued_ago=timedelta(minutes=5), customer=customer)

    assert requeue_lookups_task() == 1  # the matched one runs, and finds nothing to do

    assert Call.objects.get(pk=old.pk).lookup_queued_at is None
    matched.refresh_from_db()
    assert matched.lookup_queued_at is None and matched.lookup_outcome is None


def test_a_queued_lookup_is_dated_until_its_answer_is_shown(resource):
    call = unknown_call(resource, queued_ago=None)
    with transaction.atomic():
        queue_lookup(call)
        assert Call.objects.get(pk=call.pk).lookup_queued_at is not None
        assert Call.objects.get(pk=call.pk).lookup_outcome is None  # queued on commit (eager here)
    call.refresh_from_db()
    assert call.lookup_queued_at is None and call.lookup_outcome["status"] == reverse_lookup.FOUND


def test_the_cache_down_costs_only_the_cache(resource, down_cache):
    outcome = reverse_lookup.lookup_caller(entity_id=resource.entity_id, number=MONTREAL)
    assert outcome.status == reverse_lookup.FOUND
    assert reverse_lookup.cached_lookup(entity_id=resource.entity_id, number=MONTREAL) is None


def test_the_wizard_shows_the_kept_answer_with_the_cache_down(client, resource, down_cache):
    call = unknown_call(resource, queued_ago=None)
    outcome = reverse_lookup.lookup_caller(entity_id=resource.entity_id, number=MONTREAL)
    Call.objects.filter(pk=call.pk).update(lookup_outcome=outcome.to_cache())
    client.force_login(resource.user)

    response = client.get(reverse("telephony-call-wizard", args=[call.pk]))

    assert response.status_code == 200
    assert "Caller information from reverse lookup" in response.content.decode()
    assert "Reverse lookup running" not in response.content.decode()


def test_a_resync_brings_the_lookup_a_tab_missed_and_not_the_wizards_it_closed(client, resource):
    call = unknown_call(resource, queued_ago=None, state=Call.State.RINGING)
    closed = unknown_call(resource, queued_ago=None, state=Call.State.RINGING)
    outcome = reverse_lookup.lookup_caller(entity_id=resource.entity_id, number=MONTREAL)
    Call.objects.filter(pk=call.pk).update(lookup_outcome=outcome.to_cache())
    client.force_login(resource.user)

    html = client.get(
        reverse("telephony-live-calls"), {"have": call.pk, "closed": closed.pk}
    ).content.decode()

    assert f'id="call-{call.pk}-status"' in html and "Caller information from reverse lookup" in html
    assert f"call-{closed.pk}" not in html
