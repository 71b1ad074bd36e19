"""Call notes and call reports (actions) — the follow-up work that comes out of a phone call."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from crm.models import Entity


class CallNote(models.Model):
    """The notes typed in a call's wizard: one note per call, editable afterwards, with who and when."""

    entity = models.ForeignKey("crm.Entity", on_delete=models.PROTECT, related_name="call_notes")
    call = models.OneToOneField("telephony.Call", on_delete=models.CASCADE, related_name="note")
    text = models.TextField(blank=True)
    # Raised by one on every change; a save names the version it started from, so an edit made
    # on older text is refused as a conflict instead of silently overwriting newer text.
    version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Note on {self.call}"

    def history(self) -> list[dict]:
        """Each turn of writing with its author and the part it added (the whole text when the
        turn rewrote what was there)."""
        turns, before = [], ""
        for revision in self.revisions.select_related("author__resource").order_by("pk"):
            added = (
                revision.text[len(before) :].strip() if revision.text.startswith(before) else revision.text
            )
            turns.append({"author": revision.author, "at": revision.saved_at, "added": added})
            before = revision.text
        return turns


class CallNoteRevision(models.Model):
    """Who wrote what in a call's note: one row per turn of writing (a person's saves in a row
    update their turn), so a note two people added to reads back as their parts."""

    note = models.ForeignKey(CallNote, on_delete=models.CASCADE, related_name="revisions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True)  # the whole note as this turn left it
    saved_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Revision of {self.note}"


class ActionQuerySet(models.QuerySet):
    def for_entity(self, entity: "Entity | int") -> "ActionQuerySet":
        return self.filter(entity=entity)

    def open(self) -> "ActionQuerySet":
        return self.exclude(status=Action.Status.DONE)

    def overdue(self) -> "ActionQuerySet":
        return self.open().filter(due_date__lt=timezone.localdate())


class Action(models.Model):
    """A call report: follow-up work assigned to a colleague, linked to the customer, contact and call."""

    class Type(models.TextChoices):
        CALL_BACK = "call_back", "Call back"
        QUOTE_REQUEST = "quote_request", "Quote request"
        ORDER_UPDATE = "order_update", "Order update"
        INVOICE_RESEND = "invoice_resend", "Invoice resend"
        RETURN_REQUEST = "return_request", "Return request"
        INTERNAL_NOTE = "internal_note", "Internal note"
        OTHER = "other", "Other"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    entity = models.ForeignKey("crm.Entity", on_delete=models.PROTECT, related_name="actions")
    type = models.CharField(max_length=20, choices=Type.choices, default=Type.CALL_BACK)
    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    due_date = models.DateField(null=True, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey("crm.Resource", on_delete=models.PROTECT, related_name="assigned_actions")
    created_by = models.ForeignKey(
        "crm.Resource", null=True, on_delete=models.SET_NULL, related_name="created_actions"
    )
    customer = models.ForeignKey(
        "crm.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    contact = models.ForeignKey(
        "crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    call = models.ForeignKey(
        "telephony.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "-created_at"]
        indexes = [
            models.Index(fields=["entity", "assignee", "status"], name="action_assignee_status_idx"),
            models.Index(fields=["entity", "customer", "-created_at"], name="action_customer_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("callreports-action-detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        return (
            self.status != self.Status.DONE
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )
