"""The call's shared note, shown in its wizard (registered with the wizard composer)."""

from callreports.models import CallNote
from telephony.models import Call


def wizard_note_context(call: Call, fresh: bool) -> dict:
    """The note region's context; a call that just started has none yet (saves a query)."""
    if fresh:
        return {"note": None}
    note = (
        CallNote.objects.filter(call=call)
        .select_related("updated_by__resource", "created_by__resource")
        .first()
    )
    return {"note": note}
