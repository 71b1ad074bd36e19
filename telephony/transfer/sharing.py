"""One note for a call passed on: the calls of a transfer share the note of the call passed on,
so both people add to one text (who wrote first and who last shows under it)."""

from telephony.models import Call, Transfer
from telephony.transfer.wizard_hooks import transfer_of


def note_call(call: Call) -> Call:
    """The call whose note this call's wizard shows: itself, or the call a colleague passed on."""
    if not (call.transfer_id or call.other_extension_id):
        return call  # an ordinary call: no query
    transfer = transfer_of(call)
    return transfer.call if transfer is not None else call


def note_readers(call: Call) -> set[int]:
    """Users whose wizards show the note of `call` (its own user and those it was passed to)."""
    users = {call.resource.user_id} if call.resource is not None else set()
    received = Transfer.objects.filter(call=call, to_resource__isnull=False)
    users.update(received.values_list("to_resource__user_id", flat=True))
    return users
