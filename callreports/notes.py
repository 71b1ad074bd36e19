"""Call notes: the text typed in a call's wizard, kept with the call (who and when)."""

from callreports.models import CallNote

MAX_NOTE_LENGTH = 10_000


def save_call_note(*, call, user, text: str) -> CallNote:
    """Create or update the call's note. Raises ValueError for a note too long to keep."""
    if len(text) > MAX_NOTE_LENGTH:
        raise ValueError(f"Notes are limited to {MAX_NOTE_LENGTH:,} characters.")
    note, created = CallNote.objects.get_or_create(
        call=call,
        defaults={"entity_id": call.entity_id, "text": text, "created_by": user, "updated_by": user},
    )
    if not created and note.text != text:
        note.text, note.updated_by = text, user
        note.save(update_fields=["text", "updated_by", "updated_at"])
    return note
