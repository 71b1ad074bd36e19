"""The response-time promise: due times in business hours, the page's time left and overdue
mark, the supervisors' toast and email once per item, and the promise's settings page."""

from datetime import time, timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client
from django.utils import timezone

from telephony.callbacks import overdue
from telephony.callbacks.models import CallbackItem, ResponsePromise
from telephony.callbacks.tasks import notify_overdue_task
from telephony.live.push import user_group
from tests.callbacks_factories import open_item
from tests.factories import EntityFactory, ResourceFactory

pytestmark = pytest.mark.django_db


def supervisor(entity, name="Sam Supervisor"):
    resource = ResourceFactory(entity=entity, display_name=name)
    resource.user.user_permissions.add(Permission.objects.get(codename="supervise_callbacks"))
    return resource


def listen(resource):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(resource.user_id), channel)
    return channel


def received(channel) -> str:
    queue = get_channel_layer().channels.get(channel)
    html = []
    while queue is not None and not queue.empty():
        html.append(queue.get_nowait()[1]["html"])
    return "".join(html)


def test_supervisors_hear_of_an_overdue_item_once_by_toast_and_email(
    entity, in_memory_channel_layer, django_capture_on_commit_callbacks
):
    ResponsePromise.objects.create(entity=entity, email_supervisors=True)
    boss, staff = supervisor(entity), ResourceFactory(entity=entity)
    elsewhere = supervisor(EntityFactory(name="Northwind"), "Nora Boss")
    item = open_item(entity, caller_name="Impatient Caller", due_in=-timedelta(minutes=5))
    open_item(entity, number="+12125550111", due_in=timedelta(hours=1))  # not due yet
    channels = {r.pk: listen(r) for r in (boss, staff, elsewhere)}

    with django_capture_on_commit_callbacks(execute=True):
        assert notify_overdue_task() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue.notify_overdue() == 0  # told once

    toast = received(channels[boss.pk])
    assert toast.count('id="toast-callback-overdue-') == 1 and "Impatient Caller" in toast
    assert "Callback overdue" not in received(channels[staff.pk])  # staff see the card, not the alarm
    assert received(channels[elsewhere.pk]) == ""
    [email] = mail.outbox
    assert email.to == [boss.user.email] and "Impatient Caller" in email.subject
    assert CallbackItem.objects.get(pk=item.pk).overdue_notified_at is not None


def test_no_email_unless_the_company_asked_for_it(entity, in_memory_channel_layer):
    supervisor(entity)
    open_item(entity, due_in=-timedelta(minutes=1))
    assert overdue.notify_overdue() == 1
    assert mail.outbox == []


def test_a_closed_item_is_never_reported_overdue(entity, in_memory_channel_layer):
    supervisor(entity)
    open_item(entity, due_in=-timedelta(minutes=1), status="closed", close_reason="not_needed")
    assert overdue.notify_overdue() == 0


def test_the_queue_shows_time_left_and_highlights_overdue_items(entity, client, resource):
    open_item(entity, number="+12125550111", caller_name="Later Caller", due_in=timedelta(days=2))
    open_item(entity, number="+12125550122", caller_name="Late Caller", due_in=-timedelta(minutes=35))
    client.force_login(resource.user)

    page = client.get("/calls/callbacks/").content.decode()
    assert "⚠ Overdue by 35 min" in page and " left</span>" in page
    overdue_only = client.get("/calls/callbacks/?show=overdue").content.decode()
    assert "Late Caller" in overdue_only and "Later Caller" not in overdue_only


def test_due_times_follow_the_company_promise(entity):
    from telephony.callbacks.promise import due_at

    promise = ResponsePromise.objects.create(
        entity=entity,
        time_zone="Europe/Berlin",
        opens_at=time(8),
        closes_at=time(12),
        target_minutes=60,
        holidays="2026-12-25\n",
    )
    christmas_eve_noon = timezone.datetime(2026, 12, 24, 11, 30, tzinfo=promise.business_hours().zone)
    # 30 minutes left on the 24th, the 25th is off, the 26th and 27th a weekend: Monday 08:30.
    assert due_at(christmas_eve_noon, promise) == timezone.datetime(
        2026, 12, 28, 8, 30, tzinfo=promise.business_hours().zone
    )


def test_only_supervisors_change_the_promise_and_bad_input_is_explained(entity, resource):
    staff, boss = Client(), Client()
    staff.force_login(resource.user)
    boss.force_login(supervisor(entity).user)
    assert staff.get("/calls/callbacks/promise/").status_code == 403

    bad = boss.post(
        "/calls/callbacks/promise/",
        {
            "time_zone": "Mars/Olympus",
            "workdays": ["1"],
            "opens_at": "17:00",
            "closes_at": "09:00",
            "target_minutes": "120",
            "holidays": "Christmas",
        },
    )
    body = bad.content.decode()
    assert bad.status_code == 400
    assert (
        "is not a time zone" in body
        and "Closing time must be after opening time" in body
        and "is not a date" in body
    )

    good = boss.post(
        "/calls/callbacks/promise/",
        {
            "time_zone": "America/Chicago",
            "workdays": ["1", "2", "3", "4", "5", "6"],
            "opens_at": "08:00",
            "closes_at": "18:00",
            "target_minutes": "90",
            "holidays": "2026-12-25",
        },
    )
    assert good.status_code == 302
    promise = ResponsePromise.objects.get(entity=entity)
    assert (promise.workdays, promise.target_minutes, promise.time_zone) == ("123456", 90, "America/Chicago")
