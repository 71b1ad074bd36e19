"""The call's shared note, shown in its wizard (registered with the wizard composer)."""

from callreports.models import CallNote
from telephony.models import Call
from telephony.transfer.sharing import note_call


def wizard_note_context(call: Call, fresh: bool) -> dict:
    """The note region's context; a call that just started has none yet (saves a query), unless
    a colleague passed it on: then it shows the note of the call passed on, shared."""
    shared = note_call(call)
    if fresh and shared.pk == call.pk:
        return {"note": None, "note_call": call}
    note = (
        CallNote.objects.filter(call=shared)
        .select_related("updated_by__resource", "created_by__resource")
        .first()
    )
    return {"note": note, "note_call": shared}
