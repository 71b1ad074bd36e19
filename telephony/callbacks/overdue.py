"""Overdue callbacks: supervisors hear of each item once (a toast, and an email if the company
asked for it). The once is a conditional UPDATE on `overdue_notified_at`, so two sweeps running
at the same time cannot both notify."""

import logging

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone

from telephony.callbacks import live
from telephony.callbacks.models import CallbackItem
from telephony.callbacks.promise import promise_for

logger = logging.getLogger(__name__)


def notify_overdue(*, limit: int = 200) -> int:
    """Notify supervisors of every open item past its promise that nobody was told about yet."""
    now = timezone.now()
    due = CallbackItem.objects.filter(
        status=CallbackItem.Status.OPEN, overdue_notified_at__isnull=True, due_at__lte=now
    ).values_list("pk", flat=True)[:limit]
    told = 0
    for item_id in list(due):
        claimed = CallbackItem.objects.filter(
            pk=item_id, status=CallbackItem.Status.OPEN, overdue_notified_at__isnull=True
        ).update(overdue_notified_at=now)
        if claimed != 1:
            continue  # another sweep took it, or it was closed meanwhile
        item = CallbackItem.objects.select_related("entity", "customer", "contact", "claimed_by").get(
            pk=item_id
        )
        _tell_supervisors(item)
        told += 1
    return told


def _tell_supervisors(item: CallbackItem) -> None:
    users = live.supervisors(item.entity_id)
    live.overdue_toast(item, users=users)
    live.queue_changed(item)
    if not promise_for(item.entity_id).email_supervisors:
        return
    recipients = [u.email for u in users if u.email]
    if not recipients:
        return
    body = render_to_string("callbacks/overdue_email.txt", {"item": item})
    subject = f"Overdue callback: {item.caller_name or item.number}"
    try:
        send_mail(subject, body, None, recipients)
    except OSError:  # the mail server is down: the toast went out, the email is not retried
        logger.warning("Could not email supervisors about overdue callback %s", item.pk, exc_info=True)
