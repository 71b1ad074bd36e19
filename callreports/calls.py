"""The account's call history: filtered, keyset-paginated calls of a customer and its contacts.

Pages are "Newer / Older" by (started_at, id) rather than numbered: the (entity, customer,
-started_at) index answers each page with a short index range scan however many calls the
account has, where OFFSET and COUNT(*) would walk all of them.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from callreports.models import Action
from crm.models import Customer, Entity
from telephony.models import Call

PAGE_SIZE = 25
COUNT_CAP = 1000  # "1,000+ calls": counting further would cost more than the page itself


class CallFilterForm(forms.Form):
    direction = forms.ChoiceField(
        required=False, choices=[("", "Any direction"), *Call.Direction.choices], label="Direction"
    )
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    resource: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Anyone", label="Staff"
    )
    recording = forms.BooleanField(required=False, label="With recording")

    def __init__(self, *args: Any, entity: Entity, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["resource"]).queryset = entity.resources.order_by(
            "display_name"
        )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date is before the start date.")
        return data


@dataclass(frozen=True)
class CallPage:
    calls: list[Call]
    newer_cursor: str  # "" when this is the newest page
    older_cursor: str  # "" when there is nothing older
    total: int
    total_capped: bool


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def filtered_calls(*, customer: Customer, filters: dict) -> QuerySet[Call]:
    """The customer's calls (its contacts' calls carry the customer too), filters applied."""
    calls = Call.objects.filter(entity_id=customer.entity_id, customer=customer, started_at__isnull=False)
    # A call passed on to a colleague is one call: their party shows as a leg of the one passed on.
    calls = calls.exclude(Q(transfer__isnull=False) & ~Q(transfer__call_id=F("pk")))
    if filters.get("direction"):
        calls = calls.filter(direction=filters["direction"])
    if filters.get("date_from"):
        calls = calls.filter(started_at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        calls = calls.filter(started_at__lt=_day_start(filters["date_to"]) + timedelta(days=1))
    if filters.get("resource"):
        calls = calls.filter(resource=filters["resource"])
    if filters.get("recording"):
        calls = calls.exclude(recording_id="")
    return calls


def encode_cursor(call: Call) -> str:
    started = call.started_at.isoformat() if call.started_at else ""
    return f"{started}~{call.pk}"


def decode_cursor(raw: str) -> tuple[datetime, int] | None:
    moment, _, pk = (raw or "").partition("~")
    when = parse_datetime(moment) if moment else None
    if when is None or not pk.isdigit():
        return None
    return when, int(pk)


def _with_details(calls: QuerySet[Call]) -> QuerySet[Call]:
    actions = Action.objects.only("id", "subject", "status", "call_id", "type").order_by("pk")
    return calls.select_related("resource", "contact", "note", "transfer", "voicemail").prefetch_related(
        Prefetch("actions", queryset=actions)
    )


def call_page(*, customer: Customer, filters: dict, before: str = "", after: str = "") -> CallPage:
    """One page: the newest calls, or those older than `before` / newer than `after` (cursors)."""
    calls = filtered_calls(customer=customer, filters=filters)
    total = calls[: COUNT_CAP + 1].count()
    newer_cursor = decode_cursor(after)
    older_cursor = decode_cursor(before)
    if newer_cursor:
        when, pk = newer_cursor
        page_qs = calls.filter(started_at__gte=when).exclude(started_at=when, pk__lte=pk)
        rows = list(_with_details(page_qs.order_by("started_at", "pk"))[: PAGE_SIZE + 1])
        has_newer, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE][::-1]
        has_older = bool(rows)
    else:
        page_qs = calls
        if older_cursor:
            when, pk = older_cursor
            page_qs = calls.filter(started_at__lte=when).exclude(started_at=when, pk__gte=pk)
        rows = list(_with_details(page_qs.order_by("-started_at", "-pk"))[: PAGE_SIZE + 1])
        has_older, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
        has_newer = older_cursor is not None
    _attach_legs(rows)
    return CallPage(
        calls=rows,
        newer_cursor=encode_cursor(rows[0]) if rows and has_newer else "",
        older_cursor=encode_cursor(rows[-1]) if rows and has_older else "",
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
    )


def _attach_legs(rows: list[Call]) -> None:
    """`transfer_legs` on each call passed on: the colleagues' parties of it (who took it, talk
    time, their reports), in one query for the page."""
    sessions = {call.telephony_session_id for call in rows if call.transfer_id and call.telephony_session_id}
    legs: dict[str, list[Call]] = {}
    if sessions:
        found = Call.objects.filter(entity_id=rows[0].entity_id, telephony_session_id__in=sessions)
        found = found.exclude(pk__in=[call.pk for call in rows]).exclude(party_sequences={})
        for leg in _with_details(found.order_by("started_at", "pk")):
            legs.setdefault(leg.telephony_session_id, []).append(leg)
    for call in rows:
        call.transfer_legs = legs.get(call.telephony_session_id, []) if call.transfer_id else []  # type: ignore[attr-defined]
