"""Callback items (one per company and caller number while open), the missed calls that made
them, the voicemails left, and each company's response-time promise."""

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from telephony.callbacks.business_hours import BusinessHours


def _default_zone() -> str:
    return settings.TIME_ZONE


class ResponsePromise(models.Model):
    """How soon the company promises to call back: a target in business time."""

    entity = models.OneToOneField("crm.Entity", on_delete=models.CASCADE, related_name="response_promise")
    time_zone = models.CharField(max_length=64, default=_default_zone)
    workdays = models.CharField(
        "business days", max_length=7, default="12345", help_text="ISO weekdays, 1 = Monday … 7 = Sunday."
    )
    opens_at = models.TimeField(default=time(9, 0))
    closes_at = models.TimeField(default=time(17, 0))
    target_minutes = models.PositiveIntegerField("call back within (business minutes)", default=120)
    holidays = models.TextField(blank=True, help_text="Days off, one date (YYYY-MM-DD) per line.")
    email_supervisors = models.BooleanField(
        "also email supervisors when a callback is overdue", default=False
    )

    def __str__(self) -> str:
        return f"Response-time promise of {self.entity}"

    def holiday_dates(self) -> frozenset[date]:
        days = set()
        for line in self.holidays.split():
            try:
                days.add(date.fromisoformat(line.strip()))
            except ValueError:
                continue  # clean() refuses these; rows stored before stay usable
        return frozenset(days)

    def business_hours(self) -> BusinessHours:
        return BusinessHours(
            zone=ZoneInfo(self.time_zone),
            workdays=frozenset(int(d) for d in self.workdays if d.isdigit()),
            opens=self.opens_at,
            closes=self.closes_at,
            holidays=self.holiday_dates(),
        )

    @property
    def target(self) -> timedelta:
        return timedelta(minutes=self.target_minutes)

    def clean(self) -> None:
        errors = {}
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = f"“{self.time_zone}” is not a time zone, e.g. America/New_York."
        if not self.workdays or any(d not in "1234567" for d in self.workdays):
            errors["workdays"] = "Pick at least one business day."
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = "Closing time must be after opening time."
        bad = [line for line in self.holidays.split() if not _is_date(line)]
        if bad:
            errors["holidays"] = f"“{bad[0]}” is not a date: write one date per line as YYYY-MM-DD."
        if not self.target_minutes:
            errors["target_minutes"] = "The target must be at least one minute."
        if errors:
            raise ValidationError(errors)


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


class CallbackItemQuerySet(models.QuerySet):
    def for_entity(self, entity: object) -> "CallbackItemQuerySet":
        return self.filter(entity=entity)

    def open(self) -> "CallbackItemQuerySet":
        return self.filter(status=CallbackItem.Status.OPEN)


class CallbackItem(models.Model):
    """Someone outside the company called and nobody answered: call them back. One open item per
    company and caller number; repeated attempts merge into it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class CloseReason(models.TextChoices):
        REACHED = "reached", "Reached"
        NOT_NEEDED = "not_needed", "No callback needed"
        WRONG_NUMBER = "wrong_number", "Wrong number"
        SPAM = "spam", "Spam or sales call"
        OTHER = "other", "Other"
        HISTORY = "history", "Found in the call history days later, never reached"

    entity = models.ForeignKey("crm.Entity", on_delete=models.PROTECT, related_name="callback_items")
    number = models.CharField("caller's number (E.164)", max_length=32)
    caller_name = models.CharField(max_length=200, blank=True)
    customer = models.ForeignKey(
        "crm.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    attempt_count = models.PositiveIntegerField(default=0)
    first_attempt_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField()
    due_at = models.DateTimeField("promised callback by", null=True, blank=True)
    claimed_by = models.ForeignKey(
        "crm.Resource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        "crm.Resource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    close_reason = models.CharField(max_length=16, choices=CloseReason.choices, blank=True)
    close_note = models.CharField(max_length=200, blank=True)
    reached_call = models.ForeignKey(
        "telephony.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set once by the overdue sweep, with a conditional UPDATE: supervisors hear of an item once.
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CallbackItemQuerySet.as_manager()

    class Meta:
        permissions = [("supervise_callbacks", "Supervise callbacks: overdue alerts, reassign, promise")]
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "number"],
                condition=Q(status="open"),
                name="callback_one_open_item_per_number",
            )
        ]
        indexes = [
            models.Index(fields=["entity", "status", "-last_attempt_at"], name="callback_queue_idx"),
            models.Index(fields=["entity", "first_attempt_at"], name="callback_first_attempt_idx"),
            models.Index(
                fields=["due_at"],
                condition=Q(status="open", overdue_notified_at__isnull=True),
                name="callback_overdue_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Callback to {self.number} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("callbacks-item", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def was_reached(self) -> bool:
        return self.close_reason == self.CloseReason.REACHED


class CallbackAttempt(models.Model):
    """One unanswered call (a telephony session, however many people it rang) behind an item."""

    class Kind(models.TextChoices):
        MISSED = "missed", "Missed"
        VOICEMAIL = "voicemail", "Voicemail"

    entity = models.ForeignKey("crm.Entity", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(CallbackItem, on_delete=models.CASCADE, related_name="attempts")
    # RingCentral's telephony session (or "call-<pk>" for a call known without one).
    session_key = models.CharField(max_length=80)
    at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MISSED)
    rang = models.JSONField("who it rang (names)", default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "session_key"], name="callback_attempt_once_per_session"
            )
        ]
        indexes = [models.Index(fields=["entity", "at"], name="callback_attempt_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} call at {self.at:%Y-%m-%d %H:%M}"


class Voicemail(models.Model):
    """A voicemail from RingCentral's message store; its audio stays there (streamed on demand)."""

    entity = models.ForeignKey("crm.Entity", on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey(
        "crm.Resource", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message_id = models.CharField("RingCentral message id", max_length=40)
    extension_id = models.CharField(max_length=32, blank=True)
    from_number = models.CharField(max_length=32, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    duration_seconds = models.PositiveIntegerField(default=0)
    left_at = models.DateTimeField()
    has_audio = models.BooleanField(default=True)
    transcription_status = models.CharField(max_length=30, blank=True)
    transcription = models.TextField(blank=True)
    call = models.OneToOneField(
        "telephony.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="voicemail"
    )
    item = models.ForeignKey(
        CallbackItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="voicemails"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity", "message_id"], name="voicemail_once_per_message")
        ]
        indexes = [models.Index(fields=["entity", "from_number", "left_at"], name="voicemail_caller_idx")]

    def __str__(self) -> str:
        return f"Voicemail {self.message_id} from {self.from_number}"

    def get_audio_url(self) -> str:
        return reverse("callbacks-voicemail-audio", args=[self.pk])
