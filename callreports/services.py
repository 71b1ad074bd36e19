"""Call reports and call notes: creating and changing them, and telling the assignee.

Views and the call wizard only translate HTTP into these calls. Every function checks that the
records it links belong to one entity; a mismatch is a ValidationError, never a silent link.
"""

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from callreports.models import Action, CallNote, CallNoteRevision
from crm.models import Contact, Customer, Resource
from telephony.live import push
from telephony.models import Call
from telephony.transfer.sharing import note_readers

MAX_NOTE_LENGTH = 10_000
ACTION_FIELDS = ("type", "subject", "description", "due_date", "priority", "status", "assignee")


def _same_entity(entity_id: int, *records: Any) -> None:
    for record in records:
        if record is not None and record.entity_id != entity_id:
            raise ValidationError(f"The {record._meta.verbose_name} belongs to another company.")


def _links(*, call: Call | None, customer: Customer | None, contact: Contact | None) -> tuple:
    """The customer and contact an action is linked to: given ones first, else the call's customer.

    The call's matched contact is not linked on its own: the form pre-selects it, and a user who
    clears it means the report is about the company, not that person.
    """
    if customer is None and contact is not None:
        customer = contact.customer
    if customer is None and call is not None:
        customer = call.customer
    if contact is not None and customer is not None and contact.customer_id != customer.pk:
        raise ValidationError("The contact does not work for this customer.")
    return customer, contact


def past_due_warning(due_date: date | None) -> str:
    """A warning (not an error) for a due date already behind us: the action shows as overdue."""
    if due_date is not None and due_date < timezone.localdate():
        return f"The due date {due_date:%b %-d, %Y} is in the past, so this action shows as overdue."
    return ""


@transaction.atomic
def action_create(
    *,
    call: Call | None = None,
    customer: Customer | None = None,
    contact: Contact | None = None,
    created_by: Resource,
    data: dict,
) -> Action:
    """File a call report. Linked to the call, its customer, and the contact when one is chosen.

    `data` holds the form's fields (type, subject, description, due_date, priority, status,
    assignee). The assignee is told on their live socket once the row is committed.
    """
    customer, contact = _links(call=call, customer=customer, contact=contact)
    entity_id = created_by.entity_id
    assignee = data["assignee"]
    _same_entity(entity_id, call, customer, contact, assignee)
    action = Action(entity_id=entity_id, call=call, customer=customer, contact=contact, created_by=created_by)
    for name in ACTION_FIELDS:
        if name in data:
            setattr(action, name, data[name])
    action.completed_at = timezone.now() if action.status == Action.Status.DONE else None
    action.full_clean()
    action.save()
    _notify_assignee(action, by=created_by)
    return action


@transaction.atomic
def action_update(*, action: Action, updated_by: Resource, data: dict) -> Action:
    """Change an action's fields; a new assignee is told, as on creation."""
    previous_assignee_id = action.assignee_id
    _same_entity(action.entity_id, data.get("assignee"), data.get("contact"))
    for name in ACTION_FIELDS:
        if name in data:
            setattr(action, name, data[name])
    if "contact" in data:
        action.contact = data["contact"]
        _links(call=None, customer=action.customer, contact=action.contact)
    if action.status == Action.Status.DONE and action.completed_at is None:
        action.completed_at = timezone.now()
    elif action.status != Action.Status.DONE:
        action.completed_at = None
    action.full_clean()
    action.save()
    if action.assignee_id != previous_assignee_id:
        _notify_assignee(action, by=updated_by)
    return action


def _notify_assignee(action: Action, *, by: Resource) -> None:
    # Assigning something to yourself needs no toast: you are looking at it.
    if action.assignee_id == by.pk:
        return
    html = render_to_string("callreports/actions_toast.html", {"action": action, "by": by})
    push.send_html(user_id=action.assignee.user_id, html=html)


class NoteConflict(Exception):
    """The note changed since the version the editor started from; `newer` is what is stored."""

    def __init__(self, newer: CallNote) -> None:
        super().__init__(f"Call notes changed (now version {newer.version})")
        self.newer = newer


@transaction.atomic
def call_note_save(
    *, call: Call, user: User, text: str, base_version: int | None = None, from_tab: str = ""
) -> CallNote:
    """Create or update the call's one note, recording who wrote it first and who changed it last,
    and show the new text in every tab of the user (`from_tab`: the tab that typed it).

    The user must belong to the call's entity (their resource's entity); notes are kept to
    MAX_NOTE_LENGTH characters (ValidationError beyond, nothing saved). `base_version` is the
    version the text was edited from: if the note has changed since, NoteConflict (nothing saved)
    unless the stored text is the same anyway. None skips the check (a plain form post).
    """
    resource = Resource.objects.filter(user=user).only("entity_id").first()
    if resource is None or resource.entity_id != call.entity_id:
        raise ValidationError("This call belongs to another company.")
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationError(f"Notes are limited to {MAX_NOTE_LENGTH:,} characters.")
    note, created = CallNote.objects.select_for_update().get_or_create(
        call=call,
        defaults={
            "entity_id": call.entity_id,
            "text": text,
            "created_by": user,
            "updated_by": user,
            "version": 1,
        },
    )
    if not created and note.text == text:
        return note
    if not created:
        if base_version is not None and base_version != note.version:
            raise NoteConflict(note)
        note.text, note.updated_by, note.version = text, user, note.version + 1
        note.save(update_fields=["text", "updated_by", "updated_at", "version"])
    _record_turn(note, user)
    _push_note(note=note, user=user, from_tab=from_tab)
    return note


def _record_turn(note: CallNote, user: User) -> None:
    """Keep who wrote what: a save extends its author's turn, or starts a new one."""
    last = note.revisions.order_by("-pk").first()
    if last is not None and last.author_id == user.pk:
        last.text, last.saved_at = note.text, timezone.now()
        last.save(update_fields=["text", "saved_at"])
    else:
        CallNoteRevision.objects.create(note=note, author=user, text=note.text)


def _push_note(*, note: CallNote, user: User, from_tab: str) -> None:
    context = {"call": note.call, "note": note, "oob": True, "from_tab": from_tab}
    html = render_to_string("callreports/actions_note.html#sync", context) + render_to_string(
        "callreports/actions_note.html#state", context
    )
    # Everyone whose wizard shows this note (a call passed on shares it with the colleague).
    for user_id in {user.pk} | note_readers(note.call):
        push.send_html(user_id=user_id, html=html)
